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
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::EntityAlreadyExists(
                    "An account with this email address, account id or alias already exists."
                        .into(),
                ));
            }
            Err(e) => return Err(storage(e)),
        }
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

    async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = sqlx::query("SELECT * FROM accounts ORDER BY account_id")
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(account_from_row).collect()
    }
}
