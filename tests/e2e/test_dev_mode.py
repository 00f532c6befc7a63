"""Dev mode: a drop-in for emulator-based suites (default account, unknown keys
act as its root, reset endpoints), and its options."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from botocore.exceptions import ClientError

import kw

DEV_ACCOUNT = "123456789012"
TEST = kw.Creds("test", "test")


def error_of(fn, **kw_):
    with pytest.raises(ClientError) as ei:
        fn(**kw_)
    return kw.err(ei.value)


def test_cli_test_test_is_dev_root(dev):
    r = kw.aws(dev.endpoint, TEST, "sts", "get-caller-identity").ok()
    assert r.json == {"UserId": DEV_ACCOUNT, "Account": DEV_ACCOUNT, "Arn": f"arn:aws:iam::{DEV_ACCOUNT}:root"}


def test_any_unknown_key_is_dev_root(dev):
    for creds in (TEST, kw.Creds("AKIAANYTHING1234", "whatever"), kw.Creds("foo", "bar")):
        r = dev.sts(creds).get_caller_identity()
        assert (r["UserId"], r["Account"], r["Arn"]) == (DEV_ACCOUNT, DEV_ACCOUNT, f"arn:aws:iam::{DEV_ACCOUNT}:root")


def test_healthz_reports_dev(dev):
    r = kw.http(dev.endpoint + "/healthz")
    assert r.status == 200
    assert json.loads(r.body)["mode"] == "dev"
    assert dev.announced_mode.startswith("dev")


def test_dev_iam_users_and_their_keys(dev):
    iam = dev.iam(TEST)
    name = kw.unique("dev")
    u = iam.create_user(UserName=name)["User"]
    assert u["Arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/{name}"
    k = iam.create_access_key(UserName=name)["AccessKey"]
    c = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    # a stored key is that user, verified strictly
    assert dev.sts(c).get_caller_identity()["Arn"] == u["Arn"]
    code, msg, status = error_of(dev.sts(c.wrong_secret()).get_caller_identity)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    # default enforcement is enforce
    code, msg, status = error_of(dev.iam(c).list_users)
    assert (code, status) == ("AccessDenied", 403)
    assert msg == kw.access_denied(DEV_ACCOUNT, name, "iam:ListUsers", f"arn:aws:iam::{DEV_ACCOUNT}:user/")
    # a deleted key no longer names the user (in dev mode it is just another unknown key)
    iam.delete_access_key(UserName=name, AccessKeyId=c.access_key_id)
    assert dev.sts(c).get_caller_identity()["Arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:root"


def test_dev_unsigned_still_refused(dev):
    r = kw.aws(dev.endpoint, None, "sts", "get-caller-identity", "--no-sign-request")
    r.error("MissingAuthenticationToken", "GetCallerIdentity", kw.MSG_MISSING_AUTH)


def test_dev_account_id_override(start_server):
    s = start_server("dev", ["--dev-account-id", "000000000000"])
    r = kw.aws(s.endpoint, TEST, "sts", "get-caller-identity").ok()
    assert r.json == {"UserId": "000000000000", "Account": "000000000000", "Arn": "arn:aws:iam::000000000000:root"}
    name = kw.unique("zero")
    u = s.iam(TEST).create_user(UserName=name)["User"]
    assert u["Arn"] == f"arn:aws:iam::000000000000:user/{name}"


@pytest.mark.parametrize("path", ["/moto-api/reset", "/_keyward/reset"])
def test_reset_wipes_state(start_server, path):
    s = start_server("dev")
    iam = s.iam(TEST)
    name = kw.unique("wipe")
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    assert iam.get_user(UserName=name)["User"]["UserName"] == name

    r = kw.http(s.endpoint + path, "POST", b"")
    assert 200 <= r.status < 300, f"{path}: {r.status} {r.body}"

    code, msg, status = error_of(iam.get_user, UserName=name)
    assert (code, msg, status) == ("NoSuchEntity", kw.no_such_user(name), 404)
    assert [u["UserName"] for u in iam.list_users()["Users"]] == []
    # the default account is back, and the wiped user's key is now just an unknown key (= dev root)
    assert s.sts(TEST).get_caller_identity()["Account"] == DEV_ACCOUNT
    who = s.sts(kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])).get_caller_identity()
    assert who["Arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:root"
    iam.create_user(UserName=name)  # the name is free again


def test_fixed_root_access_key(start_server):
    s = start_server("dev", ["--root-access-key", "AKIDEV:devsecret"])
    r = kw.aws(s.endpoint, kw.Creds("AKIDEV", "devsecret"), "sts", "get-caller-identity").ok()
    assert r.json == {"UserId": DEV_ACCOUNT, "Account": DEV_ACCOUNT, "Arn": f"arn:aws:iam::{DEV_ACCOUNT}:root"}
    kw.aws(s.endpoint, TEST, "sts", "get-caller-identity").error(
        "InvalidClientTokenId", "GetCallerIdentity", kw.MSG_INVALID_TOKEN)
    code, msg, status = error_of(s.iam(kw.Creds("AKIAOTHERKEY0000", "x")).list_users)
    assert (code, msg, status) == ("InvalidClientTokenId", kw.MSG_INVALID_TOKEN, 403)
    # the fixed key is verified strictly
    code, msg, status = error_of(s.sts(kw.Creds("AKIDEV", "wrongsecret")).get_caller_identity)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert msg.startswith(kw.MSG_SIG_MISMATCH_PREFIX)
    # and stored keys still work
    name = kw.unique("fixed")
    iam = s.iam(kw.Creds("AKIDEV", "devsecret"))
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    assert s.sts(kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])).get_caller_identity()["Arn"].endswith(name)


def test_max_clock_skew_zero_accepts_old_signatures(start_server):
    s = start_server("dev", ["--max-clock-skew", "0"])
    day_ago = kw.utcnow() - dt.timedelta(days=1)
    r = kw.signed(s.endpoint, TEST, kw.sts_params(), service="sts", at=day_ago)
    assert r.status == 200, r.body
    assert r.find("Account") == DEV_ACCOUNT
    week_ahead = kw.utcnow() + dt.timedelta(days=7)
    r = kw.signed(s.endpoint, TEST, kw.iam_params("ListUsers"), at=week_ahead)
    assert r.status == 200, r.body


def test_dev_default_clock_skew_is_enforced(dev):
    r = kw.signed(dev.endpoint, TEST, kw.sts_params(), service="sts", at=kw.utcnow() - dt.timedelta(days=1))
    code, msg = r.error
    assert (code, r.status) == ("SignatureDoesNotMatch", 403), r.body
    assert msg.startswith("Signature expired: ")


def test_custom_max_clock_skew(start_server):
    s = start_server("dev", ["--max-clock-skew", "60"])
    r = kw.signed(s.endpoint, TEST, kw.sts_params(), service="sts", at=kw.utcnow() - dt.timedelta(minutes=5))
    code, msg = r.error
    assert (code, r.status) == ("SignatureDoesNotMatch", 403), r.body
    assert msg.startswith("Signature expired: ")
    r = kw.signed(s.endpoint, TEST, kw.sts_params(), service="sts", at=kw.utcnow() - dt.timedelta(seconds=20))
    assert r.status == 200, r.body


@pytest.mark.parametrize("enforcement", ["audit", "off"])
def test_enforcement_audit_and_off_allow(start_server, enforcement):
    s = start_server("dev", ["--enforcement", enforcement])
    iam = s.iam(TEST)
    name = kw.unique("aud")
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    c = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    users = s.iam(c).list_users()["Users"]
    assert name in [u["UserName"] for u in users]
    if enforcement == "audit":
        # the would-be denial is logged with its reason
        assert kw.wait_until(lambda: "iam:ListUsers" in s.log_tail(200_000), timeout=3), s.log_tail()


def test_strict_mode_always_enforces(start_server, tmp_path):
    data = tmp_path / "strict-off"
    acct = kw.create_account(data, admin_user="admin")
    try:
        s = start_server("strict", ["--enforcement", "off"], data_dir=data)
    except RuntimeError as e:
        # refusing the combination outright is fine too, if it says why
        assert "enforcement" in str(e).split("log:", 1)[-1], e
        return
    iam = s.iam(acct.admin)
    name = kw.unique("strict")
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    code, msg, status = error_of(s.iam(kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])).list_users)
    assert (code, status) == ("AccessDenied", 403)
    # and unknown keys are still refused
    code, msg, status = error_of(s.sts(TEST).get_caller_identity)
    assert (code, msg, status) == ("InvalidClientTokenId", kw.MSG_INVALID_TOKEN, 403)
