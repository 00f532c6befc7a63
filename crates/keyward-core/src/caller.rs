//! The authenticated caller. The API layer makes one only after SigV4
//! verification succeeded, and every operation takes one.

use std::net::IpAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::model::Tag;

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
        /// What AssumeRole attached to the session: session policies,
        /// session tags, source identity.
        attributes: Arc<SessionAttributes>,
    },
}

/// What an AssumeRole call attached to its session, carried in the sealed
/// token and inherited in part by chained sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAttributes {
    /// The inline session policy (`Policy`), as sent.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "p")]
    pub policy: Option<String>,
    /// Managed session policies (`PolicyArns`), resolved when used.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "a")]
    pub policy_arns: Vec<String>,
    /// Session tags, the calling session's transitive tags included; they
    /// override the role's tags as `aws:PrincipalTag/*`.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "t")]
    pub tags: Vec<Tag>,
    /// Keys of `tags` that pass on to chained sessions.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "k")]
    pub transitive_tag_keys: Vec<String>,
    /// `aws:SourceIdentity`: set once, kept across role chaining.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "s")]
    pub source_identity: Option<String>,
}

impl SessionAttributes {
    /// Whether the session has any session policy (inline or managed).
    pub fn has_session_policy(&self) -> bool {
        self.policy.is_some() || !self.policy_arns.is_empty()
    }

    /// The session tags that are transitive (keys compared case-insensitively).
    pub fn transitive_tags(&self) -> impl Iterator<Item = &Tag> {
        self.tags.iter().filter(|t| {
            self.transitive_tag_keys
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&t.key))
        })
    }
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

    /// For a role session, what AssumeRole attached to it.
    pub fn session_attributes(&self) -> Option<&SessionAttributes> {
        match &self.principal {
            Principal::AssumedRole { attributes, .. } => Some(attributes),
            _ => None,
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
