"""IAM and STS flows through boto3 against a strict-mode keyward server:
response shapes, AWS error codes, messages and HTTP statuses."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import kw

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
IAM_RO = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
IAM_FULL = "arn:aws:iam::aws:policy/IAMFullAccess"


def expect_error(fn, code: str, status: int, message: str | None = None, **kwargs) -> str:
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    got_code, got_msg, got_status = kw.err(ei.value)
    assert (got_code, got_status) == (code, status), f"{fn.__name__}({kwargs}): {ei.value.response['Error']}"
    if message is not None:
        assert got_msg == message
    return got_msg


# --------------------------------------------------------------------------
# The core flow, once per store backend (SQLite; PostgreSQL when it answers)
# --------------------------------------------------------------------------

def test_core_flow(backend_env):
    env = backend_env
    iam = env.server.iam(env.admin)
    sts = env.server.sts(env.admin)
    acct = env.account_id

    me = sts.get_caller_identity()
    assert me["Account"] == acct
    assert me["Arn"] == f"arn:aws:iam::{acct}:user/admin"
    assert me["UserId"].startswith("AIDA")

    name = kw.unique("core")
    u = iam.create_user(UserName=name, Path="/core/", Tags=[{"Key": "team", "Value": "blue"}])["User"]
    assert u["UserName"] == name and u["Path"] == "/core/"
    assert u["Arn"] == f"arn:aws:iam::{acct}:user/core/{name}"
    assert u["UserId"].startswith("AIDA")
    assert u["Tags"] == [{"Key": "team", "Value": "blue"}]

    got = iam.get_user(UserName=name)["User"]
    assert got["UserId"] == u["UserId"] and got["Arn"] == u["Arn"]

    listed = iam.list_users(PathPrefix="/core/")["Users"]
    assert [x["UserName"] for x in listed] == [name]
    assert "Tags" not in listed[0]

    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert key["Status"] == "Active" and key["UserName"] == name
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40
    meta = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert [m["AccessKeyId"] for m in meta] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in meta[0]

    user_creds = kw.Creds(key["AccessKeyId"], key["SecretAccessKey"])
    who = env.server.sts(user_creds).get_caller_identity()
    assert who["Arn"] == u["Arn"] and who["UserId"] == u["UserId"]
    expect_error(env.server.iam(user_creds).list_users, "AccessDenied", 403)

    iam.attach_user_policy(UserName=name, PolicyArn=IAM_RO)
    assert [u2["UserName"] for u2 in env.server.iam(user_creds).list_users(PathPrefix="/core/")["Users"]] == [name]

    expect_error(iam.delete_user, "DeleteConflict", 409, kw.MSG_DELETE_CONFLICT, UserName=name)
    iam.detach_user_policy(UserName=name, PolicyArn=IAM_RO)
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    expect_error(env.server.sts(user_creds).get_caller_identity, "InvalidClientTokenId", 403, kw.MSG_INVALID_TOKEN)
    iam.delete_user(UserName=name)
    expect_error(iam.get_user, "NoSuchEntity", 404, kw.no_such_user(name), UserName=name)


# --------------------------------------------------------------------------
# Identity
# --------------------------------------------------------------------------

def test_get_caller_identity_as_iam_user(strict):
    r = strict.server.sts(strict.admin).get_caller_identity()
    assert r["Account"] == strict.account_id
    assert r["Arn"] == f"arn:aws:iam::{strict.account_id}:user/admin"
    assert r["UserId"].startswith("AIDA")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["ResponseMetadata"]["RequestId"]


def test_get_user_without_name_is_self(strict, admin_iam):
    u = admin_iam.get_user()["User"]
    assert u["UserName"] == "admin"
    assert u["Arn"] == f"arn:aws:iam::{strict.account_id}:user/admin"
    r = strict.server.sts(strict.admin).get_caller_identity()
    assert u["UserId"] == r["UserId"]


def test_partition_follows_region(strict):
    r = strict.server.sts(strict.admin, region="cn-north-1").get_caller_identity()
    assert r["Arn"] == f"arn:aws-cn:iam::{strict.account_id}:user/admin"
    r = strict.server.sts(strict.admin, region="us-gov-west-1").get_caller_identity()
    assert r["Arn"] == f"arn:aws-us-gov:iam::{strict.account_id}:user/admin"


# --------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------

def test_create_user_response_shape(strict, admin_iam):
    name = kw.unique()
    r = admin_iam.create_user(UserName=name)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    u = r["User"]
    assert u["Path"] == "/"
    assert u["UserName"] == name
    assert u["Arn"] == f"arn:aws:iam::{strict.account_id}:user/{name}"
    assert u["UserId"].startswith("AIDA") and len(u["UserId"]) == 21 and u["UserId"].isalnum()
    assert isinstance(u["CreateDate"], dt.datetime)
    assert abs((kw.utcnow() - u["CreateDate"]).total_seconds()) < 300
    assert "Tags" not in u
    assert "PasswordLastUsed" not in u


def test_get_unknown_user(admin_iam):
    expect_error(admin_iam.get_user, "NoSuchEntity", 404, kw.no_such_user("nobody"), UserName="nobody")
    expect_error(admin_iam.delete_user, "NoSuchEntity", 404, kw.no_such_user("nobody"), UserName="nobody")
    expect_error(admin_iam.create_access_key, "NoSuchEntity", 404, kw.no_such_user("nobody"), UserName="nobody")
    expect_error(admin_iam.list_access_keys, "NoSuchEntity", 404, kw.no_such_user("nobody"), UserName="nobody")
    expect_error(admin_iam.update_user, "NoSuchEntity", 404, kw.no_such_user("nobody"),
                 UserName="nobody", NewPath="/x/")


def test_user_names_unique_ignoring_case(admin_iam):
    name = kw.unique("Case")
    admin_iam.create_user(UserName=name)
    expect_error(admin_iam.create_user, "EntityAlreadyExists", 409, f"User with name {name.lower()} already exists.",
                 UserName=name.lower())
    # lookups are case-insensitive too, and return the stored spelling
    assert admin_iam.get_user(UserName=name.upper())["User"]["UserName"] == name


def test_list_users_path_prefix_and_pagination(strict, admin_iam):
    path = f"/{kw.unique('p')}/"
    names = sorted(kw.unique("pg") for _ in range(3))
    for n in names:
        admin_iam.create_user(UserName=n, Path=path, Tags=[{"Key": "k", "Value": "v"}])
    admin_iam.create_user(UserName=kw.unique("other"), Path=f"{path[:-1]}x/")  # same text prefix, other path

    all_ = admin_iam.list_users(PathPrefix=path)
    assert all_["IsTruncated"] is False
    assert "Marker" not in all_
    assert sorted(u["UserName"] for u in all_["Users"]) == names
    for u in all_["Users"]:
        assert set(u) >= {"Path", "UserName", "UserId", "Arn", "CreateDate"}
        assert "Tags" not in u, "ListUsers never returns Tags"
        assert u["Path"] == path

    p1 = admin_iam.list_users(PathPrefix=path, MaxItems=2)
    assert p1["IsTruncated"] is True
    assert p1["Marker"]
    assert len(p1["Users"]) == 2
    p2 = admin_iam.list_users(PathPrefix=path, MaxItems=2, Marker=p1["Marker"])
    assert p2["IsTruncated"] is False
    assert "Marker" not in p2
    seen = [u["UserName"] for u in p1["Users"] + p2["Users"]]
    assert sorted(seen) == names and len(set(seen)) == 3

    pages = admin_iam.get_paginator("list_users").paginate(PathPrefix=path, PaginationConfig={"PageSize": 1})
    assert sorted(u["UserName"] for page in pages for u in page["Users"]) == names


def test_list_users_as_admin_includes_admin_not_root(strict, admin_iam):
    names = [u["UserName"] for page in admin_iam.get_paginator("list_users").paginate() for u in page["Users"]]
    assert "admin" in names
    arns = [u["Arn"] for page in admin_iam.get_paginator("list_users").paginate() for u in page["Users"]]
    assert not any(a.endswith(":root") for a in arns)


def test_update_user_rename_and_move(strict, admin_iam):
    old = kw.unique("old")
    new = kw.unique("new")
    uid = admin_iam.create_user(UserName=old)["User"]["UserId"]
    key = admin_iam.create_access_key(UserName=old)["AccessKey"]
    r = admin_iam.update_user(UserName=old, NewUserName=new, NewPath="/moved/")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    expect_error(admin_iam.get_user, "NoSuchEntity", 404, kw.no_such_user(old), UserName=old)
    u = admin_iam.get_user(UserName=new)["User"]
    assert u["UserId"] == uid
    assert u["Path"] == "/moved/"
    assert u["Arn"] == f"arn:aws:iam::{strict.account_id}:user/moved/{new}"
    # the key follows the user
    assert [m["AccessKeyId"] for m in admin_iam.list_access_keys(UserName=new)["AccessKeyMetadata"]] == [
        key["AccessKeyId"]]
    who = strict.server.sts(kw.Creds(key["AccessKeyId"], key["SecretAccessKey"])).get_caller_identity()
    assert who["Arn"] == u["Arn"]


def test_update_user_to_taken_name(admin_iam):
    a, b = kw.unique("a"), kw.unique("b")
    admin_iam.create_user(UserName=a)
    admin_iam.create_user(UserName=b)
    expect_error(admin_iam.update_user, "EntityAlreadyExists", 409, UserName=a, NewUserName=b.upper())


def test_user_tags(admin_iam):
    name = kw.unique("tags")
    u = admin_iam.create_user(UserName=name, Tags=[{"Key": "a", "Value": "1"}])["User"]
    assert u["Tags"] == [{"Key": "a", "Value": "1"}]
    admin_iam.tag_user(UserName=name, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    tags = admin_iam.list_user_tags(UserName=name)
    assert sorted((t["Key"], t["Value"]) for t in tags["Tags"]) == [("a", "3"), ("b", "2")]
    assert tags["IsTruncated"] is False
    assert sorted((t["Key"], t["Value"]) for t in admin_iam.get_user(UserName=name)["User"]["Tags"]) == [
        ("a", "3"), ("b", "2")]
    admin_iam.untag_user(UserName=name, TagKeys=["a"])
    assert admin_iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "b", "Value": "2"}]
    expect_error(admin_iam.list_user_tags, "NoSuchEntity", 404, kw.no_such_user("nobody"), UserName="nobody")
    expect_error(admin_iam.tag_user, "NoSuchEntity", 404, kw.no_such_user("nobody"),
                 UserName="nobody", Tags=[{"Key": "a", "Value": "b"}])


def test_delete_user_conflicts(admin_iam):
    name = kw.unique("del")
    admin_iam.create_user(UserName=name)
    key = admin_iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    admin_iam.attach_user_policy(UserName=name, PolicyArn=IAM_RO)
    expect_error(admin_iam.delete_user, "DeleteConflict", 409, kw.MSG_DELETE_CONFLICT, UserName=name)
    admin_iam.delete_access_key(UserName=name, AccessKeyId=key)
    expect_error(admin_iam.delete_user, "DeleteConflict", 409, kw.MSG_DELETE_CONFLICT, UserName=name)
    admin_iam.detach_user_policy(UserName=name, PolicyArn=IAM_RO)
    assert admin_iam.delete_user(UserName=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    expect_error(admin_iam.get_user, "NoSuchEntity", 404, kw.no_such_user(name), UserName=name)
    # a deleted name can be reused
    admin_iam.create_user(UserName=name)


def test_bad_user_name_is_validation_error(admin_iam):
    # botocore does not check patterns client-side: this reaches the server
    expect_error(admin_iam.create_user, "ValidationError", 400, kw.BAD_NAME_MSG.format(v="x y"), UserName="x y")
    expect_error(admin_iam.get_user, "ValidationError", 400, kw.BAD_NAME_MSG.format(v="x y"), UserName="x y")


def test_max_items_zero_is_validation_error(strict):
    iam = strict.server.iam(strict.admin, validate=False)
    expect_error(iam.list_users, "ValidationError", 400, kw.MAX_ITEMS_ZERO_MSG, MaxItems=0)


# --------------------------------------------------------------------------
# Access keys
# --------------------------------------------------------------------------

def test_access_key_lifecycle(strict, admin_iam):
    name = kw.unique("keys")
    admin_iam.create_user(UserName=name)
    k1 = admin_iam.create_access_key(UserName=name)["AccessKey"]
    k2 = admin_iam.create_access_key(UserName=name)["AccessKey"]
    for k in (k1, k2):
        assert set(k) == {"UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"}
        assert k["Status"] == "Active"
    assert k1["AccessKeyId"] != k2["AccessKeyId"]
    expect_error(admin_iam.create_access_key, "LimitExceeded", 409, kw.MSG_KEY_QUOTA, UserName=name)

    meta = admin_iam.list_access_keys(UserName=name)
    assert meta["IsTruncated"] is False
    assert sorted(m["AccessKeyId"] for m in meta["AccessKeyMetadata"]) == sorted([k1["AccessKeyId"], k2["AccessKeyId"]])
    for m in meta["AccessKeyMetadata"]:
        assert set(m) == {"UserName", "AccessKeyId", "Status", "CreateDate"}, "ListAccessKeys never shows secrets"

    c1 = kw.Creds(k1["AccessKeyId"], k1["SecretAccessKey"])
    sts1 = strict.server.sts(c1)
    assert sts1.get_caller_identity()["Arn"].endswith(f":user/{name}")

    admin_iam.update_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"], Status="Inactive")
    st = {m["AccessKeyId"]: m["Status"] for m in admin_iam.list_access_keys(UserName=name)["AccessKeyMetadata"]}
    assert st == {k1["AccessKeyId"]: "Inactive", k2["AccessKeyId"]: "Active"}
    expect_error(sts1.get_caller_identity, "InvalidClientTokenId", 403, kw.MSG_INVALID_TOKEN)
    # inactive keys still count against the quota
    expect_error(admin_iam.create_access_key, "LimitExceeded", 409, kw.MSG_KEY_QUOTA, UserName=name)

    admin_iam.update_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"], Status="Active")
    assert sts1.get_caller_identity()["Arn"].endswith(f":user/{name}")

    admin_iam.delete_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"])
    expect_error(sts1.get_caller_identity, "InvalidClientTokenId", 403, kw.MSG_INVALID_TOKEN)
    assert [m["AccessKeyId"] for m in admin_iam.list_access_keys(UserName=name)["AccessKeyMetadata"]] == [
        k2["AccessKeyId"]]
    # now there is room for one more
    admin_iam.create_access_key(UserName=name)


def test_access_key_errors(admin_iam):
    name = kw.unique("kerr")
    admin_iam.create_user(UserName=name)
    missing = "AKIAZZZZZZZZZZZZZZZZ"
    expect_error(admin_iam.delete_access_key, "NoSuchEntity", 404,
                 f"The Access Key with id {missing} cannot be found.", UserName=name, AccessKeyId=missing)
    expect_error(admin_iam.update_access_key, "NoSuchEntity", 404,
                 f"The Access Key with id {missing} cannot be found.",
                 UserName=name, AccessKeyId=missing, Status="Inactive")


def test_key_of_another_user_is_not_found(admin_iam):
    a, b = kw.unique("ka"), kw.unique("kb")
    admin_iam.create_user(UserName=a)
    admin_iam.create_user(UserName=b)
    ka = admin_iam.create_access_key(UserName=a)["AccessKey"]["AccessKeyId"]
    msg = f"The Access Key with id {ka} cannot be found."
    expect_error(admin_iam.delete_access_key, "NoSuchEntity", 404, msg, UserName=b, AccessKeyId=ka)
    expect_error(admin_iam.update_access_key, "NoSuchEntity", 404, msg, UserName=b, AccessKeyId=ka,
                 Status="Inactive")
    assert admin_iam.list_access_keys(UserName=a)["AccessKeyMetadata"][0]["Status"] == "Active"


def test_user_manages_own_keys_without_user_name(strict, make_user):
    name, creds = make_user(policies=[IAM_FULL])
    iam = strict.server.iam(creds)
    k2 = iam.create_access_key()["AccessKey"]
    assert k2["UserName"] == name
    ids = sorted(m["AccessKeyId"] for m in iam.list_access_keys()["AccessKeyMetadata"])
    assert ids == sorted([creds.access_key_id, k2["AccessKeyId"]])
    expect_error(iam.create_access_key, "LimitExceeded", 409, kw.MSG_KEY_QUOTA)
    iam.delete_access_key(AccessKeyId=k2["AccessKeyId"])


def test_access_key_last_used(strict, make_user, admin_iam):
    name, creds = make_user(policies=[IAM_RO])
    before = admin_iam.get_access_key_last_used(AccessKeyId=creds.access_key_id)
    assert before["UserName"] == name
    lu = before["AccessKeyLastUsed"]
    assert "LastUsedDate" not in lu
    assert lu["ServiceName"] == "N/A" and lu["Region"] == "N/A"

    t0 = kw.utcnow() - dt.timedelta(seconds=5)
    strict.server.sts(creds, region="eu-west-1").get_caller_identity()

    def used():
        r = admin_iam.get_access_key_last_used(AccessKeyId=creds.access_key_id)["AccessKeyLastUsed"]
        return r if "LastUsedDate" in r else None

    lu = kw.wait_until(used)
    assert lu, "LastUsedDate not recorded after a GetCallerIdentity call"
    assert lu["ServiceName"] == "sts" and lu["Region"] == "eu-west-1"
    # AWS may round the date down (to the minute); it must not predate the call by more than that
    assert t0 - dt.timedelta(seconds=60) <= lu["LastUsedDate"] <= kw.utcnow() + dt.timedelta(seconds=5)


# --------------------------------------------------------------------------
# Authentication failures through boto3
# --------------------------------------------------------------------------

def test_wrong_secret_is_signature_mismatch(strict):
    sts = strict.server.sts(strict.admin.wrong_secret())
    msg = expect_error(sts.get_caller_identity, "SignatureDoesNotMatch", 403)
    assert msg.startswith(kw.MSG_SIG_MISMATCH_PREFIX)
    iam = strict.server.iam(strict.admin.wrong_secret())
    msg = expect_error(iam.list_users, "SignatureDoesNotMatch", 403)
    assert msg.startswith(kw.MSG_SIG_MISMATCH_PREFIX)


def test_unknown_key_is_invalid_client_token(strict):
    c = kw.Creds("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    expect_error(strict.server.sts(c).get_caller_identity, "InvalidClientTokenId", 403, kw.MSG_INVALID_TOKEN)
    expect_error(strict.server.iam(c).list_users, "InvalidClientTokenId", 403, kw.MSG_INVALID_TOKEN)
    test = kw.Creds("test", "test")  # the emulator habit: refused in strict mode
    expect_error(strict.server.sts(test).get_caller_identity, "InvalidClientTokenId", 403, kw.MSG_INVALID_TOKEN)


# --------------------------------------------------------------------------
# Authorization
# --------------------------------------------------------------------------

def test_policy_enforcement(strict, make_user, admin_iam):
    acct = strict.account_id
    name, creds = make_user()
    sts = strict.server.sts(creds)
    iam = strict.server.iam(creds)

    # GetCallerIdentity needs no permission
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{acct}:user/{name}"

    msg = expect_error(iam.list_users, "AccessDenied", 403)
    assert msg == kw.access_denied(acct, name, "iam:ListUsers", f"arn:aws:iam::{acct}:user/")
    msg = expect_error(iam.get_user, "AccessDenied", 403, UserName="admin")
    assert msg == kw.access_denied(acct, name, "iam:GetUser", f"arn:aws:iam::{acct}:user/admin")

    admin_iam.attach_user_policy(UserName=name, PolicyArn=IAM_RO)
    att = admin_iam.list_attached_user_policies(UserName=name)
    assert att["AttachedPolicies"] == [{"PolicyName": "IAMReadOnlyAccess", "PolicyArn": IAM_RO}]
    assert att["IsTruncated"] is False

    assert iam.list_users(MaxItems=1)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert iam.get_user(UserName="admin")["User"]["UserName"] == "admin"
    newname = kw.unique("denied")
    msg = expect_error(iam.create_user, "AccessDenied", 403, UserName=newname)
    assert msg == kw.access_denied(acct, name, "iam:CreateUser", f"arn:aws:iam::{acct}:user/{newname}")
    expect_error(admin_iam.get_user, "NoSuchEntity", 404, UserName=newname)  # denied means nothing changed

    admin_iam.detach_user_policy(UserName=name, PolicyArn=IAM_RO)
    assert admin_iam.list_attached_user_policies(UserName=name)["AttachedPolicies"] == []
    msg = expect_error(iam.list_users, "AccessDenied", 403)
    assert msg == kw.access_denied(acct, name, "iam:ListUsers", f"arn:aws:iam::{acct}:user/")


def test_attach_policy_errors(admin_iam):
    name = kw.unique("att")
    admin_iam.create_user(UserName=name)
    bogus = "arn:aws:iam::aws:policy/NoSuchPolicyHere"
    expect_error(admin_iam.attach_user_policy, "NoSuchEntity", 404,
                 f"Policy {bogus} does not exist or is not attachable.", UserName=name, PolicyArn=bogus)
    expect_error(admin_iam.attach_user_policy, "NoSuchEntity", 404, kw.no_such_user("nobody"),
                 UserName="nobody", PolicyArn=IAM_RO)
    expect_error(admin_iam.attach_user_policy, "ValidationError", 400, UserName=name,
                 PolicyArn="not-an-arn-at-all-xxxxxxxx")
    # attaching twice is idempotent
    admin_iam.attach_user_policy(UserName=name, PolicyArn=IAM_RO)
    admin_iam.attach_user_policy(UserName=name, PolicyArn=IAM_RO)
    assert len(admin_iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]) == 1


def test_admin_policy_grants_everything(strict, make_user):
    name, creds = make_user(policies=[ADMIN_ARN])
    iam = strict.server.iam(creds)
    other = kw.unique("byadmin")
    iam.create_user(UserName=other)
    iam.delete_user(UserName=other)


# --------------------------------------------------------------------------
# Root through boto3
# --------------------------------------------------------------------------

def test_root_user_api(strict, fresh_account):
    acct = fresh_account.account_id
    p = kw.root_create_access_key(strict.data_dir, fresh_account.email)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["AccountId"] == acct
    root = kw.Creds(out["AccessKeyId"], out["SecretAccessKey"])

    r = strict.server.sts(root).get_caller_identity()
    assert r == {**r, "UserId": acct, "Account": acct, "Arn": f"arn:aws:iam::{acct}:root"}

    iam = strict.server.iam(root)
    u = iam.get_user()["User"]
    assert u["UserId"] == acct and u["Arn"] == f"arn:aws:iam::{acct}:root"
    assert "UserName" not in u

    # root is not an IAM user, is not listed, and bypasses identity policies
    users = iam.list_users()["Users"]
    assert [x["UserName"] for x in users] == ["admin"]

    k2 = iam.create_access_key()["AccessKey"]
    assert k2["Status"] == "Active" and len(k2["SecretAccessKey"]) == 40
    expect_error(iam.create_access_key, "LimitExceeded", 409, kw.MSG_KEY_QUOTA)
    ids = sorted(m["AccessKeyId"] for m in iam.list_access_keys()["AccessKeyMetadata"])
    assert ids == sorted([root.access_key_id, k2["AccessKeyId"]])

    root2 = kw.Creds(k2["AccessKeyId"], k2["SecretAccessKey"])
    assert strict.server.sts(root2).get_caller_identity()["Arn"] == f"arn:aws:iam::{acct}:root"
    iam.update_access_key(AccessKeyId=k2["AccessKeyId"], Status="Inactive")
    expect_error(strict.server.sts(root2).get_caller_identity, "InvalidClientTokenId", 403, kw.MSG_INVALID_TOKEN)
    iam.update_access_key(AccessKeyId=k2["AccessKeyId"], Status="Active")
    assert strict.server.sts(root2).get_caller_identity()["Account"] == acct
    iam.delete_access_key(AccessKeyId=k2["AccessKeyId"])
    expect_error(strict.server.sts(root2).get_caller_identity, "InvalidClientTokenId", 403, kw.MSG_INVALID_TOKEN)

    # accounts are isolated: the other account's admin is not visible here
    expect_error(iam.get_user, "NoSuchEntity", 404, UserName=kw.unique("absent"))


def test_accounts_are_isolated(strict, fresh_account):
    other = strict.server.iam(fresh_account.admin)
    name = kw.unique("iso")
    strict.server.iam(strict.admin).create_user(UserName=name)
    expect_error(other.get_user, "NoSuchEntity", 404, kw.no_such_user(name), UserName=name)
    other.create_user(UserName=name)  # same name in another account is fine
    assert strict.server.sts(fresh_account.admin).get_caller_identity()["Account"] == fresh_account.account_id


# --------------------------------------------------------------------------
# More AWS managed policies and edge cases
# --------------------------------------------------------------------------

@pytest.mark.parametrize("policy,can_list,can_create", [
    ("arn:aws:iam::aws:policy/ReadOnlyAccess", True, False),
    ("arn:aws:iam::aws:policy/IAMFullAccess", True, True),
    ("arn:aws:iam::aws:policy/AdministratorAccess", True, True),
])
def test_managed_policies(strict, make_user, policy, can_list, can_create):
    acct = strict.account_id
    name, creds = make_user(policies=[policy])
    iam = strict.server.iam(creds)
    if can_list:
        iam.list_users(MaxItems=1)
    new = kw.unique("mp")
    if can_create:
        iam.create_user(UserName=new)
        iam.delete_user(UserName=new)
    else:
        msg = expect_error(iam.create_user, "AccessDenied", 403, UserName=new)
        assert msg == kw.access_denied(acct, name, "iam:CreateUser", f"arn:aws:iam::{acct}:user/{new}")


def test_read_only_user_cannot_make_own_key(strict, make_user):
    acct = strict.account_id
    name, creds = make_user(policies=[IAM_RO])
    msg = expect_error(strict.server.iam(creds).create_access_key, "AccessDenied", 403)
    assert msg == kw.access_denied(acct, name, "iam:CreateAccessKey", f"arn:aws:iam::{acct}:user/{name}")


def test_more_validation_errors(strict, admin_iam):
    name = kw.unique("val")
    admin_iam.create_user(UserName=name)
    key = admin_iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    loose = strict.server.iam(strict.admin, validate=False)
    expect_error(loose.update_access_key, "ValidationError", 400,
                 UserName=name, AccessKeyId=key, Status="Bogus")
    expect_error(loose.create_user, "ValidationError", 400, UserName=kw.unique("p"), Path="no-slashes")
    expect_error(loose.create_user, "ValidationError", 400, UserName="a" * 65)
    msg = expect_error(loose.list_users, "ValidationError", 400, MaxItems=1001)
    assert msg == ("1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: "
                   "Member must have value less than or equal to 1000")
    # nothing changed
    meta = admin_iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert [m["Status"] for m in meta] == ["Active"]


def test_long_term_key_with_session_token_is_refused(strict):
    sess = boto3.session.Session(aws_access_key_id=strict.admin.access_key_id,
                                 aws_secret_access_key=strict.admin.secret_access_key,
                                 aws_session_token="FwoGZXIvYXdzEBogus", region_name=kw.REGION)
    sts = sess.client("sts", endpoint_url=strict.endpoint, config=Config(retries={"max_attempts": 1}))
    expect_error(sts.get_caller_identity, "InvalidClientTokenId", 403)
