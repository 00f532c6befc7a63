//! The client side: sign requests (header auth) and presign URLs (query auth), with the
//! same canonicalization code the verifier uses.

use std::time::Duration;

use time::OffsetDateTime;

use crate::canonical::{ALGORITHM, CanonicalParts, canonical_request, sha256_hex, string_to_sign};
use crate::encode::{QueryExclusion, check_path, check_query, encode_query_component};
use crate::error::AuthError;
use crate::key::{Credentials, SigningKey, derive_signing_key};
use crate::parse::{CredentialScope, MAX_PRESIGNED_EXPIRES};
use crate::request::HttpRequest;
use crate::timefmt;

/// Headers never signed, as the AWS SDKs: they are computed by signing or changed by proxies.
const UNSIGNED_HEADERS: [&str; 4] = [
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "transfer-encoding",
];
/// Headers the signer sets itself; any value already in the request is replaced.
const SIGNER_HEADERS: [&str; 3] = ["x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];

/// What to sign with.
#[derive(Debug, Clone)]
pub struct SigningParams<'a> {
    /// The credentials.
    pub credentials: &'a Credentials,
    /// The region of the credential scope.
    pub region: &'a str,
    /// The service of the credential scope (`iam`, `sts`).
    pub service: &'a str,
    /// The signing time.
    pub time: OffsetDateTime,
    /// Normalize the URI path (every service but S3). Default true.
    pub normalize_uri_path: bool,
    /// Add and sign `X-Amz-Content-SHA256` (S3 style). Default false, as IAM/STS clients.
    pub content_sha256_header: bool,
    /// Sign the session token. Default true; false adds it after signing, as some
    /// services expect (the test suite's `omit_session_token`).
    pub sign_session_token: bool,
}

impl<'a> SigningParams<'a> {
    /// Parameters with the defaults of botocore and the AWS SDKs for IAM/STS.
    pub fn new(
        credentials: &'a Credentials,
        region: &'a str,
        service: &'a str,
        time: OffsetDateTime,
    ) -> Self {
        Self {
            credentials,
            region,
            service,
            time,
            normalize_uri_path: true,
            content_sha256_header: false,
            sign_session_token: true,
        }
    }
}

/// The result of [`sign`]: headers to add to the request, plus the intermediate strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The `Authorization` header value.
    pub authorization: String,
    /// The `X-Amz-Date` header value.
    pub x_amz_date: String,
    /// The `X-Amz-Security-Token` header value, for temporary credentials.
    pub security_token: Option<String>,
    /// The `X-Amz-Content-SHA256` header value, when requested.
    pub content_sha256: Option<String>,
    /// The hex signature.
    pub signature: String,
    /// The canonical request that was signed.
    pub canonical_request: String,
    /// The string that was signed.
    pub string_to_sign: String,
}

impl SignedRequest {
    /// The headers to add to the request (replacing any of the same name).
    pub fn headers(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![("X-Amz-Date", self.x_amz_date.as_str())];
        if let Some(token) = &self.security_token {
            out.push(("X-Amz-Security-Token", token));
        }
        if let Some(hash) = &self.content_sha256 {
            out.push(("X-Amz-Content-SHA256", hash));
        }
        out.push(("Authorization", &self.authorization));
        out
    }
}

/// The result of [`presign`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedRequest {
    /// The full query string to send (original parameters, then the `X-Amz-*` ones),
    /// without the `?`.
    pub query: String,
    /// The hex signature.
    pub signature: String,
    /// The canonical request that was signed.
    pub canonical_request: String,
    /// The string that was signed.
    pub string_to_sign: String,
}

/// Signs `req` for header authentication. `req.headers` must include `Host`; every
/// header present is signed except `Authorization`, `User-Agent`, `X-Amzn-Trace-Id` and
/// `Transfer-Encoding` (as the AWS SDKs).
pub fn sign(req: &HttpRequest<'_>, params: &SigningParams<'_>) -> Result<SignedRequest, AuthError> {
    let amz_date = timefmt::basic(params.time);
    let key = derive_signing_key(
        params.credentials.secret_access_key.expose(),
        scope_date(&amz_date),
        params.region,
        params.service,
    );
    sign_with_key(req, params, amz_date, &key)
}

/// Signs many requests with one set of credentials for one region and service,
/// exactly as [`sign`] with [`SigningParams::new`]'s defaults, but derives the
/// signing key once per scope date instead of for every request: the four
/// HMACs of the derivation cost more than signing the request itself.
#[derive(Debug, Clone)]
pub struct Signer {
    credentials: Credentials,
    region: String,
    service: String,
    /// The signing key of the last request and its scope date (`YYYYMMDD`).
    day: Option<(String, SigningKey)>,
}

impl Signer {
    /// A signer for `service` (`iam`, `sts`) in `region`.
    pub fn new(
        credentials: Credentials,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        Self {
            credentials,
            region: region.into(),
            service: service.into(),
            day: None,
        }
    }

    /// The credentials it signs with.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Signs `req` at `time`; the same result as [`sign`] with
    /// `SigningParams::new(credentials, region, service, time)`.
    pub fn sign(
        &mut self,
        req: &HttpRequest<'_>,
        time: OffsetDateTime,
    ) -> Result<SignedRequest, AuthError> {
        let amz_date = timefmt::basic(time);
        let date = scope_date(&amz_date);
        let key = match &mut self.day {
            Some((day, key)) if day == date => key,
            slot => {
                let key = derive_signing_key(
                    self.credentials.secret_access_key.expose(),
                    date,
                    &self.region,
                    &self.service,
                );
                &slot.insert((date.to_owned(), key)).1
            }
        };
        let params = SigningParams::new(&self.credentials, &self.region, &self.service, time);
        sign_with_key(req, &params, amz_date, key)
    }
}

/// The `YYYYMMDD` of an ISO 8601 basic date.
fn scope_date(amz_date: &str) -> &str {
    amz_date.get(..8).unwrap_or_default()
}

/// [`sign`] with the signing key of `amz_date`'s day already derived.
fn sign_with_key(
    req: &HttpRequest<'_>,
    params: &SigningParams<'_>,
    amz_date: String,
    key: &SigningKey,
) -> Result<SignedRequest, AuthError> {
    check_path(req.raw_path)?;
    check_query(req.raw_query)?;
    let payload_hash = sha256_hex(req.body);
    let creds = params.credentials;
    let token = creds.session_token.as_deref();

    let mut headers: Vec<(&str, &str)> = kept_headers(req.headers, &[]);
    headers.push(("x-amz-date", &amz_date));
    if let Some(token) = token.filter(|_| params.sign_session_token) {
        headers.push(("x-amz-security-token", token));
    }
    if params.content_sha256_header {
        headers.push(("x-amz-content-sha256", payload_hash.as_str()));
    }
    let signed_headers = signed_header_list(&headers);
    let scope = CredentialScope::new(scope_date(&amz_date), params.region, params.service);
    let (canonical, sts, signature) = compute(
        req,
        params,
        &Pieces {
            scope: &scope,
            amz_date: &amz_date,
            headers: &headers,
            signed_headers: &signed_headers,
            query: req.raw_query,
            payload_hash: payload_hash.as_str(),
        },
        key,
    );
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        creds.access_key_id
    );
    Ok(SignedRequest {
        authorization,
        x_amz_date: amz_date,
        security_token: token.map(str::to_owned),
        content_sha256: params
            .content_sha256_header
            .then(|| payload_hash.as_str().to_owned()),
        signature,
        canonical_request: canonical,
        string_to_sign: sts,
    })
}

/// Presigns `req` (query authentication) valid for `expires` (1 s to 7 days). Signs
/// `Host` and the other headers present, except those [`sign`] skips and
/// `X-Amz-User-Agent` (as the AWS SDKs). The payload hash is that of `req.body`
/// (empty for the usual GET).
pub fn presign(
    req: &HttpRequest<'_>,
    params: &SigningParams<'_>,
    expires: Duration,
) -> Result<PresignedRequest, AuthError> {
    check_path(req.raw_path)?;
    check_query(req.raw_query)?;
    if expires.as_secs() == 0 || expires > MAX_PRESIGNED_EXPIRES {
        return Err(AuthError::incomplete(
            "X-Amz-Expires must be between 1 and 604800 seconds",
        ));
    }
    let amz_date = timefmt::basic(params.time);
    let payload_hash = sha256_hex(req.body);
    let creds = params.credentials;
    let headers = kept_headers(req.headers, &["x-amz-user-agent"]);
    let signed_headers = signed_header_list(&headers);
    let scope = CredentialScope::new(scope_date(&amz_date), params.region, params.service);

    let mut query = String::from(req.raw_query);
    add_param(&mut query, "X-Amz-Algorithm", ALGORITHM);
    add_param(
        &mut query,
        "X-Amz-Credential",
        &format!("{}/{scope}", creds.access_key_id),
    );
    add_param(&mut query, "X-Amz-Date", &amz_date);
    add_param(&mut query, "X-Amz-SignedHeaders", &signed_headers);
    add_param(&mut query, "X-Amz-Expires", &expires.as_secs().to_string());
    let token = creds.session_token.as_deref();
    if let Some(token) = token.filter(|_| params.sign_session_token) {
        add_param(&mut query, "X-Amz-Security-Token", token);
    }
    let (canonical, sts, signature) = compute(
        req,
        params,
        &Pieces {
            scope: &scope,
            amz_date: &amz_date,
            headers: &headers,
            signed_headers: &signed_headers,
            query: &query,
            payload_hash: payload_hash.as_str(),
        },
        &derive_signing_key(
            creds.secret_access_key.expose(),
            scope.date(),
            scope.region(),
            scope.service(),
        ),
    );
    if let Some(token) = token.filter(|_| !params.sign_session_token) {
        add_param(&mut query, "X-Amz-Security-Token", token);
    }
    add_param(&mut query, "X-Amz-Signature", &signature);
    Ok(PresignedRequest {
        query,
        signature,
        canonical_request: canonical,
        string_to_sign: sts,
    })
}

/// The request's headers minus those never signed and those the signer sets.
fn kept_headers<'a>(headers: &[(&'a str, &'a str)], also_skip: &[&str]) -> Vec<(&'a str, &'a str)> {
    let skip = |name: &str| {
        UNSIGNED_HEADERS
            .iter()
            .chain(&SIGNER_HEADERS)
            .chain(also_skip)
            .any(|s| name.eq_ignore_ascii_case(s))
    };
    headers.iter().filter(|(n, _)| !skip(n)).copied().collect()
}

/// Lowercase, sorted, deduplicated, `;`-joined.
fn signed_header_list(headers: &[(&str, &str)]) -> String {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    names.join(";")
}

fn add_param(query: &mut String, name: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(name);
    query.push('=');
    encode_query_component(query, value.as_bytes());
}

/// What sign and presign assemble before computing the signature.
struct Pieces<'a> {
    scope: &'a CredentialScope,
    amz_date: &'a str,
    headers: &'a [(&'a str, &'a str)],
    signed_headers: &'a str,
    query: &'a str,
    payload_hash: &'a str,
}

/// Returns (canonical request, string to sign, hex signature).
fn compute(
    req: &HttpRequest<'_>,
    params: &SigningParams<'_>,
    p: &Pieces<'_>,
    key: &SigningKey,
) -> (String, String, String) {
    let canonical = canonical_request(&CanonicalParts {
        method: req.method,
        raw_path: req.raw_path,
        raw_query: p.query,
        exclusion: QueryExclusion::Nothing,
        headers: p.headers,
        signed_headers: p.signed_headers,
        payload_hash: p.payload_hash,
        normalize: params.normalize_uri_path,
    });
    let sts = string_to_sign(p.amz_date, p.scope, &canonical);
    let signature = key.sign(sts.as_bytes());
    // Infallible: hex output is ASCII.
    let signature = String::from_utf8(signature.to_vec()).expect("hex is ASCII");
    (canonical, sts, signature)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const BODY: &[u8] = b"Action=ListUsers&Version=2010-05-08";
    const HEADERS: [(&str, &str); 2] = [
        ("Host", "127.0.0.1:4566"),
        (
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
    ];

    fn request() -> HttpRequest<'static> {
        HttpRequest {
            method: "POST",
            raw_path: "/",
            raw_query: "",
            headers: &HEADERS,
            body: BODY,
        }
    }

    #[test]
    fn a_signer_signs_as_sign_does_across_seconds_and_days() {
        for creds in [
            Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            Credentials::new("ASIAEXAMPLE", "other-secret").with_session_token("token/+="),
        ] {
            let mut signer = Signer::new(creds.clone(), "eu-west-3", "iam");
            // The same day twice (the kept key), then the next day and back (a new one each time).
            for time in [
                datetime!(2026-11-23 23:59:58 UTC),
                datetime!(2026-11-23 23:59:59 UTC),
                datetime!(2026-11-24 00:00:00 UTC),
                datetime!(2026-11-23 12:00:00 UTC),
            ] {
                let expected = sign(
                    &request(),
                    &SigningParams::new(&creds, "eu-west-3", "iam", time),
                )
                .unwrap();
                assert_eq!(signer.sign(&request(), time).unwrap(), expected, "{time}");
            }
        }
    }

    #[test]
    fn a_signer_keeps_its_key_to_its_own_region_and_service() {
        let creds = Credentials::new("AKIDEXAMPLE", "secret");
        let time = datetime!(2026-11-23 06:52:57 UTC);
        let mut iam = Signer::new(creds.clone(), "us-east-1", "iam");
        let mut sts = Signer::new(creds, "us-east-1", "sts");
        let a = iam.sign(&request(), time).unwrap();
        let b = sts.sign(&request(), time).unwrap();
        assert_ne!(a.signature, b.signature);
        assert!(b.authorization.contains("/us-east-1/sts/aws4_request"));
        assert_eq!(sts.credentials().access_key_id, "AKIDEXAMPLE");
    }

    #[test]
    fn a_signer_refuses_what_sign_refuses() {
        let creds = Credentials::new("AKIDEXAMPLE", "secret");
        let time = datetime!(2026-11-23 06:52:57 UTC);
        let bad = HttpRequest {
            raw_query: "a=%zz",
            ..request()
        };
        let expected = sign(&bad, &SigningParams::new(&creds, "us-east-1", "iam", time));
        assert!(expected.is_err());
        assert_eq!(
            Signer::new(creds, "us-east-1", "iam").sign(&bad, time),
            expected
        );
    }
}
