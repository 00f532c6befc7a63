//! The storage port for groups, roles and instance profiles.

use async_trait::async_trait;

use super::{Attachments, Page};
use crate::Result;
use crate::model::{AuditEvent, Group, InstanceProfile, Role, Tag, User};

/// Changes to a group made by `UpdateGroup`.
#[derive(Debug, Clone, Default)]
pub struct GroupUpdate {
    pub new_name: Option<String>,
    pub new_path: Option<String>,
}

/// Changes to a role; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RoleUpdate {
    pub description: Option<String>,
    pub max_session_duration: Option<i64>,
    pub trust_policy: Option<String>,
}

/// IAM groups and their members.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Fails with `EntityAlreadyExists` for a name taken in any letter case,
    /// and with `LimitExceeded` when the account has `max_groups` already.
    /// `attach` is written in the same transaction (the console's create
    /// with policies): all or nothing.
    async fn create_group(
        &self,
        group: &Group,
        max_groups: u64,
        audit: &AuditEvent,
        attach: &Attachments,
    ) -> Result<()>;
    /// Looks a group up by name, ignoring case.
    async fn group(&self, account_id: &str, name: &str) -> Result<Option<Group>>;
    /// Groups ordered by lower-case name, starting after `marker`.
    async fn list_groups(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<Group>>;
    async fn update_group(
        &self,
        account_id: &str,
        name: &str,
        update: &GroupUpdate,
        audit: &AuditEvent,
    ) -> Result<Group>;
    /// Fails with `DeleteConflict` while members or policies remain.
    async fn delete_group(&self, account_id: &str, name: &str, audit: &AuditEvent)
    -> Result<Group>;
    /// Adds a user; returns false when it was a member already. Fails with
    /// `LimitExceeded` when the user is in `max_groups_per_user` groups.
    async fn add_user_to_group(
        &self,
        account_id: &str,
        group_name: &str,
        user_name: &str,
        max_groups_per_user: usize,
        audit: &AuditEvent,
    ) -> Result<bool>;
    /// Fails with `NoSuchEntity` when the user is not a member.
    async fn remove_user_from_group(
        &self,
        account_id: &str,
        group_name: &str,
        user_name: &str,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// A group's members ordered by lower-case name, starting after `marker`.
    async fn group_members(
        &self,
        group_id: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<User>>;
    /// The groups a user is in, ordered by lower-case name.
    async fn groups_for_user(&self, user_id: &str) -> Result<Vec<Group>>;
}

/// IAM roles.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Fails with `EntityAlreadyExists` for a name taken in any letter case,
    /// with `LimitExceeded` when the account has `max_roles` already, and with
    /// `NoSuchEntity` when the permissions boundary names a customer managed
    /// policy that does not exist.
    /// `attach` is written in the same transaction, as for groups.
    async fn create_role(
        &self,
        role: &Role,
        max_roles: u64,
        audit: &AuditEvent,
        attach: &Attachments,
    ) -> Result<()>;
    /// Looks a role up by name, ignoring case.
    async fn role(&self, account_id: &str, name: &str) -> Result<Option<Role>>;
    /// Roles ordered by lower-case name, starting after `marker`.
    async fn list_roles(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<Role>>;
    async fn update_role(
        &self,
        account_id: &str,
        name: &str,
        update: &RoleUpdate,
        audit: &AuditEvent,
    ) -> Result<Role>;
    /// Fails with `DeleteConflict` while policies remain or while the role is
    /// in an instance profile.
    async fn delete_role(&self, account_id: &str, name: &str, audit: &AuditEvent) -> Result<Role>;
    /// Replaces the role's tags (the caller merged and checked them).
    async fn set_role_tags(
        &self,
        account_id: &str,
        name: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<()>;
}

/// EC2 instance profiles and the role each holds.
#[async_trait]
pub trait InstanceProfileStore: Send + Sync {
    /// Fails with `EntityAlreadyExists` for a name taken in any letter case,
    /// and with `LimitExceeded` when the account has `max_profiles` already.
    async fn create_instance_profile(
        &self,
        profile: &InstanceProfile,
        max_profiles: u64,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Looks a profile up by name, ignoring case, with its role.
    async fn instance_profile(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<InstanceProfile>>;
    /// Profiles ordered by lower-case name, starting after `marker`.
    async fn list_instance_profiles(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<InstanceProfile>>;
    /// The profiles that hold a role, ordered by lower-case name.
    async fn instance_profiles_for_role(&self, role_id: &str) -> Result<Vec<InstanceProfile>>;
    /// Fails with `DeleteConflict` while the profile holds a role.
    async fn delete_instance_profile(
        &self,
        account_id: &str,
        name: &str,
        audit: &AuditEvent,
    ) -> Result<InstanceProfile>;
    /// Fails with `LimitExceeded` when the profile holds a role already.
    async fn add_role_to_instance_profile(
        &self,
        account_id: &str,
        profile_name: &str,
        role_name: &str,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Fails with `NoSuchEntity` when the profile does not hold the role.
    async fn remove_role_from_instance_profile(
        &self,
        account_id: &str,
        profile_name: &str,
        role_name: &str,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Replaces the profile's tags (the caller merged and checked them).
    async fn set_instance_profile_tags(
        &self,
        account_id: &str,
        name: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<()>;
}
