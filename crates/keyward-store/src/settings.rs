//! AccountSettingsStore over SQL.

use async_trait::async_trait;
use keyward_core::Result;
use keyward_core::model::{AccountContact, AccountCounts, AuditEvent, PasswordPolicy};
use keyward_core::store::AccountSettingsStore;
use sqlx::Row;
use time::OffsetDateTime;

use crate::rows::from_unix;
use crate::{SqlStore, storage, unless_taken};

#[async_trait]
impl AccountSettingsStore for SqlStore {
    async fn account_contact(&self, account_id: &str) -> Result<AccountContact> {
        let row =
            sqlx::query("SELECT name, contact_email FROM account_contacts WHERE account_id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?;
        Ok(match row {
            Some(r) => AccountContact {
                name: r.try_get("name").map_err(storage)?,
                contact_email: r.try_get("contact_email").map_err(storage)?,
            },
            None => AccountContact::default(),
        })
    }

    async fn set_account_contact(
        &self,
        account_id: &str,
        contact: &AccountContact,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        sqlx::query("DELETE FROM account_contacts WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        sqlx::query(
            "INSERT INTO account_contacts (account_id, name, contact_email) VALUES ($1, $2, $3)",
        )
        .bind(account_id)
        .bind(&contact.name)
        .bind(&contact.contact_email)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn set_account_alias(
        &self,
        account_id: &str,
        alias: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let res = sqlx::query("UPDATE accounts SET alias = $1 WHERE account_id = $2")
            .bind(alias)
            .bind(account_id)
            .execute(&mut *tx)
            .await;
        unless_taken(res, || {
            format!(
                "The account alias {} already exists.",
                alias.unwrap_or_default()
            )
        })?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn password_policy(&self, account_id: &str) -> Result<Option<PasswordPolicy>> {
        let row = sqlx::query("SELECT policy FROM password_policies WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        row.map(|r| {
            let json: String = r.try_get(0).map_err(storage)?;
            serde_json::from_str(&json).map_err(storage)
        })
        .transpose()
    }

    async fn set_password_policy(
        &self,
        account_id: &str,
        policy: &PasswordPolicy,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let json = serde_json::to_string(policy).map_err(storage)?;
        sqlx::query("DELETE FROM password_policies WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        sqlx::query("INSERT INTO password_policies (account_id, policy) VALUES ($1, $2)")
            .bind(account_id)
            .bind(json)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn delete_password_policy(&self, account_id: &str, audit: &AuditEvent) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query("DELETE FROM password_policies WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn account_counts(&self, account_id: &str) -> Result<AccountCounts> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM users WHERE account_id = $1), \
               (SELECT COUNT(*) FROM iam_groups WHERE account_id = $1), \
               (SELECT COUNT(*) FROM roles WHERE account_id = $1), \
               (SELECT COUNT(*) FROM managed_policies WHERE account_id = $1), \
               (SELECT COUNT(*) FROM policy_versions v JOIN managed_policies p ON p.policy_id = v.policy_id WHERE p.account_id = $1), \
               (SELECT COUNT(*) FROM instance_profiles WHERE account_id = $1), \
               (SELECT COUNT(*) FROM access_keys WHERE account_id = $1 AND owner_user_id = ''), \
               (SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1) \
                 + (SELECT COUNT(*) FROM security_keys WHERE account_id = $1), \
               (SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND owner_user_id IS NOT NULL) \
                 + (SELECT COUNT(*) FROM security_keys WHERE account_id = $1), \
               (SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND owner_user_id = '') \
                 + (SELECT COUNT(*) FROM security_keys WHERE account_id = $1 AND owner_user_id = '')",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await
        .map_err(storage)?;
        let n = |i: usize| -> Result<u64> {
            Ok(u64::try_from(row.try_get::<i64, _>(i).map_err(storage)?).unwrap_or(0))
        };
        Ok(AccountCounts {
            users: n(0)?,
            groups: n(1)?,
            roles: n(2)?,
            policies: n(3)?,
            policy_versions_in_use: n(4)?,
            instance_profiles: n(5)?,
            root_access_keys: n(6)?,
            mfa_devices: n(7)?,
            mfa_devices_in_use: n(8)?,
            root_mfa_devices: n(9)?,
        })
    }

    async fn set_credential_report(
        &self,
        account_id: &str,
        generated: OffsetDateTime,
        csv: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        sqlx::query("DELETE FROM credential_reports WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        sqlx::query(
            "INSERT INTO credential_reports (account_id, generated, content) VALUES ($1, $2, $3)",
        )
        .bind(account_id)
        .bind(generated.unix_timestamp())
        .bind(csv)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)
    }

    async fn credential_report(
        &self,
        account_id: &str,
    ) -> Result<Option<(OffsetDateTime, String)>> {
        let row =
            sqlx::query("SELECT generated, content FROM credential_reports WHERE account_id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?;
        row.map(|r| {
            Ok((
                from_unix(r.try_get(0).map_err(storage)?)?,
                r.try_get(1).map_err(storage)?,
            ))
        })
        .transpose()
    }
}
