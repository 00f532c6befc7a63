//! GetAccountAuthorizationDetails: every user, group, role and managed policy
//! of the account with their policies, read with the existing store methods.

use time::OffsetDateTime;

use super::Keyward;
use crate::caller::Caller;
use crate::model::{AttachedPolicy, Group, InstanceProfile, Role, User};
use crate::policies::{EntityKind, ManagedPolicy, PolicyVersion};
use crate::validate::Violations;
use crate::{Error, Result};

pub const DETAIL_FILTERS: &[&str] = &[
    "User",
    "Role",
    "Group",
    "LocalManagedPolicy",
    "AWSManagedPolicy",
];

#[derive(Debug, Clone)]
pub struct UserDetail {
    pub user: User,
    /// Inline policies: (name, document).
    pub inline: Vec<(String, String)>,
    pub groups: Vec<String>,
    pub attached: Vec<AttachedPolicy>,
}

#[derive(Debug, Clone)]
pub struct GroupDetail {
    pub group: Group,
    pub inline: Vec<(String, String)>,
    pub attached: Vec<AttachedPolicy>,
}

#[derive(Debug, Clone)]
pub struct RoleDetail {
    pub role: Role,
    pub inline: Vec<(String, String)>,
    pub attached: Vec<AttachedPolicy>,
    pub instance_profiles: Vec<InstanceProfile>,
}

#[derive(Debug, Clone)]
pub struct PolicyDetail {
    pub policy: ManagedPolicy,
    /// Newest first.
    pub versions: Vec<PolicyVersion>,
}

/// One entry of the details, in AWS's list order: users, groups, roles, policies.
#[derive(Debug, Clone)]
pub enum AuthorizationDetail {
    User(UserDetail),
    Group(GroupDetail),
    Role(RoleDetail),
    Policy(PolicyDetail),
}

/// Reads every page of a name-ordered store listing.
macro_rules! all_pages {
    ($store:expr, $method:ident, $account:expr) => {{
        let mut items = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = $store
                .$method($account, "/", marker.as_deref(), 1000)
                .await?;
            items.extend(page.items);
            match page.next_marker {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        items
    }};
}

impl Keyward {
    /// The account's authorization details, limited to the `filter` kinds
    /// (all when empty). AWS managed policies are listed only when attached
    /// to an entity or used as a boundary in the account, as AWS does.
    pub async fn authorization_details(
        &self,
        caller: &Caller,
        filter: &[String],
    ) -> Result<Vec<AuthorizationDetail>> {
        let mut v = Violations::new();
        for f in filter {
            v.enum_value("filter", f, DETAIL_FILTERS);
        }
        v.finish()?;
        let wants = |k: &str| filter.is_empty() || filter.iter().any(|f| f == k);
        let acct = caller.account_id.as_str();
        let store = &self.store;
        let mut out = Vec::new();
        if wants("User") {
            let users: Vec<User> = all_pages!(store, list_users, acct);
            for user in users {
                let inline = store
                    .inline_policies(acct, EntityKind::User, &user.user_id)
                    .await?;
                let attached = store
                    .attached_policies(acct, EntityKind::User, &user.user_id)
                    .await?;
                let groups = store
                    .groups_for_user(&user.user_id)
                    .await?
                    .into_iter()
                    .map(|g| g.name)
                    .collect();
                out.push(AuthorizationDetail::User(UserDetail {
                    user,
                    inline,
                    groups,
                    attached,
                }));
            }
        }
        if wants("Group") {
            let groups: Vec<Group> = all_pages!(store, list_groups, acct);
            for group in groups {
                let inline = store
                    .inline_policies(acct, EntityKind::Group, &group.group_id)
                    .await?;
                let attached = store
                    .attached_policies(acct, EntityKind::Group, &group.group_id)
                    .await?;
                out.push(AuthorizationDetail::Group(GroupDetail {
                    group,
                    inline,
                    attached,
                }));
            }
        }
        if wants("Role") {
            let roles: Vec<Role> = all_pages!(store, list_roles, acct);
            for role in roles {
                let inline = store
                    .inline_policies(acct, EntityKind::Role, &role.role_id)
                    .await?;
                let attached = store
                    .attached_policies(acct, EntityKind::Role, &role.role_id)
                    .await?;
                let instance_profiles = store.instance_profiles_for_role(&role.role_id).await?;
                out.push(AuthorizationDetail::Role(RoleDetail {
                    role,
                    inline,
                    attached,
                    instance_profiles,
                }));
            }
        }
        let mut policies = Vec::new();
        if wants("AWSManagedPolicy") {
            let usage = store.policy_usage(acct).await?;
            let created = OffsetDateTime::from_unix_timestamp(super::policies::AWS_MANAGED_CREATED)
                .map_err(|e| Error::Storage(e.to_string()))?;
            for m in keyward_policy::managed::MANAGED_POLICIES {
                let Some(&u) = usage.get(m.arn) else { continue };
                if u == (0, 0) {
                    continue;
                }
                if let Some(policy) = self.aws_policy(m.arn, u) {
                    policies.push(PolicyDetail {
                        policy,
                        versions: vec![PolicyVersion {
                            version_id: "v1".into(),
                            document: m.document.to_owned(),
                            is_default: true,
                            created,
                        }],
                    });
                }
            }
        }
        if wants("LocalManagedPolicy") {
            for policy in store.policies(acct).await? {
                let versions = store.policy_versions(acct, &policy.arn).await?;
                policies.push(PolicyDetail { policy, versions });
            }
        }
        policies.sort_by_key(|p| p.policy.name.to_lowercase());
        out.extend(policies.into_iter().map(AuthorizationDetail::Policy));
        Ok(out)
    }
}
