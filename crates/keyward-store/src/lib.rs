//! SQLite (embedded default) and PostgreSQL implementations of keyward-core's
//! [`Store`] port, through sqlx's `Any` driver: one set of queries and one
//! migration source serve both backends.
//!
//! Every write transaction starts by bumping its account's `change_seq`. That
//! first statement takes the write lock (SQLite) or the account row's lock
//! (PostgreSQL), so checks made inside the transaction (quotas, conflicts)
//! cannot race with another writer of the same account.

mod rows;

use async_trait::async_trait;
use keyward_core::model::{AccessKey, Account, AttachedPolicy, AuditEvent, KeyLastUsed, KeyOwner, KeyStatus, Tag, User};
use keyward_core::store::{Page, Store, UserUpdate};
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

fn storage(e: impl std::fmt::Display) -> Error {
    Error::Storage(e.to_string())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation() || d.code().is_some_and(|c| c == "23505" || c == "2067" || c == "1555") || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

impl SqlStore {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") { Backend::Postgres } else { Backend::Sqlite };
        let max = if backend == Backend::Sqlite { 4 } else { 16 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
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
        format!("sqlite://{}?mode=rwc", data_dir.join("keyward.db").display())
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
        let seq = row.ok_or_else(|| Error::NoSuchEntity(format!("The account {account_id} does not exist.")))?.try_get::<i64, _>(0).map_err(storage)?;
        Ok((tx, seq))
    }

    async fn write_audit(tx: &mut Transaction<'static, Any>, seq: i64, e: &AuditEvent) -> Result<()> {
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

    async fn commit(tx: Transaction<'static, Any>) -> Result<()> {
        tx.commit().await.map_err(storage)
    }

    async fn fetch_user(&self, sql: String, a: &str, b: Option<&str>) -> Result<Option<User>> {
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(a);
        if let Some(b) = b {
            q = q.bind(b);
        }
        q.fetch_optional(&self.pool).await.map_err(storage)?.map(|r| user_from_row(&r)).transpose()
    }
}

const USER_COLUMNS: &str = "user_id, account_id, name, path, created, password_last_used, permissions_boundary, tags";
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

#[async_trait]
impl Store for SqlStore {
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
                return Err(Error::EntityAlreadyExists("An account with this email address, account id or alias already exists.".into()));
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
        let rows = sqlx::query("SELECT * FROM accounts ORDER BY account_id").fetch_all(&self.pool).await.map_err(storage)?;
        rows.iter().map(account_from_row).collect()
    }

    async fn create_user(&self, u: &User, audit: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&u.account_id).await?;
        let tags = serde_json::to_string(&u.tags).map_err(storage)?;
        let res = sqlx::query("INSERT INTO users (user_id, account_id, name, name_lower, path, created, password_last_used, permissions_boundary, tags) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8)")
            .bind(&u.user_id)
            .bind(&u.account_id)
            .bind(&u.name)
            .bind(u.name.to_lowercase())
            .bind(&u.path)
            .bind(u.created.unix_timestamp())
            .bind(&u.permissions_boundary)
            .bind(tags)
            .execute(&mut *tx)
            .await;
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(Error::EntityAlreadyExists(format!("User with name {} already exists.", u.name))),
            Err(e) => return Err(storage(e)),
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn user(&self, account_id: &str, name: &str) -> Result<Option<User>> {
        self.fetch_user(format!("SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 AND name_lower = $2"), account_id, Some(&name.to_lowercase())).await
    }

    async fn user_by_id(&self, user_id: &str) -> Result<Option<User>> {
        self.fetch_user(format!("SELECT {USER_COLUMNS} FROM users WHERE user_id = $1"), user_id, None).await
    }

    async fn list_users(&self, account_id: &str, path_prefix: &str, marker: Option<&str>, max: usize) -> Result<Page<User>> {
        let limit = i64::try_from(max).unwrap_or(1000) + 1;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 AND name_lower > $2 AND substr(path, 1, length($3)) = $3 ORDER BY name_lower LIMIT $4"
        )))
        .bind(account_id)
        .bind(marker.unwrap_or(""))
        .bind(path_prefix)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let mut items = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
        let next_marker = if items.len() > max {
            items.truncate(max);
            items.last().map(|u| u.name.to_lowercase())
        } else {
            None
        };
        Ok(Page { items, next_marker })
    }

    async fn update_user(&self, account_id: &str, name: &str, update: &UserUpdate, audit: &AuditEvent) -> Result<User> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 AND name_lower = $2")))
            .bind(account_id)
            .bind(name.to_lowercase())
            .fetch_optional(&mut *tx)
            .await
            .map_err(storage)?;
        let mut user = user_from_row(&row.ok_or_else(|| Error::no_such_user(name))?)?;
        if let Some(n) = &update.new_name {
            user.name.clone_from(n);
        }
        if let Some(p) = &update.new_path {
            user.path.clone_from(p);
        }
        let res = sqlx::query("UPDATE users SET name = $1, name_lower = $2, path = $3 WHERE user_id = $4")
            .bind(&user.name)
            .bind(user.name.to_lowercase())
            .bind(&user.path)
            .bind(&user.user_id)
            .execute(&mut *tx)
            .await;
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(Error::EntityAlreadyExists(format!("User with name {} already exists.", user.name))),
            Err(e) => return Err(storage(e)),
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(user)
    }

    async fn delete_user(&self, account_id: &str, name: &str, audit: &AuditEvent) -> Result<User> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 AND name_lower = $2")))
            .bind(account_id)
            .bind(name.to_lowercase())
            .fetch_optional(&mut *tx)
            .await
            .map_err(storage)?;
        let user = user_from_row(&row.ok_or_else(|| Error::no_such_user(name))?)?;
        let refs: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM access_keys WHERE owner_user_id = $1) + (SELECT COUNT(*) FROM user_policy_attachments WHERE user_id = $1)",
        )
        .bind(&user.user_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(storage)?
        .try_get(0)
        .map_err(storage)?;
        if refs > 0 {
            return Err(Error::DeleteConflict("Cannot delete entity, must remove referenced objects first.".into()));
        }
        sqlx::query("DELETE FROM users WHERE user_id = $1").bind(&user.user_id).execute(&mut *tx).await.map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(user)
    }

    async fn set_user_tags(&self, account_id: &str, name: &str, tags: &[Tag], audit: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let json = serde_json::to_string(tags).map_err(storage)?;
        let done = sqlx::query("UPDATE users SET tags = $1 WHERE account_id = $2 AND name_lower = $3")
            .bind(json)
            .bind(account_id)
            .bind(name.to_lowercase())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::no_such_user(name));
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn count_users(&self, account_id: &str) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(&self.pool)
            .await
            .map_err(storage)?
            .try_get(0)
            .map_err(storage)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn create_access_key(&self, key: &AccessKey, max_per_owner: usize, audit: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&key.account_id).await?;
        let owner = owner_column(&key.owner);
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM access_keys WHERE account_id = $1 AND owner_user_id = $2")
            .bind(&key.account_id)
            .bind(owner)
            .fetch_one(&mut *tx)
            .await
            .map_err(storage)?
            .try_get(0)
            .map_err(storage)?;
        if usize::try_from(n).unwrap_or(usize::MAX) >= max_per_owner {
            return Err(Error::LimitExceeded(format!("Cannot exceed quota for AccessKeysPerUser: {max_per_owner}")));
        }
        sqlx::query("INSERT INTO access_keys (access_key_id, account_id, owner_user_id, sealed_secret, status, created) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&key.access_key_id)
            .bind(&key.account_id)
            .bind(owner)
            .bind(&key.sealed_secret)
            .bind(key.status.as_str())
            .bind(key.created.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKey>> {
        sqlx::query(AssertSqlSafe(format!("SELECT {KEY_COLUMNS} FROM access_keys WHERE access_key_id = $1")))
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

    async fn set_access_key_status(&self, account_id: &str, owner: &KeyOwner, access_key_id: &str, status: KeyStatus, audit: &AuditEvent) -> Result<bool> {
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
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn delete_access_key(&self, account_id: &str, owner: &KeyOwner, access_key_id: &str, audit: &AuditEvent) -> Result<bool> {
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

    async fn attach_user_policy(&self, account_id: &str, user_id: &str, policy: &AttachedPolicy, max_attached: usize, audit: &AuditEvent) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let rows = sqlx::query("SELECT policy_arn FROM user_policy_attachments WHERE user_id = $1").bind(user_id).fetch_all(&mut *tx).await.map_err(storage)?;
        let arns: Vec<String> = rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>().map_err(storage)?;
        if arns.contains(&policy.policy_arn) {
            return Ok(false);
        }
        if arns.len() >= max_attached {
            return Err(Error::LimitExceeded(format!("Cannot exceed quota for PoliciesPerUser: {max_attached}")));
        }
        sqlx::query("INSERT INTO user_policy_attachments (account_id, user_id, policy_arn, policy_name, attached_seq) VALUES ($1, $2, $3, $4, $5)")
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

    async fn detach_user_policy(&self, account_id: &str, user_id: &str, policy_arn: &str, audit: &AuditEvent) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query("DELETE FROM user_policy_attachments WHERE user_id = $1 AND policy_arn = $2")
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

    async fn attached_user_policies(&self, account_id: &str, user_id: &str) -> Result<Vec<AttachedPolicy>> {
        let rows = sqlx::query("SELECT policy_name, policy_arn FROM user_policy_attachments WHERE account_id = $1 AND user_id = $2 ORDER BY attached_seq")
            .bind(account_id)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter()
            .map(|r| Ok(AttachedPolicy { policy_name: r.try_get(0).map_err(storage)?, policy_arn: r.try_get(1).map_err(storage)? }))
            .collect()
    }

    async fn audit_events(&self, account_id: &str, since: OffsetDateTime) -> Result<Vec<AuditEvent>> {
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
        for table in ["audit_events", "user_policy_attachments", "access_keys", "users", "accounts"] {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await.map_err(storage)?;
        }
        Self::commit(tx).await
    }
}
