//! AWS's official SigV4 vectors (aws-c-auth's v4 suite): every case, header and query
//! forms, byte-for-byte canonical request / string to sign / signature, then
//! parse + verify of the signed request and its tampered variants.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use keyward_sigv4::{
    AuthError, AuthLocation, Credentials, SIGNATURE_MISMATCH_MESSAGE, Signer, SigningParams,
    VerifyOptions, derive_signing_key, explain, parse, presign, sign, verify,
};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::util::OwnedRequest;

struct Case {
    name: String,
    dir: PathBuf,
    creds: Credentials,
    region: String,
    service: String,
    time: OffsetDateTime,
    normalize: bool,
    sign_body: bool,
    omit_session_token: bool,
    expires: u64,
}

impl Case {
    fn load(dir: &Path) -> Self {
        let ctx: Value = serde_json::from_str(&read(dir, "context.json")).expect("context.json");
        let s = |v: &Value| v.as_str().expect("string").to_owned();
        let c = &ctx["credentials"];
        let mut creds = Credentials::new(s(&c["access_key_id"]), s(&c["secret_access_key"]));
        if let Some(token) = c.get("token") {
            creds = creds.with_session_token(s(token));
        }
        Self {
            name: dir
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned(),
            dir: dir.to_owned(),
            creds,
            region: s(&ctx["region"]),
            service: s(&ctx["service"]),
            time: OffsetDateTime::parse(&s(&ctx["timestamp"]), &Rfc3339).expect("timestamp"),
            normalize: ctx["normalize"].as_bool().unwrap_or(true),
            sign_body: ctx["sign_body"].as_bool().unwrap_or(false),
            omit_session_token: ctx["omit_session_token"].as_bool().unwrap_or(false),
            expires: ctx["expiration_in_seconds"].as_u64().expect("expiration"),
        }
    }

    fn params(&self) -> SigningParams<'_> {
        let mut p = SigningParams::new(&self.creds, &self.region, &self.service, self.time);
        p.normalize_uri_path = self.normalize;
        p.content_sha256_header = self.sign_body;
        p.sign_session_token = !self.omit_session_token;
        p
    }

    fn opts(&self) -> VerifyOptions {
        VerifyOptions {
            normalize_uri_path: self.normalize,
            ..VerifyOptions::default()
        }
        .with_services([self.service.clone()])
    }

    fn file(&self, name: &str) -> String {
        read(&self.dir, name)
    }
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
}

fn suite_cases() -> Option<Vec<Case>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigv4-test-suite");
    let Ok(entries) = fs::read_dir(&root) else {
        eprintln!(
            "!!!!! SKIPPING the AWS SigV4 suite: {} not found !!!!!",
            root.display()
        );
        return None;
    };
    let mut cases: Vec<Case> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join("context.json").exists())
        .map(|e| Case::load(&e.path()))
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        cases.len() >= 38,
        "expected the 38 AWS cases, found {}",
        cases.len()
    );
    Some(cases)
}

fn is_mismatch(err: &AuthError) -> bool {
    err.code() == "SignatureDoesNotMatch"
}

/// Flips one hex digit of the signature inside the request text.
fn tamper_signature(text: &str, signature: &str) -> String {
    let mut bad = signature.to_owned();
    let last = if bad.ends_with('0') { "1" } else { "0" };
    bad.replace_range(63.., last);
    text.replace(signature, &bad)
}

#[test]
fn header_form_matches_vectors_and_verifies() {
    let Some(cases) = suite_cases() else { return };
    for case in &cases {
        let name = &case.name;
        let req = OwnedRequest::parse(&case.file("request.txt"));
        let headers = req.header_refs();
        let signed = sign(&req.view(&headers), &case.params()).expect("sign");
        assert_eq!(
            signed.canonical_request,
            case.file("header-canonical-request.txt"),
            "{name}: canonical request"
        );
        assert_eq!(
            signed.string_to_sign,
            case.file("header-string-to-sign.txt"),
            "{name}: string to sign"
        );
        let expected_sig = case.file("header-signature.txt");
        assert_eq!(signed.signature, expected_sig, "{name}: signature");

        let text = case.file("header-signed-request.txt");
        let sreq = OwnedRequest::parse(&text);
        let sheaders = sreq.header_refs();
        let view = sreq.view(&sheaders);
        let auth =
            parse(&view, case.time, &case.opts()).unwrap_or_else(|e| panic!("{name}: parse: {e}"));
        assert_eq!(auth.location(), AuthLocation::Header);
        assert_eq!(auth.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(
            auth.session_token(),
            case.creds.session_token.as_deref(),
            "{name}: token"
        );
        let key = derive_signing_key(
            case.creds.secret_access_key.expose(),
            "20150830",
            &case.region,
            &case.service,
        );
        verify(&auth, &view, &key).unwrap_or_else(|e| panic!("{name}: verify: {e}"));
        assert_eq!(
            explain(&auth, &view).canonical_request,
            case.file("header-canonical-request.txt")
        );

        // One byte of the signature changed.
        let bad = OwnedRequest::parse(&tamper_signature(&text, &expected_sig));
        let bad_headers = bad.header_refs();
        let bad_view = bad.view(&bad_headers);
        let bad_auth = parse(&bad_view, case.time, &case.opts()).expect("parse tampered");
        assert_eq!(
            verify(&bad_auth, &bad_view, &key),
            Err(AuthError::signature_mismatch()),
            "{name}"
        );

        // A signed header changed.
        let mut altered = sreq.clone();
        for (n, v) in &mut altered.headers {
            if n.eq_ignore_ascii_case("host") {
                *v = "example.amazonaws.com:8080".to_owned();
            }
        }
        let alt_headers = altered.header_refs();
        let alt_view = altered.view(&alt_headers);
        let err = verify(
            &parse(&alt_view, case.time, &case.opts()).expect("parse"),
            &alt_view,
            &key,
        );
        assert!(
            err.as_ref().is_err_and(is_mismatch),
            "{name}: host changed: {err:?}"
        );

        // The body changed (when there is one).
        if !sreq.body.is_empty() {
            let mut altered = sreq.clone();
            altered.body.push(b'x');
            let view = altered.view(&sheaders);
            let err = verify(
                &parse(&view, case.time, &case.opts()).expect("parse"),
                &view,
                &key,
            );
            assert!(
                err.as_ref().is_err_and(is_mismatch),
                "{name}: body changed: {err:?}"
            );
        }

        // Clock 16 minutes later, and 16 minutes earlier.
        let later = case.time + time::Duration::minutes(16);
        assert_eq!(
            parse(&view, later, &case.opts()).err(),
            Some(AuthError::SignatureDoesNotMatch(
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)".into()
            )),
            "{name}"
        );
        let earlier = case.time - time::Duration::minutes(16);
        assert_eq!(
            parse(&view, earlier, &case.opts()).err(),
            Some(AuthError::SignatureDoesNotMatch(
                "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + 15 min.)".into()
            )),
            "{name}"
        );
        // The window can be switched off (dev mode with frozen clocks).
        let no_clock = case.opts().with_max_clock_skew(None);
        assert!(parse(&view, later, &no_clock).is_ok());
    }
}

#[test]
fn a_signer_matches_the_vectors_signed_with_the_default_options() {
    let Some(cases) = suite_cases() else { return };
    let mut checked = 0;
    for case in cases
        .iter()
        .filter(|c| c.normalize && !c.sign_body && !c.omit_session_token)
    {
        let req = OwnedRequest::parse(&case.file("request.txt"));
        let headers = req.header_refs();
        let mut signer = Signer::new(case.creds.clone(), &case.region, &case.service);
        // Twice: the second signature comes from the key kept from the first.
        for _ in 0..2 {
            let signed = signer.sign(&req.view(&headers), case.time).expect("sign");
            assert_eq!(
                signed.signature,
                case.file("header-signature.txt"),
                "{}",
                case.name
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 28,
        "only {checked} cases use the default options"
    );
}

#[test]
fn query_form_matches_vectors_and_verifies() {
    let Some(cases) = suite_cases() else { return };
    for case in &cases {
        let name = &case.name;
        let req = OwnedRequest::parse(&case.file("request.txt"));
        let headers = req.header_refs();
        let expires = Duration::from_secs(case.expires);
        let signed = presign(&req.view(&headers), &case.params(), expires).expect("presign");
        assert_eq!(
            signed.canonical_request,
            case.file("query-canonical-request.txt"),
            "{name}: canonical request"
        );
        assert_eq!(
            signed.string_to_sign,
            case.file("query-string-to-sign.txt"),
            "{name}: string to sign"
        );
        let expected_sig = case.file("query-signature.txt");
        assert_eq!(signed.signature, expected_sig, "{name}: signature");

        let text = case.file("query-signed-request.txt");
        let sreq = OwnedRequest::parse(&text);
        assert_eq!(signed.query, sreq.query, "{name}: presigned query string");
        let sheaders = sreq.header_refs();
        let view = sreq.view(&sheaders);
        let auth =
            parse(&view, case.time, &case.opts()).unwrap_or_else(|e| panic!("{name}: parse: {e}"));
        assert_eq!(auth.location(), AuthLocation::Query);
        assert_eq!(auth.expires(), Some(expires));
        assert_eq!(
            auth.session_token(),
            case.creds.session_token.as_deref(),
            "{name}: token"
        );
        let key = derive_signing_key(
            case.creds.secret_access_key.expose(),
            "20150830",
            &case.region,
            &case.service,
        );
        verify(&auth, &view, &key).unwrap_or_else(|e| panic!("{name}: verify: {e}"));
        if !case.omit_session_token {
            assert_eq!(
                explain(&auth, &view).canonical_request,
                case.file("query-canonical-request.txt")
            );
        }

        let bad = OwnedRequest::parse(&tamper_signature(&text, &expected_sig));
        let bad_headers = bad.header_refs();
        let bad_view = bad.view(&bad_headers);
        let bad_auth = parse(&bad_view, case.time, &case.opts()).expect("parse tampered");
        assert_eq!(
            verify(&bad_auth, &bad_view, &key),
            Err(AuthError::signature_mismatch()),
            "{name}"
        );
        assert_eq!(
            AuthError::signature_mismatch().to_string(),
            SIGNATURE_MISMATCH_MESSAGE
        );

        // Usable until X-Amz-Expires has passed, not a second later.
        let last_second = case.time + time::Duration::seconds(3600);
        assert!(parse(&view, last_second, &case.opts()).is_ok(), "{name}");
        let too_late = case.time + time::Duration::seconds(3601);
        assert_eq!(
            parse(&view, too_late, &case.opts()).err(),
            Some(AuthError::SignatureDoesNotMatch(
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T133601Z - 60 min.)".into()
            )),
            "{name}"
        );
        let early = case.time - time::Duration::minutes(16);
        assert!(
            parse(&view, early, &case.opts()).is_err_and(|e| is_mismatch(&e)),
            "{name}"
        );

        // A query parameter added after signing breaks the signature.
        let mut altered = sreq.clone();
        altered.query.push_str("&Extra=1");
        let view = altered.view(&sheaders);
        let err = verify(
            &parse(&view, case.time, &case.opts()).expect("parse"),
            &view,
            &key,
        );
        assert!(
            err.as_ref().is_err_and(is_mismatch),
            "{name}: query changed: {err:?}"
        );
    }
}
