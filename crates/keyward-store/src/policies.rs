//! PolicyStore over SQL.

use async_trait::async_trait;

use crate::*;

#[async_trait]
impl keyward_core::store::PolicyStore for SqlStore {
    async fn attach_user_policy(
        &self,
        account_id: &str,
        user_id: &str,
        policy: &AttachedPolicy,
        max_attached: usize,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let rows = sqlx::query("SELECT policy_arn FROM policy_attachments WHERE entity_kind = 'user' AND entity_id = $1")
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(storage)?;
        let arns: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()
            .map_err(storage)?;
        if arns.contains(&policy.policy_arn) {
            return Ok(false);
        }
        if arns.len() >= max_attached {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for PoliciesPerUser: {max_attached}"
            )));
        }
        sqlx::query("INSERT INTO policy_attachments (account_id, entity_kind, entity_id, policy_arn, policy_name, attached_seq) VALUES ($1, 'user', $2, $3, $4, $5)")
            .bind(account_id)
            .bind(user_id)
            .bind(&policy.policy_arn)
            .bind(&policy.policy_name)
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn detach_user_policy(
        &self,
        account_id: &str,
        user_id: &str,
        policy_arn: &str,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query(
            "DELETE FROM policy_attachments WHERE entity_kind = 'user' AND entity_id = $1 AND policy_arn = $2",
        )
        .bind(user_id)
        .bind(policy_arn)
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

    async fn attached_user_policies(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<AttachedPolicy>> {
        let rows = sqlx::query("SELECT policy_name, policy_arn FROM policy_attachments WHERE account_id = $1 AND entity_kind = 'user' AND entity_id = $2 ORDER BY attached_seq")
            .bind(account_id)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter()
            .map(|r| {
                Ok(AttachedPolicy {
                    policy_name: r.try_get(0).map_err(storage)?,
                    policy_arn: r.try_get(1).map_err(storage)?,
                })
            })
            .collect()
    }
}
