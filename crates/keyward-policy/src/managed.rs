//! The AWS managed policies keyward ships, as data.
//!
//! Documents are embedded JSON files (`src/managed/*.json`). All are the AWS
//! documents as published, except `ReadOnlyAccess`: the real policy lists
//! read actions of every AWS service; ours is a faithful subset limited to the
//! services keyward implements (IAM, STS, Organizations, Account, Access Analyzer).

use crate::{Policy, PolicyKind, parse};

/// One AWS managed policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// Policy name (`AdministratorAccess`).
    pub name: &'static str,
    /// IAM path (`/`).
    pub path: &'static str,
    /// ARN (`arn:aws:iam::aws:policy/AdministratorAccess`).
    pub arn: &'static str,
    /// AWS's description.
    pub description: &'static str,
    /// The policy document (JSON text, as served by GetPolicyVersion).
    pub document: &'static str,
}

impl ManagedPolicy {
    /// The parsed document. The shipped documents are tested to parse, so an
    /// error here means the data was edited badly.
    ///
    /// # Errors
    /// Only if the embedded document is invalid.
    pub fn policy(&self) -> Result<Policy, crate::PolicyError> {
        parse(self.document, PolicyKind::Identity)
    }
}

macro_rules! managed {
    ($name:literal, $desc:literal) => {
        ManagedPolicy {
            name: $name,
            path: "/",
            arn: concat!("arn:aws:iam::aws:policy/", $name),
            description: $desc,
            document: include_str!(concat!("managed/", $name, ".json")),
        }
    };
}

/// Every managed policy shipped, sorted by name.
///
/// ```
/// let admin = keyward_policy::managed::find("arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
/// assert_eq!(admin.name, "AdministratorAccess");
/// assert!(admin.policy().is_ok());
/// ```
pub const MANAGED_POLICIES: &[ManagedPolicy] = &[
    managed!(
        "AdministratorAccess",
        "Provides full access to AWS services and resources."
    ),
    managed!(
        "IAMAccessAnalyzerReadOnlyAccess",
        "Provides read only access to IAM Access Analyzer"
    ),
    managed!(
        "IAMFullAccess",
        "Provides full access to IAM via the AWS Management Console."
    ),
    managed!(
        "IAMReadOnlyAccess",
        "Provides read only access to IAM via the AWS Management Console."
    ),
    managed!(
        "IAMSelfManageServiceSpecificCredentials",
        "Allows an IAM user to manage their own Service Specific Credentials"
    ),
    managed!(
        "IAMUserChangePassword",
        "Provides the ability for an IAM user to change their own password."
    ),
    managed!(
        "PowerUserAccess",
        "Provides full access to AWS services and resources, but does not allow management of Users and groups."
    ),
    managed!(
        "ReadOnlyAccess",
        "Provides read-only access to AWS services and resources."
    ),
];

/// Finds a shipped managed policy by ARN.
#[must_use]
pub fn find(arn: &str) -> Option<&'static ManagedPolicy> {
    MANAGED_POLICIES.iter().find(|p| p.arn == arn)
}

/// Finds a shipped managed policy by name.
#[must_use]
pub fn by_name(name: &str) -> Option<&'static ManagedPolicy> {
    MANAGED_POLICIES.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_parse_and_validate() {
        for p in MANAGED_POLICIES {
            let policy = p.policy().unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert!(!policy.statements.is_empty());
            assert_eq!(p.arn, format!("arn:aws:iam::aws:policy/{}", p.name));
            assert!(find(p.arn).is_some());
        }
        let names: Vec<_> = MANAGED_POLICIES.iter().map(|p| p.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }
}
