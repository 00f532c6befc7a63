//! SQLite (embedded default) and PostgreSQL implementations of keyward-core's
//! [`Store`] port, through sqlx's `Any` driver: one set of queries and one
//! migration source serve both backends.
//!
//! Every write transaction starts by bumping its account's `change_seq`. That
//! first statement takes the write lock (SQLite) or the account row's lock
//! (PostgreSQL), so checks made inside the transaction (quotas, conflicts)
//! cannot race with another writer of the same account.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

mod accounts;
mod audit;
mod groups;
mod keys;
mod logins;
mod mfa;
mod named;
mod policies;
mod roles;
mod rows;
#[cfg(test)]
mod session_tests;
mod settings;
mod users;

use keyward_core::model::{
    AccessKey, Account, AttachedPolicy, AuditEvent, KeyLastUsed, KeyOwner, KeyStatus, Tag, User,
};
use keyward_core::store::{Page, UserUpdate};
use keyward_core::{Error, Result};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, AssertSqlSafe, Row, Transaction};
use time::OffsetDateTime;

use rows::{from_unix, key_from_row, owner_column, user_from_row};

/// Which database a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store over a SQLite file or a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub(crate) fn storage(e: impl std::fmt::Display) -> Error {
    Error::Storage(e.to_string())
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation()
                || d.code()
                    .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

impl SqlStore {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let max = if backend == Backend::Sqlite { 4 } else { 16 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 10000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(storage)?;
        MIGRATOR.run(&pool).await.map_err(storage)?;
        Ok(Self { pool, backend })
    }

    /// The SQLite URL for the database file in a data directory.
    pub fn sqlite_url(data_dir: &std::path::Path) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("keyward.db").display()
        )
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Opens a write transaction on `account_id`, returning it and the
    /// account's new change sequence number.
    async fn write_tx(&self, account_id: &str) -> Result<(Transaction<'static, Any>, i64)> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let row = sqlx::query("UPDATE accounts SET change_seq = change_seq + 1 WHERE account_id = $1 RETURNING change_seq")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(storage)?;
        let seq = row
            .ok_or_else(|| {
                Error::NoSuchEntity(format!("The account {account_id} does not exist."))
            })?
            .try_get::<i64, _>(0)
            .map_err(storage)?;
        Ok((tx, seq))
    }

    async fn write_audit(
        tx: &mut Transaction<'static, Any>,
        seq: i64,
        e: &AuditEvent,
    ) -> Result<()> {
        sqlx::query("INSERT INTO audit_events (account_id, seq, at, actor, action, resource, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&e.account_id)
            .bind(seq)
            .bind(e.at.unix_timestamp())
            .bind(&e.actor)
            .bind(&e.action)
            .bind(&e.resource)
            .bind(&e.detail)
            .execute(&mut **tx)
            .await
            .map_err(storage)?;
        Ok(())
    }

    /// Replaces the tags of the account's row of `table` whose `key_column`
    /// is `key`, with its audit event, in one write transaction. False when
    /// no row matched. Tags are stored as JSON on every taggable entity.
    pub(crate) async fn replace_tags(
        &self,
        table: &str,
        key_column: &str,
        account_id: &str,
        key: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let json = serde_json::to_string(tags).map_err(storage)?;
        let sql =
            format!("UPDATE {table} SET tags = $1 WHERE account_id = $2 AND {key_column} = $3");
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(json)
            .bind(account_id)
            .bind(key)
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

    async fn commit(tx: Transaction<'static, Any>) -> Result<()> {
        tx.commit().await.map_err(storage)
    }

    async fn fetch_user(&self, sql: String, a: &str, b: Option<&str>) -> Result<Option<User>> {
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(a);
        if let Some(b) = b {
            q = q.bind(b);
        }
        q.fetch_optional(&self.pool)
            .await
            .map_err(storage)?
            .map(|r| user_from_row(&r))
            .transpose()
    }
}

/// The users table, for the shared by-name look-up and listing.
pub(crate) const USERS: named::Named<User> = named::Named {
    table: "users",
    columns: USER_COLUMNS,
    from_row: user_from_row,
    name: user_name,
};

fn user_name(u: &User) -> &str {
    &u.name
}

const USER_COLUMNS: &str =
    "user_id, account_id, name, path, created, password_last_used, permissions_boundary, tags";
const KEY_COLUMNS: &str = "access_key_id, account_id, owner_user_id, sealed_secret, status, created, last_used_at, last_used_service, last_used_region";

fn account_from_row(r: &AnyRow) -> Result<Account> {
    Ok(Account {
        account_id: r.try_get("account_id").map_err(storage)?,
        email: r.try_get("email").map_err(storage)?,
        alias: r.try_get("alias").map_err(storage)?,
        root_password_hash: r.try_get("root_password_hash").map_err(storage)?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
    })
}
