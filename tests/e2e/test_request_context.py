"""aws:SourceIp and aws:SecureTransport in policy conditions: taken from the
connection, and from X-Forwarded-For / X-Forwarded-Proto only when the peer is
a proxy named with --trusted-proxy."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import kw

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Effect": "Allow", "Action": "iam:ListGroups", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    ],
}


def _call(endpoint: str, creds: kw.Creds, action: str, headers: dict[str, str]) -> kw.Raw:
    body = urllib.parse.urlencode(kw.iam_params(action))
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(creds.access_key_id, creds.secret_access_key), "iam", kw.REGION).add_auth(req)
    p = req.prepare()
    # Proxy headers are added after signing, as a proxy would.
    sent = {**dict(p.headers.items()), **headers}
    return kw.http(p.url, "POST", p.body if isinstance(p.body, bytes) else p.body.encode(), sent)


def _user_with_policy(server: kw.Server, admin: kw.Creds) -> kw.Creds:
    iam = server.iam(admin)
    name = kw.unique("ctx")
    iam.create_user(UserName=name)
    arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(POLICY))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])


def test_forwarded_headers_are_ignored_from_untrusted_peers(strict):
    creds = _user_with_policy(strict.server, strict.admin)
    forged = {"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"}
    assert _call(strict.endpoint, creds, "ListUsers", forged).status == 403
    assert _call(strict.endpoint, creds, "ListGroups", forged).status == 403


def test_trusted_proxy_supplies_source_ip_and_transport(start_server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    account = kw.create_account(data, admin_user="admin")
    server = start_server("strict", args=["--trusted-proxy", "127.0.0.0/8"], data_dir=data)
    creds = _user_with_policy(server, account.admin)

    assert _call(server.endpoint, creds, "ListUsers", {}).status == 403, "127.0.0.1 is not in 10.0.0.0/8"
    ok = _call(server.endpoint, creds, "ListUsers", {"X-Forwarded-For": "10.1.2.3"})
    assert ok.status == 200, ok.body
    # The right-most untrusted address counts: a client-supplied left entry cannot help.
    spoof = _call(server.endpoint, creds, "ListUsers", {"X-Forwarded-For": "10.9.9.9, 192.0.2.7"})
    assert spoof.status == 403
    denied = _call(server.endpoint, creds, "ListGroups", {"X-Forwarded-Proto": "http"})
    assert denied.status == 403
    assert "because no identity-based policy allows the iam:ListGroups action" in denied.body
    assert _call(server.endpoint, creds, "ListGroups", {"X-Forwarded-Proto": "https"}).status == 200


def test_delegated_admin_with_policy_arn_and_permissions_boundary(strict, fresh_account):
    """The delegation pattern AWS documents: a helpdesk user may create users only
    with a given boundary and attach only approved policies."""
    iam = strict.server.iam(fresh_account.admin)
    acct = fresh_account.account_id
    boundary = iam.create_policy(PolicyName=kw.unique("bnd"), PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}))["Policy"]["Arn"]
    approved = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    delegation = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": f"arn:aws:iam::{acct}:user/*",
             "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}},
            {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": f"arn:aws:iam::{acct}:user/*",
             "Condition": {"ArnEquals": {"iam:PolicyARN": approved},
                           "StringEquals": {"iam:PermissionsBoundary": boundary}}},
        ],
    }
    helper = kw.unique("helpdesk")
    iam.create_user(UserName=helper)
    iam.put_user_policy(UserName=helper, PolicyName="delegation", PolicyDocument=json.dumps(delegation))
    k = iam.create_access_key(UserName=helper)["AccessKey"]
    desk = strict.server.iam(kw.Creds(k["AccessKeyId"], k["SecretAccessKey"]))

    with pytest.raises(ClientError) as e:
        desk.create_user(UserName=kw.unique("nobound"))
    assert kw.err(e.value)[0] == "AccessDenied"
    made = kw.unique("bounded")
    desk.create_user(UserName=made, PermissionsBoundary=boundary)
    desk.attach_user_policy(UserName=made, PolicyArn=approved)
    with pytest.raises(ClientError) as e:
        desk.attach_user_policy(UserName=made, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert kw.err(e.value)[0] == "AccessDenied"
    # A user without the boundary cannot be given even the approved policy.
    plain = kw.unique("plain")
    iam.create_user(UserName=plain)
    with pytest.raises(ClientError) as e:
        desk.attach_user_policy(UserName=plain, PolicyArn=approved)
    assert kw.err(e.value)[0] == "AccessDenied"
