//! The authenticated caller. The API layer makes one only after SigV4
//! verification succeeded, and every operation takes one.

use std::net::IpAddr;

use time::OffsetDateTime;

/// Who signed the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account's root user.
    Root,
    /// An IAM user, identified by its unique id (stable across renames).
    User {
        user_id: String,
        name: String,
        path: String,
    },
    /// A role session from AssumeRole: its permissions are the role's
    /// policies intersected with the session policy.
    AssumedRole {
        /// `AROA…:{session_name}` (GetCallerIdentity's `UserId`, `aws:userid`).
        user_id: String,
        role_id: String,
        role_name: String,
        role_path: String,
        session_name: String,
        /// The session policy passed to AssumeRole, as sent.
        session_policy: Option<String>,
    },
}

/// An authenticated request's principal and context.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub principal: Principal,
    /// The access key that signed the request.
    pub access_key_id: String,
    /// The ARN partition, from the signing region.
    pub partition: &'static str,
    /// The region in the request's credential scope.
    pub region: String,
    /// The service in the request's credential scope (`iam` or `sts`).
    pub service: String,
    pub source_ip: Option<IpAddr>,
    pub secure_transport: bool,
    /// Set when the request was signed with temporary credentials
    /// (GetSessionToken); `None` for long-term access keys.
    pub session: Option<SessionContext>,
}

/// What a request signed with session credentials knows of its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionContext {
    /// When the session was issued (`aws:TokenIssueTime`).
    pub issued: OffsetDateTime,
    pub expires: OffsetDateTime,
    /// When the session's MFA was verified; `None` for sessions made without MFA.
    pub mfa_authenticated_at: Option<OffsetDateTime>,
}

impl SessionContext {
    /// `aws:MultiFactorAuthPresent`.
    pub fn mfa_present(&self) -> bool {
        self.mfa_authenticated_at.is_some()
    }
}

impl Caller {
    pub fn is_root(&self) -> bool {
        matches!(self.principal, Principal::Root)
    }

    /// The caller's ARN as AWS prints it in GetCallerIdentity and AccessDenied.
    pub fn arn(&self) -> String {
        match &self.principal {
            Principal::Root => format!("arn:{}:iam::{}:root", self.partition, self.account_id),
            Principal::User { name, path, .. } => {
                format!(
                    "arn:{}:iam::{}:user{path}{name}",
                    self.partition, self.account_id
                )
            }
            Principal::AssumedRole {
                role_name,
                session_name,
                ..
            } => format!(
                "arn:{}:sts::{}:assumed-role/{role_name}/{session_name}",
                self.partition, self.account_id
            ),
        }
    }

    /// For a role session, the ARN of its role (with the role's path).
    pub fn role_arn(&self) -> Option<String> {
        match &self.principal {
            Principal::AssumedRole {
                role_name,
                role_path,
                ..
            } => Some(format!(
                "arn:{}:iam::{}:role{role_path}{role_name}",
                self.partition, self.account_id
            )),
            _ => None,
        }
    }

    /// `UserId` as GetCallerIdentity returns it: the account id for root.
    pub fn user_id(&self) -> &str {
        match &self.principal {
            Principal::Root => &self.account_id,
            Principal::User { user_id, .. } | Principal::AssumedRole { user_id, .. } => user_id,
        }
    }

    /// An ARN in the caller's account and partition, e.g. `iam` + `user/bob`.
    pub fn arn_for(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}::{}:{resource}",
            self.partition, self.account_id
        )
    }
}
