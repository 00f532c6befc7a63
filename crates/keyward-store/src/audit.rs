//! AuditStore over SQL.

use async_trait::async_trait;

use crate::*;

#[async_trait]
impl keyward_core::store::AuditStore for SqlStore {
    async fn record_audit(&self, event: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&event.account_id).await?;
        Self::write_audit(&mut tx, seq, event).await?;
        Self::commit(tx).await
    }

    async fn audit_events(
        &self,
        account_id: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query("SELECT account_id, at, actor, action, resource, detail FROM audit_events WHERE account_id = $1 AND at >= $2 ORDER BY seq")
            .bind(account_id)
            .bind(since.unix_timestamp())
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter()
            .map(|r| {
                Ok(AuditEvent {
                    account_id: r.try_get("account_id").map_err(storage)?,
                    at: from_unix(r.try_get("at").map_err(storage)?)?,
                    actor: r.try_get("actor").map_err(storage)?,
                    action: r.try_get("action").map_err(storage)?,
                    resource: r.try_get("resource").map_err(storage)?,
                    detail: r.try_get("detail").map_err(storage)?,
                })
            })
            .collect()
    }

    async fn reset(&self) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        for table in [
            "audit_events",
            "credential_reports",
            "password_policies",
            "password_history",
            "login_profiles",
            "inline_policies",
            "policy_attachments",
            "policy_versions",
            "managed_policies",
            "instance_profile_roles",
            "instance_profiles",
            "roles",
            "group_members",
            "iam_groups",
            "access_keys",
            "mfa_devices",
            "security_keys",
            "account_contacts",
            "users",
            "accounts",
        ] {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        Self::commit(tx).await
    }
}
