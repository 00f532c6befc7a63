//! The one table of actions: each row names the action, its service, the IAM
//! action that authorizes it, how to find its resource, whether only root may
//! call it, and its handler. Adding an action is adding a row here.

mod account;
mod groups;
mod keys;
mod logins;
mod mfa;
mod policies;
#[cfg(test)]
mod reference;
mod roles;
mod simulator;
mod sts;
mod users;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use keyward_core::caller::Caller;

use crate::error::ApiError;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

/// Which AWS service an action belongs to (selects the XML namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Iam,
    Sts,
}

impl Service {
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
            Self::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            Self::Iam => "2010-05-08",
            Self::Sts => "2011-06-15",
        }
    }
}

/// How an action's resource ARN is found, for authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// No resource-level permissions: `*`.
    Any,
    /// A user to be created from `Path` and `UserName`.
    NewUser,
    /// An existing user named by `UserName` (its stored path is used).
    User,
    /// The user named by an optional `UserName`, else the caller itself.
    UserOrSelf,
    /// The caller itself, whatever the parameters say (ChangePassword).
    Caller,
    /// The user (or root) owning the key named by `AccessKeyId`.
    AccessKeyOwner,
    /// All users: `user/` under `PathPrefix`.
    Users,
    /// A managed policy named by `PolicyArn`.
    Policy,
    /// A managed policy to be created from `Path` and `PolicyName`.
    NewPolicy,
    /// All managed policies: `policy/` under `PathPrefix`.
    Policies,
    /// A group to be created from `Path` and `GroupName`.
    NewGroup,
    /// An existing group named by `GroupName` (its stored path is used).
    Group,
    /// All groups: `group/` under `PathPrefix`.
    Groups,
    /// A role to be created from `Path` and `RoleName`.
    NewRole,
    /// An existing role named by `RoleName` (its stored path is used).
    Role,
    /// All roles: `role/` under `PathPrefix`.
    Roles,
    /// An instance profile to be created from `Path` and `InstanceProfileName`.
    NewInstanceProfile,
    /// An existing instance profile named by `InstanceProfileName`.
    InstanceProfile,
    /// All instance profiles: `instance-profile/` under `PathPrefix`.
    InstanceProfiles,
    /// The user, group or role named by `PolicySourceArn`.
    PolicySource,
    /// A virtual MFA device to be created from `Path` and `VirtualMFADeviceName`.
    NewMfaDevice,
    /// The MFA device named by `SerialNumber` (its ARN).
    MfaDevice,
}

/// What a handler returns: the inside of `<{Action}Result>`, or nothing.
pub type Reply = Result<Option<Xml>, ApiError>;
pub type Handler = fn(Arc<AppState>, Caller, Params) -> Pin<Box<dyn Future<Output = Reply> + Send>>;

/// One row of the action table.
#[derive(Debug)]
pub struct ActionDef {
    pub name: &'static str,
    pub service: Service,
    /// The IAM action evaluated against policies; `None` when AWS never
    /// denies it (`sts:GetCallerIdentity`).
    pub iam_action: Option<&'static str>,
    pub resource: ResourceKind,
    /// Refused to every principal but the root user, whatever its policies.
    pub root_only: bool,
    pub handler: Handler,
}

macro_rules! row {
    ($name:literal, $svc:ident, $iam:expr, $res:ident, $root_only:literal, $handler:path) => {
        ActionDef {
            name: $name,
            service: Service::$svc,
            iam_action: $iam,
            resource: ResourceKind::$res,
            root_only: $root_only,
            handler: |s, c, p| Box::pin($handler(s, c, p)),
        }
    };
}

/// Every action keyward serves.
pub static ACTIONS: &[ActionDef] = &[
    // IAM users
    row!(
        "CreateUser",
        Iam,
        Some("iam:CreateUser"),
        NewUser,
        false,
        users::create_user
    ),
    row!(
        "GetUser",
        Iam,
        Some("iam:GetUser"),
        UserOrSelf,
        false,
        users::get_user
    ),
    row!(
        "ListUsers",
        Iam,
        Some("iam:ListUsers"),
        Users,
        false,
        users::list_users
    ),
    row!(
        "UpdateUser",
        Iam,
        Some("iam:UpdateUser"),
        User,
        false,
        users::update_user
    ),
    row!(
        "DeleteUser",
        Iam,
        Some("iam:DeleteUser"),
        User,
        false,
        users::delete_user
    ),
    row!(
        "TagUser",
        Iam,
        Some("iam:TagUser"),
        User,
        false,
        users::tag_user
    ),
    row!(
        "UntagUser",
        Iam,
        Some("iam:UntagUser"),
        User,
        false,
        users::untag_user
    ),
    row!(
        "ListUserTags",
        Iam,
        Some("iam:ListUserTags"),
        User,
        false,
        users::list_user_tags
    ),
    // Access keys (root's own when called by root without UserName)
    row!(
        "CreateAccessKey",
        Iam,
        Some("iam:CreateAccessKey"),
        UserOrSelf,
        false,
        keys::create_access_key
    ),
    row!(
        "ListAccessKeys",
        Iam,
        Some("iam:ListAccessKeys"),
        UserOrSelf,
        false,
        keys::list_access_keys
    ),
    row!(
        "UpdateAccessKey",
        Iam,
        Some("iam:UpdateAccessKey"),
        UserOrSelf,
        false,
        keys::update_access_key
    ),
    row!(
        "DeleteAccessKey",
        Iam,
        Some("iam:DeleteAccessKey"),
        UserOrSelf,
        false,
        keys::delete_access_key
    ),
    row!(
        "GetAccessKeyLastUsed",
        Iam,
        Some("iam:GetAccessKeyLastUsed"),
        AccessKeyOwner,
        false,
        keys::get_access_key_last_used
    ),
    // Virtual MFA devices (root's own when called by root without UserName)
    row!(
        "CreateVirtualMFADevice",
        Iam,
        Some("iam:CreateVirtualMFADevice"),
        NewMfaDevice,
        false,
        mfa::create_virtual_mfa_device
    ),
    row!(
        "EnableMFADevice",
        Iam,
        Some("iam:EnableMFADevice"),
        UserOrSelf,
        false,
        mfa::enable_mfa_device
    ),
    row!(
        "ResyncMFADevice",
        Iam,
        Some("iam:ResyncMFADevice"),
        UserOrSelf,
        false,
        mfa::resync_mfa_device
    ),
    row!(
        "DeactivateMFADevice",
        Iam,
        Some("iam:DeactivateMFADevice"),
        UserOrSelf,
        false,
        mfa::deactivate_mfa_device
    ),
    row!(
        "DeleteVirtualMFADevice",
        Iam,
        Some("iam:DeleteVirtualMFADevice"),
        MfaDevice,
        false,
        mfa::delete_virtual_mfa_device
    ),
    row!(
        "ListMFADevices",
        Iam,
        Some("iam:ListMFADevices"),
        UserOrSelf,
        false,
        mfa::list_mfa_devices
    ),
    row!(
        "GetMFADevice",
        Iam,
        Some("iam:GetMFADevice"),
        UserOrSelf,
        false,
        mfa::get_mfa_device
    ),
    row!(
        "ListVirtualMFADevices",
        Iam,
        Some("iam:ListVirtualMFADevices"),
        Any,
        false,
        mfa::list_virtual_mfa_devices
    ),
    row!(
        "TagMFADevice",
        Iam,
        Some("iam:TagMFADevice"),
        MfaDevice,
        false,
        mfa::tag_mfa_device
    ),
    row!(
        "UntagMFADevice",
        Iam,
        Some("iam:UntagMFADevice"),
        MfaDevice,
        false,
        mfa::untag_mfa_device
    ),
    row!(
        "ListMFADeviceTags",
        Iam,
        Some("iam:ListMFADeviceTags"),
        MfaDevice,
        false,
        mfa::list_mfa_device_tags
    ),
    // Managed policies and versions, attachments, inline policies, boundaries
    row!(
        "CreatePolicy",
        Iam,
        Some("iam:CreatePolicy"),
        NewPolicy,
        false,
        policies::create_policy
    ),
    row!(
        "GetPolicy",
        Iam,
        Some("iam:GetPolicy"),
        Policy,
        false,
        policies::get_policy
    ),
    row!(
        "ListPolicies",
        Iam,
        Some("iam:ListPolicies"),
        Policies,
        false,
        policies::list_policies
    ),
    row!(
        "DeletePolicy",
        Iam,
        Some("iam:DeletePolicy"),
        Policy,
        false,
        policies::delete_policy
    ),
    row!(
        "CreatePolicyVersion",
        Iam,
        Some("iam:CreatePolicyVersion"),
        Policy,
        false,
        policies::create_policy_version
    ),
    row!(
        "GetPolicyVersion",
        Iam,
        Some("iam:GetPolicyVersion"),
        Policy,
        false,
        policies::get_policy_version
    ),
    row!(
        "ListPolicyVersions",
        Iam,
        Some("iam:ListPolicyVersions"),
        Policy,
        false,
        policies::list_policy_versions
    ),
    row!(
        "SetDefaultPolicyVersion",
        Iam,
        Some("iam:SetDefaultPolicyVersion"),
        Policy,
        false,
        policies::set_default_policy_version
    ),
    row!(
        "DeletePolicyVersion",
        Iam,
        Some("iam:DeletePolicyVersion"),
        Policy,
        false,
        policies::delete_policy_version
    ),
    row!(
        "ListEntitiesForPolicy",
        Iam,
        Some("iam:ListEntitiesForPolicy"),
        Policy,
        false,
        policies::list_entities_for_policy
    ),
    row!(
        "TagPolicy",
        Iam,
        Some("iam:TagPolicy"),
        Policy,
        false,
        policies::tag_policy
    ),
    row!(
        "UntagPolicy",
        Iam,
        Some("iam:UntagPolicy"),
        Policy,
        false,
        policies::untag_policy
    ),
    row!(
        "ListPolicyTags",
        Iam,
        Some("iam:ListPolicyTags"),
        Policy,
        false,
        policies::list_policy_tags
    ),
    row!(
        "AttachUserPolicy",
        Iam,
        Some("iam:AttachUserPolicy"),
        User,
        false,
        policies::attach_user_policy
    ),
    row!(
        "DetachUserPolicy",
        Iam,
        Some("iam:DetachUserPolicy"),
        User,
        false,
        policies::detach_user_policy
    ),
    row!(
        "ListAttachedUserPolicies",
        Iam,
        Some("iam:ListAttachedUserPolicies"),
        User,
        false,
        policies::list_attached_user_policies
    ),
    // Login profiles and passwords
    row!(
        "CreateLoginProfile",
        Iam,
        Some("iam:CreateLoginProfile"),
        User,
        false,
        logins::create_login_profile
    ),
    row!(
        "GetLoginProfile",
        Iam,
        Some("iam:GetLoginProfile"),
        User,
        false,
        logins::get_login_profile
    ),
    row!(
        "UpdateLoginProfile",
        Iam,
        Some("iam:UpdateLoginProfile"),
        User,
        false,
        logins::update_login_profile
    ),
    row!(
        "DeleteLoginProfile",
        Iam,
        Some("iam:DeleteLoginProfile"),
        User,
        false,
        logins::delete_login_profile
    ),
    row!(
        "ChangePassword",
        Iam,
        Some("iam:ChangePassword"),
        Caller,
        false,
        logins::change_password
    ),
    // Account settings
    row!(
        "CreateAccountAlias",
        Iam,
        Some("iam:CreateAccountAlias"),
        Any,
        false,
        account::create_account_alias
    ),
    row!(
        "DeleteAccountAlias",
        Iam,
        Some("iam:DeleteAccountAlias"),
        Any,
        false,
        account::delete_account_alias
    ),
    row!(
        "ListAccountAliases",
        Iam,
        Some("iam:ListAccountAliases"),
        Any,
        false,
        account::list_account_aliases
    ),
    row!(
        "UpdateAccountPasswordPolicy",
        Iam,
        Some("iam:UpdateAccountPasswordPolicy"),
        Any,
        false,
        account::update_account_password_policy
    ),
    row!(
        "GetAccountPasswordPolicy",
        Iam,
        Some("iam:GetAccountPasswordPolicy"),
        Any,
        false,
        account::get_account_password_policy
    ),
    row!(
        "DeleteAccountPasswordPolicy",
        Iam,
        Some("iam:DeleteAccountPasswordPolicy"),
        Any,
        false,
        account::delete_account_password_policy
    ),
    row!(
        "GetAccountSummary",
        Iam,
        Some("iam:GetAccountSummary"),
        Any,
        false,
        account::get_account_summary
    ),
    row!(
        "GenerateCredentialReport",
        Iam,
        Some("iam:GenerateCredentialReport"),
        Any,
        false,
        account::generate_credential_report
    ),
    row!(
        "GetCredentialReport",
        Iam,
        Some("iam:GetCredentialReport"),
        Any,
        false,
        account::get_credential_report
    ),
    row!(
        "AttachGroupPolicy",
        Iam,
        Some("iam:AttachGroupPolicy"),
        Group,
        false,
        policies::attach_group_policy
    ),
    row!(
        "DetachGroupPolicy",
        Iam,
        Some("iam:DetachGroupPolicy"),
        Group,
        false,
        policies::detach_group_policy
    ),
    row!(
        "ListAttachedGroupPolicies",
        Iam,
        Some("iam:ListAttachedGroupPolicies"),
        Group,
        false,
        policies::list_attached_group_policies
    ),
    row!(
        "AttachRolePolicy",
        Iam,
        Some("iam:AttachRolePolicy"),
        Role,
        false,
        policies::attach_role_policy
    ),
    row!(
        "DetachRolePolicy",
        Iam,
        Some("iam:DetachRolePolicy"),
        Role,
        false,
        policies::detach_role_policy
    ),
    row!(
        "ListAttachedRolePolicies",
        Iam,
        Some("iam:ListAttachedRolePolicies"),
        Role,
        false,
        policies::list_attached_role_policies
    ),
    row!(
        "PutUserPolicy",
        Iam,
        Some("iam:PutUserPolicy"),
        User,
        false,
        policies::put_user_policy
    ),
    row!(
        "GetUserPolicy",
        Iam,
        Some("iam:GetUserPolicy"),
        User,
        false,
        policies::get_user_policy
    ),
    row!(
        "ListUserPolicies",
        Iam,
        Some("iam:ListUserPolicies"),
        User,
        false,
        policies::list_user_policies
    ),
    row!(
        "DeleteUserPolicy",
        Iam,
        Some("iam:DeleteUserPolicy"),
        User,
        false,
        policies::delete_user_policy
    ),
    row!(
        "PutGroupPolicy",
        Iam,
        Some("iam:PutGroupPolicy"),
        Group,
        false,
        policies::put_group_policy
    ),
    row!(
        "GetGroupPolicy",
        Iam,
        Some("iam:GetGroupPolicy"),
        Group,
        false,
        policies::get_group_policy
    ),
    row!(
        "ListGroupPolicies",
        Iam,
        Some("iam:ListGroupPolicies"),
        Group,
        false,
        policies::list_group_policies
    ),
    row!(
        "DeleteGroupPolicy",
        Iam,
        Some("iam:DeleteGroupPolicy"),
        Group,
        false,
        policies::delete_group_policy
    ),
    row!(
        "PutRolePolicy",
        Iam,
        Some("iam:PutRolePolicy"),
        Role,
        false,
        policies::put_role_policy
    ),
    row!(
        "GetRolePolicy",
        Iam,
        Some("iam:GetRolePolicy"),
        Role,
        false,
        policies::get_role_policy
    ),
    row!(
        "ListRolePolicies",
        Iam,
        Some("iam:ListRolePolicies"),
        Role,
        false,
        policies::list_role_policies
    ),
    row!(
        "DeleteRolePolicy",
        Iam,
        Some("iam:DeleteRolePolicy"),
        Role,
        false,
        policies::delete_role_policy
    ),
    row!(
        "PutUserPermissionsBoundary",
        Iam,
        Some("iam:PutUserPermissionsBoundary"),
        User,
        false,
        policies::put_user_permissions_boundary
    ),
    row!(
        "DeleteUserPermissionsBoundary",
        Iam,
        Some("iam:DeleteUserPermissionsBoundary"),
        User,
        false,
        policies::delete_user_permissions_boundary
    ),
    row!(
        "PutRolePermissionsBoundary",
        Iam,
        Some("iam:PutRolePermissionsBoundary"),
        Role,
        false,
        policies::put_role_permissions_boundary
    ),
    row!(
        "DeleteRolePermissionsBoundary",
        Iam,
        Some("iam:DeleteRolePermissionsBoundary"),
        Role,
        false,
        policies::delete_role_permissions_boundary
    ),
    // Groups
    row!(
        "CreateGroup",
        Iam,
        Some("iam:CreateGroup"),
        NewGroup,
        false,
        groups::create_group
    ),
    row!(
        "GetGroup",
        Iam,
        Some("iam:GetGroup"),
        Group,
        false,
        groups::get_group
    ),
    row!(
        "ListGroups",
        Iam,
        Some("iam:ListGroups"),
        Groups,
        false,
        groups::list_groups
    ),
    row!(
        "UpdateGroup",
        Iam,
        Some("iam:UpdateGroup"),
        Group,
        false,
        groups::update_group
    ),
    row!(
        "DeleteGroup",
        Iam,
        Some("iam:DeleteGroup"),
        Group,
        false,
        groups::delete_group
    ),
    row!(
        "AddUserToGroup",
        Iam,
        Some("iam:AddUserToGroup"),
        Group,
        false,
        groups::add_user_to_group
    ),
    row!(
        "RemoveUserFromGroup",
        Iam,
        Some("iam:RemoveUserFromGroup"),
        Group,
        false,
        groups::remove_user_from_group
    ),
    row!(
        "ListGroupsForUser",
        Iam,
        Some("iam:ListGroupsForUser"),
        User,
        false,
        groups::list_groups_for_user
    ),
    // Roles
    row!(
        "CreateRole",
        Iam,
        Some("iam:CreateRole"),
        NewRole,
        false,
        roles::create_role
    ),
    row!(
        "GetRole",
        Iam,
        Some("iam:GetRole"),
        Role,
        false,
        roles::get_role
    ),
    row!(
        "ListRoles",
        Iam,
        Some("iam:ListRoles"),
        Roles,
        false,
        roles::list_roles
    ),
    row!(
        "UpdateRole",
        Iam,
        Some("iam:UpdateRole"),
        Role,
        false,
        roles::update_role
    ),
    row!(
        "UpdateRoleDescription",
        Iam,
        Some("iam:UpdateRoleDescription"),
        Role,
        false,
        roles::update_role_description
    ),
    row!(
        "UpdateAssumeRolePolicy",
        Iam,
        Some("iam:UpdateAssumeRolePolicy"),
        Role,
        false,
        roles::update_assume_role_policy
    ),
    row!(
        "DeleteRole",
        Iam,
        Some("iam:DeleteRole"),
        Role,
        false,
        roles::delete_role
    ),
    row!(
        "TagRole",
        Iam,
        Some("iam:TagRole"),
        Role,
        false,
        roles::tag_role
    ),
    row!(
        "UntagRole",
        Iam,
        Some("iam:UntagRole"),
        Role,
        false,
        roles::untag_role
    ),
    row!(
        "ListRoleTags",
        Iam,
        Some("iam:ListRoleTags"),
        Role,
        false,
        roles::list_role_tags
    ),
    // Instance profiles
    row!(
        "CreateInstanceProfile",
        Iam,
        Some("iam:CreateInstanceProfile"),
        NewInstanceProfile,
        false,
        roles::create_instance_profile
    ),
    row!(
        "GetInstanceProfile",
        Iam,
        Some("iam:GetInstanceProfile"),
        InstanceProfile,
        false,
        roles::get_instance_profile
    ),
    row!(
        "ListInstanceProfiles",
        Iam,
        Some("iam:ListInstanceProfiles"),
        InstanceProfiles,
        false,
        roles::list_instance_profiles
    ),
    row!(
        "ListInstanceProfilesForRole",
        Iam,
        Some("iam:ListInstanceProfilesForRole"),
        Role,
        false,
        roles::list_instance_profiles_for_role
    ),
    row!(
        "DeleteInstanceProfile",
        Iam,
        Some("iam:DeleteInstanceProfile"),
        InstanceProfile,
        false,
        roles::delete_instance_profile
    ),
    row!(
        "AddRoleToInstanceProfile",
        Iam,
        Some("iam:AddRoleToInstanceProfile"),
        InstanceProfile,
        false,
        roles::add_role_to_instance_profile
    ),
    row!(
        "RemoveRoleFromInstanceProfile",
        Iam,
        Some("iam:RemoveRoleFromInstanceProfile"),
        InstanceProfile,
        false,
        roles::remove_role_from_instance_profile
    ),
    row!(
        "TagInstanceProfile",
        Iam,
        Some("iam:TagInstanceProfile"),
        InstanceProfile,
        false,
        roles::tag_instance_profile
    ),
    row!(
        "UntagInstanceProfile",
        Iam,
        Some("iam:UntagInstanceProfile"),
        InstanceProfile,
        false,
        roles::untag_instance_profile
    ),
    row!(
        "ListInstanceProfileTags",
        Iam,
        Some("iam:ListInstanceProfileTags"),
        InstanceProfile,
        false,
        roles::list_instance_profile_tags
    ),
    // Policy simulation, context keys, authorization details
    row!(
        "SimulatePrincipalPolicy",
        Iam,
        Some("iam:SimulatePrincipalPolicy"),
        PolicySource,
        false,
        simulator::simulate_principal_policy
    ),
    row!(
        "SimulateCustomPolicy",
        Iam,
        Some("iam:SimulateCustomPolicy"),
        Any,
        false,
        simulator::simulate_custom_policy
    ),
    row!(
        "GetContextKeysForPrincipalPolicy",
        Iam,
        Some("iam:GetContextKeysForPrincipalPolicy"),
        PolicySource,
        false,
        simulator::get_context_keys_for_principal_policy
    ),
    row!(
        "GetContextKeysForCustomPolicy",
        Iam,
        Some("iam:GetContextKeysForCustomPolicy"),
        Any,
        false,
        simulator::get_context_keys_for_custom_policy
    ),
    row!(
        "GetAccountAuthorizationDetails",
        Iam,
        Some("iam:GetAccountAuthorizationDetails"),
        Any,
        false,
        simulator::get_account_authorization_details
    ),
    // STS
    row!(
        "GetCallerIdentity",
        Sts,
        None,
        Any,
        false,
        sts::get_caller_identity
    ),
    row!(
        "GetAccessKeyInfo",
        Sts,
        Some("sts:GetAccessKeyInfo"),
        Any,
        false,
        sts::get_access_key_info
    ),
    // No IAM action: AWS evaluates no policy for GetSessionToken ("No
    // permissions are required for a user to get a session token").
    row!(
        "GetSessionToken",
        Sts,
        None,
        Any,
        false,
        sts::get_session_token
    ),
    // Authorized in core: the caller's `sts:AssumeRole` identity permission
    // on the role and the role's trust policy both must allow.
    row!("AssumeRole", Sts, None, Any, false, sts::assume_role),
    row!(
        "DecodeAuthorizationMessage",
        Sts,
        Some("sts:DecodeAuthorizationMessage"),
        Any,
        false,
        sts::decode_authorization_message
    ),
];

/// STS actions that AWS serves without a signature.
pub const UNSIGNED_ACTIONS: &[&str] = &["AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"];

/// Known actions of either service that keyward does not serve yet: they get
/// an honest error naming the service rather than "unknown operation".
pub fn service_of_unknown(action: &str) -> Option<Service> {
    const STS: &[&str] = &[
        "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity",
        "AssumeRoot",
        "GetDelegatedAccessToken",
        "GetFederationToken",
        "GetWebIdentityToken",
    ];
    STS.contains(&action).then_some(Service::Sts)
}

pub fn find(name: &str) -> Option<&'static ActionDef> {
    ACTIONS.iter().find(|a| a.name == name)
}

/// Offset-based pagination for lists held in memory: the marker is the
/// offset of the next item.
pub(crate) fn paginate<'a, T>(
    items: &'a [T],
    marker: Option<&str>,
    max_items: Option<i64>,
) -> Result<(&'a [T], Option<String>), ApiError> {
    let max = max_items.unwrap_or(100);
    if !(1..=1000).contains(&max) {
        return Err(keyward_core::Error::Validation(format!(
            "1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy constraint: Member must have value {}",
            if max < 1 { "greater than or equal to 1" } else { "less than or equal to 1000" }
        ))
        .into());
    }
    let start = match marker {
        None => 0,
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|s| *s <= items.len())
            .ok_or_else(|| {
                ApiError::from(keyward_core::Error::InvalidInput("Invalid Marker.".into()))
            })?,
    };
    let end = start
        .saturating_add(usize::try_from(max).unwrap_or(100))
        .min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((&items[start..end], next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_unique_and_iam_actions_match() {
        for (i, a) in ACTIONS.iter().enumerate() {
            assert!(
                ACTIONS[..i].iter().all(|b| b.name != a.name),
                "duplicate {}",
                a.name
            );
            if let Some(iam) = a.iam_action {
                let prefix = match a.service {
                    Service::Iam => "iam:",
                    Service::Sts => "sts:",
                };
                assert_eq!(iam, format!("{prefix}{}", a.name));
            }
        }
    }
}
