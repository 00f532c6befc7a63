//! Cross-check against an independent signer (the AWS SDK's `aws-sigv4`): what it signs
//! we accept, and our signer produces the same signature for the same input.

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign as aws_sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use keyward_sigv4::{
    AuthLocation, Credentials, HttpRequest, SigningKeyCache, SigningParams, VerifyOptions, parse,
    presign, sign, verify,
};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-23 06:52:57 UTC);
const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str =
    "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token/with+slashes==";

/// Signs with aws-sigv4 and returns the resulting http request.
fn aws_signed(
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    token: Option<&str>,
    service: &str,
    location: SignatureLocation,
) -> http::Request<Vec<u8>> {
    let identity: Identity = aws_credential_types::Credentials::new(
        AKID,
        SECRET,
        token.map(str::to_owned),
        None,
        "test",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.signature_location = location;
    if location == SignatureLocation::QueryParams {
        settings.expires_in = Some(Duration::from_secs(60));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(SystemTime::from(NOW))
        .settings(settings)
        .build()
        .expect("params")
        .into();
    let signable = SignableRequest::new(
        method,
        uri,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .expect("signable");
    let (instructions, _signature) = aws_sign(signable, &params).expect("aws sign").into_parts();
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (n, v) in headers {
        builder = builder.header(*n, *v);
    }
    let mut req = builder.body(body.to_vec()).expect("request");
    instructions.apply_to_request_http1x(&mut req);
    req
}

fn header_pairs(req: &http::Request<Vec<u8>>) -> Vec<(&str, &str)> {
    req.headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.to_str().expect("ascii header")))
        .collect()
}

/// Parses and verifies an http::Request with our crate, through the key cache.
fn our_verify(req: &http::Request<Vec<u8>>) -> keyward_sigv4::ParsedAuth {
    let headers = header_pairs(req);
    let view = HttpRequest {
        method: req.method().as_str(),
        raw_path: req.uri().path(),
        raw_query: req.uri().query().unwrap_or(""),
        headers: &headers,
        body: req.body(),
    };
    let opts = VerifyOptions::default().with_services(["iam", "sts"]);
    let auth = parse(&view, NOW, &opts).expect("parse");
    let cache = SigningKeyCache::new(16);
    let key = cache.get_or_derive(auth.access_key_id(), auth.scope(), SECRET);
    verify(&auth, &view, &key).expect("verify");
    auth
}

const SDK_HEADERS: [(&str, &str); 5] = [
    ("host", "127.0.0.1:45678"),
    (
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8",
    ),
    (
        "x-amz-user-agent",
        "aws-sdk-rust/1.3.9 api/iam/1.50.0 os/linux lang/rust/1.85.0",
    ),
    (
        "amz-sdk-invocation-id",
        "2b3a6f0e-5a0c-4d9a-9d1b-4c6b0b2a9c11",
    ),
    ("amz-sdk-request", "attempt=1; max=3"),
];

#[test]
fn we_accept_what_aws_sigv4_signs_and_sign_the_same() {
    let body = b"Action=GetUser&Version=2010-05-08&UserName=bob";
    for token in [None, Some(TOKEN)] {
        let mut headers = SDK_HEADERS.to_vec();
        headers.push(("user-agent", "aws-sdk-rust/1.3.9 os/linux")); // never signed
        let signed = aws_signed(
            "POST",
            "http://127.0.0.1:45678/",
            &headers,
            body,
            token,
            "iam",
            SignatureLocation::Headers,
        );
        let auth = our_verify(&signed);
        assert_eq!(auth.location(), AuthLocation::Header);
        assert_eq!(auth.session_token(), token);
        assert!(auth.signed_headers().any(|h| h == "amz-sdk-invocation-id"));

        // Our signer, same input: same Authorization and date headers.
        let creds = match token {
            Some(t) => Credentials::new(AKID, SECRET).with_session_token(t),
            None => Credentials::new(AKID, SECRET),
        };
        let view = HttpRequest {
            method: "POST",
            raw_path: "/",
            raw_query: "",
            headers: &headers,
            body,
        };
        let ours = sign(&view, &SigningParams::new(&creds, "us-east-1", "iam", NOW)).expect("sign");
        let theirs = |name: &str| {
            signed
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(Some(ours.authorization.clone()), theirs("authorization"));
        assert_eq!(Some(ours.x_amz_date.clone()), theirs("x-amz-date"));
        assert_eq!(ours.security_token, theirs("x-amz-security-token"));
    }
}

#[test]
fn sts_form_request_with_session_token() {
    let body = b"Action=GetCallerIdentity&Version=2011-06-15";
    let headers = [
        ("host", "localhost:9000"),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let signed = aws_signed(
        "POST",
        "http://localhost:9000/",
        &headers,
        body,
        Some(TOKEN),
        "sts",
        SignatureLocation::Headers,
    );
    assert_eq!(our_verify(&signed).scope().service(), "sts");
}

#[test]
fn we_accept_aws_sigv4_presigned_urls_and_presign_the_same() {
    let headers = [
        ("host", "sts.us-east-1.amazonaws.com"),
        ("x-k8s-aws-id", "my-cluster"),
    ];
    let uri = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15";
    for token in [None, Some(TOKEN)] {
        let signed = aws_signed(
            "GET",
            uri,
            &headers,
            b"",
            token,
            "sts",
            SignatureLocation::QueryParams,
        );
        let auth = our_verify(&signed);
        assert_eq!(auth.location(), AuthLocation::Query);
        assert_eq!(auth.expires(), Some(Duration::from_secs(60)));
        assert_eq!(auth.session_token(), token);

        let creds = match token {
            Some(t) => Credentials::new(AKID, SECRET).with_session_token(t),
            None => Credentials::new(AKID, SECRET),
        };
        let view = HttpRequest {
            method: "GET",
            raw_path: "/",
            raw_query: "Action=GetCallerIdentity&Version=2011-06-15",
            headers: &headers,
            body: b"",
        };
        let ours = presign(
            &view,
            &SigningParams::new(&creds, "us-east-1", "sts", NOW),
            Duration::from_secs(60),
        )
        .expect("presign");
        let query = signed.uri().query().expect("query");
        let their_sig = query
            .split('&')
            .find_map(|p| p.strip_prefix("X-Amz-Signature="))
            .expect("signature");
        assert_eq!(ours.signature, their_sig);
    }
}
