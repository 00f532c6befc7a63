//! The API layer's error: an AWS error code, message and HTTP status. Every
//! lower layer's error is mapped to AWS's code here, and only here.

use http::StatusCode;
use keyward_core::Error;

/// An error as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// `Sender` for client errors, `Receiver` for server faults.
    pub fn fault_type(&self) -> &'static str {
        if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        }
    }

    pub fn invalid_action(action: &str, version: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {action} for version {version}"),
        )
    }

    pub fn missing_action() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MissingAction", "Missing Action")
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }

    /// AWS's retryable 503: SDKs back off and try again.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        use StatusCode as S;
        let (status, code) = match &e {
            Error::NoSuchEntity(_) => (S::NOT_FOUND, "NoSuchEntity"),
            Error::EntityAlreadyExists(_) => (S::CONFLICT, "EntityAlreadyExists"),
            Error::LimitExceeded(_) => (S::CONFLICT, "LimitExceeded"),
            Error::DeleteConflict(_) => (S::CONFLICT, "DeleteConflict"),
            Error::InvalidInput(_) => (S::BAD_REQUEST, "InvalidInput"),
            Error::Validation(_) => (S::BAD_REQUEST, "ValidationError"),
            Error::InvalidUserType(_) => (S::BAD_REQUEST, "InvalidUserType"),
            Error::AccessDenied(_) => (S::FORBIDDEN, "AccessDenied"),
            Error::InvalidAuthenticationCode(_) => (S::FORBIDDEN, "InvalidAuthenticationCode"),
            Error::PasswordPolicyViolation(_) => (S::BAD_REQUEST, "PasswordPolicyViolation"),
            Error::MalformedPolicyDocument(_) => (S::BAD_REQUEST, "MalformedPolicyDocument"),
            Error::PolicyNotAttachable(_) => (S::BAD_REQUEST, "PolicyNotAttachable"),
            Error::InvalidParameterValue(_) => (S::BAD_REQUEST, "InvalidParameterValue"),
            Error::PackedPolicyTooLarge(_) => (S::BAD_REQUEST, "PackedPolicyTooLarge"),
            Error::InvalidAuthorizationMessage(_) => {
                (S::BAD_REQUEST, "InvalidAuthorizationMessageException")
            }
            Error::ReportNotPresent(_) => (S::GONE, "ReportNotPresent"),
            Error::ReportExpired(_) => (S::GONE, "ReportExpired"),
            Error::OptInRequired(_) => (S::FORBIDDEN, "OptInRequired"),
            Error::Rejected(_) => (S::BAD_REQUEST, "InvalidInput"),
            Error::Storage(detail) => {
                tracing::error!(%detail, "storage failure");
                return Self::internal();
            }
            Error::Unavailable(detail) => {
                tracing::warn!(%detail, "storage unavailable");
                return Self::unavailable();
            }
        };
        Self::new(status, code, e.to_string())
    }
}

impl From<keyward_sigv4::AuthError> for ApiError {
    fn from(e: keyward_sigv4::AuthError) -> Self {
        use StatusCode as S;
        let code = e.code();
        let (status, code) = match code {
            "MissingAuthenticationToken" => (S::FORBIDDEN, "MissingAuthenticationToken"),
            "IncompleteSignature" => (S::BAD_REQUEST, "IncompleteSignature"),
            "SignatureDoesNotMatch" => (S::FORBIDDEN, "SignatureDoesNotMatch"),
            "InvalidClientTokenId" => (S::FORBIDDEN, "InvalidClientTokenId"),
            "ExpiredToken" => (S::FORBIDDEN, "ExpiredToken"),
            "MalformedQueryString" => (S::NOT_FOUND, "MalformedQueryString"),
            _ => (S::BAD_REQUEST, "BadRequest"),
        };
        Self::new(status, code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_store_is_aws_service_unavailable() {
        let e = ApiError::from(Error::Unavailable("connection refused".into()));
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.code, "ServiceUnavailable");
        assert_eq!(e.fault_type(), "Receiver");
        assert!(!e.message.contains("connection refused"));
    }
}
