//! The one error type of this crate.
//!
//! Every variant's `Display` is the exact message AWS IAM returns inside a
//! `MalformedPolicyDocument` error, so the API layer can forward it verbatim.

use thiserror::Error;

/// A policy document was refused. `Display` is AWS's message; the error code
/// the server sends is always [`PolicyError::CODE`] (`MalformedPolicyDocument`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Not JSON at all (also: nesting deeper than the parser's limit).
    #[error("This policy contains invalid Json")]
    InvalidJson,
    /// The document is larger than [`crate::MAX_DOCUMENT_BYTES`].
    #[error("Policy document exceeds the maximum size of {max} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        max: usize,
    },
    /// JSON, but not a policy: wrong types, unknown elements, bad Effect,
    /// both Action and NotAction, unknown condition operator, ...
    #[error("Syntax errors in policy.")]
    Syntax,
    /// Identity policies and permissions boundaries must say `2012-10-17`.
    #[error("Policy document must be version 2012-10-17 or greater.")]
    Version,
    /// Effect in the wrong case, bad date value, structurally broken ARN.
    #[error("The policy failed legacy parsing")]
    LegacyParsing,
    /// Two statements share a Sid.
    #[error("Statement IDs (SID) in a single policy must be unique.")]
    DuplicateSid,
    /// A Sid with characters outside `[0-9A-Za-z]` in an IAM policy.
    #[error(
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
    )]
    SidNotAlphanumeric,
    /// No Action/NotAction (or an empty list).
    #[error("Policy statement must contain actions.")]
    MissingActions,
    /// No Resource/NotResource (or an empty list) where one is required.
    #[error("Policy statement must contain resources.")]
    MissingResources,
    /// Principal/NotPrincipal in a policy kind that does not take one.
    #[error("Policy document should not specify a principal.")]
    PrincipalNotAllowed,
    /// Principal missing from a trust or resource-based policy.
    #[error("Missing required field Principal")]
    MissingPrincipal,
    /// Resource/NotResource in a role trust policy.
    #[error("Has prohibited field Resource")]
    ResourceNotAllowed,
    /// A trust policy naming an action outside STS.
    #[error("AssumeRole policy may only specify STS AssumeRole actions.")]
    TrustPolicyAction,
    /// A principal value that is neither `*`, an account id, an ARN, nor a known form.
    #[error("Invalid principal in policy: \"{kind}\":\"{value}\"")]
    InvalidPrincipal {
        /// `AWS`, `Service`, `Federated` or `CanonicalUser`.
        kind: String,
        /// The offending value.
        value: String,
    },
    /// An action without a `vendor:` prefix.
    #[error("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    ActionVendorMissing,
    /// An action with more than one colon.
    #[error("Actions/Condition can contain only one colon.")]
    ActionTooManyColons,
    /// An action vendor with characters outside `[a-zA-Z0-9-.]`.
    #[error("Vendor {0} is not valid")]
    InvalidVendor(String),
    /// A resource that is neither `*` nor an ARN.
    #[error("Resource {0} must be in ARN format or \"*\".")]
    ResourceNotArn(String),
    /// An unknown partition in a resource ARN (`resource` is AWS's normalised echo).
    #[error("Partition \"{partition}\" is not valid for resource \"{resource}\".")]
    InvalidPartition {
        /// The partition found.
        partition: String,
        /// The resource, padded to six fields with `*` as AWS echoes it.
        resource: String,
    },
    /// A wildcard or empty vendor in a resource ARN.
    #[error("Resource vendor must be fully qualified and cannot contain regexes.")]
    ResourceVendor,
    /// An IAM resource ARN with a region.
    #[error("IAM resource {0} cannot contain region information.")]
    IamRegion(String),
    /// An S3 resource ARN with a region.
    #[error("Resource {0} can not contain region information.")]
    S3Region(String),
    /// An IAM resource whose path does not start with a known resource type.
    #[error(
        "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/."
    )]
    IamResourcePath,
}

impl PolicyError {
    /// The AWS error code the server sends with this error.
    pub const CODE: &'static str = "MalformedPolicyDocument";

    /// The AWS error code (always `MalformedPolicyDocument`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        Self::CODE
    }
}
