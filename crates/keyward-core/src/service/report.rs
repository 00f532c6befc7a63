//! The credential report: one CSV row per IAM user and one for the root user,
//! in AWS's 22 columns, kept per account and regenerated at most every four
//! hours (as AWS does).

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::Keyward;
use crate::caller::Caller;
use crate::model::{AccessKey, KeyOwner, KeyStatus};
use crate::{Error, Result};

/// AWS reuses a report younger than this, and calls an older one expired.
const REPORT_FRESHNESS: Duration = Duration::hours(4);

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

/// What GenerateCredentialReport answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportState {
    /// `STARTED` or `COMPLETE`.
    pub state: &'static str,
    pub description: Option<&'static str>,
}

/// A generated report.
#[derive(Debug, Clone)]
pub struct CredentialReport {
    pub generated: OffsetDateTime,
    pub csv: String,
}

/// `2015-06-24T12:45:00+00:00`, the literal form real reports use.
fn time_text(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339)
        .unwrap_or_default()
        .replace('Z', "+00:00")
}

/// The five columns of one access key slot.
fn key_columns(key: Option<&AccessKey>) -> [String; 5] {
    let na = || "N/A".to_owned();
    let Some(k) = key else {
        return ["false".into(), na(), na(), na(), na()];
    };
    let active = (k.status == KeyStatus::Active).to_string();
    match &k.last_used {
        None => [active, time_text(k.created), na(), na(), na()],
        Some(u) => {
            // AWS leaves the region out for global services.
            let region = if u.service == "iam" {
                na()
            } else {
                u.region.clone()
            };
            [
                active,
                time_text(k.created),
                time_text(u.at),
                region,
                u.service.clone(),
            ]
        }
    }
}

impl Keyward {
    /// GenerateCredentialReport: builds the report unless a fresh one exists.
    pub async fn generate_credential_report(&self, caller: &Caller) -> Result<ReportState> {
        let now = self.clock.now();
        let existing = self.store.credential_report(&caller.account_id).await?;
        if existing
            .as_ref()
            .is_some_and(|(at, _)| now - *at < REPORT_FRESHNESS)
        {
            return Ok(ReportState {
                state: "COMPLETE",
                description: None,
            });
        }
        let csv = self.credential_report_csv(&caller.account_id).await?;
        self.store
            .set_credential_report(&caller.account_id, now, &csv)
            .await?;
        Ok(ReportState {
            state: "STARTED",
            description: Some(if existing.is_some() {
                "The report is expired. Starting a new report generation task"
            } else {
                "No report exists. Starting a new report generation task"
            }),
        })
    }

    /// GetCredentialReport: the latest report, unless none or an expired one exists.
    pub async fn credential_report(&self, caller: &Caller) -> Result<CredentialReport> {
        let Some((generated, csv)) = self.store.credential_report(&caller.account_id).await? else {
            return Err(Error::ReportNotPresent(
                "Received a request for a credential report, but no report exists. Call GenerateCredentialReport first.".into(),
            ));
        };
        if self.clock.now() - generated >= REPORT_FRESHNESS {
            return Err(Error::ReportExpired(
                "The credential report is expired. Call GenerateCredentialReport to generate a new one.".into(),
            ));
        }
        Ok(CredentialReport { generated, csv })
    }

    async fn credential_report_csv(&self, account_id: &str) -> Result<String> {
        let account = self.account(account_id).await?;
        let partition = "aws";
        let devices = self.store.mfa_devices(account_id).await?;
        let keys = self.store.account_security_keys(account_id).await?;
        // Security keys count as MFA devices, as at AWS.
        let has_mfa = |owner: &KeyOwner| {
            devices.iter().any(|d| d.owner.as_ref() == Some(owner))
                || keys.iter().any(|k| &k.owner == owner)
        };
        let max_age = self
            .store
            .password_policy(account_id)
            .await?
            .map_or(0, |p| p.max_password_age);
        let mut out = String::from(HEADER);
        out.push('\n');

        let root_keys = self.store.access_keys(account_id, &KeyOwner::Root).await?;
        let mut row = vec![
            "<root_account>".to_owned(),
            format!("arn:{partition}:iam::{account_id}:root"),
            time_text(account.created),
            "not_supported".into(),
            account
                .root_password_last_used
                .map_or_else(|| "no_information".to_owned(), time_text),
            "not_supported".into(),
            "not_supported".into(),
            has_mfa(&KeyOwner::Root).to_string(),
        ];
        row.extend(key_columns(root_keys.first()));
        row.extend(key_columns(root_keys.get(1)));
        row.extend(["false", "N/A", "false", "N/A"].map(str::to_owned));
        out.push_str(&row.join(","));
        out.push('\n');

        let mut marker: Option<String> = None;
        loop {
            let page = self
                .store
                .list_users(account_id, "/", marker.as_deref(), 1000)
                .await?;
            for user in &page.items {
                let owner = KeyOwner::User(user.user_id.clone());
                let login = self.store.login_profile(&user.user_id).await?;
                let keys = self.store.access_keys(account_id, &owner).await?;
                let (enabled, last_used, changed, next) = match &login {
                    None => (
                        "false".to_owned(),
                        "N/A".to_owned(),
                        "N/A".to_owned(),
                        "N/A".to_owned(),
                    ),
                    Some(p) => (
                        "true".to_owned(),
                        user.password_last_used
                            .map_or_else(|| "no_information".to_owned(), time_text),
                        time_text(p.password_changed),
                        if max_age > 0 {
                            time_text(p.password_changed + Duration::days(i64::from(max_age)))
                        } else {
                            "N/A".to_owned()
                        },
                    ),
                };
                let mut row = vec![
                    user.name.clone(),
                    user.arn(partition),
                    time_text(user.created),
                    enabled,
                    last_used,
                    changed,
                    next,
                    has_mfa(&owner).to_string(),
                ];
                row.extend(key_columns(keys.first()));
                row.extend(key_columns(keys.get(1)));
                row.extend(["false", "N/A", "false", "N/A"].map(str::to_owned));
                out.push_str(&row.join(","));
                out.push('\n');
            }
            match page.next_marker {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_has_the_22_columns_in_order() {
        assert_eq!(HEADER.split(',').count(), 22);
        assert!(HEADER.starts_with("user,arn,user_creation_time,password_enabled"));
        assert!(HEADER.ends_with("cert_2_active,cert_2_last_rotated"));
    }

    #[test]
    fn times_use_the_offset_form() {
        let t = time::macros::datetime!(2015-06-24 12:45:00.5 UTC);
        assert_eq!(time_text(t), "2015-06-24T12:45:00+00:00");
    }

    #[test]
    fn a_missing_key_is_false_and_na() {
        assert_eq!(
            key_columns(None),
            ["false", "N/A", "N/A", "N/A", "N/A"].map(str::to_owned)
        );
    }
}
