//! Account-wide settings: alias, password policy, summary.

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::service::PasswordPolicyInput;

use super::Reply;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

pub async fn create_account_alias(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .create_account_alias(&c, p.required("AccountAlias")?)
        .await?;
    Ok(None)
}

pub async fn delete_account_alias(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .delete_account_alias(&c, p.required("AccountAlias")?)
        .await?;
    Ok(None)
}

pub async fn list_account_aliases(s: Arc<AppState>, c: Caller, _p: Params) -> Reply {
    let aliases = s.keyward.account_aliases(&c).await?;
    let mut x = Xml::new();
    x.list_of_text("AccountAliases", &aliases);
    x.bool("IsTruncated", false);
    Ok(Some(x))
}

pub async fn update_account_password_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let input = PasswordPolicyInput {
        minimum_password_length: p.int("MinimumPasswordLength")?,
        require_symbols: p.bool("RequireSymbols")?,
        require_numbers: p.bool("RequireNumbers")?,
        require_uppercase_characters: p.bool("RequireUppercaseCharacters")?,
        require_lowercase_characters: p.bool("RequireLowercaseCharacters")?,
        allow_users_to_change_password: p.bool("AllowUsersToChangePassword")?,
        max_password_age: p.int("MaxPasswordAge")?,
        password_reuse_prevention: p.int("PasswordReusePrevention")?,
        hard_expiry: p.bool("HardExpiry")?,
    };
    s.keyward.update_password_policy(&c, &input).await?;
    Ok(None)
}

pub async fn get_account_password_policy(s: Arc<AppState>, c: Caller, _p: Params) -> Reply {
    let pol = s.keyward.password_policy(&c).await?;
    let mut x = Xml::new();
    x.node("PasswordPolicy", |x| {
        x.num(
            "MinimumPasswordLength",
            i64::from(pol.minimum_password_length),
        )
        .bool("RequireSymbols", pol.require_symbols)
        .bool("RequireNumbers", pol.require_numbers)
        .bool(
            "RequireUppercaseCharacters",
            pol.require_uppercase_characters,
        )
        .bool(
            "RequireLowercaseCharacters",
            pol.require_lowercase_characters,
        )
        .bool(
            "AllowUsersToChangePassword",
            pol.allow_users_to_change_password,
        )
        .bool("ExpirePasswords", pol.max_password_age > 0);
        if pol.max_password_age > 0 {
            x.num("MaxPasswordAge", i64::from(pol.max_password_age));
        }
        if pol.password_reuse_prevention > 0 {
            x.num(
                "PasswordReusePrevention",
                i64::from(pol.password_reuse_prevention),
            );
        }
        x.bool("HardExpiry", pol.hard_expiry);
    });
    Ok(Some(x))
}

pub async fn delete_account_password_policy(s: Arc<AppState>, c: Caller, _p: Params) -> Reply {
    s.keyward.delete_password_policy(&c).await?;
    Ok(None)
}

pub async fn get_account_summary(s: Arc<AppState>, c: Caller, _p: Params) -> Reply {
    let n = s.keyward.account_counts(&c).await?;
    let q = s.keyward.quotas();
    let count = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let entries: Vec<(&str, i64)> = vec![
        ("Users", count(n.users)),
        ("UsersQuota", count(q.users_per_account)),
        ("Groups", count(n.groups)),
        ("GroupsQuota", 300),
        ("Roles", count(n.roles)),
        ("RolesQuota", 1000),
        ("Policies", count(n.policies)),
        ("PoliciesQuota", 1500),
        ("PolicyVersionsInUse", count(n.policy_versions_in_use)),
        ("PolicyVersionsInUseQuota", 10000),
        ("VersionsPerPolicyQuota", 5),
        ("PolicySizeQuota", 6144),
        ("UserPolicySizeQuota", 2048),
        ("GroupPolicySizeQuota", 5120),
        ("RolePolicySizeQuota", 10240),
        ("AssumeRolePolicySizeQuota", 2048),
        ("GroupsPerUserQuota", 10),
        ("AttachedPoliciesPerUserQuota", 10),
        ("AttachedPoliciesPerGroupQuota", 10),
        ("AttachedPoliciesPerRoleQuota", 10),
        (
            "AccessKeysPerUserQuota",
            i64::try_from(q.access_keys_per_user).unwrap_or(2),
        ),
        ("SigningCertificatesPerUserQuota", 2),
        ("InstanceProfiles", count(n.instance_profiles)),
        ("InstanceProfilesQuota", 1000),
        ("ServerCertificates", 0),
        ("ServerCertificatesQuota", 20),
        ("Providers", 0),
        ("MFADevices", count(n.mfa_devices)),
        ("MFADevicesInUse", count(n.mfa_devices_in_use)),
        ("AccountMFAEnabled", i64::from(n.root_mfa_devices > 0)),
        (
            "AccountAccessKeysPresent",
            i64::from(n.root_access_keys > 0),
        ),
        ("AccountPasswordPresent", 1),
        ("AccountSigningCertificatesPresent", 0),
        ("GlobalEndpointTokenVersion", 1),
    ];
    let mut x = Xml::new();
    x.node("SummaryMap", |x| {
        for (k, v) in &entries {
            x.node("entry", |e| {
                e.text("key", k).num("value", *v);
            });
        }
    });
    Ok(Some(x))
}

pub async fn generate_credential_report(s: Arc<AppState>, c: Caller, _p: Params) -> Reply {
    let state = s.keyward.generate_credential_report(&c).await?;
    let mut x = Xml::new();
    x.text("State", state.state)
        .opt_text("Description", state.description);
    Ok(Some(x))
}

pub async fn get_credential_report(s: Arc<AppState>, c: Caller, _p: Params) -> Reply {
    use base64::Engine as _;
    let report = s.keyward.credential_report(&c).await?;
    let mut x = Xml::new();
    x.text(
        "Content",
        &base64::engine::general_purpose::STANDARD.encode(report.csv.as_bytes()),
    )
    .text("ReportFormat", "text/csv")
    .date("GeneratedTime", report.generated);
    Ok(Some(x))
}
