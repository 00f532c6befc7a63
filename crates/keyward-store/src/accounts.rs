//! AccountStore over SQL.

use async_trait::async_trait;

use crate::*;

#[async_trait]
impl keyward_core::store::AccountStore for SqlStore {
    async fn create_account(&self, a: &Account, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let res = sqlx::query("INSERT INTO accounts (account_id, email, email_lower, alias, root_password_hash, created, change_seq) VALUES ($1, $2, $3, $4, $5, $6, 0)")
            .bind(&a.account_id)
            .bind(&a.email)
            .bind(a.email.to_lowercase())
            .bind(&a.alias)
            .bind(&a.root_password_hash)
            .bind(a.created.unix_timestamp())
            .execute(&mut *tx)
            .await;
        unless_taken(res, || {
            "An account with this email address, account id or alias already exists.".into()
        })?;
        Self::write_audit(&mut tx, 0, audit).await?;
        Self::commit(tx).await
    }

    async fn account(&self, account_id: &str) -> Result<Option<Account>> {
        sqlx::query("SELECT * FROM accounts WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?
            .map(|r| account_from_row(&r))
            .transpose()
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        sqlx::query("SELECT * FROM accounts WHERE email_lower = $1")
            .bind(email.to_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?
            .map(|r| account_from_row(&r))
            .transpose()
    }

    async fn account_by_alias(&self, alias: &str) -> Result<Option<Account>> {
        sqlx::query("SELECT * FROM accounts WHERE alias = $1")
            .bind(alias)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?
            .map(|r| account_from_row(&r))
            .transpose()
    }

    async fn set_root_password(
        &self,
        account_id: &str,
        expected_hash: Option<&str>,
        new_hash: &str,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = match expected_hash {
            Some(old) => sqlx::query("UPDATE accounts SET root_password_hash = $1 WHERE account_id = $2 AND root_password_hash = $3")
                .bind(new_hash)
                .bind(account_id)
                .bind(old),
            None => sqlx::query("UPDATE accounts SET root_password_hash = $1 WHERE account_id = $2")
                .bind(new_hash)
                .bind(account_id),
        }
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

    async fn set_account_closed(
        &self,
        account_id: &str,
        closed_at: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let sql = if closed_at.is_some() {
            "UPDATE accounts SET closed_at = $1 WHERE account_id = $2 AND closed_at IS NULL"
        } else {
            "UPDATE accounts SET closed_at = $1 WHERE account_id = $2 AND closed_at IS NOT NULL"
        };
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query(sql)
            .bind(closed_at)
            .bind(account_id)
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
            &Change::Account(account_id.to_owned()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = sqlx::query("SELECT * FROM accounts ORDER BY account_id")
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(account_from_row).collect()
    }
}
