"""Policy enforcement end to end: customer managed policies, group policies, inline
explicit denies, permissions boundaries, policy versions and policy variables decide
what a signed request may do, with AWS's exact AccessDenied messages."""

from __future__ import annotations

import json

import pytest

import kw
from kw import expect_error

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def make_policy(iam, *statements) -> str:
    return iam.create_policy(PolicyName=kw.unique("enf"), PolicyDocument=kw.policy_doc(*statements))["Policy"]["Arn"]


def test_resource_scoped_customer_policy(strict, admin_iam, make_user):
    acct = strict.account_id
    alice, bob = kw.unique("alice"), kw.unique("bob")
    for n in (alice, bob):
        admin_iam.create_user(UserName=n)
    arn = make_policy(admin_iam, kw.allow("iam:GetUser", f"arn:aws:iam::{acct}:user/{alice}"))
    name, creds = make_user([arn])
    iam = strict.server.iam(creds)
    assert iam.get_user(UserName=alice)["User"]["UserName"] == alice
    expect_error(iam.get_user, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:GetUser", f"arn:aws:iam::{acct}:user/{bob}"), UserName=bob)
    # and nothing else
    expect_error(iam.list_users, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:ListUsers", f"arn:aws:iam::{acct}:user/"))


def test_resource_scoped_customer_policy_with_cli(strict, admin_iam, make_user):
    acct = strict.account_id
    alice, bob = kw.unique("alice"), kw.unique("bob")
    for n in (alice, bob):
        admin_iam.create_user(UserName=n)
    arn = make_policy(admin_iam, kw.allow("iam:GetUser", f"arn:aws:iam::{acct}:user/{alice}"))
    name, creds = make_user([arn])
    r = kw.aws(strict.endpoint, creds, "iam", "get-user", "--user-name", alice).ok()
    assert r.json["User"]["UserName"] == alice
    kw.aws(strict.endpoint, creds, "iam", "get-user", "--user-name", bob).error(
        "AccessDenied", "GetUser", kw.access_denied(acct, name, "iam:GetUser", f"arn:aws:iam::{acct}:user/{bob}"))


def test_group_policy_applies_to_members_until_removed(strict, admin_iam, make_user):
    acct = strict.account_id
    name, creds = make_user()
    iam = strict.server.iam(creds)
    g = kw.unique("eg")
    admin_iam.create_group(GroupName=g)
    admin_iam.put_group_policy(GroupName=g, PolicyName="list", PolicyDocument=kw.policy_doc(kw.allow("iam:ListUsers")))
    denied = kw.access_denied(acct, name, "iam:ListUsers", f"arn:aws:iam::{acct}:user/")
    expect_error(iam.list_users, "AccessDenied", 403, denied)

    admin_iam.add_user_to_group(GroupName=g, UserName=name)
    iam.list_users(MaxItems=1)  # the very next request is allowed
    admin_iam.remove_user_from_group(GroupName=g, UserName=name)
    expect_error(iam.list_users, "AccessDenied", 403, denied)  # and the very next one denied again

    # a managed policy attached to the group works the same way
    arn = make_policy(admin_iam, kw.allow("iam:ListGroups"))
    admin_iam.attach_group_policy(GroupName=g, PolicyArn=arn)
    admin_iam.add_user_to_group(GroupName=g, UserName=name)
    assert any(x["GroupName"] == g for x in iam.list_groups()["Groups"])
    admin_iam.detach_group_policy(GroupName=g, PolicyArn=arn)
    expect_error(iam.list_groups, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:ListGroups", f"arn:aws:iam::{acct}:group/"))


def test_group_policy_with_cli(strict, admin_iam, make_user):
    acct = strict.account_id
    name, creds = make_user()
    g = kw.unique("ecg")
    admin_iam.create_group(GroupName=g)
    admin_iam.attach_group_policy(GroupName=g, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    admin_iam.add_user_to_group(GroupName=g, UserName=name)
    kw.aws(strict.endpoint, creds, "iam", "get-user", "--user-name", "admin").ok()
    admin_iam.remove_user_from_group(GroupName=g, UserName=name)
    kw.aws(strict.endpoint, creds, "iam", "get-user", "--user-name", "admin").error(
        "AccessDenied", "GetUser", kw.access_denied(acct, name, "iam:GetUser", f"arn:aws:iam::{acct}:user/admin"))


def test_inline_explicit_deny_beats_administrator_access(strict, admin_iam, make_user):
    acct = strict.account_id
    name, creds = make_user([ADMIN])
    iam = strict.server.iam(creds)
    iam.list_users(MaxItems=1)
    admin_iam.put_user_policy(UserName=name, PolicyName="no-list",
                              PolicyDocument=kw.policy_doc(kw.deny(["iam:ListUsers", "iam:CreateUser"])))
    expect_error(iam.list_users, "AccessDenied", 403,
                 kw.explicit_deny(acct, name, "iam:ListUsers", f"arn:aws:iam::{acct}:user/"))
    target = kw.unique("nope")
    expect_error(iam.create_user, "AccessDenied", 403,
                 kw.explicit_deny(acct, name, "iam:CreateUser", f"arn:aws:iam::{acct}:user/{target}"),
                 UserName=target)
    iam.list_groups(MaxItems=1)  # everything else still allowed
    kw.aws(strict.endpoint, creds, "iam", "list-users").error(
        "AccessDenied", "ListUsers", kw.explicit_deny(acct, name, "iam:ListUsers", f"arn:aws:iam::{acct}:user/"))
    admin_iam.delete_user_policy(UserName=name, PolicyName="no-list")
    iam.list_users(MaxItems=1)


def test_group_deny_beats_user_allow(strict, admin_iam, make_user):
    acct = strict.account_id
    name, creds = make_user([ADMIN])
    g = kw.unique("deny")
    admin_iam.create_group(GroupName=g)
    admin_iam.put_group_policy(GroupName=g, PolicyName="d", PolicyDocument=kw.policy_doc(kw.deny("iam:ListRoles")))
    admin_iam.add_user_to_group(GroupName=g, UserName=name)
    expect_error(strict.server.iam(creds).list_roles, "AccessDenied", 403,
                 kw.explicit_deny(acct, name, "iam:ListRoles", f"arn:aws:iam::{acct}:role/"))


def test_permissions_boundary_caps_administrator(strict, admin_iam, make_user):
    acct = strict.account_id
    name, creds = make_user([ADMIN])
    iam = strict.server.iam(creds)
    boundary = make_policy(admin_iam, kw.allow(["iam:Get*", "iam:List*"]))
    admin_iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    iam.get_user(UserName="admin")
    iam.list_users(MaxItems=1)
    target = kw.unique("capped")
    msg = kw.boundary_denied(acct, name, "iam:CreateUser", f"arn:aws:iam::{acct}:user/{target}")
    expect_error(iam.create_user, "AccessDenied", 403, msg, UserName=target)
    kw.aws(strict.endpoint, creds, "iam", "create-user", "--user-name", target).error("AccessDenied", "CreateUser", msg)
    # the boundary only caps: it grants nothing by itself
    other, other_creds = make_user()
    admin_iam.put_user_permissions_boundary(UserName=other, PermissionsBoundary=boundary)
    expect_error(strict.server.iam(other_creds).list_users, "AccessDenied", 403,
                 kw.access_denied(acct, other, "iam:ListUsers", f"arn:aws:iam::{acct}:user/"))
    # removing the boundary restores the full grant on the next request
    admin_iam.delete_user_permissions_boundary(UserName=name)
    iam.create_user(UserName=target)
    admin_iam.delete_user(UserName=target)


def test_new_default_version_changes_decision(strict, admin_iam, make_user):
    acct = strict.account_id
    arn = make_policy(admin_iam, kw.allow("iam:ListUsers"))
    name, creds = make_user([arn])
    iam = strict.server.iam(creds)
    iam.list_users(MaxItems=1)
    admin_iam.create_policy_version(PolicyArn=arn, PolicyDocument=kw.policy_doc(kw.allow("iam:ListGroups")),
                                    SetAsDefault=True)
    expect_error(iam.list_users, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:ListUsers", f"arn:aws:iam::{acct}:user/"))
    iam.list_groups(MaxItems=1)
    admin_iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    iam.list_users(MaxItems=1)
    expect_error(iam.list_groups, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:ListGroups", f"arn:aws:iam::{acct}:group/"))
    # a non-default version has no effect
    admin_iam.create_policy_version(PolicyArn=arn, PolicyDocument=kw.policy_doc(kw.allow("iam:*")))
    expect_error(iam.list_groups, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:ListGroups", f"arn:aws:iam::{acct}:group/"))


def test_aws_username_variable_scopes_own_keys(strict, admin_iam):
    acct = strict.account_id
    arn = make_policy(admin_iam, kw.allow(
        ["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:DeleteAccessKey", "iam:GetUser"],
        f"arn:aws:iam::{acct}:user/${{aws:username}}"))
    g = kw.unique("self")
    admin_iam.create_group(GroupName=g)
    admin_iam.attach_group_policy(GroupName=g, PolicyArn=arn)
    users = {}
    for prefix in ("ua", "ub"):
        n = kw.unique(prefix)
        admin_iam.create_user(UserName=n)
        admin_iam.add_user_to_group(GroupName=g, UserName=n)
        k = admin_iam.create_access_key(UserName=n)["AccessKey"]
        users[n] = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    (a, ca), (b, cb) = users.items()
    ia = strict.server.iam(ca)

    # own keys: by name and implicitly
    assert [m["AccessKeyId"] for m in ia.list_access_keys(UserName=a)["AccessKeyMetadata"]] == [ca.access_key_id]
    assert [m["AccessKeyId"] for m in ia.list_access_keys()["AccessKeyMetadata"]] == [ca.access_key_id]
    new = ia.create_access_key()["AccessKey"]
    assert new["UserName"] == a
    ia.delete_access_key(AccessKeyId=new["AccessKeyId"])
    assert ia.get_user()["User"]["UserName"] == a

    # someone else's: denied, naming the other user's ARN
    b_arn = f"arn:aws:iam::{acct}:user/{b}"
    expect_error(ia.list_access_keys, "AccessDenied", 403,
                 kw.access_denied(acct, a, "iam:ListAccessKeys", b_arn), UserName=b)
    expect_error(ia.create_access_key, "AccessDenied", 403,
                 kw.access_denied(acct, a, "iam:CreateAccessKey", b_arn), UserName=b)
    expect_error(ia.delete_access_key, "AccessDenied", 403,
                 kw.access_denied(acct, a, "iam:DeleteAccessKey", b_arn), UserName=b, AccessKeyId=cb.access_key_id)
    # b is symmetric, through the CLI
    kw.aws(strict.endpoint, cb, "iam", "list-access-keys").ok()
    kw.aws(strict.endpoint, cb, "iam", "list-access-keys", "--user-name", a).error(
        "AccessDenied", "ListAccessKeys",
        kw.access_denied(acct, b, "iam:ListAccessKeys", f"arn:aws:iam::{acct}:user/{a}"))


def test_role_policies_do_not_leak_to_users(strict, admin_iam, make_user):
    """Policies on a role or an unrelated group grant the user nothing."""
    acct = strict.account_id
    name, creds = make_user()
    r = kw.unique("er")
    admin_iam.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:user/{name}"}, "Action": "sts:AssumeRole"}]}))
    admin_iam.attach_role_policy(RoleName=r, PolicyArn=ADMIN)
    g = kw.unique("eg")
    admin_iam.create_group(GroupName=g)
    admin_iam.attach_group_policy(GroupName=g, PolicyArn=ADMIN)
    expect_error(strict.server.iam(creds).list_users, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:ListUsers", f"arn:aws:iam::{acct}:user/"))


def test_resource_arns_include_paths(strict, admin_iam, make_user):
    acct = strict.account_id
    arn = make_policy(admin_iam,
                      kw.allow(["iam:GetGroup", "iam:GetRole"], [f"arn:aws:iam::{acct}:group/allowed/*",
                                                                  f"arn:aws:iam::{acct}:role/allowed/*"]))
    name, creds = make_user([arn])
    iam = strict.server.iam(creds)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    g_in, g_out, r_in, r_out = kw.unique("gi"), kw.unique("go"), kw.unique("ri"), kw.unique("ro")
    admin_iam.create_group(GroupName=g_in, Path="/allowed/")
    admin_iam.create_group(GroupName=g_out, Path="/other/")
    admin_iam.create_role(RoleName=r_in, Path="/allowed/", AssumeRolePolicyDocument=trust)
    admin_iam.create_role(RoleName=r_out, AssumeRolePolicyDocument=trust)
    assert iam.get_group(GroupName=g_in)["Group"]["GroupName"] == g_in
    assert iam.get_role(RoleName=r_in)["Role"]["RoleName"] == r_in
    expect_error(iam.get_group, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:GetGroup", f"arn:aws:iam::{acct}:group/other/{g_out}"),
                 GroupName=g_out)
    expect_error(iam.get_role, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:GetRole", f"arn:aws:iam::{acct}:role/{r_out}"), RoleName=r_out)


def test_not_action_and_wildcard_resources(strict, admin_iam, make_user):
    acct = strict.account_id
    prefix = kw.unique("team")
    arn = make_policy(admin_iam,
                      {"Effect": "Allow", "NotAction": ["iam:CreateUser", "iam:DeleteUser"], "Resource": "*"},
                      kw.allow("iam:CreateUser", f"arn:aws:iam::{acct}:user/{prefix}-*"))
    name, creds = make_user([arn])
    iam = strict.server.iam(creds)
    iam.list_users(MaxItems=1)
    ok = f"{prefix}-one"
    iam.create_user(UserName=ok)
    other = kw.unique("outside")
    expect_error(iam.create_user, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:CreateUser", f"arn:aws:iam::{acct}:user/{other}"), UserName=other)
    expect_error(iam.delete_user, "AccessDenied", 403,
                 kw.access_denied(acct, name, "iam:DeleteUser", f"arn:aws:iam::{acct}:user/{ok}"), UserName=ok)
    admin_iam.delete_user(UserName=ok)


def test_renamed_user_keeps_its_policies(strict, admin_iam):
    acct = strict.account_id
    old = kw.unique("old")
    admin_iam.create_user(UserName=old)
    k = admin_iam.create_access_key(UserName=old)["AccessKey"]
    creds = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    g = kw.unique("rg")
    admin_iam.create_group(GroupName=g)
    admin_iam.put_group_policy(GroupName=g, PolicyName="list",
                               PolicyDocument=kw.policy_doc(kw.allow("iam:ListGroups")))
    admin_iam.add_user_to_group(GroupName=g, UserName=old)
    admin_iam.put_user_policy(UserName=old, PolicyName="self", PolicyDocument=kw.policy_doc(
        kw.allow("iam:GetUser", f"arn:aws:iam::{acct}:user/${{aws:username}}")))
    iam = strict.server.iam(creds)
    assert iam.get_user()["User"]["UserName"] == old

    new = kw.unique("new")
    admin_iam.update_user(UserName=old, NewUserName=new)
    assert iam.get_user()["User"]["UserName"] == new  # ${aws:username} follows the new name
    assert [x["UserName"] for x in admin_iam.get_group(GroupName=g)["Users"]] == [new]
    iam.list_groups(MaxItems=1)  # the group policy still applies
    expect_error(iam.get_user, "AccessDenied", 403,
                 kw.access_denied(acct, new, "iam:GetUser", f"arn:aws:iam::{acct}:user/{old}"), UserName=old)

    # renaming the group keeps the membership and its policy
    g2 = kw.unique("rg")
    admin_iam.update_group(GroupName=g, NewGroupName=g2)
    iam.list_groups(MaxItems=1)
    admin_iam.delete_group_policy(GroupName=g2, PolicyName="list")
    expect_error(iam.list_groups, "AccessDenied", 403,
                 kw.access_denied(acct, new, "iam:ListGroups", f"arn:aws:iam::{acct}:group/"))


def test_accounts_do_not_share_groups_roles_policies(strict, fresh_account):
    mine = strict.server.iam(strict.admin)
    theirs = strict.server.iam(fresh_account.admin)
    g, r = kw.unique("xg"), kw.unique("xr")
    theirs.create_group(GroupName=g)
    theirs.create_role(RoleName=r, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    arn = theirs.create_policy(PolicyName=kw.unique("xp"), PolicyDocument=kw.policy_doc(kw.allow("*")))["Policy"]["Arn"]
    assert arn.startswith(f"arn:aws:iam::{fresh_account.account_id}:policy/")
    expect_error(mine.get_group, "NoSuchEntity", 404, f"The group with name {g} cannot be found.", GroupName=g)
    expect_error(mine.get_role, "NoSuchEntity", 404, f"The role with name {r} cannot be found.", RoleName=r)
    # another account's policy is a cross-account request: no resource policy allows it
    msg = expect_error(mine.get_policy, "AccessDenied", 403, PolicyArn=arn)
    assert msg.endswith("because no resource-based policy allows the iam:GetPolicy action"), msg
    u = kw.unique("xu")
    mine.create_user(UserName=u)
    expect_error(mine.attach_user_policy, "NoSuchEntity", 404, f"Policy {arn} does not exist or is not attachable.",
                 UserName=u, PolicyArn=arn)
    expect_error(mine.put_user_permissions_boundary, "NoSuchEntity", 404,
                 f"Policy {arn} does not exist or is not attachable.", UserName=u, PermissionsBoundary=arn)
    mine.create_group(GroupName=g)  # the same name is free here
    mine.delete_group(GroupName=g)
    mine.delete_user(UserName=u)


def _user_with_inline(strict, admin_iam, *statements, tags=()):
    n = kw.unique("cu")
    admin_iam.create_user(UserName=n, Tags=list(tags))
    admin_iam.put_user_policy(UserName=n, PolicyName="p", PolicyDocument=kw.policy_doc(*statements))
    k = admin_iam.create_access_key(UserName=n)["AccessKey"]
    return n, strict.server.iam(kw.Creds(k["AccessKeyId"], k["SecretAccessKey"]))


def test_boundary_explicit_deny_and_intersection(strict, admin_iam):
    acct = strict.account_id
    boundary = make_policy(admin_iam, kw.allow("iam:*"), kw.deny("iam:ListUsers"))
    n, iam = _user_with_inline(strict, admin_iam, kw.allow("iam:*"))
    admin_iam.put_user_permissions_boundary(UserName=n, PermissionsBoundary=boundary)
    iam.list_groups(MaxItems=1)
    expect_error(iam.list_users, "AccessDenied", 403,
                 kw.explicit_deny(acct, n, "iam:ListUsers", f"arn:aws:iam::{acct}:user/", "a permissions boundary"))
    # allowed by the boundary but not by any identity policy
    n2, iam2 = _user_with_inline(strict, admin_iam, kw.allow("iam:ListGroups"))
    admin_iam.put_user_permissions_boundary(UserName=n2, PermissionsBoundary=boundary)
    iam2.list_groups(MaxItems=1)
    expect_error(iam2.list_roles, "AccessDenied", 403,
                 kw.access_denied(acct, n2, "iam:ListRoles", f"arn:aws:iam::{acct}:role/"))


def test_condition_keys(strict, admin_iam):
    acct = strict.account_id
    listing = f"arn:aws:iam::{acct}:user/"
    cond = {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}
    _, blue = _user_with_inline(strict, admin_iam, cond, tags=[{"Key": "team", "Value": "blue"}])
    blue.list_users(MaxItems=1)
    red_name, red = _user_with_inline(strict, admin_iam, cond, tags=[{"Key": "team", "Value": "red"}])
    expect_error(red.list_users, "AccessDenied", 403, kw.access_denied(acct, red_name, "iam:ListUsers", listing))

    # the suite talks plain HTTP from 127.0.0.1
    tls_name, tls = _user_with_inline(strict, admin_iam, {
        "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    expect_error(tls.list_users, "AccessDenied", 403, kw.access_denied(acct, tls_name, "iam:ListUsers", listing))
    _, local = _user_with_inline(strict, admin_iam, {
        "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}})
    local.list_users(MaxItems=1)

    # aws:RequestTag: creating a user must carry team=blue
    tag_name, tagger = _user_with_inline(strict, admin_iam, kw.allow("iam:*"), {
        "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestTag/team": "blue"}}})
    bad = kw.unique("untagged")
    expect_error(tagger.create_user, "AccessDenied", 403,
                 kw.explicit_deny(acct, tag_name, "iam:CreateUser", f"arn:aws:iam::{acct}:user/{bad}"), UserName=bad)
    good = kw.unique("tagged")
    tagger.create_user(UserName=good, Tags=[{"Key": "team", "Value": "blue"}])
    admin_iam.delete_user(UserName=good)


def test_not_resource(strict, admin_iam):
    acct = strict.account_id
    n, iam = _user_with_inline(strict, admin_iam,
                               {"Effect": "Allow", "Action": "iam:GetUser",
                                "NotResource": f"arn:aws:iam::{acct}:user/admin"})
    iam.get_user(UserName=n)
    expect_error(iam.get_user, "AccessDenied", 403,
                 kw.access_denied(acct, n, "iam:GetUser", f"arn:aws:iam::{acct}:user/admin"), UserName="admin")


def test_resource_tag_conditions_on_roles(strict, admin_iam):
    acct = strict.account_id
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    dev, prod = kw.unique("dev"), kw.unique("prod")
    admin_iam.create_role(RoleName=dev, AssumeRolePolicyDocument=trust, Tags=[{"Key": "env", "Value": "dev"}])
    admin_iam.create_role(RoleName=prod, AssumeRolePolicyDocument=trust, Tags=[{"Key": "env", "Value": "prod"}])
    n, iam = _user_with_inline(strict, admin_iam, {
        "Effect": "Allow", "Action": "iam:GetRole", "Resource": "*",
        "Condition": {"StringEquals": {"iam:ResourceTag/env": "dev"}}})
    expect_error(iam.get_role, "AccessDenied", 403,
                 kw.access_denied(acct, n, "iam:GetRole", f"arn:aws:iam::{acct}:role/{prod}"), RoleName=prod)
    assert iam.get_role(RoleName=dev)["Role"]["RoleName"] == dev
    n2, iam2 = _user_with_inline(strict, admin_iam, {
        "Effect": "Allow", "Action": "iam:GetRole", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/env": "dev"}}})
    assert iam2.get_role(RoleName=dev)["Role"]["RoleName"] == dev


def test_delegation_with_permissions_boundary_and_policy_arn_conditions(strict, admin_iam):
    acct = strict.account_id
    boundary = make_policy(admin_iam, kw.allow(["iam:Get*", "iam:List*"]))
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    n, iam = _user_with_inline(
        strict, admin_iam,
        {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:CreateUser"], "Resource": "*",
         "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}},
        {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
         "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}})
    r = kw.unique("deleg")
    expect_error(iam.create_role, "AccessDenied", 403,
                 kw.access_denied(acct, n, "iam:CreateRole", f"arn:aws:iam::{acct}:role/{r}"),
                 RoleName=r, AssumeRolePolicyDocument=trust)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=trust, PermissionsBoundary=boundary)
    u = kw.unique("deleg")
    iam.create_user(UserName=u, PermissionsBoundary=boundary)
    assert admin_iam.get_user(UserName=u)["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    iam.attach_user_policy(UserName=u, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    expect_error(iam.attach_user_policy, "AccessDenied", 403,
                 kw.access_denied(acct, n, "iam:AttachUserPolicy", f"arn:aws:iam::{acct}:user/{u}"),
                 UserName=u, PolicyArn=ADMIN)


def test_policy_actions_name_the_policy_arn(strict, admin_iam):
    acct = strict.account_id
    team = admin_iam.create_policy(PolicyName=kw.unique("tp"), Path="/team/",
                                   PolicyDocument=kw.policy_doc(kw.allow("iam:GetUser")))["Policy"]["Arn"]
    other = make_policy(admin_iam, kw.allow("iam:GetUser"))
    n, iam = _user_with_inline(strict, admin_iam, kw.allow(["iam:GetPolicy", "iam:GetPolicyVersion"],
                                                           f"arn:aws:iam::{acct}:policy/team/*"))
    assert iam.get_policy(PolicyArn=team)["Policy"]["Arn"] == team
    iam.get_policy_version(PolicyArn=team, VersionId="v1")
    expect_error(iam.get_policy, "AccessDenied", 403, kw.access_denied(acct, n, "iam:GetPolicy", other),
                 PolicyArn=other)
    ro = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    expect_error(iam.get_policy, "AccessDenied", 403, kw.access_denied(acct, n, "iam:GetPolicy", ro), PolicyArn=ro)
