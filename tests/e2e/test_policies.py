"""Customer managed policies and their versions, AWS managed policies, attachment to
users/groups/roles, inline policies and permissions boundaries, through boto3 and the
aws CLI, with AWS's exact error codes, messages and HTTP statuses."""

from __future__ import annotations

import json
import urllib.parse

import kw
from kw import expect_error

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
IAM_RO = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def doc(action="iam:GetUser", resource="*") -> str:
    return kw.policy_doc(kw.allow(action, resource))


def not_attachable(arn: str) -> str:
    return f"Policy {arn} does not exist or is not attachable."


INVALID_ARN = "Invalid ARN:  Could not be parsed!"


# --------------------------------------------------------------------------
# Managed policies and versions
# --------------------------------------------------------------------------

def test_policy_lifecycle_and_shapes(strict, fresh_account):
    iam, acct = strict.server.iam(fresh_account.admin), fresh_account.account_id
    name, path = kw.unique("pol"), f"/{kw.unique('pp')}/"
    d1 = doc("iam:GetUser")
    p = iam.create_policy(PolicyName=name, Path=path, PolicyDocument=d1, Description="desc",
                          Tags=[{"Key": "team", "Value": "blue"}])["Policy"]
    arn = f"arn:aws:iam::{acct}:policy{path}{name}"
    assert p["Arn"] == arn and p["PolicyName"] == name and p["Path"] == path
    assert p["PolicyId"].startswith("ANPA")
    assert p["DefaultVersionId"] == "v1" and p["AttachmentCount"] == 0
    assert p["IsAttachable"] is True and p["PermissionsBoundaryUsageCount"] == 0

    # recorded AWS: CreatePolicy (no tags) omits Tags, GetPolicy returns an empty Tags
    plain = iam.create_policy(PolicyName=kw.unique("plain"), PolicyDocument=d1)["Policy"]
    assert "Tags" not in plain
    assert iam.get_policy(PolicyArn=plain["Arn"])["Policy"]["Tags"] == []
    iam.delete_policy(PolicyArn=plain["Arn"])

    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["PolicyId"] == p["PolicyId"] and got["Description"] == "desc"
    assert got["Tags"] == [{"Key": "team", "Value": "blue"}]

    v1 = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert v1["Document"] == json.loads(d1) and v1["IsDefaultVersion"] is True and v1["VersionId"] == "v1"

    local = iam.list_policies(Scope="Local")["Policies"]
    assert [x["Arn"] for x in local] == [arn]
    assert "Description" not in local[0]
    assert iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"] == []
    aws_scope = [x["Arn"] for x in iam.list_policies(Scope="AWS")["Policies"]]
    assert READ_ONLY in aws_scope and arn not in aws_scope
    assert all(a.startswith("arn:aws:iam::aws:policy/") for a in aws_scope)
    assert [x["Arn"] for x in iam.list_policies(Scope="Local", PathPrefix=path)["Policies"]] == [arn]

    # tags
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "env", "Value": "ci"}])
    tags = iam.list_policy_tags(PolicyArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "ci"), ("team", "blue")]
    iam.untag_policy(PolicyArn=arn, TagKeys=["team"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "env", "Value": "ci"}]

    # attached → OnlyAttached, entities, AttachmentCount, DeleteConflict
    u, g, r = kw.unique("pu"), kw.unique("pg"), kw.unique("pr")
    iam.create_user(UserName=u)
    iam.create_group(GroupName=g)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)
    iam.attach_user_policy(UserName=u, PolicyArn=arn)
    iam.attach_group_policy(GroupName=g, PolicyArn=arn)
    iam.attach_role_policy(RoleName=r, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 3
    assert [x["Arn"] for x in iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]] == [arn]
    ents = iam.list_entities_for_policy(PolicyArn=arn)
    assert [x["UserName"] for x in ents["PolicyUsers"]] == [u]
    assert [x["GroupName"] for x in ents["PolicyGroups"]] == [g]
    assert [x["RoleName"] for x in ents["PolicyRoles"]] == [r]
    only_roles = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
    assert only_roles["PolicyUsers"] == [] and only_roles["PolicyGroups"] == []
    assert [x["RoleName"] for x in only_roles["PolicyRoles"]] == [r]
    expect_error(iam.delete_policy, "DeleteConflict", 409, "Cannot delete a policy attached to entities.",
                 PolicyArn=arn)
    iam.detach_user_policy(UserName=u, PolicyArn=arn)
    iam.detach_group_policy(GroupName=g, PolicyArn=arn)
    iam.detach_role_policy(RoleName=r, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0

    iam.delete_policy(PolicyArn=arn)
    expect_error(iam.get_policy, "NoSuchEntity", 404, f"Policy {arn} was not found.", PolicyArn=arn)
    expect_error(iam.delete_policy, "NoSuchEntity", 404, f"Policy {arn} was not found.", PolicyArn=arn)


def test_policy_create_errors(strict, admin_iam):
    iam = admin_iam
    name = kw.unique("dup")
    arn = iam.create_policy(PolicyName=name, PolicyDocument=doc())["Policy"]["Arn"]
    expect_error(iam.create_policy, "EntityAlreadyExists", 409,
                 f"A policy called {name} already exists. Duplicate names are not allowed.",
                 PolicyName=name, PolicyDocument=doc())
    bad = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},]}'
    expect_error(iam.create_policy, "MalformedPolicyDocument", 400, "This policy contains invalid Json",
                 PolicyName=kw.unique("bad"), PolicyDocument=bad)
    expect_error(iam.create_policy_version, "MalformedPolicyDocument", 400, "This policy contains invalid Json",
                 PolicyArn=arn, PolicyDocument=bad)
    missing = f"arn:aws:iam::{strict.account_id}:policy/{kw.unique('none')}"
    expect_error(iam.get_policy, "NoSuchEntity", 404, f"Policy {missing} was not found.", PolicyArn=missing)
    expect_error(iam.delete_policy, "NoSuchEntity", 404, f"Policy {missing} was not found.", PolicyArn=missing)
    iam.delete_policy(PolicyArn=arn)


def test_policy_versions(admin_iam):
    iam = admin_iam
    arn = iam.create_policy(PolicyName=kw.unique("ver"), PolicyDocument=doc("iam:GetUser"))["Policy"]["Arn"]
    docs = {"v1": doc("iam:GetUser")}
    for i in range(2, 6):
        d = doc(f"iam:ListUsers{i}")
        v = iam.create_policy_version(PolicyArn=arn, PolicyDocument=d)["PolicyVersion"]
        assert v["VersionId"] == f"v{i}" and v["IsDefaultVersion"] is False
        docs[v["VersionId"]] = d
    expect_error(iam.create_policy_version, "LimitExceeded", 409,
                 "A managed policy can have up to 5 versions. Before you create a new version, you must delete "
                 "an existing version.", PolicyArn=arn, PolicyDocument=doc("iam:GetGroup"))
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert sorted(v["VersionId"] for v in versions) == ["v1", "v2", "v3", "v4", "v5"]
    assert [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == ["v1"]

    iam.set_default_policy_version(PolicyArn=arn, VersionId="v3")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert got["IsDefaultVersion"] is True and got["Document"] == json.loads(docs["v3"])
    expect_error(iam.delete_policy_version, "DeleteConflict", 409, "Cannot delete the default version of a policy.",
                 PolicyArn=arn, VersionId="v3")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    expect_error(iam.get_policy_version, "NoSuchEntity", 404,
                 f"Policy {arn} version v1 does not exist or is not attachable.", PolicyArn=arn, VersionId="v1")
    expect_error(iam.set_default_policy_version, "NoSuchEntity", 404,
                 f"Policy {arn} version v1 does not exist or is not attachable.", PolicyArn=arn, VersionId="v1")
    v6 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc("iam:GetGroup"), SetAsDefault=True)
    assert v6["PolicyVersion"]["VersionId"] == "v6" and v6["PolicyVersion"]["IsDefaultVersion"] is True
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v6"

    expect_error(iam.delete_policy, "DeleteConflict", 409,
                 "This policy has more than one version. Before you delete a policy, you must delete the policy's "
                 "versions. The default version is deleted with the policy.", PolicyArn=arn)
    for v in ("v2", "v3", "v4", "v5"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    iam.delete_policy(PolicyArn=arn)


def test_aws_managed_policy(admin_iam):
    p = admin_iam.get_policy(PolicyArn=READ_ONLY)["Policy"]
    assert p["Arn"] == READ_ONLY and p["PolicyName"] == "ReadOnlyAccess" and p["Path"] == "/"
    assert p["DefaultVersionId"].startswith("v") and p["IsAttachable"] is True
    v = admin_iam.get_policy_version(PolicyArn=READ_ONLY, VersionId=p["DefaultVersionId"])["PolicyVersion"]
    assert v["IsDefaultVersion"] is True
    assert v["Document"]["Version"] == "2012-10-17" and v["Document"]["Statement"]
    missing = "arn:aws:iam::aws:policy/NoSuchManagedPolicyXyz"
    expect_error(admin_iam.get_policy, "NoSuchEntity", 404, f"Policy {missing} was not found.", PolicyArn=missing)


def test_policies_with_cli(strict):
    def aws(*a):
        return kw.aws(strict.endpoint, strict.admin, *a)

    name = kw.unique("cpol")
    d = doc("iam:GetUser")
    p = aws("iam", "create-policy", "--policy-name", name, "--policy-document", d).ok().json["Policy"]
    arn = p["Arn"]
    assert arn == f"arn:aws:iam::{strict.account_id}:policy/{name}" and "Tags" not in p
    assert aws("iam", "get-policy", "--policy-arn", arn).ok().json["Policy"]["Tags"] == []
    v = aws("iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v1").ok().json["PolicyVersion"]
    assert v["Document"] == json.loads(d)
    v2 = aws("iam", "create-policy-version", "--policy-arn", arn, "--policy-document", doc("iam:ListUsers"),
             "--set-as-default").ok().json["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is True
    aws("iam", "delete-policy-version", "--policy-arn", arn, "--version-id", "v2").error(
        "DeleteConflict", "DeletePolicyVersion", "Cannot delete the default version of a policy.")
    ro = aws("iam", "get-policy", "--policy-arn", READ_ONLY).ok().json["Policy"]
    aws("iam", "get-policy-version", "--policy-arn", READ_ONLY, "--version-id", ro["DefaultVersionId"]).ok()

    u = kw.unique("cpu")
    aws("iam", "create-user", "--user-name", u).ok()
    aws("iam", "attach-user-policy", "--user-name", u, "--policy-arn", arn).ok()
    att = aws("iam", "list-attached-user-policies", "--user-name", u).ok().json["AttachedPolicies"]
    assert att == [{"PolicyName": name, "PolicyArn": arn}]
    ents = aws("iam", "list-entities-for-policy", "--policy-arn", arn).ok().json
    assert [x["UserName"] for x in ents["PolicyUsers"]] == [u]
    aws("iam", "delete-policy", "--policy-arn", arn).error(
        "DeleteConflict", "DeletePolicy", "Cannot delete a policy attached to entities.")
    missing = f"arn:aws:iam::{strict.account_id}:policy/{kw.unique('none')}"
    aws("iam", "attach-user-policy", "--user-name", u, "--policy-arn", missing).error(
        "NoSuchEntity", "AttachUserPolicy", not_attachable(missing))
    aws("iam", "delete-policy", "--policy-arn", missing).error(
        "NoSuchEntity", "DeletePolicy", f"Policy {missing} was not found.")
    aws("iam", "detach-user-policy", "--user-name", u, "--policy-arn", arn).ok()
    aws("iam", "delete-policy-version", "--policy-arn", arn, "--version-id", "v1").ok()
    aws("iam", "delete-policy", "--policy-arn", arn).ok()
    aws("iam", "delete-user", "--user-name", u).ok()


# --------------------------------------------------------------------------
# Attachment
# --------------------------------------------------------------------------

def test_attach_detach_all_entity_kinds(strict, admin_iam):
    iam, acct = admin_iam, strict.account_id
    loose = strict.server.iam(strict.admin, validate=False)
    u, g, r = kw.unique("au"), kw.unique("ag"), kw.unique("ar")
    iam.create_user(UserName=u)
    iam.create_group(GroupName=g)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)
    name = kw.unique("attach-policy")  # >= 20 characters: passes the length check, fails the ARN parse
    arn = iam.create_policy(PolicyName=name, PolicyDocument=doc())["Policy"]["Arn"]
    missing = f"arn:aws:iam::{acct}:policy/{kw.unique('none')}"

    cases = [
        ("user", "UserName", u),
        ("group", "GroupName", g),
        ("role", "RoleName", r),
    ]
    for kind, key, ent in cases:
        attach, detach = getattr(iam, f"attach_{kind}_policy"), getattr(iam, f"detach_{kind}_policy")
        listed = getattr(iam, f"list_attached_{kind}_policies")
        loose_attach, loose_detach = getattr(loose, f"attach_{kind}_policy"), getattr(loose, f"detach_{kind}_policy")
        attach(**{key: ent, "PolicyArn": arn})
        attach(**{key: ent, "PolicyArn": IAM_RO})
        attach(**{key: ent, "PolicyArn": arn})  # idempotent
        got = listed(**{key: ent})["AttachedPolicies"]
        assert sorted((x["PolicyName"], x["PolicyArn"]) for x in got) == sorted(
            [(name, arn), ("IAMReadOnlyAccess", IAM_RO)])
        expect_error(attach, "NoSuchEntity", 404, not_attachable(missing), **{key: ent, "PolicyArn": missing})
        expect_error(attach, "ValidationError", 400, INVALID_ARN, **{key: ent, "PolicyArn": "x" * 20 + "-not-an-arn"})
        expect_error(loose_attach, "ValidationError", 400, INVALID_ARN, **{key: ent, "PolicyArn": name})
        expect_error(loose_detach, "ValidationError", 400, INVALID_ARN, **{key: ent, "PolicyArn": name})
        # shorter than the modeled minimum (20): the length constraint is reported first
        expect_error(loose_detach, "ValidationError", 400,
                     "1 validation error detected: Value 'ReadOnlyAccess' at 'policyArn' failed to satisfy "
                     "constraint: Member must have length greater than or equal to 20",
                     **{key: ent, "PolicyArn": "ReadOnlyAccess"})
        detach(**{key: ent, "PolicyArn": arn})
        detach(**{key: ent, "PolicyArn": IAM_RO})
        assert listed(**{key: ent})["AttachedPolicies"] == []

    nou, nog, nor = kw.unique("nou"), kw.unique("nog"), kw.unique("nor")
    expect_error(iam.attach_user_policy, "NoSuchEntity", 404, kw.no_such_user(nou), UserName=nou, PolicyArn=arn)
    expect_error(iam.attach_group_policy, "NoSuchEntity", 404, f"The group with name {nog} cannot be found.",
                 GroupName=nog, PolicyArn=arn)
    expect_error(iam.attach_role_policy, "NoSuchEntity", 404, f"The role with name {nor} cannot be found.",
                 RoleName=nor, PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    iam.delete_user(UserName=u)
    iam.delete_group(GroupName=g)
    iam.delete_role(RoleName=r)


def test_attach_errors_with_cli(strict):
    def aws(*a):
        return kw.aws(strict.endpoint, strict.admin, *a)

    r = kw.unique("car")
    aws("iam", "create-role", "--role-name", r, "--assume-role-policy-document", TRUST).ok()
    missing = f"arn:aws:iam::{strict.account_id}:policy/{kw.unique('none')}"
    aws("iam", "attach-role-policy", "--role-name", r, "--policy-arn", missing).error(
        "NoSuchEntity", "AttachRolePolicy", not_attachable(missing))
    aws("iam", "attach-role-policy", "--role-name", r, "--policy-arn", "policy-name-only-not-an-arn").error(
        "ValidationError", "AttachRolePolicy", INVALID_ARN)
    aws("iam", "attach-role-policy", "--role-name", r, "--policy-arn", READ_ONLY).ok()
    got = aws("iam", "list-attached-role-policies", "--role-name", r).ok().json["AttachedPolicies"]
    assert got == [{"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}]
    aws("iam", "detach-role-policy", "--role-name", r, "--policy-arn", READ_ONLY).ok()
    aws("iam", "delete-role", "--role-name", r).ok()


# --------------------------------------------------------------------------
# Inline policies
# --------------------------------------------------------------------------

def test_inline_policies_all_entity_kinds(admin_iam):
    iam = admin_iam
    u, g, r = kw.unique("iu"), kw.unique("ig"), kw.unique("ir")
    iam.create_user(UserName=u)
    iam.create_group(GroupName=g)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)
    d1 = doc("iam:GetUser")
    d2 = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": ["s3:*"],
                                                            "Resource": "*"}})
    cases = [
        ("user", iam.put_user_policy, iam.get_user_policy, iam.list_user_policies, iam.delete_user_policy,
         "UserName", u),
        ("group", iam.put_group_policy, iam.get_group_policy, iam.list_group_policies, iam.delete_group_policy,
         "GroupName", g),
        ("role", iam.put_role_policy, iam.get_role_policy, iam.list_role_policies, iam.delete_role_policy,
         "RoleName", r),
    ]
    for kind, put, get, lst, delete, key, ent in cases:
        put(**{key: ent, "PolicyName": "b-pol", "PolicyDocument": d1})
        put(**{key: ent, "PolicyName": "a-pol", "PolicyDocument": d2})
        got = get(**{key: ent, "PolicyName": "a-pol"})
        assert got[key] == ent and got["PolicyName"] == "a-pol"
        assert got["PolicyDocument"] == json.loads(d2)  # echoed as submitted (Statement stays an object)
        assert lst(**{key: ent})["PolicyNames"] == ["a-pol", "b-pol"]
        put(**{key: ent, "PolicyName": "b-pol", "PolicyDocument": d2})  # replace
        assert get(**{key: ent, "PolicyName": "b-pol"})["PolicyDocument"] == json.loads(d2)
        expect_error(put, "MalformedPolicyDocument", 400, "This policy contains invalid Json",
                     **{key: ent, "PolicyName": "bad", "PolicyDocument": '{"Version": "2012-10-17",'})
        missing_msg = f"The {kind} policy with name nope cannot be found."
        expect_error(get, "NoSuchEntity", 404, missing_msg, **{key: ent, "PolicyName": "nope"})
        expect_error(delete, "NoSuchEntity", 404, missing_msg, **{key: ent, "PolicyName": "nope"})
        delete(**{key: ent, "PolicyName": "a-pol"})
        delete(**{key: ent, "PolicyName": "b-pol"})
        assert lst(**{key: ent})["PolicyNames"] == []

    nou = kw.unique("nou")
    expect_error(iam.put_user_policy, "NoSuchEntity", 404, kw.no_such_user(nou),
                 UserName=nou, PolicyName="p", PolicyDocument=d1)
    iam.delete_user(UserName=u)
    iam.delete_group(GroupName=g)
    iam.delete_role(RoleName=r)


def test_inline_policy_size_limit(admin_iam):
    iam = admin_iam
    u = kw.unique("big")
    iam.create_user(UserName=u)
    base = kw.policy_doc(kw.allow("iam:GetUser", "arn:aws:iam::*:user/"))
    # pad the resource until the document has exactly 2048 (then 2049) non-whitespace characters
    size = len("".join(base.split()))
    fits = kw.policy_doc(kw.allow("iam:GetUser", "arn:aws:iam::*:user/" + "x" * (2048 - size)))
    assert len("".join(fits.split())) == 2048
    iam.put_user_policy(UserName=u, PolicyName="fits", PolicyDocument=fits)
    # whitespace does not count
    iam.put_user_policy(UserName=u, PolicyName="fits", PolicyDocument=json.dumps(json.loads(fits), indent=8))
    too_big = kw.policy_doc(kw.allow("iam:GetUser", "arn:aws:iam::*:user/" + "x" * (2049 - size)))
    iam.delete_user_policy(UserName=u, PolicyName="fits")
    expect_error(iam.put_user_policy, "LimitExceeded", 409,
                 f"Maximum policy size of 2048 bytes exceeded for user {u}",
                 UserName=u, PolicyName="big", PolicyDocument=too_big)
    assert iam.list_user_policies(UserName=u)["PolicyNames"] == []
    iam.delete_user(UserName=u)


def test_inline_policies_with_cli(strict):
    def aws(*a):
        return kw.aws(strict.endpoint, strict.admin, *a)

    g = kw.unique("cig")
    aws("iam", "create-group", "--group-name", g).ok()
    d = doc("iam:ListUsers")
    aws("iam", "put-group-policy", "--group-name", g, "--policy-name", "p1", "--policy-document", d).ok()
    got = aws("iam", "get-group-policy", "--group-name", g, "--policy-name", "p1").ok().json
    assert got["GroupName"] == g and got["PolicyDocument"] == json.loads(d)
    assert aws("iam", "list-group-policies", "--group-name", g).ok().json["PolicyNames"] == ["p1"]
    aws("iam", "get-group-policy", "--group-name", g, "--policy-name", "p2").error(
        "NoSuchEntity", "GetGroupPolicy", "The group policy with name p2 cannot be found.")
    aws("iam", "delete-group-policy", "--group-name", g, "--policy-name", "p1").ok()
    aws("iam", "delete-group", "--group-name", g).ok()


# --------------------------------------------------------------------------
# Permissions boundaries
# --------------------------------------------------------------------------

def test_permissions_boundaries(strict, admin_iam):
    iam, acct = admin_iam, strict.account_id
    u, r = kw.unique("bu"), kw.unique("br")
    iam.create_user(UserName=u)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)
    cust = iam.create_policy(PolicyName=kw.unique("bnd"), PolicyDocument=doc("iam:Get*"))["Policy"]["Arn"]

    iam.put_user_permissions_boundary(UserName=u, PermissionsBoundary=cust)
    pb = iam.get_user(UserName=u)["User"]["PermissionsBoundary"]
    assert pb == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": cust}
    # a boundary is a usage of the policy, but not an attachment
    ents = iam.list_entities_for_policy(PolicyArn=cust, PolicyUsageFilter="PermissionsBoundary")
    assert [x["UserName"] for x in ents["PolicyUsers"]] == [u]
    # (no assertion on the unfiltered listing: AWS's docs say "all", the server lists attachments only)
    assert [x["Arn"] for x in iam.list_policies(Scope="Local", OnlyAttached=True,
                                                 PolicyUsageFilter="PermissionsBoundary")["Policies"]
            if x["Arn"] == cust] == [cust]
    assert iam.list_entities_for_policy(PolicyArn=cust, PolicyUsageFilter="PermissionsPolicy")["PolicyUsers"] == []
    got = iam.get_policy(PolicyArn=cust)["Policy"]
    assert got["PermissionsBoundaryUsageCount"] == 1 and got["AttachmentCount"] == 0
    assert iam.list_attached_user_policies(UserName=u)["AttachedPolicies"] == []
    expect_error(iam.delete_policy, "DeleteConflict", 409, "Cannot delete a policy attached to entities.",
                 PolicyArn=cust)
    iam.delete_user_permissions_boundary(UserName=u)
    assert "PermissionsBoundary" not in iam.get_user(UserName=u)["User"]

    iam.put_role_permissions_boundary(RoleName=r, PermissionsBoundary=READ_ONLY)
    assert iam.get_role(RoleName=r)["Role"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": READ_ONLY}
    listed = [x for x in iam.list_roles()["Roles"] if x["RoleName"] == r]
    assert listed and "PermissionsBoundary" not in listed[0]
    iam.delete_role_permissions_boundary(RoleName=r)
    assert "PermissionsBoundary" not in iam.get_role(RoleName=r)["Role"]

    # a role created with a boundary
    r2 = kw.unique("br")
    iam.create_role(RoleName=r2, AssumeRolePolicyDocument=TRUST, PermissionsBoundary=cust)
    assert iam.get_role(RoleName=r2)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == cust

    missing = f"arn:aws:iam::{acct}:policy/{kw.unique('none')}"
    expect_error(iam.put_user_permissions_boundary, "NoSuchEntity", 404, not_attachable(missing),
                 UserName=u, PermissionsBoundary=missing)
    expect_error(iam.put_role_permissions_boundary, "NoSuchEntity", 404, not_attachable(missing),
                 RoleName=r, PermissionsBoundary=missing)
    nou = kw.unique("nou")
    expect_error(iam.put_user_permissions_boundary, "NoSuchEntity", 404, kw.no_such_user(nou),
                 UserName=nou, PermissionsBoundary=cust)
    # the boundary does not block deleting the user or role
    iam.put_user_permissions_boundary(UserName=u, PermissionsBoundary=cust)
    iam.delete_user(UserName=u)
    iam.delete_role(RoleName=r2)
    iam.delete_role(RoleName=r)
    iam.delete_policy(PolicyArn=cust)


def test_permissions_boundaries_with_cli(strict):
    def aws(*a):
        return kw.aws(strict.endpoint, strict.admin, *a)

    u = kw.unique("cbu")
    aws("iam", "create-user", "--user-name", u).ok()
    aws("iam", "put-user-permissions-boundary", "--user-name", u, "--permissions-boundary", IAM_RO).ok()
    assert aws("iam", "get-user", "--user-name", u).ok().json["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": IAM_RO}
    aws("iam", "delete-user-permissions-boundary", "--user-name", u).ok()
    assert "PermissionsBoundary" not in aws("iam", "get-user", "--user-name", u).ok().json["User"]
    aws("iam", "delete-user", "--user-name", u).ok()


# --------------------------------------------------------------------------
# Documents: validation, size quotas, encoding
# --------------------------------------------------------------------------

def _stmt(**kw_) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [kw_]})


def test_malformed_identity_policies(admin_iam):
    iam = admin_iam
    u = kw.unique("mal")
    iam.create_user(UserName=u)
    cases = [
        ('{"Version": "2012-10-17", "Statement": [}', "This policy contains invalid Json"),
        (_stmt(Effect="Allow", Resource="*"), "Policy statement must contain actions."),
        (_stmt(Effect="Allow", Action="iam:GetUser"), "Policy statement must contain resources."),
        (_stmt(Effect="Allow", Principal={"AWS": "*"}, Action="iam:GetUser", Resource="*"),
         "Policy document should not specify a principal."),
        (json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"},
            {"Sid": "A", "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}),
         "Statement IDs (SID) in a single policy must be unique."),
        (_stmt(Effect="Allow", Action="GetUser", Resource="*"),
         "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (_stmt(Effect="Allow", Action="iam:GetUser", Resource="not-an-arn"),
         'Resource not-an-arn must be in ARN format or "*".'),
    ]
    for document, message in cases:
        expect_error(iam.put_user_policy, "MalformedPolicyDocument", 400, message,
                     UserName=u, PolicyName="p", PolicyDocument=document)
        expect_error(iam.create_policy, "MalformedPolicyDocument", 400, message,
                     PolicyName=kw.unique("mal"), PolicyDocument=document)
    expect_error(iam.create_policy, "MalformedPolicyDocument", 400,
                 "Policy document must be version 2012-10-17 or greater.", PolicyName=kw.unique("mal"),
                 PolicyDocument=json.dumps({"Statement": [kw.allow("iam:GetUser")]}))
    assert iam.list_user_policies(UserName=u)["PolicyNames"] == []
    iam.delete_user(UserName=u)


def test_malformed_trust_policies(admin_iam):
    iam = admin_iam
    with_resource = _stmt(Effect="Allow", Principal={"Service": "ec2.amazonaws.com"}, Action="sts:AssumeRole",
                          Resource="*")
    expect_error(iam.create_role, "MalformedPolicyDocument", 400, "Has prohibited field Resource",
                 RoleName=kw.unique("mt"), AssumeRolePolicyDocument=with_resource)
    no_principal = _stmt(Effect="Allow", Action="sts:AssumeRole")
    expect_error(iam.create_role, "MalformedPolicyDocument", 400, "Missing required field Principal",
                 RoleName=kw.unique("mt"), AssumeRolePolicyDocument=no_principal)


def test_document_size_quotas(strict, admin_iam):
    iam = admin_iam

    def padded(total: int, trust: bool = False) -> str:
        """A document of exactly `total` non-whitespace characters."""
        def make(pad: str) -> str:
            if trust:
                return json.dumps({"Version": "2012-10-17", "Statement": [{
                    "Sid": "S" + pad, "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole"}]})
            return kw.policy_doc({"Sid": "S" + pad, "Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"})
        base = len("".join(make("").split()))
        d = make("x" * (total - base))
        assert len("".join(d.split())) == total
        return d

    # managed policy: 6144 per version
    arn = iam.create_policy(PolicyName=kw.unique("size"), PolicyDocument=padded(6144))["Policy"]["Arn"]
    expect_error(iam.create_policy, "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144",
                 PolicyName=kw.unique("size"), PolicyDocument=padded(6145))
    expect_error(iam.create_policy_version, "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144",
                 PolicyArn=arn, PolicyDocument=padded(6145))
    iam.delete_policy(PolicyArn=arn)

    # trust policy: 2048
    r = kw.unique("size")
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=padded(2048, trust=True))
    expect_error(iam.update_assume_role_policy, "LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: 2048",
                 RoleName=r, PolicyDocument=padded(2049, trust=True))
    expect_error(iam.create_role, "LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: 2048",
                 RoleName=kw.unique("size"), AssumeRolePolicyDocument=padded(2049, trust=True))

    # inline aggregates: group 5120, role 10240 (summed over the entity's inline policies)
    g = kw.unique("size")
    iam.create_group(GroupName=g)
    iam.put_group_policy(GroupName=g, PolicyName="a", PolicyDocument=padded(3000))
    iam.put_group_policy(GroupName=g, PolicyName="b", PolicyDocument=padded(2120))
    expect_error(iam.put_group_policy, "LimitExceeded", 409, f"Maximum policy size of 5120 bytes exceeded for group {g}",
                 GroupName=g, PolicyName="b", PolicyDocument=padded(2121))
    iam.put_role_policy(RoleName=r, PolicyName="a", PolicyDocument=padded(6000))
    iam.put_role_policy(RoleName=r, PolicyName="b", PolicyDocument=padded(4240))
    expect_error(iam.put_role_policy, "LimitExceeded", 409, f"Maximum policy size of 10240 bytes exceeded for role {r}",
                 RoleName=r, PolicyName="c", PolicyDocument=padded(200))
    for n in ("a", "b"):
        iam.delete_group_policy(GroupName=g, PolicyName=n)
        iam.delete_role_policy(RoleName=r, PolicyName=n)
    iam.delete_group(GroupName=g)
    iam.delete_role(RoleName=r)


def test_documents_are_encoded_once_more_on_output(admin_iam):
    """A `%3A` the user wrote inside the document is still `%3A` after the client decodes."""
    iam = admin_iam
    d = kw.policy_doc(kw.allow("iam:GetUser", "arn:aws:iam::*:user/a%3Ab"))
    arn = iam.create_policy(PolicyName=kw.unique("enc"), PolicyDocument=d)["Policy"]["Arn"]
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]
    assert got["Statement"][0]["Resource"] == "arn:aws:iam::*:user/a%3Ab"
    u = kw.unique("enc")
    iam.create_user(UserName=u)
    iam.put_user_policy(UserName=u, PolicyName="p", PolicyDocument=d)
    assert iam.get_user_policy(UserName=u, PolicyName="p")["PolicyDocument"] == json.loads(d)
    iam.delete_user_policy(UserName=u, PolicyName="p")
    iam.delete_user(UserName=u)
    iam.delete_policy(PolicyArn=arn)


def test_attached_policies_per_user_quota(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    u = kw.unique("q")
    iam.create_user(UserName=u)
    arns = [iam.create_policy(PolicyName=kw.unique("q"), PolicyDocument=doc())["Policy"]["Arn"] for _ in range(11)]
    for a in arns[:10]:
        iam.attach_user_policy(UserName=u, PolicyArn=a)
    expect_error(iam.attach_user_policy, "LimitExceeded", 409, "Cannot exceed quota for PoliciesPerUser: 10",
                 UserName=u, PolicyArn=arns[10])
    assert len(iam.list_attached_user_policies(UserName=u)["AttachedPolicies"]) == 10


def test_pagination_and_account_summary(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    groups = sorted(kw.unique("pg") for _ in range(3))
    roles = sorted(kw.unique("pr") for _ in range(3))
    for g in groups:
        iam.create_group(GroupName=g)
    for r in roles:
        iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)
    pols = [iam.create_policy(PolicyName=kw.unique("pp"), PolicyDocument=doc())["Policy"]["Arn"] for _ in range(3)]

    for op, key, field, want in [
        (iam.list_groups, "Groups", "GroupName", groups),
        (iam.list_roles, "Roles", "RoleName", roles),
    ]:
        first = op(MaxItems=2)
        assert first["IsTruncated"] is True and len(first[key]) == 2
        rest = op(Marker=first["Marker"], MaxItems=2)
        assert rest["IsTruncated"] is False
        assert sorted(x[field] for x in first[key] + rest[key]) == want
    got = [p["Arn"] for page in iam.get_paginator("list_policies").paginate(Scope="Local", PaginationConfig={"PageSize": 1})
           for p in page["Policies"]]
    assert sorted(got) == sorted(pols)

    s = iam.get_account_summary()["SummaryMap"]
    assert s["Groups"] == 3 and s["Roles"] == 3 and s["Policies"] == 3
    assert s["GroupsPerUserQuota"] == 10 and s["VersionsPerPolicyQuota"] == 5


def test_aws_managed_attachment_counts_are_per_account(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    # the account's `admin` user holds AdministratorAccess, and nothing else is attached yet
    attached = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert [(p["Arn"], p["AttachmentCount"]) for p in attached] == [(admin, 1)]
    got = iam.get_policy(PolicyArn=admin)["Policy"]
    assert got["AttachmentCount"] == 1 and got["Tags"] == [] and got["Description"]
    g = kw.unique("cnt")
    iam.create_group(GroupName=g)
    iam.attach_group_policy(GroupName=g, PolicyArn=READ_ONLY)
    assert iam.get_policy(PolicyArn=READ_ONLY)["Policy"]["AttachmentCount"] == 1
    assert sorted(p["Arn"] for p in iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]) == \
        sorted([admin, READ_ONLY])
    assert iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"] == []
    ents = iam.list_entities_for_policy(PolicyArn=admin)
    assert [x["UserName"] for x in ents["PolicyUsers"]] == ["admin"]


def test_documents_echoed_byte_for_byte_on_the_wire(strict, admin_iam):
    """Whitespace and key order survive: the wire carries the submitted text, URL-encoded."""
    d = ('{\n  "Version": "2012-10-17",\n  "Statement": [ { "Resource": "*", "Effect": "Allow",'
         ' "Action": "iam:GetUser" } ]\n}\n')
    arn = admin_iam.create_policy(PolicyName=kw.unique("exact"), PolicyDocument=d)["Policy"]["Arn"]
    raw = kw.signed(strict.endpoint, strict.admin, kw.iam_params("GetPolicyVersion", PolicyArn=arn, VersionId="v1"))
    assert raw.status == 200
    assert urllib.parse.unquote(raw.find("Document")) == d
    u = kw.unique("exact")
    admin_iam.create_user(UserName=u)
    admin_iam.put_user_policy(UserName=u, PolicyName="p", PolicyDocument=d)
    raw = kw.signed(strict.endpoint, strict.admin, kw.iam_params("GetUserPolicy", UserName=u, PolicyName="p"))
    assert urllib.parse.unquote(raw.find("PolicyDocument")) == d
    admin_iam.delete_user_policy(UserName=u, PolicyName="p")
    admin_iam.delete_user(UserName=u)
    admin_iam.delete_policy(PolicyArn=arn)
