//! The domain's records, as stored.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

mod groups_roles;
pub use groups_roles::{Group, InstanceProfile, Role, RoleLastUsed};

/// One AWS account and its root user's sign-in credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub account_id: String,
    pub email: String,
    pub alias: Option<String>,
    /// argon2id PHC string of the root password.
    pub root_password_hash: String,
    pub created: OffsetDateTime,
}

/// A tag on an IAM resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: String,
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub account_id: String,
    pub user_id: String,
    pub name: String,
    pub path: String,
    pub created: OffsetDateTime,
    pub password_last_used: Option<OffsetDateTime>,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
}

impl User {
    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:user{}{}",
            self.account_id, self.path, self.name
        )
    }
}

/// Who owns an access key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyOwner {
    Root,
    /// The owner's unique user id (`AIDA…`), stable across renames.
    User(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// When, where and for what an access key was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLastUsed {
    pub at: OffsetDateTime,
    pub service: String,
    pub region: String,
}

/// A long-term access key. The secret is sealed with the KEK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub access_key_id: String,
    pub account_id: String,
    pub owner: KeyOwner,
    pub sealed_secret: String,
    pub status: KeyStatus,
    pub created: OffsetDateTime,
    pub last_used: Option<KeyLastUsed>,
}

/// A managed policy attached to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

/// An entry of the audit log, written in the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: OffsetDateTime,
    pub account_id: String,
    /// The ARN of who did it (`keyward-cli` for local administrative commands).
    pub actor: String,
    /// The action, e.g. `iam:CreateUser` or `keyward:CreateAccount`.
    pub action: String,
    /// The resource acted on.
    pub resource: String,
    /// Non-secret details as JSON.
    pub detail: String,
}
