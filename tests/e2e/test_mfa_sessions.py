"""Virtual MFA and MFA-protected API access, the way AWS documents it: enable a
virtual device with two consecutive codes computed by an authenticator (RFC
6238 here), require `aws:MultiFactorAuthPresent` in a policy, get an
MFA-authenticated session with `aws sts get-session-token --serial-number …
--token-code …`, and call with it. Codes are for the previous and current
30-second steps at enable time, so the next step's code is usable at once and
no test waits for the clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import struct
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

import kw

MFA_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*",
                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}],
}


def totp(seed_base32: str, at: float) -> str:
    """RFC 6238: HMAC-SHA1 over the 30-second counter, dynamic truncation, 6 digits."""
    key = base64.b32decode(seed_base32 + "=" * (-len(seed_base32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def test_rfc6238_reference_vector():
    # RFC 6238 Appendix B, SHA-1, T = 59 s: 94287082 (8 digits) → 287082.
    seed = base64.b32encode(b"12345678901234567890").decode()
    assert totp(seed, 59) == "287082"


def _device(iam, name: str, user: str | None) -> tuple[str, str]:
    d = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = d["Base32StringSeed"].decode()  # boto3 has already base64-decoded the blob
    assert d["QRCodePNG"].startswith(b"\x89PNG")
    now = time.time()
    args = {"SerialNumber": d["SerialNumber"], "AuthenticationCode1": totp(seed, now - 30),
            "AuthenticationCode2": totp(seed, now)}
    if user:
        args["UserName"] = user
    iam.enable_mfa_device(**args)
    return d["SerialNumber"], seed


def _aws(endpoint: str, env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = kw.cli_env(endpoint, None)
    env.update(env_extra)
    return subprocess.run([shutil.which("aws") or "aws", *args, "--output", "json"], capture_output=True,
                          text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


def test_mfa_protected_api_access_with_the_cli(strict, admin_iam):
    name = kw.unique("mfa")
    admin_iam.create_user(UserName=name)
    admin_iam.put_user_policy(UserName=name, PolicyName="mfa-only", PolicyDocument=json.dumps(MFA_ONLY))
    k = admin_iam.create_access_key(UserName=name)["AccessKey"]
    user_env = {"AWS_ACCESS_KEY_ID": k["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": k["SecretAccessKey"]}
    serial, seed = _device(admin_iam, kw.unique("phone"), name)
    listed = admin_iam.list_mfa_devices(UserName=name)["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [serial]

    # Without MFA the protected call is denied.
    p = _aws(strict.endpoint, user_env, "iam", "list-users")
    assert p.returncode != 0 and "(AccessDenied)" in p.stderr, p.stderr

    # A wrong code is refused with AWS's text.
    p = _aws(strict.endpoint, user_env, "sts", "get-session-token", "--serial-number", serial, "--token-code", "000000")
    assert "(AccessDenied)" in p.stderr and "invalid MFA one time pass code" in p.stderr, p.stderr

    code = totp(seed, time.time() + 30)
    p = _aws(strict.endpoint, user_env, "sts", "get-session-token", "--serial-number", serial, "--token-code", code)
    assert p.returncode == 0, p.stderr
    c = json.loads(p.stdout)["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA") and c["SessionToken"]
    session_env = {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
                   "AWS_SESSION_TOKEN": c["SessionToken"]}
    p = _aws(strict.endpoint, session_env, "iam", "list-users")
    assert p.returncode == 0, p.stderr
    who = json.loads(_aws(strict.endpoint, session_env, "sts", "get-caller-identity").stdout)
    assert who["Arn"].endswith(f":user/{name}")

    # The same code a second time is refused (replay).
    p = _aws(strict.endpoint, user_env, "sts", "get-session-token", "--serial-number", serial, "--token-code", code)
    assert "(AccessDenied)" in p.stderr, p.stderr
    # The session without its token is not a credential.
    no_token = {k: v for k, v in session_env.items() if k != "AWS_SESSION_TOKEN"}
    p = _aws(strict.endpoint, no_token, "sts", "get-caller-identity")
    assert "(InvalidClientTokenId)" in p.stderr, p.stderr


def test_mfa_device_rules_with_boto3(strict, admin_iam):
    name = kw.unique("mfab")
    admin_iam.create_user(UserName=name)
    d = admin_iam.create_virtual_mfa_device(VirtualMFADeviceName=kw.unique("dev"))["VirtualMFADevice"]
    seed = d["Base32StringSeed"].decode()
    now = time.time()
    # Two codes that are not consecutive are refused.
    with pytest.raises(ClientError) as e:
        admin_iam.enable_mfa_device(UserName=name, SerialNumber=d["SerialNumber"],
                                    AuthenticationCode1=totp(seed, now), AuthenticationCode2=totp(seed, now))
    assert kw.err(e.value)[:1] == ("InvalidAuthenticationCode",)
    admin_iam.enable_mfa_device(UserName=name, SerialNumber=d["SerialNumber"],
                                AuthenticationCode1=totp(seed, now - 30), AuthenticationCode2=totp(seed, now))
    unassigned = admin_iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert d["SerialNumber"] not in [v["SerialNumber"] for v in unassigned]
    with pytest.raises(ClientError) as e:
        admin_iam.delete_virtual_mfa_device(SerialNumber=d["SerialNumber"])
    assert kw.err(e.value)[0] == "DeleteConflict"
    with pytest.raises(ClientError) as e:
        admin_iam.delete_user(UserName=name)
    assert kw.err(e.value)[0] == "DeleteConflict"
    admin_iam.deactivate_mfa_device(UserName=name, SerialNumber=d["SerialNumber"])
    admin_iam.delete_virtual_mfa_device(SerialNumber=d["SerialNumber"])
    admin_iam.delete_user(UserName=name)
