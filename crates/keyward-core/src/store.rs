//! The storage port. `keyward-store` implements it for SQLite and PostgreSQL.
//!
//! Every mutating method takes the [`AuditEvent`] that describes it and writes
//! it in the same transaction, and checks its own preconditions (quotas,
//! conflicts) inside that transaction, so a failed call changes nothing.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Result;
use crate::model::{
    AccessKey, Account, AccountContact, AccountCounts, AttachedPolicy, AuditEvent, KeyLastUsed,
    KeyOwner, KeyStatus, LoginProfile, MfaDevice, PasswordPolicy, SecurityKey, Tag, User,
};
use crate::policies::{
    AuthzSources, Entity, EntityKind, ManagedPolicy, PolicyUsage, PolicyVersion,
};

mod groups_roles;
pub use groups_roles::{GroupStore, GroupUpdate, InstanceProfileStore, RoleStore, RoleUpdate};

/// Managed policies attached in the same transaction as a create, each with
/// its Attach{User,Group,Role}Policy audit event.
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    pub policies: Vec<(AttachedPolicy, AuditEvent)>,
    pub max_attached: usize,
}

/// A new IAM user and what comes with it (the console's Create user).
#[derive(Debug, Clone)]
pub struct NewUserRecords {
    pub user: User,
    pub audit: AuditEvent,
    pub login_profile: Option<(LoginProfile, AuditEvent)>,
    /// Group names, each with its AddUserToGroup event.
    pub groups: Vec<(String, AuditEvent)>,
    pub max_groups_per_user: usize,
    pub policies: Attachments,
    pub access_key: Option<(AccessKey, AuditEvent)>,
    pub max_keys: usize,
}

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
    async fn account_by_alias(&self, alias: &str) -> Result<Option<Account>>;
    async fn accounts(&self) -> Result<Vec<Account>>;
    /// Replaces the root user's password hash. Returns false when
    /// `expected_hash` is given and no longer matches (a used reset link).
    async fn set_root_password(
        &self,
        account_id: &str,
        expected_hash: Option<&str>,
        new_hash: &str,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Closes the account at `Some(at)` (false when it already was closed)
    /// or reopens it with `None` (false when it was open).
    async fn set_account_closed(
        &self,
        account_id: &str,
        closed_at: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<bool>;
}

/// IAM users.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Fails with `EntityAlreadyExists` for a name taken in any letter case.
    async fn create_user(&self, user: &User, audit: &AuditEvent) -> Result<()>;
    /// Creates a user with its console password, group memberships, managed
    /// policies and access key in one transaction, each part with its own
    /// audit event and the checks its own call makes: all or nothing.
    async fn create_user_with(&self, new: &NewUserRecords) -> Result<()>;
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

/// Virtual MFA devices and their TOTP state.
#[async_trait]
pub trait MfaStore: Send + Sync {
    /// Fails with `EntityAlreadyExists` when the account has a device of that
    /// name (in any letter case).
    async fn create_mfa_device(&self, device: &MfaDevice, audit: &AuditEvent) -> Result<()>;
    async fn mfa_device(&self, account_id: &str, serial_number: &str) -> Result<Option<MfaDevice>>;
    /// The account's devices ordered by serial number.
    async fn mfa_devices(&self, account_id: &str) -> Result<Vec<MfaDevice>>;
    /// Assigns an unassigned device to `owner` and records `last_step` as
    /// used. In the transaction: `NoSuchEntity` for no such device,
    /// `EntityAlreadyExists` when it is assigned, `LimitExceeded` when the
    /// owner has `max_per_owner` devices, `InvalidAuthenticationCode` when a
    /// step at or after `first_step` was accepted already (replay).
    #[allow(clippy::too_many_arguments)]
    async fn enable_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        owner: &KeyOwner,
        first_step: i64,
        last_step: i64,
        max_per_owner: usize,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Records `last_step` as used after a resync, unless a step at or after
    /// `first_step` was accepted already (then false).
    async fn resync_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        owner: &KeyOwner,
        first_step: i64,
        last_step: i64,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Unassigns the device from `owner`; false when it is not assigned to it.
    async fn deactivate_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        owner: &KeyOwner,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// False when there is no such device; `DeleteConflict` while assigned.
    async fn delete_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// False when there is no such device.
    async fn set_mfa_device_tags(
        &self,
        account_id: &str,
        serial_number: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Marks `step` used when it is after the last accepted step, and clears
    /// the failure count; false when it was not (a replayed code). Atomic, so
    /// two concurrent requests cannot both use one code.
    async fn accept_mfa_step(&self, serial_number: &str, step: i64) -> Result<bool>;
    /// Counts a wrong code at `now`; a count older than `window_secs` restarts.
    async fn record_mfa_failure(
        &self,
        serial_number: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<()>;
}

/// Customer managed policies and their versions, attachments of managed
/// policies to users, groups and roles, inline policies, permissions
/// boundaries, and the read that assembles a user's authorization.
#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// Finds a user, group or role by name, ignoring case as IAM does.
    async fn entity(
        &self,
        account_id: &str,
        kind: EntityKind,
        name: &str,
    ) -> Result<Option<Entity>>;
    /// Fails with `EntityAlreadyExists` for a name taken in any letter case.
    async fn create_policy(
        &self,
        policy: &ManagedPolicy,
        document: &str,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// A customer managed policy of the account, with its use counts.
    async fn policy(&self, account_id: &str, arn: &str) -> Result<Option<ManagedPolicy>>;
    /// The account's customer managed policies ordered by name.
    async fn policies(&self, account_id: &str) -> Result<Vec<ManagedPolicy>>;
    /// Per policy ARN (AWS or customer): (attachments, boundary uses) in the account.
    async fn policy_usage(
        &self,
        account_id: &str,
    ) -> Result<std::collections::HashMap<String, (u64, u64)>>;
    /// Returns false when there is no such policy; `DeleteConflict` while it
    /// is attached, a boundary, or has non-default versions.
    async fn delete_policy(&self, account_id: &str, arn: &str, audit: &AuditEvent) -> Result<bool>;
    async fn set_policy_tags(
        &self,
        account_id: &str,
        arn: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Versions, newest first. `NoSuchEntity` for an unknown policy.
    async fn policy_versions(&self, account_id: &str, arn: &str) -> Result<Vec<PolicyVersion>>;
    /// Adds a version created at `audit.at` (`LimitExceeded` beyond `max_versions`).
    async fn create_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        document: &str,
        set_as_default: bool,
        max_versions: usize,
        audit: &AuditEvent,
    ) -> Result<PolicyVersion>;
    async fn set_default_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// `DeleteConflict` for the default version.
    async fn delete_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Returns false when the policy was attached already. A customer policy
    /// must exist (checked in the transaction); `LimitExceeded` beyond `max_attached`.
    async fn attach_policy(
        &self,
        entity: &Entity,
        policy: &AttachedPolicy,
        max_attached: usize,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Returns false when the policy was not attached.
    async fn detach_policy(
        &self,
        entity: &Entity,
        policy_arn: &str,
        audit: &AuditEvent,
    ) -> Result<bool>;
    async fn attached_policies(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity_id: &str,
    ) -> Result<Vec<AttachedPolicy>>;
    /// The users, groups and roles that use the policy, and how.
    async fn entities_for_policy(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Vec<(Entity, PolicyUsage)>>;
    /// Adds or replaces an inline policy; `LimitExceeded` when the entity's
    /// inline policies together exceed `max_size` (whitespace not counted).
    async fn put_inline_policy(
        &self,
        entity: &Entity,
        policy_name: &str,
        document: &str,
        max_size: usize,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// (name, document) pairs ordered by name.
    async fn inline_policies(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity_id: &str,
    ) -> Result<Vec<(String, String)>>;
    /// Returns false when there was no such policy.
    async fn delete_inline_policy(
        &self,
        entity: &Entity,
        policy_name: &str,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Sets (or with `None` removes) a user's or role's permissions boundary;
    /// a customer policy must exist (checked in the transaction).
    async fn set_permissions_boundary(
        &self,
        entity: &Entity,
        policy_arn: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Everything that decides a user's requests.
    async fn authz_sources(&self, account_id: &str, user_id: &str) -> Result<AuthzSources>;
    /// Everything that decides a role session's requests: the role's
    /// attached and inline policies, its boundary and tags.
    async fn role_authz_sources(&self, account_id: &str, role_id: &str) -> Result<AuthzSources>;
}

/// The audit log and maintenance.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Records an event that goes with no other write (STS sessions issued,
    /// console sign-ins), in its own transaction, ordered with the account's
    /// other events.
    async fn record_audit(&self, event: &AuditEvent) -> Result<()>;
    /// Records a successful console sign-in: the time `owner`'s password was
    /// used (the user's `PasswordLastUsed`, or root's) and its audit event,
    /// in one transaction.
    async fn record_password_use(
        &self,
        account_id: &str,
        owner: &KeyOwner,
        at: i64,
        event: &AuditEvent,
    ) -> Result<()>;
    /// Records a batch of such events in one transaction, each account's in
    /// the order given. Events of an account that no longer exists (dev
    /// mode's reset) are skipped; returns how many were written.
    async fn record_audits(&self, events: &[AuditEvent]) -> Result<usize>;
    async fn audit_events(
        &self,
        account_id: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<AuditEvent>>;
    /// Removes all data (dev mode's state reset).
    async fn reset(&self) -> Result<()>;
}

/// Console passwords of IAM users.
#[async_trait]
pub trait LoginStore: Send + Sync {
    /// Fails with `EntityAlreadyExists` when the user has one.
    async fn create_login_profile(&self, profile: &LoginProfile, audit: &AuditEvent) -> Result<()>;
    async fn login_profile(&self, user_id: &str) -> Result<Option<LoginProfile>>;
    /// Replaces the profile; the previous hash goes to the history when the
    /// password changed. Returns false when the user has no profile.
    async fn update_login_profile(
        &self,
        account_id: &str,
        profile: &LoginProfile,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Returns false when the user has no profile.
    async fn delete_login_profile(
        &self,
        account_id: &str,
        user_id: &str,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Earlier password hashes, newest first.
    async fn password_history(&self, user_id: &str, max: usize) -> Result<Vec<String>>;
}

/// Account-wide settings: alias, password policy, summary counts.
#[async_trait]
pub trait AccountSettingsStore: Send + Sync {
    /// Sets or clears the alias; `EntityAlreadyExists` when another account has it.
    async fn set_account_alias(
        &self,
        account_id: &str,
        alias: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn password_policy(&self, account_id: &str) -> Result<Option<PasswordPolicy>>;
    async fn set_password_policy(
        &self,
        account_id: &str,
        policy: &PasswordPolicy,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Returns false when there was no custom policy.
    async fn delete_password_policy(&self, account_id: &str, audit: &AuditEvent) -> Result<bool>;
    async fn account_counts(&self, account_id: &str) -> Result<AccountCounts>;
    /// The account's name and contact email; empty until set.
    async fn account_contact(&self, account_id: &str) -> Result<AccountContact>;
    async fn set_account_contact(
        &self,
        account_id: &str,
        contact: &AccountContact,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Replaces the account's credential report.
    async fn set_credential_report(
        &self,
        account_id: &str,
        generated: OffsetDateTime,
        csv: &str,
    ) -> Result<()>;
    /// The account's latest credential report and when it was generated.
    async fn credential_report(&self, account_id: &str)
    -> Result<Option<(OffsetDateTime, String)>>;
}

/// Re-seals a stored secret: `(sealed, context)` → its replacement, or `None`
/// to keep it.
pub type Resealer<'a> = &'a (dyn Fn(&str, &str) -> Result<Option<String>> + Send + Sync);

/// Secrets stored sealed under the KEK, for the KEK's rotation. A new sealed
/// column must be re-sealed here too.
#[async_trait]
pub trait SealedSecretStore: Send + Sync {
    /// In one write transaction of the account, passes every sealed value
    /// (access key secrets with their key id as context, MFA seeds with their
    /// serial number) to `reseal` and stores what it answers; the audit event
    /// is written when anything changed. Returns how many values changed.
    async fn reseal_account(
        &self,
        account_id: &str,
        reseal: Resealer<'_>,
        audit: &AuditEvent,
    ) -> Result<usize>;
}

/// WebAuthn security keys (an MFA factor of the console).
#[async_trait]
pub trait SecurityKeyStore: Send + Sync {
    /// Fails with `EntityAlreadyExists` when the credential id is known.
    async fn create_security_key(&self, key: &SecurityKey, audit: &AuditEvent) -> Result<()>;
    async fn security_keys(&self, account_id: &str, owner: &KeyOwner) -> Result<Vec<SecurityKey>>;
    /// Every security key of the account (the credential report).
    async fn account_security_keys(&self, account_id: &str) -> Result<Vec<SecurityKey>>;
    /// Stores the record after a sign-in (its signature counter moved).
    async fn update_security_key_data(&self, credential_id: &str, data: &str) -> Result<()>;
    /// Returns false when the owner has no such key.
    async fn delete_security_key(
        &self,
        account_id: &str,
        owner: &KeyOwner,
        credential_id: &str,
        audit: &AuditEvent,
    ) -> Result<bool>;
}

/// The whole storage port: every capability. Tests may implement only the
/// capability traits a piece needs.
pub trait Store:
    AccountStore
    + SecurityKeyStore
    + AccountSettingsStore
    + UserStore
    + LoginStore
    + AccessKeyStore
    + MfaStore
    + PolicyStore
    + GroupStore
    + RoleStore
    + InstanceProfileStore
    + AuditStore
    + SealedSecretStore
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: AccountStore
        + SecurityKeyStore
        + AccountSettingsStore
        + UserStore
        + LoginStore
        + AccessKeyStore
        + MfaStore
        + PolicyStore
        + GroupStore
        + RoleStore
        + InstanceProfileStore
        + AuditStore
        + SealedSecretStore
        + std::fmt::Debug
{
}
