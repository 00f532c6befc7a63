"""SigV4 authentication and the wire protocol, with hand-built requests signed
by botocore's own signer (so server-side checks are reached even where
botocore would refuse client-side)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import pytest

import kw


def assert_error(r: kw.Raw, code: str, status: int, message: str | None = None) -> str:
    got_code, got_msg = r.error
    assert (got_code, r.status) == (code, status), f"expected {code} {status}, got {r.status}: {r.body}"
    if message is not None:
        assert got_msg == message, f"message {got_msg!r} != {message!r}"
    # awsQuery error envelope: <ErrorResponse><Error><Type>Sender</Type>…</Error><RequestId>…
    assert "<ErrorResponse" in r.body and "<Type>Sender</Type>" in r.body and "<RequestId>" in r.body, r.body
    return got_msg


def test_signed_request_succeeds(strict):
    r = kw.signed(strict.endpoint, strict.admin, kw.sts_params(), service="sts")
    assert r.status == 200, r.body
    assert r.find("Arn") == f"arn:aws:iam::{strict.account_id}:user/admin"
    assert r.find("Account") == strict.account_id
    assert r.find("RequestId")
    assert "text/xml" in r.headers.get("content-type", "")
    assert r.headers.get("date"), "SDKs correct clock skew from the Date header"
    assert r.headers.get("x-amzn-requestid") == r.find("RequestId")
    assert 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"' in r.body

    r = kw.signed(strict.endpoint, strict.admin, kw.iam_params("GetUser"))
    assert r.status == 200, r.body
    assert r.find("UserName") == "admin"
    assert 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"' in r.body
    assert "<GetUserResponse" in r.body and "<GetUserResult>" in r.body


def test_unsigned_request_is_missing_authentication_token(strict):
    body = urllib.parse.urlencode(kw.sts_params()).encode()
    hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    r = kw.http(strict.endpoint + "/", "POST", body, hdrs)
    assert_error(r, "MissingAuthenticationToken", 403, kw.MSG_MISSING_AUTH)
    r = kw.http(strict.endpoint + "/", "POST", urllib.parse.urlencode(kw.iam_params("ListUsers")).encode(), hdrs)
    assert_error(r, "MissingAuthenticationToken", 403, kw.MSG_MISSING_AUTH)
    r = kw.http(strict.endpoint + "/?Action=GetCallerIdentity&Version=2011-06-15")
    assert_error(r, "MissingAuthenticationToken", 403, kw.MSG_MISSING_AUTH)


def test_wrong_secret(strict):
    r = kw.signed(strict.endpoint, strict.admin.wrong_secret(), kw.iam_params("ListUsers"))
    msg = assert_error(r, "SignatureDoesNotMatch", 403)
    assert msg.startswith(kw.MSG_SIG_MISMATCH_PREFIX)


def test_signed_20_minutes_ago_is_expired(strict):
    at = kw.utcnow() - dt.timedelta(minutes=20)
    r = kw.signed(strict.endpoint, strict.admin, kw.sts_params(), service="sts", at=at)
    msg = assert_error(r, "SignatureDoesNotMatch", 403)
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    assert msg.startswith(f"Signature expired: {stamp} is now earlier than "), msg
    assert msg.endswith(" - 15 min.)"), msg


def test_signed_20_minutes_ahead_is_not_yet_current(strict):
    at = kw.utcnow() + dt.timedelta(minutes=20)
    r = kw.signed(strict.endpoint, strict.admin, kw.iam_params("GetUser"), at=at)
    msg = assert_error(r, "SignatureDoesNotMatch", 403)
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    assert msg.startswith(f"Signature not yet current: {stamp} is still later than "), msg
    assert msg.endswith(" + 15 min.)"), msg


def test_signed_10_minutes_ago_is_within_skew(strict):
    at = kw.utcnow() - dt.timedelta(minutes=10)
    r = kw.signed(strict.endpoint, strict.admin, kw.sts_params(), service="sts", at=at)
    assert r.status == 200, r.body


def test_unknown_action_is_invalid_action(strict):
    r = kw.signed(strict.endpoint, strict.admin, kw.iam_params("FrobnicateUser"))
    assert_error(r, "InvalidAction", 400, "Could not find operation FrobnicateUser for version 2010-05-08")


def test_unknown_sts_action_and_missing_action(strict):
    r = kw.signed(strict.endpoint, strict.admin, kw.sts_params("Frobnicate"), service="sts")
    assert_error(r, "InvalidAction", 400, "Could not find operation Frobnicate for version 2011-06-15")
    r = kw.signed(strict.endpoint, strict.admin, {"Version": kw.IAM_VERSION, "UserName": "admin"})
    assert_error(r, "MissingAction", 400)


def test_incomplete_signature(strict):
    hdrs = {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Authorization": "AWS4-HMAC-SHA256",
    }
    body = urllib.parse.urlencode(kw.sts_params()).encode()
    r = kw.http(strict.endpoint + "/", "POST", body, hdrs)
    msg = assert_error(r, "IncompleteSignature", 400)
    assert msg.startswith("Authorization header requires 'Credential' parameter."), msg

    hdrs["Authorization"] = "AWS4-HMAC-SHA1 Credential=x"
    r = kw.http(strict.endpoint + "/", "POST", body, hdrs)
    assert_error(r, "IncompleteSignature", 400, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'.")


def test_server_side_validation_raw(strict):
    r = kw.signed(strict.endpoint, strict.admin, kw.iam_params("CreateUser", UserName="x y"))
    assert_error(r, "ValidationError", 400, kw.BAD_NAME_MSG.format(v="x y"))
    r = kw.signed(strict.endpoint, strict.admin, kw.iam_params("ListUsers", MaxItems="0"))
    assert_error(r, "ValidationError", 400, kw.MAX_ITEMS_ZERO_MSG)
    # bad input changes nothing
    r = kw.signed(strict.endpoint, strict.admin, kw.iam_params("GetUser", UserName="x y"))
    assert_error(r, "ValidationError", 400)


def test_presigned_get_caller_identity(strict):
    sts = strict.server.sts(strict.admin)
    # botocore signs presigned query-protocol URLs for POST unless told otherwise
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert q["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    r = kw.http(url)
    assert r.status == 200, r.body
    assert r.find("Arn") == f"arn:aws:iam::{strict.account_id}:user/admin"
    assert r.find("Account") == strict.account_id

    # a tampered signature is refused
    sig = q["X-Amz-Signature"][0]
    bad = url.replace(sig, ("0" if sig[0] != "0" else "1") + sig[1:])
    assert_error(kw.http(bad), "SignatureDoesNotMatch", 403)
    # the method is part of the signature: a GET-signed URL does not work as a POST
    assert_error(kw.http(url, "POST", b""), "SignatureDoesNotMatch", 403)


def test_presigned_default_method_is_post(strict):
    url = strict.server.sts(strict.admin).generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60)
    r = kw.http(url, "POST", b"")
    assert r.status == 200, r.body
    assert r.find("Arn") == f"arn:aws:iam::{strict.account_id}:user/admin"


def test_presigned_with_wrong_secret(strict):
    sts = strict.server.sts(strict.admin.wrong_secret())
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    msg = assert_error(kw.http(url), "SignatureDoesNotMatch", 403)
    assert msg.startswith(kw.MSG_SIG_MISMATCH_PREFIX)


def test_healthz_and_no_reset_in_strict_mode(strict):
    r = kw.http(strict.endpoint + "/healthz")
    assert r.status == 200
    assert json.loads(r.body)["mode"] == "strict"
    assert strict.server.announced_mode == "strict"
    for path in ("/moto-api/reset", "/_keyward/reset"):
        r = kw.http(strict.endpoint + path, "POST", b"")
        assert r.status == 404, f"{path} must not exist in strict mode: {r.status} {r.body}"
    # and nothing was wiped
    assert strict.server.sts(strict.admin).get_caller_identity()["Account"] == strict.account_id


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1", "ap-southeast-2"])
def test_any_signing_region(strict, region):
    r = kw.signed(strict.endpoint, strict.admin, kw.sts_params(), service="sts", region=region)
    assert r.status == 200, r.body


def test_tampered_body_is_signature_mismatch(strict):
    """Sign one request, send another body with the same signature."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = urllib.parse.urlencode(kw.iam_params("GetUser"))
    req = AWSRequest(method="POST", url=strict.endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(strict.admin.access_key_id, strict.admin.secret_access_key), "iam", kw.REGION).add_auth(req)
    p = req.prepare()
    evil = urllib.parse.urlencode(kw.iam_params("DeleteUser", UserName="admin")).encode()
    r = kw.http(p.url, "POST", evil, dict(p.headers.items()))
    msg = assert_error(r, "SignatureDoesNotMatch", 403)
    assert msg.startswith(kw.MSG_SIG_MISMATCH_PREFIX)
    assert strict.server.iam(strict.admin).get_user(UserName="admin")["User"]["UserName"] == "admin"


def test_wrong_service_scope(strict):
    r = kw.signed(strict.endpoint, strict.admin, kw.iam_params("GetUser"), service="s3")
    assert_error(r, "SignatureDoesNotMatch", 403)


def test_expired_presigned_url(strict):
    """Signed 10 minutes ago (inside the clock window) but valid for 60 s only."""
    sts = strict.server.sts(strict.admin)
    with kw._frozen_clock(kw.utcnow() - dt.timedelta(minutes=10)):
        url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    r = kw.http(url)
    assert r.status == 403, f"an expired presigned URL was accepted: {r.status} {r.body}"
    code, _ = r.error
    assert code in ("SignatureDoesNotMatch", "AccessDenied", "ExpiredToken"), r.body


def test_session_credentials_presigned_and_header(strict):
    """GetSessionToken credentials sign with X-Amz-Security-Token in the header
    or, presigned, in the query; without it or tampered the key is refused."""
    import boto3
    from botocore.config import Config

    c = strict.server.sts(strict.admin).get_session_token(DurationSeconds=900)["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20

    def sts(token):
        sess = boto3.session.Session(aws_access_key_id=c["AccessKeyId"],
                                     aws_secret_access_key=c["SecretAccessKey"],
                                     aws_session_token=token, region_name=kw.REGION)
        return sess.client("sts", endpoint_url=strict.endpoint, config=Config(retries={"max_attempts": 1}))

    arn = f"arn:aws:iam::{strict.account_id}:user/admin"
    assert sts(c["SessionToken"]).get_caller_identity()["Arn"] == arn
    url = sts(c["SessionToken"]).generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60,
                                                         HttpMethod="GET")
    assert "X-Amz-Security-Token=" in url
    r = kw.http(url)
    assert r.status == 200, r.body
    assert r.find("Arn") == arn
    invalid = "The security token included in the request is invalid"
    for token in (None, c["SessionToken"][:-4] + ("AAAA" if not c["SessionToken"].endswith("AAAA") else "BBBB")):
        url = sts(token).generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
        assert_error(kw.http(url), "InvalidClientTokenId", 403, invalid)
