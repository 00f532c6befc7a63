"""Session expiry without waiting: dev mode's clock moves forward on request
(`POST /_keyward/clock?advance_seconds=N`, dev mode only), and the server
(started with the clock-skew check off, since it now runs ahead of the
client) refuses expired session credentials with AWS's ExpiredToken."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

import kw

TEST = kw.Creds("test", "test")
EXPIRED = "The security token included in the request is expired"


def _advance(server, secs: int) -> dict:
    r = kw.http(f"{server.endpoint}/_keyward/clock?advance_seconds={secs}", method="POST", data=b"")
    assert r.status == 200, r.body
    return json.loads(r.body)


def _sts(server, c):
    return boto3.client("sts", endpoint_url=server.endpoint, region_name=kw.REGION,
                        aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                        aws_session_token=c["SessionToken"])


def test_sessions_expire_by_the_dev_clock(start_server):
    server = start_server("dev", ["--max-clock-skew", "0"])
    iam = server.iam(TEST)
    name = kw.unique("exp")
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    user = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    c = server.sts(user).get_session_token(DurationSeconds=900)["Credentials"]
    role = kw.unique("r")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": f"arn:aws:iam::123456789012:user/{name}"}}]}
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    r = server.sts(user).assume_role(RoleArn=arn, RoleSessionName="s1", DurationSeconds=1800)["Credentials"]

    assert _sts(server, c).get_caller_identity()["Arn"].endswith(f":user/{name}")
    assert _advance(server, 899)["offset_seconds"] == 899
    assert _sts(server, c).get_caller_identity()["Arn"].endswith(f":user/{name}")
    _advance(server, 1)
    with pytest.raises(ClientError) as e:
        _sts(server, c).get_caller_identity()
    assert kw.err(e.value) == ("ExpiredToken", EXPIRED, 403)
    # The 30-minute role session outlives it, then ends too.
    assert _sts(server, r).get_caller_identity()["Arn"].endswith(f":assumed-role/{role}/s1")
    _advance(server, 900)
    with pytest.raises(ClientError) as e:
        _sts(server, r).get_caller_identity()
    assert kw.err(e.value)[:2] == ("ExpiredToken", EXPIRED)
    # Long-term keys are unaffected.
    assert server.sts(user).get_caller_identity()["Arn"].endswith(f":user/{name}")


def test_the_clock_cannot_move_in_strict_mode(strict):
    r = kw.http(f"{strict.endpoint}/_keyward/clock?advance_seconds=3600", method="POST", data=b"")
    assert r.status == 404
