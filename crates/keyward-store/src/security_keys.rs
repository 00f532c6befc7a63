//! SecurityKeyStore over SQL.

use async_trait::async_trait;
use keyward_core::model::SecurityKey;

use crate::rows::{from_unix, owner_column};
use crate::*;

fn key_from_row(r: &AnyRow) -> Result<SecurityKey> {
    let owner: String = r.try_get("owner_user_id").map_err(storage)?;
    Ok(SecurityKey {
        credential_id: r.try_get("credential_id").map_err(storage)?,
        account_id: r.try_get("account_id").map_err(storage)?,
        owner: if owner.is_empty() {
            KeyOwner::Root
        } else {
            KeyOwner::User(owner)
        },
        name: r.try_get("name").map_err(storage)?,
        data: r.try_get("data").map_err(storage)?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
    })
}

#[async_trait]
impl keyward_core::store::SecurityKeyStore for SqlStore {
    async fn create_security_key(&self, key: &SecurityKey, audit: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&key.account_id).await?;
        let res = sqlx::query("INSERT INTO security_keys (credential_id, account_id, owner_user_id, name, data, created) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&key.credential_id)
            .bind(&key.account_id)
            .bind(owner_column(&key.owner))
            .bind(&key.name)
            .bind(&key.data)
            .bind(key.created.unix_timestamp())
            .execute(&mut *tx)
            .await;
        unless_taken(res, || "This security key is already registered.".into())?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn security_keys(&self, account_id: &str, owner: &KeyOwner) -> Result<Vec<SecurityKey>> {
        let rows = sqlx::query("SELECT * FROM security_keys WHERE account_id = $1 AND owner_user_id = $2 ORDER BY created, credential_id")
            .bind(account_id)
            .bind(owner_column(owner))
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(key_from_row).collect()
    }

    async fn account_security_keys(&self, account_id: &str) -> Result<Vec<SecurityKey>> {
        let rows = sqlx::query("SELECT * FROM security_keys WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(key_from_row).collect()
    }

    async fn update_security_key_data(&self, credential_id: &str, data: &str) -> Result<()> {
        sqlx::query("UPDATE security_keys SET data = $1 WHERE credential_id = $2")
            .bind(data)
            .bind(credential_id)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    async fn delete_security_key(
        &self,
        account_id: &str,
        owner: &KeyOwner,
        credential_id: &str,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query("DELETE FROM security_keys WHERE account_id = $1 AND owner_user_id = $2 AND credential_id = $3")
            .bind(account_id)
            .bind(owner_column(owner))
            .bind(credential_id)
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
}
