//! Operations on the database as a whole: readiness, online backup.

use sqlx::Row as _;

use crate::{Backend, MIGRATOR, SqlStore, storage};

impl SqlStore {
    /// Ready to serve: the database answers and every migration this build
    /// knows is applied.
    pub async fn check_ready(&self) -> Result<(), String> {
        let row = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| format!("database unreachable: {e}"))?;
        let applied: i64 = row.try_get(0).map_err(|e| e.to_string())?;
        let known = MIGRATOR.iter().count();
        if usize::try_from(applied).unwrap_or(0) < known {
            return Err(format!("migrations pending: {applied} of {known} applied"));
        }
        Ok(())
    }

    /// Copies a SQLite database, consistent as of one moment, to `to` while
    /// other connections keep reading and writing (`VACUUM INTO`). `to` must
    /// not exist.
    pub async fn backup_to(&self, to: &std::path::Path) -> keyward_core::Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(storage(
                "online backup is for the embedded SQLite store; back PostgreSQL up with pg_dump",
            ));
        }
        let target = to
            .to_str()
            .ok_or_else(|| storage("the backup path is not valid UTF-8"))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    /// Closes every connection (SQLite then folds its write-ahead log into
    /// the database file).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait::async_trait]
impl keyward_core::store::SealedSecretStore for SqlStore {
    async fn reseal_account(
        &self,
        account_id: &str,
        reseal: keyward_core::store::Resealer<'_>,
        audit: &keyward_core::model::AuditEvent,
    ) -> keyward_core::Result<usize> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let mut changed = 0;
        // (table, key column, sealed column): the context of each value is its key.
        for (table, key, column) in [
            ("access_keys", "access_key_id", "sealed_secret"),
            ("mfa_devices", "serial_number", "sealed_seed"),
        ] {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {key}, {column} FROM {table} WHERE account_id = $1"
            )))
            .bind(account_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(storage)?;
            for row in rows {
                let id: String = row.try_get(0).map_err(storage)?;
                let sealed: String = row.try_get(1).map_err(storage)?;
                let Some(new) = reseal(&sealed, &id)? else {
                    continue;
                };
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {table} SET {column} = $1 WHERE account_id = $2 AND {key} = $3"
                )))
                .bind(new)
                .bind(account_id)
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
                changed += 1;
            }
        }
        if changed > 0 {
            Self::write_audit(&mut tx, seq, audit).await?;
            Self::commit(tx).await?;
        }
        Ok(changed)
    }
}
