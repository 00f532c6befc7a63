//! AccessKeyStore over SQL.

use async_trait::async_trait;

use crate::*;

#[async_trait]
impl keyward_core::store::AccessKeyStore for SqlStore {
    async fn create_access_key(
        &self,
        key: &AccessKey,
        max_per_owner: usize,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&key.account_id).await?;
        Self::insert_key_in_tx(&mut tx, key, max_per_owner).await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKey>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM access_keys WHERE access_key_id = $1"
        )))
        .bind(access_key_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .map(|r| key_from_row(&r))
        .transpose()
    }

    async fn access_keys(&self, account_id: &str, owner: &KeyOwner) -> Result<Vec<AccessKey>> {
        let rows = sqlx::query(AssertSqlSafe(format!("SELECT {KEY_COLUMNS} FROM access_keys WHERE account_id = $1 AND owner_user_id = $2 ORDER BY created, access_key_id")))
            .bind(account_id)
            .bind(owner_column(owner))
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(key_from_row).collect()
    }

    async fn set_access_key_status(
        &self,
        account_id: &str,
        owner: &KeyOwner,
        access_key_id: &str,
        status: KeyStatus,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query("UPDATE access_keys SET status = $1 WHERE access_key_id = $2 AND account_id = $3 AND owner_user_id = $4")
            .bind(status.as_str())
            .bind(access_key_id)
            .bind(account_id)
            .bind(owner_column(owner))
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.notify(
            &mut tx,
            account_id,
            seq,
            &Change::AccessKey(access_key_id.to_owned()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn delete_access_key(
        &self,
        account_id: &str,
        owner: &KeyOwner,
        access_key_id: &str,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query("DELETE FROM access_keys WHERE access_key_id = $1 AND account_id = $2 AND owner_user_id = $3")
            .bind(access_key_id)
            .bind(account_id)
            .bind(owner_column(owner))
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.notify(
            &mut tx,
            account_id,
            seq,
            &Change::AccessKey(access_key_id.to_owned()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn record_access_key_use(&self, access_key_id: &str, used: &KeyLastUsed) -> Result<()> {
        sqlx::query("UPDATE access_keys SET last_used_at = $1, last_used_service = $2, last_used_region = $3 WHERE access_key_id = $4")
            .bind(used.at.unix_timestamp())
            .bind(&used.service)
            .bind(&used.region)
            .bind(access_key_id)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }
}

impl SqlStore {
    /// Stores a new key in `tx`, within its owner's quota.
    pub(crate) async fn insert_key_in_tx(
        tx: &mut Transaction<'static, Any>,
        key: &AccessKey,
        max_per_owner: usize,
    ) -> Result<()> {
        let owner = owner_column(&key.owner);
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM access_keys WHERE account_id = $1 AND owner_user_id = $2",
        )
        .bind(&key.account_id)
        .bind(owner)
        .fetch_one(&mut **tx)
        .await
        .map_err(storage)?
        .try_get(0)
        .map_err(storage)?;
        if usize::try_from(n).unwrap_or(usize::MAX) >= max_per_owner {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for AccessKeysPerUser: {max_per_owner}"
            )));
        }
        sqlx::query("INSERT INTO access_keys (access_key_id, account_id, owner_user_id, sealed_secret, status, created) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&key.access_key_id)
            .bind(&key.account_id)
            .bind(owner)
            .bind(&key.sealed_secret)
            .bind(key.status.as_str())
            .bind(key.created.unix_timestamp())
            .execute(&mut **tx)
            .await
            .map_err(storage)?;
        Ok(())
    }
}
