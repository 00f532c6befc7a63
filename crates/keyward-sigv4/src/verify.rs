//! Phase two: recompute the signature with the signing key and compare in constant time.

use subtle::ConstantTimeEq;

use crate::canonical::{CanonicalParts, HexDigest, canonical_request, sha256_hex, string_to_sign};
use crate::encode::QueryExclusion;
use crate::error::AuthError;
use crate::key::SigningKey;
use crate::parse::{AuthLocation, ParsedAuth};
use crate::request::HttpRequest;

const CONTENT_SHA256: &str = "x-amz-content-sha256";

/// Verifies the signature of `req`, parsed by [`parse`](crate::parse), with the signing
/// key of its access key and scope.
///
/// Fails with `SignatureDoesNotMatch` when the signature, any signed header, the query
/// or the body differ from what the client signed, or when a signed
/// `X-Amz-Content-SHA256` does not match the body (`UNSIGNED-PAYLOAD` is unsupported).
pub fn verify(
    parsed: &ParsedAuth,
    req: &HttpRequest<'_>,
    signing_key: &SigningKey,
) -> Result<(), AuthError> {
    let payload_hash = sha256_hex(req.body);
    check_content_sha256(parsed, req, &payload_hash)?;
    let exclusion = match parsed.location {
        AuthLocation::Header => QueryExclusion::Nothing,
        AuthLocation::Query => QueryExclusion::Signature,
    };
    if signature_matches(parsed, req, signing_key, &payload_hash, exclusion) {
        return Ok(());
    }
    // A session token appended to a presigned URL after signing is not in the signature.
    let retry_without_token = parsed.location == AuthLocation::Query
        && parsed.allow_unsigned_presigned_token
        && req.has_query_param("X-Amz-Security-Token");
    if retry_without_token
        && signature_matches(
            parsed,
            req,
            signing_key,
            &payload_hash,
            QueryExclusion::SignatureAndToken,
        )
    {
        return Ok(());
    }
    Err(AuthError::signature_mismatch())
}

fn signature_matches(
    parsed: &ParsedAuth,
    req: &HttpRequest<'_>,
    key: &SigningKey,
    payload_hash: &HexDigest,
    exclusion: QueryExclusion,
) -> bool {
    let (_, sts) = build(parsed, req, payload_hash, exclusion);
    let expected = key.sign(sts.as_bytes());
    expected.ct_eq(parsed.signature.as_bytes()).into()
}

fn build(
    parsed: &ParsedAuth,
    req: &HttpRequest<'_>,
    payload_hash: &HexDigest,
    exclusion: QueryExclusion,
) -> (String, String) {
    let canonical = canonical_request(&CanonicalParts {
        method: req.method,
        raw_path: req.raw_path,
        raw_query: req.raw_query,
        exclusion,
        headers: req.headers,
        signed_headers: &parsed.signed_headers,
        payload_hash: payload_hash.as_str(),
        normalize: parsed.normalize_uri_path,
    });
    let sts = string_to_sign(&parsed.amz_date, &parsed.scope, &canonical);
    (canonical, sts)
}

/// IAM and STS clients send no `X-Amz-Content-SHA256`; when one is signed it must be the
/// real body hash (S3's `UNSIGNED-PAYLOAD` and streaming modes are not supported).
fn check_content_sha256(
    parsed: &ParsedAuth,
    req: &HttpRequest<'_>,
    payload_hash: &HexDigest,
) -> Result<(), AuthError> {
    if !parsed
        .signed_headers()
        .any(|h| h.eq_ignore_ascii_case(CONTENT_SHA256))
    {
        return Ok(());
    }
    match req.header(CONTENT_SHA256).map(str::trim) {
        None => Ok(()),
        Some(v) if v.eq_ignore_ascii_case(payload_hash.as_str()) => Ok(()),
        Some(v) if v == "UNSIGNED-PAYLOAD" || v.starts_with("STREAMING-") => {
            Err(AuthError::signature_mismatch())
        }
        Some(_) => Err(AuthError::mismatch(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )),
    }
}

/// The canonical request and string to sign the server computed, for a debug mode
/// (AWS appends them to its mismatch message). They contain the session token and
/// header values, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
}

impl Explanation {
    /// AWS's debugging suffix for a mismatch message.
    pub fn aws_message_suffix(&self) -> String {
        format!(
            "\n\nThe Canonical String for this request should have been\n'{}'\n\nThe String-to-Sign should have been\n'{}'\n",
            self.canonical_request, self.string_to_sign
        )
    }
}

/// Recomputes the canonical request and string to sign of a parsed request.
pub fn explain(parsed: &ParsedAuth, req: &HttpRequest<'_>) -> Explanation {
    let exclusion = match parsed.location {
        AuthLocation::Header => QueryExclusion::Nothing,
        AuthLocation::Query => QueryExclusion::Signature,
    };
    let (canonical_request, string_to_sign) = build(parsed, req, &sha256_hex(req.body), exclusion);
    Explanation {
        canonical_request,
        string_to_sign,
    }
}
