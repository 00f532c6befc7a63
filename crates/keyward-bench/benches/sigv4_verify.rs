//! SigV4 verification cost of a realistic botocore-style IAM request: parse, signing-key
//! cache lookup (warm), verify. Target: median ≤ 2 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keyward_sigv4::{
    Credentials, HttpRequest, SigningKeyCache, SigningParams, VerifyOptions, parse, sign, verify,
};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-23 06:52:57 UTC);
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const BODY: &[u8] = b"Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fdevelopers%2F";

/// The headers botocore sends for an IAM call with temporary credentials; it signs
/// content-type, host, x-amz-date and x-amz-security-token.
fn botocore_headers() -> Vec<(String, String)> {
    let creds = Credentials::new("ASIAIOSFODNN7EXAMPLE", SECRET).with_session_token(
        "IQoJb3JpZ2luX2VjEXAMPLEtokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
    );
    let base = [
        ("Host", "127.0.0.1:45678"),
        (
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
    ];
    let req = HttpRequest {
        method: "POST",
        raw_path: "/",
        raw_query: "",
        headers: &base,
        body: BODY,
    };
    let signed = sign(&req, &SigningParams::new(&creds, "us-east-1", "iam", NOW)).expect("sign");
    let mut out: Vec<(String, String)> = vec![
        ("Host".into(), "127.0.0.1:45678".into()),
        ("Accept-Encoding".into(), "identity".into()),
        (
            "User-Agent".into(),
            "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 botocore/2.4.5".into(),
        ),
        (
            "Content-Type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        ),
        ("Content-Length".into(), BODY.len().to_string()),
    ];
    out.extend(
        signed
            .headers()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned())),
    );
    out
}

fn bench(c: &mut Criterion) {
    let owned = botocore_headers();
    let headers: Vec<(&str, &str)> = owned
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = HttpRequest {
        method: "POST",
        raw_path: "/",
        raw_query: "",
        headers: &headers,
        body: BODY,
    };
    let opts = VerifyOptions::default().with_services(["iam", "sts"]);
    let cache = SigningKeyCache::default();

    // Warm the cache, and make sure the request really verifies.
    let auth = parse(&req, NOW, &opts).expect("parse");
    assert_eq!(auth.signed_headers().count(), 4);
    let key = cache.get_or_derive(auth.access_key_id(), auth.scope(), SECRET);
    verify(&auth, &req, &key).expect("verify");

    c.bench_function(
        "sigv4 parse+cache+verify (IAM POST, 4 signed headers)",
        |b| {
            b.iter(|| {
                let req = black_box(&req);
                let auth = parse(req, NOW, &opts).expect("parse");
                let key = cache
                    .get(auth.access_key_id(), auth.scope())
                    .expect("warm cache");
                verify(&auth, req, &key).expect("verify");
            });
        },
    );
    c.bench_function("sigv4 parse only", |b| {
        b.iter(|| parse(black_box(&req), NOW, &opts).expect("parse"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
