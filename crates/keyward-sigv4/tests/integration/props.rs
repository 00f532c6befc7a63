//! Property tests: arbitrary input never panics; sign-then-verify round-trips.

use std::time::Duration;

use keyward_sigv4::{
    Credentials, HttpRequest, SigningParams, VerifyOptions, derive_signing_key, parse, presign,
    sign, verify,
};
use proptest::prelude::*;
use time::OffsetDateTime;

const RESERVED: [&str; 8] = [
    "host",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "user-agent",
    "x-amzn-trace-id",
    "transfer-encoding",
];

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Fragments that steer random text towards the parser's deeper branches.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("AWS4-HMAC-SHA256 ".to_owned()),
        Just("Credential=AKID/20260101/us-east-1/iam/aws4_request".to_owned()),
        Just(", SignedHeaders=host;x-amz-date".to_owned()),
        Just(", Signature=".to_owned()),
        Just("X-Amz-Algorithm=AWS4-HMAC-SHA256&".to_owned()),
        Just("X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&".to_owned()),
        Just("X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&".to_owned()),
        Just("X-Amz-Expires=".to_owned()),
        Just("%".to_owned()),
        Just("/../".to_owned()),
        "\\PC{0,12}",
        "[ -~]{0,12}",
    ]
}

fn fuzz_text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..6).prop_map(|parts| parts.concat())
}

fn fuzz_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("Authorization".to_owned()),
        Just("X-Amz-Date".to_owned()),
        Just("Date".to_owned()),
        Just("Host".to_owned()),
        Just("X-Amz-Content-SHA256".to_owned()),
        Just("X-Amz-Security-Token".to_owned()),
        "[a-zA-Z-]{1,10}",
    ];
    let value = prop_oneof![
        fuzz_text(),
        Just("20260101T000000Z".to_owned()),
        Just("Thu, 01 Jan 2026 00:00:00 GMT".to_owned()),
        Just("UNSIGNED-PAYLOAD".to_owned()),
    ];
    prop::collection::vec((name, value), 0..8)
}

fn any_time() -> impl Strategy<Value = OffsetDateTime> {
    // Includes the extremes of `time`'s range, to exercise overflow handling.
    prop_oneof![
        Just(OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_454)),
        (-377_705_116_800i64..253_402_300_799i64).prop_map(|s| {
            OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
        }),
        // Non-UTC offsets at the edges of the range.
        Just(time::macros::datetime!(9999-12-31 23:59:59 -12:00)),
        Just(time::macros::datetime!(-9999-01-01 00:00:00 +14:00)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_input_never_panics(
        method in "[A-Z]{0,7}",
        path in fuzz_text(),
        query in fuzz_text(),
        headers in fuzz_headers(),
        body in prop::collection::vec(any::<u8>(), 0..64),
        now in any_time(),
        skew in prop::option::of(0u64..10_000_000_000),
    ) {
        let refs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let req = HttpRequest { method: &method, raw_path: &path, raw_query: &query, headers: &refs, body: &body };
        let opts = VerifyOptions::default().with_max_clock_skew(skew.map(Duration::from_secs));
        if let Ok(auth) = parse(&req, now, &opts) {
            let key = derive_signing_key("secret", auth.scope().date(), auth.scope().region(), auth.scope().service());
            let _ = verify(&auth, &req, &key);
            let _ = keyward_sigv4::explain(&auth, &req);
        }
        let creds = Credentials::new("AKID", "secret");
        let params = SigningParams::new(&creds, "us-east-1", "iam", now);
        let _ = sign(&req, &params);
        let _ = presign(&req, &params, Duration::from_secs(60));
    }

    #[test]
    fn sign_then_verify_round_trips(
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT")],
        segments in prop::collection::vec("[a-zA-Z0-9_~-]{1,6}|%[0-9A-F]{2}|\\PC{1,3}", 0..4),
        trailing_slash in any::<bool>(),
        params in prop::collection::vec(("\\PC{0,8}", "\\PC{0,8}"), 0..5),
        headers in prop::collection::vec(("[a-z][a-z0-9-]{0,10}", "[ -~]{0,24}"), 0..5),
        body in prop::collection::vec(any::<u8>(), 0..200),
        token in prop::option::of("[A-Za-z0-9+/=]{1,40}"),
        secs in 0i64..4_102_444_800,
        content_sha in any::<bool>(),
    ) {
        // Wire paths are %-encoded: keep generated escapes, encode stray `%`, `/` and
        // dot-only segments (which would climb above the root).
        let wire = |s: &String| -> String {
            if s.chars().all(|c| c == '.') { return "d".to_owned(); }
            if s.len() == 3 && s.starts_with('%') && s.bytes().skip(1).all(|b| b.is_ascii_hexdigit()) { return s.clone(); }
            s.replace('%', "%25").replace('/', "%2F")
        };
        let mut path: String = segments.iter().map(|s| format!("/{}", wire(s))).collect();
        if path.is_empty() || trailing_slash { path.push('/'); }
        let path = path.replace(' ', "%20");
        let query = params.iter().map(|(n, v)| format!("{}={}", encode(n), encode(v).replace("%20", "+"))).collect::<Vec<_>>().join("&");
        let mut hdrs: Vec<(&str, &str)> = vec![("Host", "127.0.0.1:45678")];
        hdrs.extend(
            headers.iter()
                .filter(|(n, _)| !RESERVED.contains(&n.as_str()))
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        let now = OffsetDateTime::from_unix_timestamp(secs).expect("in range");
        let mut creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        if let Some(t) = &token { creds = creds.with_session_token(t.clone()); }
        let mut params = SigningParams::new(&creds, "eu-west-3", "sts", now);
        params.content_sha256_header = content_sha;
        let unsigned = HttpRequest { method, raw_path: &path, raw_query: &query, headers: &hdrs, body: &body };
        let opts = VerifyOptions::default().with_services(["iam", "sts"]);
        let date = &time_basic(now)[..8];
        let key = derive_signing_key(creds.secret_access_key.expose(), date, "eu-west-3", "sts");

        // Header form.
        let signed = sign(&unsigned, &params).expect("sign");
        let mut all = hdrs.clone();
        all.extend(signed.headers());
        let req = HttpRequest { headers: &all, ..unsigned };
        let auth = parse(&req, now, &opts).expect("parse signed");
        prop_assert_eq!(auth.session_token(), token.as_deref());
        prop_assert_eq!(verify(&auth, &req, &key), Ok(()));

        // Presigned form.
        let pre = presign(&unsigned, &params, Duration::from_secs(300)).expect("presign");
        let req = HttpRequest { raw_query: &pre.query, ..unsigned };
        let auth = parse(&req, now, &opts).expect("parse presigned");
        prop_assert_eq!(verify(&auth, &req, &key), Ok(()));
    }
}

fn time_basic(t: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
