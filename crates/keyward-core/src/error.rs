//! The domain's one error type. The API layer maps each variant to an AWS code
//! and HTTP status in one place.

/// Result with the domain error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in the domain's terms. Each message is the text AWS sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    EntityAlreadyExists(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    DeleteConflict(String),
    #[error("{0}")]
    InvalidInput(String),
    /// A parameter failed its model constraint (AWS `ValidationError`).
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    InvalidUserType(String),
    #[error("{0}")]
    AccessDenied(String),
    /// A wrong, replayed or non-consecutive MFA code (AWS's 403).
    #[error("{0}")]
    InvalidAuthenticationCode(String),
    #[error("{0}")]
    PasswordPolicyViolation(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    PolicyNotAttachable(String),
    /// STS: a session tag or transitive tag key problem (`InvalidParameterValue`).
    #[error("{0}")]
    InvalidParameterValue(String),
    /// STS: session policies and tags exceed the packed size limit.
    #[error("{0}")]
    PackedPolicyTooLarge(String),
    /// STS DecodeAuthorizationMessage: not a message this account may decode.
    #[error("{0}")]
    InvalidAuthorizationMessage(String),
    /// GetCredentialReport before any GenerateCredentialReport.
    #[error("{0}")]
    ReportNotPresent(String),
    /// GetCredentialReport on a report older than the freshness window.
    #[error("{0}")]
    ReportExpired(String),
    /// The caller's account is closed: its credentials no longer work.
    #[error("{0}")]
    OptInRequired(String),
    /// A local-only failure (CLI use): bad root password, unknown account email.
    #[error("{0}")]
    Rejected(String),
    /// The store failed; the message is for logs, never for clients.
    #[error("storage failure: {0}")]
    Storage(String),
    /// The store cannot be reached now (connection lost, database
    /// restarting); retrying later may succeed. The message is for logs.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

impl Error {
    /// AWS's answer to any request signed for a closed (suspended) account.
    pub fn account_closed() -> Self {
        Self::OptInRequired("The AWS Access Key Id needs a subscription for the service".into())
    }

    pub fn no_such_user(name: &str) -> Self {
        Self::NoSuchEntity(format!("The user with name {name} cannot be found."))
    }

    pub fn no_such_access_key(id: &str) -> Self {
        Self::NoSuchEntity(format!("The Access Key with id {id} cannot be found."))
    }

    pub fn invalid_mfa_code() -> Self {
        Self::InvalidAuthenticationCode("Authentication code for device is not valid.".into())
    }

    pub fn no_such_mfa_device(serial_number: &str) -> Self {
        Self::NoSuchEntity(format!(
            "VirtualMFADevice with serial number {serial_number} doesn't exist."
        ))
    }

    pub fn no_such_group(name: &str) -> Self {
        Self::NoSuchEntity(format!("The group with name {name} cannot be found."))
    }

    pub fn no_such_role(name: &str) -> Self {
        Self::NoSuchEntity(format!("The role with name {name} cannot be found."))
    }

    pub fn no_such_instance_profile(name: &str) -> Self {
        Self::NoSuchEntity(format!("Instance Profile {name} cannot be found."))
    }
}
