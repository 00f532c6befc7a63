//! The storage port. `keyward-store` implements it for SQLite and PostgreSQL.
//!
//! Every mutating method takes the [`AuditEvent`] that describes it and writes
//! it in the same transaction, and checks its own preconditions (quotas,
//! conflicts) inside that transaction, so a failed call changes nothing.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Result;
use crate::model::{
    AccessKey, Account, AttachedPolicy, AuditEvent, KeyLastUsed, KeyOwner, KeyStatus, Tag, User,
};

mod groups_roles;
pub use groups_roles::{GroupStore, GroupUpdate, InstanceProfileStore, RoleStore, RoleUpdate};

/// A page of results and whether more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The marker to resume from, when truncated.
    pub next_marker: Option<String>,
}

/// Changes to a user made by `UpdateUser`.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub new_name: Option<String>,
    pub new_path: Option<String>,
}

/// Accounts and their root users.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Fails with `EntityAlreadyExists` when the email, id or alias is taken.
    async fn create_account(&self, account: &Account, audit: &AuditEvent) -> Result<()>;
    async fn account(&self, account_id: &str) -> Result<Option<Account>>;
    async fn account_by_email(&self, email: &str) -> Result<Option<Account>>;
    async fn accounts(&self) -> Result<Vec<Account>>;
}

/// IAM users.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Fails with `EntityAlreadyExists` for a name taken in any letter case.
    async fn create_user(&self, user: &User, audit: &AuditEvent) -> Result<()>;
    /// Looks a user up by name, ignoring case as IAM does.
    async fn user(&self, account_id: &str, name: &str) -> Result<Option<User>>;
    async fn user_by_id(&self, user_id: &str) -> Result<Option<User>>;
    /// Users ordered by lower-case name, starting after `marker`.
    async fn list_users(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<User>>;
    async fn update_user(
        &self,
        account_id: &str,
        name: &str,
        update: &UserUpdate,
        audit: &AuditEvent,
    ) -> Result<User>;
    /// Fails with `DeleteConflict` while keys or policies remain.
    async fn delete_user(&self, account_id: &str, name: &str, audit: &AuditEvent) -> Result<User>;
    /// Replaces the user's tags (the caller merged and checked them).
    async fn set_user_tags(
        &self,
        account_id: &str,
        name: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn count_users(&self, account_id: &str) -> Result<u64>;
}

/// Long-term access keys of users and root.
#[async_trait]
pub trait AccessKeyStore: Send + Sync {
    /// Fails with `LimitExceeded` when the owner already has `max_per_owner` keys.
    async fn create_access_key(
        &self,
        key: &AccessKey,
        max_per_owner: usize,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKey>>;
    async fn access_keys(&self, account_id: &str, owner: &KeyOwner) -> Result<Vec<AccessKey>>;
    /// Returns false when the owner has no such key.
    async fn set_access_key_status(
        &self,
        account_id: &str,
        owner: &KeyOwner,
        access_key_id: &str,
        status: KeyStatus,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Returns false when the owner has no such key.
    async fn delete_access_key(
        &self,
        account_id: &str,
        owner: &KeyOwner,
        access_key_id: &str,
        audit: &AuditEvent,
    ) -> Result<bool>;
    async fn record_access_key_use(&self, access_key_id: &str, used: &KeyLastUsed) -> Result<()>;
}

/// Managed policies attached to users.
#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// Returns false when the policy was attached already.
    async fn attach_user_policy(
        &self,
        account_id: &str,
        user_id: &str,
        policy: &AttachedPolicy,
        max_attached: usize,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Returns false when the policy was not attached.
    async fn detach_user_policy(
        &self,
        account_id: &str,
        user_id: &str,
        policy_arn: &str,
        audit: &AuditEvent,
    ) -> Result<bool>;
    async fn attached_user_policies(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<AttachedPolicy>>;
}

/// The audit log and maintenance.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn audit_events(
        &self,
        account_id: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<AuditEvent>>;
    /// Removes all data (dev mode's state reset).
    async fn reset(&self) -> Result<()>;
}

/// The whole storage port: every capability. Tests may implement only the
/// capability traits a piece needs.
pub trait Store:
    AccountStore
    + UserStore
    + AccessKeyStore
    + PolicyStore
    + GroupStore
    + RoleStore
    + InstanceProfileStore
    + AuditStore
    + std::fmt::Debug
{
}

impl<
    T: AccountStore
        + UserStore
        + AccessKeyStore
        + PolicyStore
        + GroupStore
        + RoleStore
        + InstanceProfileStore
        + AuditStore
        + std::fmt::Debug,
> Store for T
{
}
