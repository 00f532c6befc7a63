//! Groups, roles and instance profiles.

use time::OffsetDateTime;

use super::Tag;

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub account_id: String,
    pub group_id: String,
    pub name: String,
    pub path: String,
    pub created: OffsetDateTime,
}

impl Group {
    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:group{}{}",
            self.account_id, self.path, self.name
        )
    }
}

/// When and where a role was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleLastUsed {
    pub at: OffsetDateTime,
    pub region: Option<String>,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub account_id: String,
    pub role_id: String,
    pub name: String,
    pub path: String,
    pub created: OffsetDateTime,
    pub description: Option<String>,
    /// Seconds, 3600–43200.
    pub max_session_duration: i64,
    /// The trust policy exactly as submitted.
    pub trust_policy: String,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
    pub last_used: Option<RoleLastUsed>,
}

impl Role {
    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:role{}{}",
            self.account_id, self.path, self.name
        )
    }
}

/// An instance profile and the role it holds (at most one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfile {
    pub account_id: String,
    pub instance_profile_id: String,
    pub name: String,
    pub path: String,
    pub created: OffsetDateTime,
    pub tags: Vec<Tag>,
    pub roles: Vec<Role>,
}

impl InstanceProfile {
    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:instance-profile{}{}",
            self.account_id, self.path, self.name
        )
    }
}
