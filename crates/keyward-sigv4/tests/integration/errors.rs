//! Every error path of spec §2, with the exact AWS code and message.

use keyward_sigv4::{
    AuthError, Credentials, HttpRequest, SigningParams, VerifyOptions, derive_signing_key, parse,
    sign, verify,
};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-23 06:52:57 UTC);
const GOOD_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";

fn opts() -> VerifyOptions {
    VerifyOptions::default().with_services(["iam", "sts"])
}

/// Parses a request with the given query and headers (X-Amz-Date and Host added).
fn parse_with(
    query: &str,
    headers: &[(&str, &str)],
) -> Result<keyward_sigv4::ParsedAuth, AuthError> {
    let req = HttpRequest {
        method: "POST",
        raw_path: "/",
        raw_query: query,
        headers,
        body: b"",
    };
    parse(&req, NOW, &opts())
}

fn header_auth(auth: &str) -> Result<keyward_sigv4::ParsedAuth, AuthError> {
    parse_with(
        "",
        &[
            ("Host", "iam.amazonaws.com"),
            ("X-Amz-Date", "20261123T065257Z"),
            ("Authorization", auth),
        ],
    )
}

fn expect(result: Result<keyward_sigv4::ParsedAuth, AuthError>, code: &str, message: &str) {
    let err = result.expect_err("should fail");
    assert_eq!(err.code(), code, "{err:?}");
    assert_eq!(err.to_string(), message);
}

#[test]
fn good_header_parses() {
    let auth = header_auth(GOOD_AUTH).expect("parses");
    assert_eq!(auth.access_key_id(), "AKIDEXAMPLE");
    assert_eq!(auth.scope().date(), "20261123");
    assert_eq!(auth.scope().region(), "us-east-1");
    assert_eq!(auth.scope().service(), "iam");
    assert_eq!(
        auth.signed_headers().collect::<Vec<_>>(),
        ["content-type", "host", "x-amz-date"]
    );
    assert_eq!(auth.timestamp(), NOW);
    assert_eq!(auth.session_token(), None);
}

#[test]
fn request_sanity() {
    let headers = [
        ("Host", "h"),
        ("X-Amz-Date", "20261123T065257Z"),
        ("Authorization", GOOD_AUTH),
    ];
    for path in ["/a%zz", "/a%2", "relative", "/../x"] {
        let req = HttpRequest {
            method: "GET",
            raw_path: path,
            raw_query: "",
            headers: &headers,
            body: b"",
        };
        let err = parse(&req, NOW, &opts()).expect_err(path);
        assert_eq!(err.code(), "BadRequest", "{path}");
    }
    expect(
        parse_with("Action=Get%", &headers),
        "MalformedQueryString",
        "Incomplete trailing escape % sequence",
    );
    expect(
        parse_with("Action=%4", &headers),
        "MalformedQueryString",
        "Incomplete trailing escape % sequence",
    );
    expect(
        parse_with("Action=%zzGet", &headers),
        "MalformedQueryString",
        "Illegal hex character in escape % pattern: %zz",
    );
}

#[test]
fn missing_or_double_authentication() {
    expect(
        parse_with("Action=GetUser", &[("Host", "h")]),
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    );
    expect(
        parse_with(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            &[("Host", "h"), ("Authorization", GOOD_AUTH)],
        ),
        "SignatureDoesNotMatch",
        "",
    );
}

#[test]
fn bad_algorithm() {
    expect(
        header_auth("AWS4-HMAC-SHA512 Credential=x"),
        "IncompleteSignature",
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.",
    );
    expect(
        header_auth("Basic dXNlcjpwYXNz"),
        "IncompleteSignature",
        "Unsupported AWS 'algorithm': 'Basic'.",
    );
    expect(
        parse_with("X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", &[("Host", "h")]),
        "IncompleteSignature",
        "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.",
    );
}

#[test]
fn missing_parameters_combined_message() {
    expect(
        parse_with("", &[("Host", "h"), ("Authorization", "AWS4-HMAC-SHA256")]),
        "IncompleteSignature",
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
    );
    let auth =
        "AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/iam/aws4_request, SignedHeaders=host";
    expect(
        header_auth(auth),
        "IncompleteSignature",
        &format!("Authorization header requires 'Signature' parameter. Authorization={auth}"),
    );
    expect(
        header_auth("AWS4-HMAC-SHA256 Credential=a, Bogus"),
        "IncompleteSignature",
        "'Bogus' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=a, Bogus'",
    );
    expect(
        parse_with(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261123T065257Z",
            &[("Host", "h")],
        ),
        "IncompleteSignature",
        "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
    );
}

#[test]
fn duplicate_components_last_wins_in_header() {
    let auth = GOOD_AUTH.replace(
        "Credential=AKIDEXAMPLE",
        "Credential=OLD/x, Credential=AKIDEXAMPLE",
    );
    assert_eq!(
        header_auth(&auth).expect("last wins").access_key_id(),
        "AKIDEXAMPLE"
    );
}

#[test]
fn date_format_and_rfc1123_fallback() {
    expect(
        parse_with(
            "",
            &[
                ("Host", "h"),
                ("X-Amz-Date", "2026-11-23 06:52:57"),
                ("Authorization", GOOD_AUTH),
            ],
        ),
        "IncompleteSignature",
        "Date must be in ISO-8601 'basic format'. Got '2026-11-23 06:52:57'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
    let auth = GOOD_AUTH.replace("x-amz-date", "date");
    let parsed = parse_with(
        "",
        &[
            ("Host", "h"),
            ("Date", "Mon, 23 Nov 2026 06:52:57 GMT"),
            ("Authorization", &auth),
        ],
    );
    assert_eq!(parsed.expect("Date header accepted").timestamp(), NOW);
}

#[test]
fn credential_shape() {
    let auth = GOOD_AUTH.replace(
        "AKIDEXAMPLE/20261123/us-east-1/iam/aws4_request",
        "AKIDEXAMPLE/20261123/us-east-1/iam",
    );
    expect(
        header_auth(&auth),
        "IncompleteSignature",
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20261123/us-east-1/iam'",
    );
}

#[test]
fn clock_window() {
    let old = [
        ("Host", "h"),
        ("X-Amz-Date", "20261123T063656Z"),
        ("Authorization", GOOD_AUTH),
    ];
    expect(
        parse_with("", &old),
        "SignatureDoesNotMatch",
        "Signature expired: 20261123T063656Z is now earlier than 20261123T063757Z (20261123T065257Z - 15 min.)",
    );
    let new = [
        ("Host", "h"),
        ("X-Amz-Date", "20261123T070858Z"),
        ("Authorization", GOOD_AUTH),
    ];
    expect(
        parse_with("", &new),
        "SignatureDoesNotMatch",
        "Signature not yet current: 20261123T070858Z is still later than 20261123T070757Z (20261123T065257Z + 15 min.)",
    );
    // Exactly at the edge is accepted.
    let edge = [
        ("Host", "h"),
        ("X-Amz-Date", "20261123T063757Z"),
        ("Authorization", GOOD_AUTH),
    ];
    assert!(parse_with("", &edge).is_ok());
}

#[test]
fn scope_checks() {
    let with = |from: &str, to: &str| header_auth(&GOOD_AUTH.replace(from, to));
    expect(
        with("us-east-1", "US_EAST"),
        "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region, not 'US_EAST'. ",
    );
    expect(
        with("us-east-1", ""),
        "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region, not ''. ",
    );
    expect(
        with("/iam/", "/s3/"),
        "SignatureDoesNotMatch",
        "Credential should be scoped to correct service: 'iam'. ",
    );
    expect(
        with("aws4_request", "aws5_request"),
        "SignatureDoesNotMatch",
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    );
    expect(
        with("/20261123/", "/20261122/"),
        "SignatureDoesNotMatch",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261122' != '20261123', from '20261123T065257Z'.",
    );
    assert_eq!(
        with("/iam/", "/sts/")
            .expect("sts accepted")
            .scope()
            .service(),
        "sts"
    );
    assert!(with("us-east-1", "eu-central-2").is_ok());
}

#[test]
fn host_must_be_signed() {
    expect(
        header_auth(&GOOD_AUTH.replace("content-type;host;x-amz-date", "content-type;x-amz-date")),
        "SignatureDoesNotMatch",
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
}

#[test]
fn presigned_expires_range() {
    let q = |expires: &str| {
        format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261123%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261123T065257Z&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
        )
    };
    assert_eq!(
        parse_with(&q("604800"), &[("Host", "h")])
            .expect("7 days ok")
            .expires()
            .map(|d| d.as_secs()),
        Some(604_800)
    );
    for bad in ["0", "604801", "-1", "abc"] {
        let err = parse_with(&q(bad), &[("Host", "h")]).expect_err(bad);
        assert_eq!(err.code(), "IncompleteSignature", "{bad}");
    }
}

fn signed_iam_request(
    body: &'static [u8],
    extra: &[(&'static str, &'static str)],
) -> (Vec<(String, String)>, Credentials) {
    let creds = Credentials::new("AKIDEXAMPLE", "secret");
    let mut headers: Vec<(&str, &str)> = vec![
        ("Host", "127.0.0.1:45678"),
        (
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
    ];
    headers.extend_from_slice(extra);
    let req = HttpRequest {
        method: "POST",
        raw_path: "/",
        raw_query: "",
        headers: &headers,
        body,
    };
    let mut params = SigningParams::new(&creds, "us-east-1", "iam", NOW);
    params.content_sha256_header = true;
    let signed = sign(&req, &params).expect("sign");
    let mut all: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    all.extend(
        signed
            .headers()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned())),
    );
    (all, creds)
}

#[test]
fn content_sha256_must_match_body() {
    let body: &[u8] = b"Action=GetUser&Version=2010-05-08";
    let (headers, creds) = signed_iam_request(body, &[]);
    let key = derive_signing_key(
        creds.secret_access_key.expose(),
        "20261123",
        "us-east-1",
        "iam",
    );
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let check = |body: &[u8], refs: &[(&str, &str)]| {
        let req = HttpRequest {
            method: "POST",
            raw_path: "/",
            raw_query: "",
            headers: refs,
            body,
        };
        verify(&parse(&req, NOW, &opts())?, &req, &key)
    };
    assert_eq!(check(body, &refs), Ok(()));
    let err = check(b"Action=DeleteUser&Version=2010-05-08", &refs).expect_err("body changed");
    assert_eq!(err.code(), "SignatureDoesNotMatch");
    assert_eq!(
        err.to_string(),
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    );

    let unsigned: Vec<(&str, &str)> = refs
        .iter()
        .map(|&(n, v)| {
            if n.eq_ignore_ascii_case("x-amz-content-sha256") {
                (n, "UNSIGNED-PAYLOAD")
            } else {
                (n, v)
            }
        })
        .collect();
    assert_eq!(check(body, &unsigned), Err(AuthError::signature_mismatch()));
}

#[test]
fn lookup_errors_have_aws_text() {
    assert_eq!(
        AuthError::invalid_client_token_id().to_string(),
        "The security token included in the request is invalid."
    );
    assert_eq!(
        AuthError::invalid_session_token().to_string(),
        "The security token included in the request is invalid"
    );
    assert_eq!(
        AuthError::invalid_client_token_id().code(),
        "InvalidClientTokenId"
    );
    assert_eq!(
        AuthError::expired_token().to_string(),
        "The security token included in the request is expired"
    );
    assert_eq!(AuthError::expired_token().code(), "ExpiredToken");
    assert_eq!(
        AuthError::unknown_access_key().to_string(),
        "The AWS access key provided does not exist in our records."
    );
}

#[test]
fn session_token_from_header_or_query() {
    let headers = [
        ("Host", "h"),
        ("X-Amz-Date", "20261123T065257Z"),
        ("X-Amz-Security-Token", "tok"),
        ("Authorization", GOOD_AUTH),
    ];
    assert_eq!(
        parse_with("", &headers).expect("ok").session_token(),
        Some("tok")
    );
    let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA%2F20261123%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261123T065257Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Security-Token=a%2Bb&X-Amz-Signature=00";
    let parsed = parse_with(q, &[("Host", "h")]).expect("ok");
    assert_eq!(parsed.session_token(), Some("a+b"));
    assert_eq!(parsed.access_key_id(), "ASIA");
    assert!(
        !format!("{parsed:?}").contains("a+b"),
        "token redacted in Debug"
    );
}

#[test]
fn signed_header_missing_from_request_is_a_mismatch() {
    let body: &[u8] = b"Action=GetUser&Version=2010-05-08";
    let (headers, creds) = signed_iam_request(body, &[("X-Custom", "v")]);
    let key = derive_signing_key(
        creds.secret_access_key.expose(),
        "20261123",
        "us-east-1",
        "iam",
    );
    let without: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(n, _)| n != "X-Custom")
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = HttpRequest {
        method: "POST",
        raw_path: "/",
        raw_query: "",
        headers: &without,
        body,
    };
    let auth = parse(&req, NOW, &opts()).expect("parse");
    assert_eq!(
        verify(&auth, &req, &key),
        Err(AuthError::signature_mismatch())
    );
}
