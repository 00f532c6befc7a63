//! AWS's documented resource types and condition keys for every IAM action in
//! the action table, and tests that hold the table to them.
//!
//! Source: the Service Authorization Reference, "Actions, resources, and
//! condition keys for AWS Identity and Access Management (IAM)"
//! (`service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html`),
//! read 2026-11-23 through the machine-readable copy of that page's tables in
//! `iann0036/iam-dataset` (`aws/iam_definition.json`, prefix `iam`), because
//! the documentation search only returned the page's introduction, not its
//! rows. Resource types are listed without AWS's `*` (required) marker.
//!
//! Not looked up: the STS rows `sts:GetCallerIdentity` and
//! `sts:GetSessionToken`; neither has an IAM action in our table (AWS never
//! denies the first and evaluates no policy for the second), so they are not
//! checked here.
//! AWS documents `iam:AddRoleToInstanceProfile` with `iam:PassedToService`
//! among its dependent actions, not its condition keys, so it is not listed.

use super::{ACTIONS, ResourceKind};

/// `(action, resource types, condition keys)` as AWS documents them. An empty
/// resource list means AWS documents no resource type (`Resource: "*"`).
const REFERENCE: &[(&str, &[&str], &[&str])] = &[
    (
        "iam:CreateUser",
        &["user"],
        &[
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:GetUser",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    ("iam:ListUsers", &[], &[]),
    (
        "iam:UpdateUser",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:DeleteUser",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:TagUser",
        &["user"],
        &[
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:UntagUser",
        &["user"],
        &[
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:ListUserTags",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:CreateAccessKey",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:ListAccessKeys",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:UpdateAccessKey",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:DeleteAccessKey",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:GetAccessKeyLastUsed",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:CreatePolicy",
        &["policy"],
        &[
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
        ],
    ),
    ("iam:GetPolicy", &["policy"], &["aws:ResourceTag/${TagKey}"]),
    ("iam:ListPolicies", &[], &[]),
    (
        "iam:DeletePolicy",
        &["policy"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:CreatePolicyVersion",
        &["policy"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:GetPolicyVersion",
        &["policy"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:ListPolicyVersions",
        &["policy"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:SetDefaultPolicyVersion",
        &["policy"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:DeletePolicyVersion",
        &["policy"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:ListEntitiesForPolicy",
        &["policy"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:TagPolicy",
        &["policy"],
        &[
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
        ],
    ),
    (
        "iam:UntagPolicy",
        &["policy"],
        &["aws:ResourceTag/${TagKey}", "aws:TagKeys"],
    ),
    (
        "iam:ListPolicyTags",
        &["policy"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:AttachUserPolicy",
        &["user"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:PolicyARN",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:DetachUserPolicy",
        &["user"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:PolicyARN",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:ListAttachedUserPolicies",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:CreateLoginProfile",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:GetLoginProfile",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:UpdateLoginProfile",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:DeleteLoginProfile",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:ChangePassword",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    ("iam:CreateAccountAlias", &[], &[]),
    ("iam:DeleteAccountAlias", &[], &[]),
    ("iam:ListAccountAliases", &[], &[]),
    ("iam:UpdateAccountPasswordPolicy", &[], &[]),
    ("iam:GetAccountPasswordPolicy", &[], &[]),
    ("iam:DeleteAccountPasswordPolicy", &[], &[]),
    ("iam:GetAccountSummary", &[], &[]),
    ("iam:GenerateCredentialReport", &[], &[]),
    ("sts:GetAccessKeyInfo", &[], &[]),
    ("sts:DecodeAuthorizationMessage", &[], &[]),
    ("iam:GetCredentialReport", &[], &[]),
    ("iam:AttachGroupPolicy", &["group"], &["iam:PolicyARN"]),
    ("iam:DetachGroupPolicy", &["group"], &["iam:PolicyARN"]),
    ("iam:ListAttachedGroupPolicies", &["group"], &[]),
    (
        "iam:AttachRolePolicy",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:PolicyARN",
            "iam:ResourceTag/${TagKey}",
            "iam:RoleTemplateARN",
        ],
    ),
    (
        "iam:DetachRolePolicy",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:PolicyARN",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:ListAttachedRolePolicies",
        &["role"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:PutUserPolicy",
        &["user"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:GetUserPolicy",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:ListUserPolicies",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:DeleteUserPolicy",
        &["user"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    ("iam:PutGroupPolicy", &["group"], &[]),
    ("iam:GetGroupPolicy", &["group"], &[]),
    ("iam:ListGroupPolicies", &["group"], &[]),
    ("iam:DeleteGroupPolicy", &["group"], &[]),
    (
        "iam:PutRolePolicy",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
            "iam:RoleTemplateARN",
        ],
    ),
    (
        "iam:GetRolePolicy",
        &["role"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:ListRolePolicies",
        &["role"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:DeleteRolePolicy",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:PutUserPermissionsBoundary",
        &["user"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:DeleteUserPermissionsBoundary",
        &["user"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:PutRolePermissionsBoundary",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
            "iam:RoleTemplateARN",
        ],
    ),
    (
        "iam:DeleteRolePermissionsBoundary",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    ("iam:CreateGroup", &["group"], &[]),
    ("iam:GetGroup", &["group"], &[]),
    ("iam:ListGroups", &[], &[]),
    ("iam:UpdateGroup", &["group"], &[]),
    ("iam:DeleteGroup", &["group"], &[]),
    ("iam:AddUserToGroup", &["group"], &[]),
    ("iam:RemoveUserFromGroup", &["group"], &[]),
    (
        "iam:ListGroupsForUser",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:CreateRole",
        &["role"],
        &[
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
            "iam:RoleTemplateARN",
        ],
    ),
    (
        "iam:GetRole",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
            "iam:RoleTemplateARN",
        ],
    ),
    ("iam:ListRoles", &[], &[]),
    (
        "iam:UpdateRole",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:UpdateRoleDescription",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:UpdateAssumeRolePolicy",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:DeleteRole",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "iam:PermissionsBoundary",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:TagRole",
        &["role"],
        &[
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
            "iam:ResourceTag/${TagKey}",
            "iam:RoleTemplateARN",
        ],
    ),
    (
        "iam:UntagRole",
        &["role"],
        &[
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
            "iam:ResourceTag/${TagKey}",
        ],
    ),
    (
        "iam:ListRoleTags",
        &["role"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:CreateInstanceProfile",
        &["instance-profile"],
        &[
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
        ],
    ),
    (
        "iam:GetInstanceProfile",
        &["instance-profile"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    ("iam:ListInstanceProfiles", &[], &[]),
    (
        "iam:ListInstanceProfilesForRole",
        &["role"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:DeleteInstanceProfile",
        &["instance-profile"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:AddRoleToInstanceProfile",
        &["instance-profile"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:RemoveRoleFromInstanceProfile",
        &["instance-profile"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:TagInstanceProfile",
        &["instance-profile"],
        &[
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
        ],
    ),
    (
        "iam:UntagInstanceProfile",
        &["instance-profile"],
        &["aws:ResourceTag/${TagKey}", "aws:TagKeys"],
    ),
    (
        "iam:ListInstanceProfileTags",
        &["instance-profile"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:SimulatePrincipalPolicy",
        &["group", "role", "user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    ("iam:SimulateCustomPolicy", &[], &[]),
    (
        "iam:GetContextKeysForPrincipalPolicy",
        &["group", "role", "user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    ("iam:GetContextKeysForCustomPolicy", &[], &[]),
    ("iam:GetAccountAuthorizationDetails", &[], &[]),
    // MFA devices: from the same reference's rows as recalled, not re-read
    // this session (the dataset was not reachable from the search tools).
    (
        "iam:CreateVirtualMFADevice",
        &["mfa"],
        &["aws:RequestTag/${TagKey}", "aws:TagKeys"],
    ),
    (
        "iam:EnableMFADevice",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:ResyncMFADevice",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:DeactivateMFADevice",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:DeleteVirtualMFADevice",
        &["mfa"],
        &["aws:ResourceTag/${TagKey}"],
    ),
    (
        "iam:GetMFADevice",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    (
        "iam:ListMFADevices",
        &["user"],
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"],
    ),
    ("iam:ListVirtualMFADevices", &[], &[]),
    (
        "iam:TagMFADevice",
        &["mfa"],
        &[
            "aws:RequestTag/${TagKey}",
            "aws:ResourceTag/${TagKey}",
            "aws:TagKeys",
        ],
    ),
    (
        "iam:UntagMFADevice",
        &["mfa"],
        &["aws:ResourceTag/${TagKey}", "aws:TagKeys"],
    ),
    (
        "iam:ListMFADeviceTags",
        &["mfa"],
        &["aws:ResourceTag/${TagKey}"],
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::auth::{Target, request_keys};
    use crate::params::Params;
    use keyward_core::model::Tag;

    /// The condition keys `request_keys` supplies (the rest of the request
    /// context is global: `keyward-core`'s `request_context`).
    const SUPPLIED: &[&str] = &[
        "iam:PolicyARN",
        "iam:PermissionsBoundary",
        "aws:RequestTag/${TagKey}",
        "aws:TagKeys",
        "aws:ResourceTag/${TagKey}",
        "iam:ResourceTag/${TagKey}",
    ];

    /// Documented keys keyward does not set for any action yet.
    const NOT_YET: &[(&str, &str)] = &[("iam:RoleTemplateARN", "role templates are not modelled")];

    /// Documented keys keyward sets only when the target is an existing user
    /// or role: the tags of policies, instance profiles, MFA devices and other
    /// resources are not loaded into the request context yet.
    const ONLY_FOR_USERS_AND_ROLES: &[&str] =
        &["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"];

    /// Documented keys of the supplied kind that particular actions miss.
    const NOT_YET_FOR: &[(&str, &str, &str)] = &[];

    fn reference(
        action: &str,
    ) -> Option<&'static (
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    )> {
        REFERENCE.iter().find(|(a, _, _)| *a == action)
    }

    /// The resource types a `ResourceKind`'s ARN names; empty for `*`.
    fn resource_types(kind: ResourceKind) -> &'static [&'static str] {
        use ResourceKind::*;
        match kind {
            User | NewUser | UserOrSelf | Users | Caller | AccessKeyOwner => &["user"],
            Group | NewGroup | Groups => &["group"],
            Role | NewRole | Roles => &["role"],
            Policy | NewPolicy | Policies => &["policy"],
            InstanceProfile | NewInstanceProfile | InstanceProfiles => &["instance-profile"],
            PolicySource => &["user", "group", "role"],
            NewMfaDevice | MfaDevice => &["mfa"],
            Any => &[],
        }
    }

    #[test]
    fn every_iam_action_has_reference_data() {
        let missing: Vec<&str> = ACTIONS
            .iter()
            .filter_map(|a| a.iam_action)
            .filter(|a| reference(a).is_none())
            .collect();
        assert!(missing.is_empty(), "no AWS reference data for {missing:?}");
        // And no stale rows for actions we no longer serve.
        let stale: Vec<&str> = REFERENCE
            .iter()
            .map(|(a, _, _)| *a)
            .filter(|a| !ACTIONS.iter().any(|d| d.iam_action == Some(*a)))
            .collect();
        assert!(
            stale.is_empty(),
            "reference rows for unserved actions {stale:?}"
        );
    }

    /// Listings AWS documents with no resource type, for which keyward still
    /// names `{type}/{PathPrefix}` (`ResourceKind::Users` and its kin): AWS's
    /// own AccessDenied for these names that ARN (e.g. `…:role/`), so both
    /// `Resource: "*"` and path-scoped statements match, as they do at AWS.
    const PATH_PREFIX_LISTS: &[&str] = &[
        "iam:ListUsers",
        "iam:ListGroups",
        "iam:ListRoles",
        "iam:ListPolicies",
        "iam:ListInstanceProfiles",
    ];

    #[test]
    fn path_prefix_lists_are_the_listing_kinds() {
        for def in ACTIONS {
            let Some(action) = def.iam_action else {
                continue;
            };
            let listing = matches!(
                def.resource,
                ResourceKind::Users
                    | ResourceKind::Groups
                    | ResourceKind::Roles
                    | ResourceKind::Policies
                    | ResourceKind::InstanceProfiles
            );
            assert_eq!(listing, PATH_PREFIX_LISTS.contains(&action), "{action}");
        }
    }

    #[test]
    fn resource_kind_matches_documented_resource_types() {
        let mut wrong = Vec::new();
        for def in ACTIONS {
            let Some(action) = def.iam_action else {
                continue;
            };
            let (_, documented, _) = reference(action).expect("covered by the coverage test");
            let ours = resource_types(def.resource);
            let ok = if documented.is_empty() {
                ours.is_empty() || PATH_PREFIX_LISTS.contains(&action)
            } else {
                !ours.is_empty() && ours.iter().all(|t| documented.contains(t))
            };
            if !ok {
                wrong.push(format!(
                    "{action}: ResourceKind::{:?} names {ours:?}, AWS documents {documented:?}",
                    def.resource
                ));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    /// A request as a client would send it, carrying the parameters of the
    /// AWS operation that feed condition keys, and the target `resource_arn`
    /// would resolve (an existing user or role with a permissions boundary).
    fn representative(name: &str, kind: ResourceKind) -> (Target, Params) {
        let mut form = String::from("Action=");
        form.push_str(name);
        let tagged = matches!(
            name,
            "CreateUser"
                | "CreateRole"
                | "CreatePolicy"
                | "CreateInstanceProfile"
                | "TagUser"
                | "TagRole"
                | "TagPolicy"
                | "TagInstanceProfile"
                | "CreateVirtualMFADevice"
                | "TagMFADevice"
        );
        if tagged {
            form.push_str("&Tags.member.1.Key=team&Tags.member.1.Value=blue");
        }
        if name.starts_with("Untag") {
            form.push_str("&TagKeys.member.1=team");
        }
        let takes_policy_arn = kind == ResourceKind::Policy
            || (name.starts_with("Attach") || name.starts_with("Detach"))
                && name.ends_with("Policy");
        if takes_policy_arn {
            form.push_str("&PolicyArn=arn:aws:iam::123456789012:policy/p");
        }
        let sets_boundary = matches!(
            name,
            "CreateUser"
                | "CreateRole"
                | "PutUserPermissionsBoundary"
                | "PutRolePermissionsBoundary"
        );
        if sets_boundary {
            form.push_str("&PermissionsBoundary=arn:aws:iam::123456789012:policy/new-boundary");
        }
        // `resource_arn` reads the stored boundary of an existing user or role.
        let existing = matches!(
            kind,
            ResourceKind::User | ResourceKind::UserOrSelf | ResourceKind::Role
        );
        let target = Target {
            arn: "arn:aws:iam::123456789012:user/alice".to_owned(),
            boundary: existing.then(|| "arn:aws:iam::123456789012:policy/boundary".to_owned()),
            tags: if existing {
                vec![Tag {
                    key: "env".into(),
                    value: "dev".into(),
                }]
            } else {
                Vec::new()
            },
            user: None,
        };
        (target, Params::from_form(form.as_bytes()))
    }

    /// The condition keys a request's `RequestKeys` put in the context.
    fn supplied_keys(target: &Target, params: &Params) -> BTreeSet<&'static str> {
        request_keys(target, params)
            .key_names()
            .into_iter()
            .collect()
    }

    #[test]
    fn documented_condition_keys_are_supplied() {
        let mut gaps = Vec::new();
        let mut stale = Vec::new();
        for def in ACTIONS {
            let Some(action) = def.iam_action else {
                continue;
            };
            let (_, _, documented) = reference(action).expect("covered by the coverage test");
            let (target, params) = representative(def.name, def.resource);
            let supplied = supplied_keys(&target, &params);
            for key in *documented {
                let user_or_role = matches!(
                    def.resource,
                    ResourceKind::User | ResourceKind::UserOrSelf | ResourceKind::Role
                );
                let known_gap = NOT_YET.iter().any(|(k, _)| k == key)
                    || NOT_YET_FOR.iter().any(|(a, k, _)| *a == action && k == key)
                    || (!user_or_role && ONLY_FOR_USERS_AND_ROLES.contains(key));
                let is_supplied = SUPPLIED.contains(key) && supplied.contains(key);
                if is_supplied && known_gap {
                    stale.push(format!("{action} {key}"));
                } else if !is_supplied && !known_gap {
                    gaps.push(format!("{action} {key}"));
                }
            }
        }
        assert!(gaps.is_empty(), "documented keys not supplied: {gaps:#?}");
        assert!(stale.is_empty(), "NOT_YET entries now supplied: {stale:#?}");
    }

    #[test]
    fn not_yet_lists_name_documented_keys() {
        for (key, _) in NOT_YET {
            assert!(
                REFERENCE.iter().any(|(_, _, ks)| ks.contains(key)),
                "{key} is not documented for any of our actions"
            );
        }
        for (action, key, _) in NOT_YET_FOR {
            let (_, _, ks) = reference(action).expect("a served action");
            assert!(ks.contains(key), "{action} does not document {key}");
        }
    }
}
