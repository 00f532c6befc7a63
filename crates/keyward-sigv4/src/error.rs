//! The one error type of the SigV4 layer, named after the AWS error codes.

use thiserror::Error;

/// AWS's message for a signature that does not match the one we computed.
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

const INVALID_TOKEN_MESSAGE: &str = "The security token included in the request is invalid.";
// AWS drops the final period for a bad session token (temporary credentials).
const INVALID_SESSION_TOKEN_MESSAGE: &str = "The security token included in the request is invalid";
const UNKNOWN_KEY_MESSAGE: &str = "The AWS access key provided does not exist in our records.";

/// Why a request failed authentication. `Display` is the exact AWS message;
/// [`AuthError::code`] is the AWS error code.
///
/// HTTP statuses are the API layer's business; for reference AWS answers 400 for
/// `BadRequest`, `MalformedQueryString` and `IncompleteSignature`, and 403 for the rest.
/// No message ever contains secret material.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    /// The request itself is malformed (bad %-escape in the path, relative path, path
    /// climbing above the root). AWS answers a plain 400 without an error body; the
    /// text says why, for logs.
    #[error("{0}")]
    BadRequest(&'static str),
    /// A malformed %-escape in the query string.
    #[error("{0}")]
    MalformedQueryString(String),
    /// Neither an `Authorization` header nor an `X-Amz-Algorithm` query parameter.
    #[error("Request is missing Authentication Token")]
    MissingAuthenticationToken,
    /// The authentication information is malformed or incomplete.
    #[error("{0}")]
    IncompleteSignature(String),
    /// Signature mismatch, expired or not-yet-current timestamp, bad credential scope,
    /// unsigned host, or both auth forms present (empty message).
    #[error("{0}")]
    SignatureDoesNotMatch(String),
    /// Unknown, deleted or inactive access key, or a bad session token (built by the server).
    #[error("{0}")]
    InvalidClientTokenId(&'static str),
    /// A valid session token past its expiry (built by the server).
    #[error("The security token included in the request is expired")]
    ExpiredToken,
}

impl AuthError {
    /// The AWS error code (`SignatureDoesNotMatch`, ...). `BadRequest` has no AWS code
    /// of its own; it maps to a bare 400.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "BadRequest",
            Self::MalformedQueryString(_) => "MalformedQueryString",
            Self::MissingAuthenticationToken => "MissingAuthenticationToken",
            Self::IncompleteSignature(_) => "IncompleteSignature",
            Self::SignatureDoesNotMatch(_) => "SignatureDoesNotMatch",
            Self::InvalidClientTokenId(_) => "InvalidClientTokenId",
            Self::ExpiredToken => "ExpiredToken",
        }
    }

    /// The signature did not verify.
    pub fn signature_mismatch() -> Self {
        Self::SignatureDoesNotMatch(SIGNATURE_MISMATCH_MESSAGE.to_owned())
    }

    /// Unknown, deleted or inactive access key:
    /// `The security token included in the request is invalid.`
    pub fn invalid_client_token_id() -> Self {
        Self::InvalidClientTokenId(INVALID_TOKEN_MESSAGE)
    }

    /// Variant wording some AWS endpoints use for an unknown key:
    /// `The AWS access key provided does not exist in our records.`
    pub fn unknown_access_key() -> Self {
        Self::InvalidClientTokenId(UNKNOWN_KEY_MESSAGE)
    }

    /// Temporary key with a missing or tampered session token (no trailing period, as AWS).
    pub fn invalid_session_token() -> Self {
        Self::InvalidClientTokenId(INVALID_SESSION_TOKEN_MESSAGE)
    }

    /// A session token that is valid but expired.
    pub fn expired_token() -> Self {
        Self::ExpiredToken
    }

    pub(crate) fn incomplete(msg: impl Into<String>) -> Self {
        Self::IncompleteSignature(msg.into())
    }

    pub(crate) fn mismatch(msg: impl Into<String>) -> Self {
        Self::SignatureDoesNotMatch(msg.into())
    }
}
