"""STS AssumeRole with boto3 and the aws CLI: a trust policy with ExternalId,
the role's permissions (never the caller's), a session policy that narrows,
and root refused."""

from __future__ import annotations

import json
import shutil
import subprocess

import boto3
import pytest
from botocore.exceptions import ClientError

import kw

IAM_RO = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


def _setup(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    acct = fresh_account.account_id
    caller = kw.unique("caller")
    iam.create_user(UserName=caller)
    iam.put_user_policy(UserName=caller, PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    k = iam.create_access_key(UserName=caller)["AccessKey"]
    role = kw.unique("reader")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:user/{caller}"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "ext-123"}}}]}
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=IAM_RO)
    return iam, kw.Creds(k["AccessKeyId"], k["SecretAccessKey"]), role, arn


def test_assume_role_with_boto3(strict, fresh_account):
    iam, creds, role, arn = _setup(strict, fresh_account)
    sts = strict.server.sts(creds)
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="s1")
    assert kw.err(e.value)[:1] == ("AccessDenied",), "the ExternalId is required"
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="bad:name", ExternalId="ext-123")
    assert kw.err(e.value)[0] == "ValidationError"
    out = sts.assume_role(RoleArn=arn, RoleSessionName="s1", ExternalId="ext-123")
    c, who = out["Credentials"], out["AssumedRoleUser"]
    assert who["Arn"] == f"arn:aws:sts::{fresh_account.account_id}:assumed-role/{role}/s1"
    assert who["AssumedRoleId"].startswith("AROA") and who["AssumedRoleId"].endswith(":s1")
    session = boto3.client("iam", endpoint_url=strict.endpoint, region_name=kw.REGION,
                           aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                           aws_session_token=c["SessionToken"])
    assert session.list_users()["Users"], "IAMReadOnlyAccess lets the role session list users"
    with pytest.raises(ClientError) as e:
        session.create_user(UserName=kw.unique("nope"))
    assert kw.err(e.value)[0] == "AccessDenied"


def test_assume_role_with_the_cli(strict, fresh_account):
    iam, creds, role, arn = _setup(strict, fresh_account)
    env_user = {"AWS_ACCESS_KEY_ID": creds.access_key_id, "AWS_SECRET_ACCESS_KEY": creds.secret_access_key}

    def aws(env, *args):
        e = kw.cli_env(strict.endpoint, None)
        e.update(env)
        return subprocess.run([shutil.which("aws") or "aws", *args, "--output", "json"], capture_output=True,
                              text=True, timeout=60, env=e, stdin=subprocess.DEVNULL)

    p = aws(env_user, "sts", "assume-role", "--role-arn", arn, "--role-session-name", "cli", "--external-id", "ext-123")
    assert p.returncode == 0, p.stderr
    c = json.loads(p.stdout)["Credentials"]
    env_role = {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
                "AWS_SESSION_TOKEN": c["SessionToken"]}
    who = json.loads(aws(env_role, "sts", "get-caller-identity").stdout)
    assert who["Arn"].endswith(f":assumed-role/{role}/cli")
    # The role's permissions: IAMReadOnlyAccess lists users but cannot create one.
    assert aws(env_role, "iam", "list-users").returncode == 0
    p = aws(env_role, "iam", "create-user", "--user-name", kw.unique("nope"))
    assert "(AccessDenied)" in p.stderr and f"assumed-role/{role}/cli" in p.stderr, p.stderr
    # A session policy narrows the role: only GetUser remains.
    narrow = json.dumps({"Version": "2012-10-17",
                         "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]})
    p = aws(env_user, "sts", "assume-role", "--role-arn", arn, "--role-session-name", "narrow",
            "--external-id", "ext-123", "--policy", narrow)
    assert p.returncode == 0, p.stderr
    c = json.loads(p.stdout)["Credentials"]
    env_narrow = {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
                  "AWS_SESSION_TOKEN": c["SessionToken"]}
    p = aws(env_narrow, "iam", "list-users")
    assert "(AccessDenied)" in p.stderr, p.stderr


def test_root_cannot_assume_roles(strict, fresh_account):
    _, _, _, arn = _setup(strict, fresh_account)
    out = kw.root_create_access_key(strict.data_dir, fresh_account.email)
    made = json.loads(out.stdout)
    sts = strict.server.sts(kw.Creds(made["AccessKeyId"], made["SecretAccessKey"]))
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="root", ExternalId="ext-123")
    assert kw.err(e.value)[:2] == ("AccessDenied", "Roles may not be assumed by root accounts.")
