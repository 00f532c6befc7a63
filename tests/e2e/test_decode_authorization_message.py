"""STS DecodeAuthorizationMessage with boto3 and the aws CLI. With
`--encode-authorization-messages` a policy denial carries "Encoded
authorization failure message: …" (as EC2's do); a principal of the same
account holding sts:DecodeAuthorizationMessage decodes it into AWS's
DecodedMessage JSON; another account, or garbage, gets
InvalidAuthorizationMessageException. Without the option denials are AWS's
plain IAM text."""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError

import kw

DECODE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:DecodeAuthorizationMessage", "Resource": "*"},
    {"Sid": "NoNewUsers", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}

ENCODED = re.compile(r" Encoded authorization failure message: (\S+)$")


def _user(iam, policy=None):
    name = kw.unique("dec")
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return name, kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])


def test_denials_encode_and_the_same_account_decodes(start_server):
    server = start_server("strict", ["--encode-authorization-messages"])
    a = kw.create_account(server.data_dir, admin_user="admin")
    b = kw.create_account(server.data_dir, admin_user="admin")
    iam = server.iam(a.admin)
    name, creds = _user(iam, DECODE)

    # An explicit deny: AWS's text, then the encoded message.
    with pytest.raises(ClientError) as e:
        server.iam(creds).create_user(UserName="nope")
    code, message, status = kw.err(e.value)
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith(f"User: arn:aws:iam::{a.account_id}:user/{name} is not authorized to perform: "
                              "iam:CreateUser on resource: "), message
    encoded = ENCODED.search(message).group(1)

    decoded = json.loads(server.sts(creds).decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])
    assert decoded["allowed"] is False and decoded["explicitDeny"] is True
    assert [s["statementId"] for s in decoded["matchedStatements"]["items"]] == ["NoNewUsers"]
    assert decoded["matchedStatements"]["items"][0]["effect"] == "DENY"
    assert decoded["failures"] == {"items": []}
    ctx = decoded["context"]
    assert ctx["principal"]["arn"] == f"arn:aws:iam::{a.account_id}:user/{name}"
    assert ctx["principal"]["id"].startswith("AIDA") and ctx["principal"]["name"] == name
    assert ctx["action"] == "iam:CreateUser"
    assert ctx["resource"] == f"arn:aws:iam::{a.account_id}:user/nope"
    conditions = {c["key"]: [v["value"] for v in c["values"]["items"]] for c in ctx["conditions"]["items"]}
    assert conditions["aws:username"] == [name]
    assert conditions["aws:principaltype"] == ["User"]

    # An implicit deny, decoded with the aws CLI by the account's admin.
    with pytest.raises(ClientError) as e:
        server.iam(creds).list_users()
    encoded2 = ENCODED.search(kw.err(e.value)[1]).group(1)
    out = kw.aws(server.endpoint, a.admin, "sts", "decode-authorization-message",
                 "--encoded-message", encoded2).ok().json
    decoded2 = json.loads(out["DecodedMessage"])
    assert decoded2["explicitDeny"] is False and decoded2["matchedStatements"] == {"items": []}
    assert decoded2["context"]["action"] == "iam:ListUsers"

    # Without sts:DecodeAuthorizationMessage: AccessDenied.
    _, plain_creds = _user(iam)
    with pytest.raises(ClientError) as e:
        server.sts(plain_creds).decode_authorization_message(EncodedMessage=encoded)
    assert kw.err(e.value)[0] == "AccessDenied"
    # Another account, even an administrator, and garbage: not a message for it.
    for who, msg in ((b.admin, encoded), (a.admin, "garbage"), (a.admin, encoded[:-4] + "AAAA")):
        with pytest.raises(ClientError) as e:
            server.sts(who).decode_authorization_message(EncodedMessage=msg)
        assert kw.err(e.value)[:1] == ("InvalidAuthorizationMessageException",)
        assert kw.err(e.value)[2] == 400
    kw.aws(server.endpoint, b.admin, "sts", "decode-authorization-message", "--encoded-message", encoded
           ).error("InvalidAuthorizationMessageException", "DecodeAuthorizationMessage")


def test_denials_are_plain_without_the_option(strict, make_user):
    _, creds = make_user()
    with pytest.raises(ClientError) as e:
        strict.server.iam(creds).list_users()
    assert "Encoded authorization failure message" not in kw.err(e.value)[1]
