//! SQLite (embedded default) and PostgreSQL implementations of keyward-core's
//! [`Store`] port, through sqlx's `Any` driver: one set of queries and one
//! migration source serve both backends.
//!
//! Every write transaction starts by bumping its account's `change_seq`. That
//! first statement takes the write lock (SQLite) or the account row's lock
//! (PostgreSQL), so checks made inside the transaction (quotas, conflicts)
//! cannot race with another writer of the same account.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

#[cfg(test)]
mod account_tests;
mod accounts;
mod audit;
#[cfg(test)]
mod directory_tests;
mod feed;
mod groups;
mod keys;
mod logins;
mod mfa;
mod named;
mod ops;
mod policies;
mod roles;
mod rows;
mod security_keys;
#[cfg(test)]
mod session_tests;
mod settings;
#[cfg(test)]
mod test_support;
mod users;

pub use feed::PgChangeFeed;
use keyward_core::feed::Change;
use keyward_core::model::{
    AccessKey, Account, AttachedPolicy, AuditEvent, KeyLastUsed, KeyOwner, KeyStatus, Tag, User,
};
use keyward_core::store::{Attachments, NewUserRecords, Page, UserUpdate};
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
    /// The PostgreSQL URL, for the change feed's own connection.
    pg_url: Option<feed::PgUrl>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A row's id column and the change that id names, for [`SqlStore::replace_tags`].
pub(crate) type NotifyBy<'a> = (&'a str, fn(String) -> Change);

/// How long a request waits for a database connection before it fails with
/// `Error::Unavailable` (e.g. while PostgreSQL restarts).
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Maps a store failure to the domain error: losing the database (no
/// connection, the server shutting down) is `Unavailable`, so clients get a
/// retryable 503; anything else is a `Storage` fault. Takes any error so
/// `.map_err(storage)` serves sqlx, JSON and migration errors alike.
pub(crate) fn storage<E: std::fmt::Display + 'static>(e: E) -> Error {
    let any: &dyn std::any::Any = &e;
    match any.downcast_ref::<sqlx::Error>() {
        Some(sqlx_error) if is_unavailable(sqlx_error) => Error::Unavailable(e.to_string()),
        _ => Error::Storage(e.to_string()),
    }
}

/// True for errors that say the database cannot be reached now.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // PostgreSQL: SQLSTATE class 08 (connection exception), 57P01-57P03
        // (admin or crash shutdown, cannot connect now), 53300 (too many
        // connections). SQLite: 5 (SQLITE_BUSY: still locked after the busy timeout).
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03" | "53300" | "5")
        }),
        _ => false,
    }
}

/// A write's outcome, a unique-key violation as AWS's `EntityAlreadyExists`
/// with the message `taken` words.
pub(crate) fn unless_taken<T>(
    res: std::result::Result<T, sqlx::Error>,
    taken: impl FnOnce() -> String,
) -> Result<T> {
    match res {
        Ok(v) => Ok(v),
        Err(e) if is_unique_violation(&e) => Err(Error::EntityAlreadyExists(taken())),
        Err(e) => Err(storage(e)),
    }
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
            .acquire_timeout(ACQUIRE_TIMEOUT)
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
                        // FULL: a commit is on disk before it is acknowledged,
                        // even across power loss (NORMAL in WAL mode may lose
                        // the last commits then). Writes are rare next to reads.
                        sqlx::query("PRAGMA synchronous = FULL")
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
        let pg_url = (backend == Backend::Postgres).then(|| feed::PgUrl(url.to_owned()));
        Ok(Self {
            pool,
            backend,
            pg_url,
        })
    }

    /// The feed of changes made by other processes sharing this database:
    /// `Some` on PostgreSQL (LISTEN/NOTIFY); `None` on SQLite, which one
    /// process owns.
    pub fn change_feed(&self) -> Option<PgChangeFeed> {
        self.pg_url
            .as_ref()
            .map(|url| PgChangeFeed::new(url.clone(), self.pool.clone()))
    }

    /// Tells other processes, when the transaction commits, what it changed
    /// (PostgreSQL's NOTIFY is delivered on commit and dropped on rollback).
    async fn notify(
        &self,
        tx: &mut Transaction<'static, Any>,
        account_id: &str,
        seq: i64,
        change: &Change,
    ) -> Result<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        sqlx::query(feed::NOTIFY_SQL)
            .bind(account_id)
            .bind(seq)
            .bind(change.kind())
            .bind(change.id())
            .execute(&mut **tx)
            .await
            .map_err(storage)?;
        Ok(())
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
        let seq = Self::next_seq(&mut tx, account_id).await?;
        Ok((tx, seq))
    }

    /// Bumps the account's change sequence number: one per write, so a
    /// transaction making several writes (each with its audit event) takes
    /// one number for each.
    async fn next_seq(tx: &mut Transaction<'static, Any>, account_id: &str) -> Result<i64> {
        let row = sqlx::query("UPDATE accounts SET change_seq = change_seq + 1 WHERE account_id = $1 RETURNING change_seq")
            .bind(account_id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(storage)?;
        row.ok_or_else(|| Error::NoSuchEntity(format!("The account {account_id} does not exist.")))?
            .try_get::<i64, _>(0)
            .map_err(storage)
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
    /// With `notify` (the row's id column and the change it names), other
    /// processes hear of it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn replace_tags(
        &self,
        table: &str,
        key_column: &str,
        account_id: &str,
        key: &str,
        tags: &[Tag],
        audit: &AuditEvent,
        notify: Option<NotifyBy<'_>>,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let json = serde_json::to_string(tags).map_err(storage)?;
        let returning = notify.map_or("1", |(id_column, _)| id_column);
        let sql = format!(
            "UPDATE {table} SET tags = $1 WHERE account_id = $2 AND {key_column} = $3 RETURNING {returning}"
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(json)
            .bind(account_id)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await
            .map_err(storage)?
        else {
            return Ok(false);
        };
        if let Some((_, change)) = notify {
            let id: String = row.try_get(0).map_err(storage)?;
            self.notify(&mut tx, account_id, seq, &change(id)).await?;
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
        closed: r
            .try_get::<Option<i64>, _>("closed_at")
            .map_err(storage)?
            .map(from_unix)
            .transpose()?,
        root_password_last_used: r
            .try_get::<Option<i64>, _>("root_password_last_used")
            .map_err(storage)?
            .map(from_unix)
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losing_the_database_is_unavailable_other_faults_are_storage() {
        assert!(matches!(
            storage(sqlx::Error::PoolTimedOut),
            Error::Unavailable(_)
        ));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            storage(sqlx::Error::Io(refused)),
            Error::Unavailable(_)
        ));
        assert!(matches!(
            storage(sqlx::Error::RowNotFound),
            Error::Storage(_)
        ));
        assert!(matches!(storage("bad row"), Error::Storage(_)));
    }
}
