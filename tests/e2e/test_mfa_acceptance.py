"""Issue acceptance, end to end with the aws CLI and boto3: virtual MFA for the
root user and for an IAM user, a hardware token imported by the operator,
wrong, reused and stale codes refused with AWS's errors, and AssumeRole across
two accounts with a trust policy requiring ExternalId and MFA and a session
policy that narrows.

Codes are computed here (RFC 6238) from the wall clock the server also reads:
devices are enabled with the previous and current steps' codes, so the next
step's code is usable at once; a stale code is one three steps old. No test
waits for the clock."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time

import boto3
import pytest
from botocore.exceptions import ClientError

import kw
from test_mfa_sessions import MFA_ONLY, totp

INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."


def _enable(iam, serial: str, seed: str, user: str | None = None) -> None:
    now = time.time()
    args = {"SerialNumber": serial, "AuthenticationCode1": totp(seed, now - 30),
            "AuthenticationCode2": totp(seed, now)}
    if user:
        args["UserName"] = user
    iam.enable_mfa_device(**args)


def _virtual(iam, user: str | None = None) -> tuple[str, str]:
    d = iam.create_virtual_mfa_device(VirtualMFADeviceName=kw.unique("mfa"))["VirtualMFADevice"]
    seed = d["Base32StringSeed"].decode()
    _enable(iam, d["SerialNumber"], seed, user)
    return d["SerialNumber"], seed


def _next(seed: str) -> str:
    return totp(seed, time.time() + 30)


def _stale(seed: str) -> str:
    return totp(seed, time.time() - 90)


def _session_client(service: str, endpoint: str, c: dict):
    return boto3.client(service, endpoint_url=endpoint, region_name=kw.REGION,
                        aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                        aws_session_token=c["SessionToken"])


def _session_env(endpoint: str, c: dict) -> dict[str, str]:
    env = kw.cli_env(endpoint, None)
    env.update({"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
                "AWS_SESSION_TOKEN": c["SessionToken"]})
    return env


def _aws_env(env: dict[str, str], *args: str):
    return subprocess.run([shutil.which("aws") or "aws", *args, "--output", "json"], capture_output=True,
                          text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


def _root_creds(strict, account) -> kw.Creds:
    p = kw.root_create_access_key(strict.data_dir, account.email)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    return kw.Creds(out["AccessKeyId"], out["SecretAccessKey"])


def _user(iam, policy: dict | None = None) -> tuple[str, kw.Creds]:
    name = kw.unique("u")
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return name, kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])


def test_root_virtual_mfa_with_the_cli(strict, fresh_account):
    root = _root_creds(strict, fresh_account)
    # AWS enables root MFA only in its console; keyward also takes
    # EnableMFADevice without UserName from root credentials, which the SDKs
    # send only with their client-side validation off.
    root_iam = kw.client("iam", strict.endpoint, root, validate=False)
    serial, seed = _virtual(root_iam)  # no UserName: the root user's device
    assert serial == f"arn:aws:iam::{fresh_account.account_id}:mfa/" + serial.rsplit("/", 1)[1]
    assert [d["SerialNumber"] for d in root_iam.list_mfa_devices()["MFADevices"]] == [serial]

    # Wrong and stale codes: AWS's AccessDenied text.
    for bad in ("000000" if _next(seed) != "000000" else "111111", _stale(seed)):
        kw.aws(strict.endpoint, root, "sts", "get-session-token", "--serial-number", serial,
               "--token-code", bad).error("AccessDenied", "GetSessionToken", INVALID_CODE)

    # A root session without MFA may not call IAM; with MFA it may.
    plain = kw.aws(strict.endpoint, root, "sts", "get-session-token").ok().json["Credentials"]
    p = _aws_env(_session_env(strict.endpoint, plain), "iam", "list-users")
    assert p.returncode != 0 and "(AccessDenied)" in p.stderr, p.stderr

    code = _next(seed)
    out = kw.aws(strict.endpoint, root, "sts", "get-session-token", "--serial-number", serial,
                 "--token-code", code).ok().json["Credentials"]
    env = _session_env(strict.endpoint, out)
    p = _aws_env(env, "iam", "list-users")
    assert p.returncode == 0, p.stderr
    who = json.loads(_aws_env(env, "sts", "get-caller-identity").stdout)
    assert who["Arn"] == f"arn:aws:iam::{fresh_account.account_id}:root"

    # The same code again: refused (each code once).
    kw.aws(strict.endpoint, root, "sts", "get-session-token", "--serial-number", serial,
           "--token-code", code).error("AccessDenied", "GetSessionToken", INVALID_CODE)


def test_user_virtual_mfa_required_by_policy_with_boto3(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    name, creds = _user(iam, MFA_ONLY)
    serial, seed = _virtual(iam, name)
    sts = strict.server.sts(creds)
    user_iam = strict.server.iam(creds)
    with pytest.raises(ClientError) as e:
        user_iam.list_users()
    assert kw.err(e.value)[0] == "AccessDenied", "the policy requires MFA"

    for bad in (_stale(seed), totp(seed, time.time() + 120)):
        with pytest.raises(ClientError) as e:
            sts.get_session_token(SerialNumber=serial, TokenCode=bad)
        assert kw.err(e.value)[:2] == ("AccessDenied", INVALID_CODE)
    code = _next(seed)
    c = sts.get_session_token(SerialNumber=serial, TokenCode=code, DurationSeconds=900)["Credentials"]
    session_iam = _session_client("iam", strict.endpoint, c)
    assert any(u["UserName"] == name for u in session_iam.list_users()["Users"])
    with pytest.raises(ClientError) as e:
        sts.get_session_token(SerialNumber=serial, TokenCode=code)
    assert kw.err(e.value)[:2] == ("AccessDenied", INVALID_CODE), "reused"
    # Another user's device is not this user's.
    other, _ = _user(iam)
    other_serial, _ = _virtual(iam, other)
    with pytest.raises(ClientError) as e:
        sts.get_session_token(SerialNumber=other_serial, TokenCode="123456")
    assert kw.err(e.value)[0] == "AccessDenied"
    assert "unable to validate MFA code" in kw.err(e.value)[1]


def test_hardware_token_imported_then_enabled_by_serial(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    name, creds = _user(iam, MFA_ONLY)
    seed = base64.b32encode(os.urandom(20)).decode().rstrip("=")
    serial = "GAHT" + str(int(time.time() * 1000))[-8:]
    # The seed goes on stdin, as vendors print it (lower case, grouped).
    printed = " ".join(seed[i:i + 4] for i in range(0, len(seed), 4)).lower()
    p = kw.run_keyward(["mfa", "import-hardware", "--account-id", fresh_account.account_id,
                        "--serial-number", serial, *kw.store_args(strict.data_dir)], stdin=printed + "\n")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"AccountId": fresh_account.account_id, "SerialNumber": serial,
                                    "Type": "hardware"}
    assert seed not in p.stdout + p.stderr
    again = kw.run_keyward(["mfa", "import-hardware", "--account-id", fresh_account.account_id,
                            "--serial-number", serial, *kw.store_args(strict.data_dir)], stdin=seed + "\n")
    assert again.returncode != 0 and "already exists" in again.stderr
    bad = kw.run_keyward(["mfa", "import-hardware", "--account-id", fresh_account.account_id,
                          "--serial-number", "GAHT99999999", *kw.store_args(strict.data_dir)], stdin="not-base32!\n")
    assert bad.returncode != 0 and "Base32" in bad.stderr

    # Not a virtual device; enabled with two consecutive codes by serial.
    virtual = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert serial not in [d["SerialNumber"] for d in virtual]
    now = time.time()
    with pytest.raises(ClientError) as e:
        iam.enable_mfa_device(UserName=name, SerialNumber=serial, AuthenticationCode1=totp(seed, now),
                              AuthenticationCode2=totp(seed, now))
    assert kw.err(e.value)[0] == "InvalidAuthenticationCode"
    _enable(iam, serial, seed, name)
    listed = iam.list_mfa_devices(UserName=name)["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [serial]

    # GetSessionToken with the token, from the aws CLI.
    kw.aws(strict.endpoint, creds, "sts", "get-session-token", "--serial-number", serial,
           "--token-code", _stale(seed)).error("AccessDenied", "GetSessionToken", INVALID_CODE)
    c = kw.aws(strict.endpoint, creds, "sts", "get-session-token", "--serial-number", serial,
               "--token-code", _next(seed)).ok().json["Credentials"]
    p = _aws_env(_session_env(strict.endpoint, c), "iam", "list-users")
    assert p.returncode == 0, p.stderr


def _two_accounts(strict, fresh_account):
    """A role in account A trusting account B with ExternalId and MFA; a user
    of B with an MFA device and permission to assume it."""
    a_iam = strict.server.iam(fresh_account.admin)
    b = kw.create_account(strict.data_dir, admin_user="admin")
    assert b.account_id != fresh_account.account_id
    b_iam = strict.server.iam(b.admin)
    role = kw.unique("partner")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{b.account_id}:root"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "partner-7"},
                      "Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    arn = a_iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    a_iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    return a_iam, b, b_iam, role, arn


NARROW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}


def test_assume_role_across_accounts_with_external_id_and_mfa_boto3(strict, fresh_account):
    a_iam, b, b_iam, role, arn = _two_accounts(strict, fresh_account)
    name, creds = _user(b_iam, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn}]})
    serial, seed = _virtual(b_iam, name)
    sts = strict.server.sts(creds)
    denied = f"User: arn:aws:iam::{b.account_id}:user/{name} is not authorized to perform: sts:AssumeRole on resource: {arn}"
    for kwargs in ({"ExternalId": "partner-7"},  # no MFA
                   {"SerialNumber": serial, "TokenCode": "000000" if _next(seed) != "000000" else "111111",
                    "ExternalId": "partner-7"}):
        with pytest.raises(ClientError) as e:
            sts.assume_role(RoleArn=arn, RoleSessionName="visit", **kwargs)
        assert kw.err(e.value)[0] == "AccessDenied"
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="visit", ExternalId="partner-7")
    assert kw.err(e.value)[:2] == ("AccessDenied", denied)
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="visit", SerialNumber=serial, TokenCode=_stale(seed),
                        ExternalId="partner-7")
    assert kw.err(e.value)[:2] == ("AccessDenied", INVALID_CODE)
    # Valid MFA but the wrong ExternalId: the trust policy refuses, and the
    # code is spent.
    code = _next(seed)
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="visit", SerialNumber=serial, TokenCode=code,
                        ExternalId="wrong-id")
    assert kw.err(e.value)[:2] == ("AccessDenied", denied)
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="visit", SerialNumber=serial, TokenCode=code,
                        ExternalId="partner-7")
    assert kw.err(e.value)[:2] == ("AccessDenied", INVALID_CODE), "reused"

    # A fresh device (its next step unused) and all conditions met, with a
    # session policy that narrows the role's read-only access to ListRoles.
    serial2, seed2 = _virtual(b_iam, name)
    out = sts.assume_role(RoleArn=arn, RoleSessionName="visit", SerialNumber=serial2, TokenCode=_next(seed2),
                          ExternalId="partner-7", Policy=json.dumps(NARROW))
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{fresh_account.account_id}:assumed-role/{role}/visit"
    assert 1 <= out["PackedPolicySize"] <= 100
    session = _session_client("iam", strict.endpoint, out["Credentials"])
    assert any(r["RoleName"] == role for r in session.list_roles()["Roles"]), "the role's account"
    with pytest.raises(ClientError) as e:
        session.list_users()
    assert kw.err(e.value)[0] == "AccessDenied", "the session policy narrows"
    who = _session_client("sts", strict.endpoint, out["Credentials"]).get_caller_identity()
    assert who["Account"] == fresh_account.account_id


def test_assume_role_across_accounts_with_external_id_and_mfa_cli(strict, fresh_account):
    _, b, b_iam, role, arn = _two_accounts(strict, fresh_account)
    name, creds = _user(b_iam, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]})
    serial, seed = _virtual(b_iam, name)
    kw.aws(strict.endpoint, creds, "sts", "assume-role", "--role-arn", arn, "--role-session-name", "cli",
           "--external-id", "partner-7").error("AccessDenied", "AssumeRole")
    kw.aws(strict.endpoint, creds, "sts", "assume-role", "--role-arn", arn, "--role-session-name", "cli",
           "--external-id", "partner-7", "--serial-number", serial, "--token-code", _stale(seed),
           ).error("AccessDenied", "AssumeRole", INVALID_CODE)
    out = kw.aws(strict.endpoint, creds, "sts", "assume-role", "--role-arn", arn, "--role-session-name", "cli",
                 "--external-id", "partner-7", "--serial-number", serial, "--token-code", _next(seed),
                 "--policy", json.dumps(NARROW)).ok().json
    env = _session_env(strict.endpoint, out["Credentials"])
    p = _aws_env(env, "iam", "list-roles")
    assert p.returncode == 0 and role in p.stdout, p.stderr
    p = _aws_env(env, "iam", "list-users")
    assert p.returncode != 0 and "(AccessDenied)" in p.stderr, p.stderr


def test_same_account_trust_naming_the_user_needs_no_identity_policy(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    acct = fresh_account.account_id
    name, creds = _user(iam)  # no policy at all
    named = kw.unique("named")
    arn_named = iam.create_role(RoleName=named, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": f"arn:aws:iam::{acct}:user/{name}"}}]}))["Role"]["Arn"]
    account = kw.unique("acct")
    arn_account = iam.create_role(RoleName=account, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}}]}))["Role"]["Arn"]
    sts = strict.server.sts(creds)
    assert sts.assume_role(RoleArn=arn_named, RoleSessionName="s1")["Credentials"]["AccessKeyId"].startswith("ASIA")
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn_account, RoleSessionName="s1")
    assert kw.err(e.value)[0] == "AccessDenied", "naming the account needs the user's own permission"
    iam.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn_account}]}))
    sts.assume_role(RoleArn=arn_account, RoleSessionName="s1")
    # An explicit deny of the user's still wins over the trust policy.
    iam.put_user_policy(UserName=name, PolicyName="deny", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn_named, RoleSessionName="s1")
    assert kw.err(e.value)[0] == "AccessDenied"
