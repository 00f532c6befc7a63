//! Records of customer managed policies, their versions, inline policies and
//! the entities policies attach to; AWS's size rules for policy documents.

use time::OffsetDateTime;

use crate::Error;
use crate::model::Tag;

/// The kinds of principal that managed and inline policies apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    User,
    Group,
    Role,
}

impl EntityKind {
    /// The `entity_kind` column value and the ARN resource type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Role => "role",
        }
    }

    /// `PoliciesPerUser`, `PoliciesPerGroup`, `PoliciesPerRole`.
    pub fn attached_quota_name(self) -> &'static str {
        match self {
            Self::User => "PoliciesPerUser",
            Self::Group => "PoliciesPerGroup",
            Self::Role => "PoliciesPerRole",
        }
    }

    /// Aggregate size of an entity's inline policies (whitespace not counted).
    pub fn inline_size_quota(self) -> usize {
        match self {
            Self::User => 2048,
            Self::Group => 5120,
            Self::Role => 10240,
        }
    }

    /// AWS's NoSuchEntity for an unknown entity of this kind.
    pub fn not_found(self, name: &str) -> Error {
        Error::NoSuchEntity(format!(
            "The {} with name {name} cannot be found.",
            self.as_str()
        ))
    }

    /// The model's member name for the entity (`userName`, `groupName`, `roleName`).
    pub fn name_field(self) -> &'static str {
        match self {
            Self::User => "userName",
            Self::Group => "groupName",
            Self::Role => "roleName",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "group" => Some(Self::Group),
            "role" => Some(Self::Role),
            _ => None,
        }
    }
}

/// A user, group or role as policies see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: EntityKind,
    pub account_id: String,
    /// The unique id (`AIDA…`, `AGPA…`, `AROA…`).
    pub id: String,
    pub name: String,
    pub path: String,
}

impl Entity {
    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:{}{}{}",
            self.account_id,
            self.kind.as_str(),
            self.path,
            self.name
        )
    }
}

/// A managed policy: customer managed (stored) or AWS managed (shipped),
/// with its use in one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicy {
    pub policy_id: String,
    pub arn: String,
    pub name: String,
    pub path: String,
    pub description: Option<String>,
    pub default_version: String,
    pub created: OffsetDateTime,
    pub updated: OffsetDateTime,
    pub tags: Vec<Tag>,
    /// Attachments to users, groups and roles of the account.
    pub attachment_count: u64,
    /// Users and roles of the account that have it as permissions boundary.
    pub boundary_usage_count: u64,
    /// Shipped by AWS (`arn:aws:iam::aws:policy/…`).
    pub aws_managed: bool,
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    pub version_id: String,
    /// The document exactly as submitted.
    pub document: String,
    pub is_default: bool,
    pub created: OffsetDateTime,
}

/// How an entity uses a managed policy (ListEntitiesForPolicy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyUsage {
    Permissions,
    Boundary,
}

/// One policy that applies to a user, before compilation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// A managed policy (AWS or customer) by ARN.
    Managed(String),
    /// An inline policy: an id for explanations and its document.
    Inline { id: String, document: String },
}

/// Everything that decides a user's requests, read together on a cache miss.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthzSources {
    pub tags: Vec<Tag>,
    pub boundary: Option<String>,
    /// The identity policies of the user and of its groups.
    pub policies: Vec<PolicySource>,
    /// Default-version documents of the customer managed policies named by
    /// `policies` and `boundary`: (ARN, document).
    pub documents: Vec<(String, String)>,
    /// The ids of the user's groups.
    pub groups: Vec<String>,
}

/// AWS's PolicySize quota for one managed policy version.
pub const MANAGED_POLICY_SIZE: usize = 6144;
/// At most this many versions per managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// A document's size as IAM counts it: characters, whitespace not counted.
pub fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// The managed-policy path rule: `((/[A-Za-z0-9\.,\+@=_-]+)*)/`.
pub fn is_policy_path(s: &str) -> bool {
    s.starts_with('/')
        && s.ends_with('/')
        && !s.contains("//")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/.,+@=_-".contains(&b))
}

/// Splits a policy ARN into (account, path, name): `arn:aws:iam::123:policy/a/b/N`
/// → (`123`, `/a/b/`, `N`). `None` when it is no IAM policy ARN.
pub fn split_policy_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "iam" {
        return None;
    }
    let rest = parts[5].strip_prefix("policy")?;
    if !rest.starts_with('/') {
        return None;
    }
    let slash = rest.rfind('/')?;
    let (path, name) = (&rest[..=slash], &rest[slash + 1..]);
    (!name.is_empty()).then_some((parts[4], path, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_skip_whitespace() {
        assert_eq!(policy_size("{ \"a\" :\n 1 }"), 7);
    }

    #[test]
    fn policy_paths() {
        assert!(is_policy_path("/"));
        assert!(is_policy_path("/team-a/ops/"));
        assert!(!is_policy_path("team/"));
        assert!(!is_policy_path("/a b/"));
        assert!(!is_policy_path("/a//b/"));
    }

    #[test]
    fn policy_arns_split() {
        assert_eq!(
            split_policy_arn("arn:aws:iam::123456789012:policy/eng/Read"),
            Some(("123456789012", "/eng/", "Read"))
        );
        assert_eq!(
            split_policy_arn("arn:aws:iam::aws:policy/AdministratorAccess"),
            Some(("aws", "/", "AdministratorAccess"))
        );
        assert_eq!(split_policy_arn("arn:aws:iam::123456789012:user/bob"), None);
    }
}
