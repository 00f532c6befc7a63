//! Security recommendations from the account's live state (the console's
//! dashboard): root MFA, root access keys, recent root use, users without
//! MFA, old or unused access keys, the password policy.

use time::Duration;

use super::Keyward;
use crate::caller::Caller;
use crate::model::{KeyOwner, KeyStatus};
use crate::{Error, Result};

/// Keys older than this should be rotated; keys unused this long removed.
const KEY_AGE_DAYS: i64 = 90;
/// "Recently" for root use.
const ROOT_RECENT_DAYS: i64 = 7;
/// AWS's recommended minimum password length.
const RECOMMENDED_MIN_LENGTH: u32 = 14;
/// Users examined at most (the dashboard must stay fast).
const MAX_USERS: i64 = 1000;

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub ok: bool,
    pub title: String,
    pub detail: String,
}

fn finding(ok: bool, title: &str, detail: String) -> Finding {
    Finding {
        ok,
        title: title.to_owned(),
        detail,
    }
}

fn names(list: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = list
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > SHOWN {
        s.push_str(&format!(" and {} more", list.len() - SHOWN));
    }
    s
}

impl Keyward {
    /// The account's security recommendations (root callers only).
    pub async fn security_recommendations(&self, caller: &Caller) -> Result<Vec<Finding>> {
        if !caller.is_root() {
            return Err(Error::AccessDenied(
                "Only the root user can see the account's security recommendations.".into(),
            ));
        }
        let account_id = &caller.account_id;
        let now = self.clock.now();
        let devices = self.store.mfa_devices(account_id).await?;
        let root_mfa = devices.iter().any(|d| d.owner == Some(KeyOwner::Root))
            || !self
                .store
                .security_keys(account_id, &KeyOwner::Root)
                .await?
                .is_empty();
        let root_keys = self.store.access_keys(account_id, &KeyOwner::Root).await?;
        let mut out = vec![
            finding(
                root_mfa,
                "Add MFA for the root user",
                if root_mfa {
                    "The root user has an MFA device or security key.".into()
                } else {
                    "The root user signs in with a password alone. Assign an MFA device on the Security credentials page.".into()
                },
            ),
            finding(
                root_keys.is_empty(),
                "Remove root user access keys",
                if root_keys.is_empty() {
                    "The root user has no access keys.".into()
                } else {
                    format!(
                        "The root user has {} access key(s). Use IAM users' keys or roles instead, and delete these.",
                        root_keys.len()
                    )
                },
            ),
        ];
        out.push(self.root_use(caller, &root_keys, now).await?);
        out.extend(self.user_findings(caller, &devices, now).await?);
        let policy = self.store.password_policy(account_id).await?;
        let strong = policy
            .as_ref()
            .is_some_and(|p| p.minimum_password_length >= RECOMMENDED_MIN_LENGTH);
        out.push(finding(
            strong,
            "Set a strong password policy for IAM users",
            match &policy {
                None => "The account has no password policy: IAM users' passwords need only 8 characters.".into(),
                Some(p) if !strong => format!(
                    "The password policy asks for {} characters; {RECOMMENDED_MIN_LENGTH} or more is recommended.",
                    p.minimum_password_length
                ),
                Some(p) => format!(
                    "The password policy asks for at least {} characters.",
                    p.minimum_password_length
                ),
            },
        ));
        Ok(out)
    }

    /// Root console sign-ins (other than the present one) and root key use
    /// within the last days.
    async fn root_use(
        &self,
        caller: &Caller,
        root_keys: &[crate::model::AccessKey],
        now: time::OffsetDateTime,
    ) -> Result<Finding> {
        let since = now - Duration::days(ROOT_RECENT_DAYS);
        let root_arn = caller.arn_for("iam", "root");
        let sign_ins = self
            .store
            .audit_events(&caller.account_id, since)
            .await?
            .iter()
            .filter(|e| {
                e.actor == root_arn
                    && e.action == "signin:ConsoleLogin"
                    && e.detail.contains("\"ConsoleLogin\":\"Success\"")
            })
            .count();
        let key_uses = root_keys
            .iter()
            .filter(|k| k.last_used.as_ref().is_some_and(|u| u.at >= since))
            .count();
        // The sign-in showing this page is one use.
        let ok = sign_ins <= 1 && key_uses == 0;
        Ok(finding(
            ok,
            "Use the root user only for tasks that need it",
            format!(
                "In the last {ROOT_RECENT_DAYS} days: {sign_ins} root console sign-in(s), {key_uses} root access key(s) used."
            ),
        ))
    }

    async fn user_findings(
        &self,
        caller: &Caller,
        devices: &[crate::model::MfaDevice],
        now: time::OffsetDateTime,
    ) -> Result<Vec<Finding>> {
        let users = self
            .list_users(caller, None, None, Some(MAX_USERS))
            .await?
            .items;
        let mut without_mfa = Vec::new();
        let mut old_keys = Vec::new();
        let mut unused_keys = Vec::new();
        let limit = now - Duration::days(KEY_AGE_DAYS);
        for user in &users {
            let owner = KeyOwner::User(user.user_id.clone());
            let has_password = self.store.login_profile(&user.user_id).await?.is_some();
            let has_mfa = devices.iter().any(|d| d.owner.as_ref() == Some(&owner))
                || !self
                    .store
                    .security_keys(&caller.account_id, &owner)
                    .await?
                    .is_empty();
            if has_password && !has_mfa {
                without_mfa.push(user.name.clone());
            }
            for key in self.store.access_keys(&caller.account_id, &owner).await? {
                if key.status != KeyStatus::Active {
                    continue;
                }
                let label = format!("{} ({})", key.access_key_id, user.name);
                if key.created < limit {
                    old_keys.push(label.clone());
                }
                let last = key.last_used.as_ref().map_or(key.created, |u| u.at);
                if last < limit {
                    unused_keys.push(label);
                }
            }
        }
        Ok(vec![
            finding(
                without_mfa.is_empty(),
                "Require MFA for IAM users with console access",
                if without_mfa.is_empty() {
                    "Every IAM user with a console password has an MFA device.".into()
                } else {
                    format!("Without MFA: {}.", names(&without_mfa))
                },
            ),
            finding(
                old_keys.is_empty(),
                "Rotate access keys older than 90 days",
                if old_keys.is_empty() {
                    "No active access key is older than 90 days.".into()
                } else {
                    format!("Older than 90 days: {}.", names(&old_keys))
                },
            ),
            finding(
                unused_keys.is_empty(),
                "Remove access keys unused for 90 days",
                if unused_keys.is_empty() {
                    "Every active access key was used in the last 90 days or is newer.".into()
                } else {
                    format!("Unused for 90 days: {}.", names(&unused_keys))
                },
            ),
        ])
    }
}
