//! LoginStore over SQL.

use async_trait::async_trait;
use keyward_core::Result;
use keyward_core::model::{AuditEvent, LoginProfile};
use keyward_core::store::LoginStore;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::rows::from_unix;
use crate::{SqlStore, storage, unless_taken};

fn profile_from_row(r: &AnyRow) -> Result<LoginProfile> {
    Ok(LoginProfile {
        user_id: r.try_get("user_id").map_err(storage)?,
        account_id: r.try_get("account_id").map_err(storage)?,
        password_hash: r.try_get("password_hash").map_err(storage)?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
        password_reset_required: r
            .try_get::<i64, _>("password_reset_required")
            .map_err(storage)?
            != 0,
        password_changed: from_unix(r.try_get("password_changed").map_err(storage)?)?,
    })
}

#[async_trait]
impl LoginStore for SqlStore {
    async fn create_login_profile(&self, p: &LoginProfile, audit: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&p.account_id).await?;
        Self::insert_login_profile(&mut tx, p).await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn login_profile(&self, user_id: &str) -> Result<Option<LoginProfile>> {
        sqlx::query("SELECT * FROM login_profiles WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?
            .map(|r| profile_from_row(&r))
            .transpose()
    }

    async fn update_login_profile(
        &self,
        account_id: &str,
        p: &LoginProfile,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let old = sqlx::query("SELECT password_hash FROM login_profiles WHERE user_id = $1")
            .bind(&p.user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(storage)?;
        let Some(old) = old else { return Ok(false) };
        let old_hash: String = old.try_get(0).map_err(storage)?;
        if old_hash != p.password_hash {
            sqlx::query(
                "INSERT INTO password_history (user_id, seq, password_hash) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM password_history WHERE user_id = $1), $2)",
            )
            .bind(&p.user_id)
            .bind(&old_hash)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        }
        sqlx::query("UPDATE login_profiles SET password_hash = $1, password_reset_required = $2, password_changed = $3 WHERE user_id = $4")
            .bind(&p.password_hash)
            .bind(i64::from(p.password_reset_required))
            .bind(p.password_changed.unix_timestamp())
            .bind(&p.user_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn delete_login_profile(
        &self,
        account_id: &str,
        user_id: &str,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query("DELETE FROM login_profiles WHERE user_id = $1 AND account_id = $2")
            .bind(user_id)
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM password_history WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn password_history(&self, user_id: &str, max: usize) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY seq DESC LIMIT $2")
            .bind(user_id)
            .bind(i64::try_from(max).unwrap_or(24))
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(|r| r.try_get(0).map_err(storage)).collect()
    }
}

impl SqlStore {
    pub(crate) async fn insert_login_profile(
        tx: &mut Transaction<'static, Any>,
        p: &LoginProfile,
    ) -> Result<()> {
        let res = sqlx::query(
            "INSERT INTO login_profiles (user_id, account_id, password_hash, created, password_reset_required, password_changed) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&p.user_id)
        .bind(&p.account_id)
        .bind(&p.password_hash)
        .bind(p.created.unix_timestamp())
        .bind(i64::from(p.password_reset_required))
        .bind(p.password_changed.unix_timestamp())
        .execute(&mut **tx)
        .await;
        unless_taken(res, String::new).map(drop)
    }
}
