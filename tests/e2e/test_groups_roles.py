"""Groups, roles and instance profiles through boto3 and the aws CLI: lifecycle,
response shapes, and AWS's exact error codes, messages and HTTP statuses."""

from __future__ import annotations

import json
import urllib.parse

import kw
from kw import expect_error

MSG_DELETE_CONFLICT = kw.MSG_DELETE_CONFLICT

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def no_such_group(name: str) -> str:
    return f"The group with name {name} cannot be found."


def no_such_role(name: str) -> str:
    return f"The role with name {name} cannot be found."


# --------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------

def test_group_lifecycle(strict, admin_iam):
    iam, acct = admin_iam, strict.account_id
    g, u1, u2 = kw.unique("grp"), kw.unique("gu"), kw.unique("gu")
    path = f"/{kw.unique('gp')}/"
    created = iam.create_group(GroupName=g, Path=path)["Group"]
    assert created["GroupName"] == g and created["Path"] == path
    assert created["Arn"] == f"arn:aws:iam::{acct}:group{path}{g}"
    assert created["GroupId"].startswith("AGPA")
    assert "CreateDate" in created

    for u in (u1, u2):
        iam.create_user(UserName=u)
        iam.add_user_to_group(GroupName=g, UserName=u)
    iam.add_user_to_group(GroupName=g, UserName=u1)  # idempotent
    got = iam.get_group(GroupName=g)
    assert got["Group"]["GroupId"] == created["GroupId"]
    assert sorted(x["UserName"] for x in got["Users"]) == sorted([u1, u2])

    assert [x["GroupName"] for x in iam.list_groups(PathPrefix=path)["Groups"]] == [g]
    assert [x["GroupName"] for x in iam.list_groups_for_user(UserName=u1)["Groups"]] == [g]

    # a user that belongs to a group cannot be deleted
    expect_error(iam.delete_user, "DeleteConflict", 409, MSG_DELETE_CONFLICT, UserName=u2)

    # rename and move
    g2, path2 = kw.unique("grp"), f"/{kw.unique('gp')}/"
    iam.update_group(GroupName=g, NewGroupName=g2, NewPath=path2)
    expect_error(iam.get_group, "NoSuchEntity", 404, no_such_group(g), GroupName=g)
    moved = iam.get_group(GroupName=g2)["Group"]
    assert moved["GroupId"] == created["GroupId"] and moved["Path"] == path2
    assert moved["Arn"] == f"arn:aws:iam::{acct}:group{path2}{g2}"
    assert [x["GroupName"] for x in iam.list_groups_for_user(UserName=u2)["Groups"]] == [g2]

    # members block deletion
    expect_error(iam.delete_group, "DeleteConflict", 409,
                 "Cannot delete entity, must remove users from group first.", GroupName=g2)
    iam.remove_user_from_group(GroupName=g2, UserName=u1)
    iam.remove_user_from_group(GroupName=g2, UserName=u2)
    assert iam.get_group(GroupName=g2)["Users"] == []
    assert iam.list_groups_for_user(UserName=u1)["Groups"] == []

    # policies block deletion
    iam.put_group_policy(GroupName=g2, PolicyName="inline", PolicyDocument=kw.policy_doc(kw.allow("iam:Get*")))
    expect_error(iam.delete_group, "DeleteConflict", 409,
                 "Cannot delete entity, must delete policies first.", GroupName=g2)
    iam.delete_group_policy(GroupName=g2, PolicyName="inline")
    iam.attach_group_policy(GroupName=g2, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    expect_error(iam.delete_group, "DeleteConflict", 409,
                 "Cannot delete entity, must detach all policies first.", GroupName=g2)
    iam.detach_group_policy(GroupName=g2, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

    iam.delete_group(GroupName=g2)
    expect_error(iam.get_group, "NoSuchEntity", 404, no_such_group(g2), GroupName=g2)
    for u in (u1, u2):
        iam.delete_user(UserName=u)


def test_group_errors(admin_iam):
    iam = admin_iam
    g = kw.unique("Grp")
    iam.create_group(GroupName=g)
    expect_error(iam.create_group, "EntityAlreadyExists", 409, f"Group with name {g.lower()} already exists.",
                 GroupName=g.lower())
    missing = kw.unique("nog")
    expect_error(iam.get_group, "NoSuchEntity", 404, no_such_group(missing), GroupName=missing)
    expect_error(iam.delete_group, "NoSuchEntity", 404, no_such_group(missing), GroupName=missing)
    expect_error(iam.update_group, "NoSuchEntity", 404, no_such_group(missing), GroupName=missing, NewPath="/x/")
    expect_error(iam.add_user_to_group, "NoSuchEntity", 404, no_such_group(missing),
                 GroupName=missing, UserName="admin")
    nou = kw.unique("nou")
    expect_error(iam.add_user_to_group, "NoSuchEntity", 404, kw.no_such_user(nou), GroupName=g, UserName=nou)
    expect_error(iam.list_groups_for_user, "NoSuchEntity", 404, kw.no_such_user(nou), UserName=nou)
    other = kw.unique("grp")
    iam.create_group(GroupName=other)
    expect_error(iam.update_group, "EntityAlreadyExists", 409, f"Group with name {other} already exists.",
                 GroupName=g, NewGroupName=other)
    iam.delete_group(GroupName=g)
    iam.delete_group(GroupName=other)


def test_groups_per_user_quota(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    u = kw.unique("many")
    iam.create_user(UserName=u)
    names = [kw.unique(f"g{i}") for i in range(11)]
    for n in names:
        iam.create_group(GroupName=n)
    for n in names[:10]:
        iam.add_user_to_group(GroupName=n, UserName=u)
    expect_error(iam.add_user_to_group, "LimitExceeded", 409, "Cannot exceed quota for GroupsPerUser: 10",
                 GroupName=names[10], UserName=u)
    assert len(iam.list_groups_for_user(UserName=u)["Groups"]) == 10
    # freeing a slot makes room again
    iam.remove_user_from_group(GroupName=names[0], UserName=u)
    iam.add_user_to_group(GroupName=names[10], UserName=u)


def test_groups_with_cli(strict):
    def aws(*a):
        return kw.aws(strict.endpoint, strict.admin, *a)

    g, u = kw.unique("cg"), kw.unique("cu")
    grp = aws("iam", "create-group", "--group-name", g).ok().json["Group"]
    assert grp["Arn"] == f"arn:aws:iam::{strict.account_id}:group/{g}"
    aws("iam", "create-user", "--user-name", u).ok()
    aws("iam", "add-user-to-group", "--group-name", g, "--user-name", u).ok()
    got = aws("iam", "get-group", "--group-name", g).ok().json
    assert [x["UserName"] for x in got["Users"]] == [u]
    assert [x["GroupName"] for x in aws("iam", "list-groups-for-user", "--user-name", u).ok().json["Groups"]] == [g]
    aws("iam", "delete-group", "--group-name", g).error(
        "DeleteConflict", "DeleteGroup", "Cannot delete entity, must remove users from group first.")
    aws("iam", "create-group", "--group-name", g.upper()).error(
        "EntityAlreadyExists", "CreateGroup", f"Group with name {g.upper()} already exists.")
    aws("iam", "remove-user-from-group", "--group-name", g, "--user-name", u).ok()
    aws("iam", "delete-group", "--group-name", g).ok()
    aws("iam", "get-group", "--group-name", g).error("NoSuchEntity", "GetGroup", no_such_group(g))
    aws("iam", "delete-user", "--user-name", u).ok()


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------

def test_role_lifecycle(strict, admin_iam):
    iam, acct = admin_iam, strict.account_id
    r = kw.unique("role")
    path = f"/{kw.unique('rp')}/"
    created = iam.create_role(RoleName=r, Path=path, AssumeRolePolicyDocument=json.dumps(TRUST),
                              Description="first", Tags=[{"Key": "team", "Value": "blue"}])["Role"]
    assert created["RoleName"] == r and created["Path"] == path
    assert created["Arn"] == f"arn:aws:iam::{acct}:role{path}{r}"
    assert created["RoleId"].startswith("AROA")
    assert created["AssumeRolePolicyDocument"] == TRUST
    assert created["Description"] == "first"
    assert created["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert "MaxSessionDuration" not in created and "RoleLastUsed" not in created

    got = iam.get_role(RoleName=r)["Role"]
    assert got["RoleId"] == created["RoleId"]
    assert got["AssumeRolePolicyDocument"] == TRUST
    assert got["MaxSessionDuration"] == 3600
    assert got["RoleLastUsed"] == {}
    assert got["Tags"] == [{"Key": "team", "Value": "blue"}]

    listed = iam.list_roles(PathPrefix=path)["Roles"]
    assert [x["RoleName"] for x in listed] == [r]
    assert listed[0]["MaxSessionDuration"] == 3600
    for absent in ("RoleLastUsed", "Tags", "PermissionsBoundary"):
        assert absent not in listed[0], absent

    iam.update_role(RoleName=r, Description="second", MaxSessionDuration=7200)
    got = iam.get_role(RoleName=r)["Role"]
    assert got["Description"] == "second" and got["MaxSessionDuration"] == 7200

    upd = iam.update_role_description(RoleName=r, Description="third")["Role"]
    assert upd["Description"] == "third" and upd["RoleName"] == r

    trust2 = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": acct}, "Action": ["sts:AssumeRole"]}]}
    echoed = iam.create_role(RoleName=kw.unique("echo"), AssumeRolePolicyDocument=json.dumps(trust2))["Role"]
    assert echoed["AssumeRolePolicyDocument"] == trust2
    iam.delete_role(RoleName=echoed["RoleName"])
    iam.update_assume_role_policy(RoleName=r, PolicyDocument=json.dumps(trust2))
    # echoed as submitted: the account id is not rewritten, the list stays a list
    assert iam.get_role(RoleName=r)["Role"]["AssumeRolePolicyDocument"] == trust2

    iam.tag_role(RoleName=r, Tags=[{"Key": "env", "Value": "ci"}])
    tags = iam.list_role_tags(RoleName=r)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "ci"), ("team", "blue")]
    iam.untag_role(RoleName=r, TagKeys=["team"])
    assert iam.list_role_tags(RoleName=r)["Tags"] == [{"Key": "env", "Value": "ci"}]

    iam.delete_role(RoleName=r)
    expect_error(iam.get_role, "NoSuchEntity", 404, no_such_role(r), RoleName=r)
    expect_error(iam.delete_role, "NoSuchEntity", 404, no_such_role(r), RoleName=r)


def test_trust_policy_is_url_encoded_on_the_wire(strict, admin_iam):
    r = kw.unique("wire")
    doc = json.dumps(TRUST)
    admin_iam.create_role(RoleName=r, AssumeRolePolicyDocument=doc)
    raw = kw.signed(strict.endpoint, strict.admin, kw.iam_params("GetRole", RoleName=r))
    assert raw.status == 200
    text = raw.find("AssumeRolePolicyDocument")
    assert text and "{" not in text and "%7B" in text.upper()
    assert urllib.parse.unquote(text) == doc
    admin_iam.delete_role(RoleName=r)


def test_role_errors(strict, admin_iam):
    iam = admin_iam
    r = kw.unique("Role")
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps(TRUST))
    expect_error(iam.create_role, "EntityAlreadyExists", 409, f"Role with name {r.lower()} already exists.",
                 RoleName=r.lower(), AssumeRolePolicyDocument=json.dumps(TRUST))
    bad = json.dumps(TRUST)[:-2] + ",]}"  # trailing comma
    expect_error(iam.create_role, "MalformedPolicyDocument", 400, "This policy contains invalid Json",
                 RoleName=kw.unique("bad"), AssumeRolePolicyDocument=bad)
    expect_error(iam.update_assume_role_policy, "MalformedPolicyDocument", 400,
                 "This policy contains invalid Json", RoleName=r, PolicyDocument=bad)

    loose = strict.server.iam(strict.admin, validate=False)
    expect_error(loose.create_role, "ValidationError", 400,
                 "1 validation error detected: Value '600' at 'maxSessionDuration' failed to satisfy constraint: "
                 "Member must have value greater than or equal to 3600",
                 RoleName=kw.unique("short"), AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=600)
    expect_error(loose.update_role, "ValidationError", 400,
                 "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: "
                 "Member must have value less than or equal to 43200",
                 RoleName=r, MaxSessionDuration=43201)
    iam.update_role(RoleName=r, MaxSessionDuration=43200)
    assert iam.get_role(RoleName=r)["Role"]["MaxSessionDuration"] == 43200

    missing = kw.unique("nor")
    expect_error(iam.update_role, "NoSuchEntity", 404, no_such_role(missing), RoleName=missing, Description="x")
    expect_error(iam.update_role_description, "NoSuchEntity", 404, no_such_role(missing),
                 RoleName=missing, Description="x")
    expect_error(iam.tag_role, "NoSuchEntity", 404, no_such_role(missing), RoleName=missing,
                 Tags=[{"Key": "a", "Value": "b"}])
    iam.delete_role(RoleName=r)


def test_role_delete_conflicts(admin_iam):
    iam = admin_iam
    r = kw.unique("rdc")
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName=r, PolicyName="p", PolicyDocument=kw.policy_doc(kw.allow("s3:GetObject")))
    expect_error(iam.delete_role, "DeleteConflict", 409, "Cannot delete entity, must delete policies first.",
                 RoleName=r)
    iam.delete_role_policy(RoleName=r, PolicyName="p")
    iam.attach_role_policy(RoleName=r, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    expect_error(iam.delete_role, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.",
                 RoleName=r)
    iam.detach_role_policy(RoleName=r, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    ip = kw.unique("ip")
    iam.create_instance_profile(InstanceProfileName=ip)
    iam.add_role_to_instance_profile(InstanceProfileName=ip, RoleName=r)
    expect_error(iam.delete_role, "DeleteConflict", 409,
                 "Cannot delete entity, must remove roles from instance profile first.", RoleName=r)
    iam.remove_role_from_instance_profile(InstanceProfileName=ip, RoleName=r)
    iam.delete_instance_profile(InstanceProfileName=ip)
    iam.delete_role(RoleName=r)


def test_instance_profiles(strict, admin_iam):
    iam, acct = admin_iam, strict.account_id
    ip, r1, r2 = kw.unique("ip"), kw.unique("ipr"), kw.unique("ipr")
    path = f"/{kw.unique('ipp')}/"
    prof = iam.create_instance_profile(InstanceProfileName=ip, Path=path)["InstanceProfile"]
    assert prof["InstanceProfileName"] == ip and prof["Path"] == path
    assert prof["Arn"] == f"arn:aws:iam::{acct}:instance-profile{path}{ip}"
    assert prof["InstanceProfileId"].startswith("AIPA")
    assert prof["Roles"] == []
    expect_error(iam.create_instance_profile, "EntityAlreadyExists", 409, f"Instance Profile {ip} already exists.",
                 InstanceProfileName=ip)

    for r in (r1, r2):
        iam.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.add_role_to_instance_profile(InstanceProfileName=ip, RoleName=r1)
    expect_error(iam.add_role_to_instance_profile, "LimitExceeded", 409,
                 "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
                 InstanceProfileName=ip, RoleName=r2)
    got = iam.get_instance_profile(InstanceProfileName=ip)["InstanceProfile"]
    assert [x["RoleName"] for x in got["Roles"]] == [r1]
    assert got["Roles"][0]["AssumeRolePolicyDocument"] == TRUST
    assert [x["InstanceProfileName"] for x in iam.list_instance_profiles(PathPrefix=path)["InstanceProfiles"]] == [ip]
    assert [x["InstanceProfileName"] for x in iam.list_instance_profiles_for_role(RoleName=r1)["InstanceProfiles"]] \
        == [ip]
    assert iam.list_instance_profiles_for_role(RoleName=r2)["InstanceProfiles"] == []

    expect_error(iam.delete_instance_profile, "DeleteConflict", 409,
                 "Cannot delete entity, must remove roles from instance profile first.", InstanceProfileName=ip)
    iam.remove_role_from_instance_profile(InstanceProfileName=ip, RoleName=r1)
    iam.add_role_to_instance_profile(InstanceProfileName=ip, RoleName=r2)
    iam.remove_role_from_instance_profile(InstanceProfileName=ip, RoleName=r2)
    iam.delete_instance_profile(InstanceProfileName=ip)
    missing = f"Instance Profile {ip} cannot be found."
    expect_error(iam.get_instance_profile, "NoSuchEntity", 404, missing, InstanceProfileName=ip)
    expect_error(iam.delete_instance_profile, "NoSuchEntity", 404, missing, InstanceProfileName=ip)
    for r in (r1, r2):
        iam.delete_role(RoleName=r)


def test_roles_with_cli(strict):
    def aws(*a):
        return kw.aws(strict.endpoint, strict.admin, *a)

    r = kw.unique("cr")
    role = aws("iam", "create-role", "--role-name", r, "--assume-role-policy-document", json.dumps(TRUST),
               "--description", "cli role").ok().json["Role"]
    assert role["AssumeRolePolicyDocument"] == TRUST
    assert role["Arn"] == f"arn:aws:iam::{strict.account_id}:role/{r}"
    got = aws("iam", "get-role", "--role-name", r).ok().json["Role"]
    assert got["MaxSessionDuration"] == 3600 and got["Description"] == "cli role"
    aws("iam", "update-role", "--role-name", r, "--max-session-duration", "10800").ok()
    assert aws("iam", "get-role", "--role-name", r).ok().json["Role"]["MaxSessionDuration"] == 10800
    aws("iam", "create-role", "--role-name", r, "--assume-role-policy-document", "{\"Version\": ").error(
        "MalformedPolicyDocument", "CreateRole", "This policy contains invalid Json")
    aws("iam", "tag-role", "--role-name", r, "--tags", "Key=k,Value=v").ok()
    assert aws("iam", "list-role-tags", "--role-name", r).ok().json["Tags"] == [{"Key": "k", "Value": "v"}]

    ip = kw.unique("cip")
    aws("iam", "create-instance-profile", "--instance-profile-name", ip).ok()
    aws("iam", "add-role-to-instance-profile", "--instance-profile-name", ip, "--role-name", r).ok()
    aws("iam", "delete-role", "--role-name", r).error(
        "DeleteConflict", "DeleteRole", "Cannot delete entity, must remove roles from instance profile first.")
    aws("iam", "remove-role-from-instance-profile", "--instance-profile-name", ip, "--role-name", r).ok()
    aws("iam", "delete-instance-profile", "--instance-profile-name", ip).ok()
    aws("iam", "delete-role", "--role-name", r).ok()
    aws("iam", "get-role", "--role-name", r).error("NoSuchEntity", "GetRole", no_such_role(r))


def test_name_path_and_parameter_validation(strict):
    loose = strict.server.iam(strict.admin, validate=False)
    pattern = "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    # pattern validation comes before existence
    expect_error(loose.create_group, "ValidationError", 400,
                 f"1 validation error detected: Value 'bad name' at 'groupName' failed to satisfy constraint: {pattern}",
                 GroupName="bad name")
    expect_error(loose.get_group, "ValidationError", 400,
                 f"1 validation error detected: Value 'bad name' at 'groupName' failed to satisfy constraint: {pattern}",
                 GroupName="bad name")
    expect_error(loose.get_role, "ValidationError", 400,
                 f"1 validation error detected: Value 'x y' at 'roleName' failed to satisfy constraint: {pattern}",
                 RoleName="x y")
    long_name = "r" * 65
    expect_error(loose.create_role, "ValidationError", 400,
                 f"1 validation error detected: Value '{long_name}' at 'roleName' failed to satisfy constraint: "
                 "Member must have length less than or equal to 64",
                 RoleName=long_name, AssumeRolePolicyDocument=json.dumps(TRUST))
    expect_error(loose.create_group, "ValidationError", 400,
                 "1 validation error detected: Value 'nopath' at 'path' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
                 GroupName=kw.unique("g"), Path="nopath")
    expect_error(loose.put_user_policy, "ValidationError", 400,
                 f"1 validation error detected: Value 'bad name' at 'policyName' failed to satisfy constraint: {pattern}",
                 UserName="admin", PolicyName="bad name", PolicyDocument=kw.policy_doc(kw.allow("iam:GetUser")))
    expect_error(loose.list_policies, "ValidationError", 400, Scope="Bogus")
    expect_error(loose.get_policy_version, "ValidationError", 400,
                 "1 validation error detected: Value 'bogus' at 'versionId' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
                 PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess", VersionId="bogus")
    expect_error(loose.put_user_permissions_boundary, "ValidationError", 400, "Invalid ARN:  Could not be parsed!",
                 UserName="admin", PermissionsBoundary="not-an-arn-but-long-enough")


def test_instance_profile_tags_and_unknowns(admin_iam):
    iam = admin_iam
    ip = kw.unique("tip")
    p = iam.create_instance_profile(InstanceProfileName=ip, Tags=[{"Key": "a", "Value": "1"}])["InstanceProfile"]
    assert p["Tags"] == [{"Key": "a", "Value": "1"}]
    iam.tag_instance_profile(InstanceProfileName=ip, Tags=[{"Key": "b", "Value": "2"}])
    tags = iam.list_instance_profile_tags(InstanceProfileName=ip)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "1"), ("b", "2")]
    iam.untag_instance_profile(InstanceProfileName=ip, TagKeys=["a"])
    assert iam.list_instance_profile_tags(InstanceProfileName=ip)["Tags"] == [{"Key": "b", "Value": "2"}]
    nor = kw.unique("nor")
    expect_error(iam.add_role_to_instance_profile, "NoSuchEntity", 404, no_such_role(nor),
                 InstanceProfileName=ip, RoleName=nor)
    expect_error(iam.list_instance_profiles_for_role, "NoSuchEntity", 404, no_such_role(nor), RoleName=nor)
    iam.delete_instance_profile(InstanceProfileName=ip)


def test_group_members_and_memberships_paginate(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    g = kw.unique("pgm")
    iam.create_group(GroupName=g)
    users = sorted(kw.unique("pm") for _ in range(3))
    for u in users:
        iam.create_user(UserName=u)
        iam.add_user_to_group(GroupName=g, UserName=u)
    first = iam.get_group(GroupName=g, MaxItems=2)
    assert first["IsTruncated"] is True and len(first["Users"]) == 2
    rest = iam.get_group(GroupName=g, Marker=first["Marker"])
    assert rest["IsTruncated"] is False
    assert sorted(x["UserName"] for x in first["Users"] + rest["Users"]) == users
    assert rest["Group"]["GroupName"] == g

    more = sorted(kw.unique("pgx") for _ in range(2))
    for x in more:
        iam.create_group(GroupName=x)
        iam.add_user_to_group(GroupName=x, UserName=users[0])
    pages = list(iam.get_paginator("list_groups_for_user").paginate(
        UserName=users[0], PaginationConfig={"PageSize": 2}))
    assert len(pages) == 2
    assert sorted(x["GroupName"] for p in pages for x in p["Groups"]) == sorted([g, *more])
