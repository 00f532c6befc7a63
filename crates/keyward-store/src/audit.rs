//! AuditStore over SQL.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::*;

#[async_trait]
impl keyward_core::store::AuditStore for SqlStore {
    async fn record_audit(&self, event: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&event.account_id).await?;
        Self::write_audit(&mut tx, seq, event).await?;
        Self::commit(tx).await
    }

    async fn record_password_use(
        &self,
        account_id: &str,
        owner: &KeyOwner,
        at: i64,
        event: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let change = match owner {
            KeyOwner::Root => {
                sqlx::query(
                    "UPDATE accounts SET root_password_last_used = $1 WHERE account_id = $2",
                )
                .bind(at)
                .bind(account_id)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
                Change::Account(account_id.to_owned())
            }
            KeyOwner::User(user_id) => {
                sqlx::query("UPDATE users SET password_last_used = $1 WHERE user_id = $2")
                    .bind(at)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage)?;
                Change::User(user_id.clone())
            }
        };
        self.notify(&mut tx, account_id, seq, &change).await?;
        Self::write_audit(&mut tx, seq, event).await?;
        Self::commit(tx).await
    }

    async fn record_audits(&self, events: &[AuditEvent]) -> Result<usize> {
        // Accounts in a fixed order, so two replicas' batches lock their
        // account rows in the same order and cannot deadlock.
        let mut by_account: BTreeMap<&str, Vec<&AuditEvent>> = BTreeMap::new();
        for e in events {
            by_account.entry(&e.account_id).or_default().push(e);
        }
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let mut written = 0;
        for (account_id, events) in by_account {
            let n = i64::try_from(events.len()).map_err(storage)?;
            let Some(row) = sqlx::query("UPDATE accounts SET change_seq = change_seq + $1 WHERE account_id = $2 RETURNING change_seq")
                .bind(n)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage)?
            else {
                tracing::warn!(account_id, events = events.len(), "audit events of an account that no longer exists dropped");
                continue;
            };
            let last: i64 = row.try_get(0).map_err(storage)?;
            let numbered: Vec<(i64, &AuditEvent)> = (last - n + 1..).zip(events).collect();
            let mut rest = numbered.as_slice();
            while !rest.is_empty() {
                let (chunk, more) = rest.split_at(insert_rows(rest.len()));
                insert_audits(&mut tx, chunk).await?;
                written += chunk.len();
                rest = more;
            }
        }
        Self::commit(tx).await?;
        Ok(written)
    }

    async fn audit_events(
        &self,
        account_id: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<AuditEvent>> {
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
        for table in [
            "audit_events",
            "credential_reports",
            "password_policies",
            "password_history",
            "login_profiles",
            "inline_policies",
            "policy_attachments",
            "policy_versions",
            "managed_policies",
            "instance_profile_roles",
            "instance_profiles",
            "roles",
            "group_members",
            "iam_groups",
            "access_keys",
            "mfa_devices",
            "security_keys",
            "account_contacts",
            "users",
            "accounts",
        ] {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        Self::commit(tx).await
    }
}

/// Rows per multi-row INSERT of a batch at most: one statement (one
/// hand-off to SQLite's worker thread, one round trip to PostgreSQL) for
/// many events, well within both backends' limits on bound parameters.
const MAX_INSERT_ROWS: usize = 32;

/// The rows of the next INSERT for `remaining` events: the largest power of
/// two up to [`MAX_INSERT_ROWS`], so a batch of any size uses one of six
/// statement texts, each prepared once per connection and then cached.
fn insert_rows(remaining: usize) -> usize {
    if remaining >= MAX_INSERT_ROWS {
        MAX_INSERT_ROWS
    } else {
        1 << remaining.ilog2()
    }
}

async fn insert_audits(
    tx: &mut Transaction<'static, Any>,
    rows: &[(i64, &AuditEvent)],
) -> Result<()> {
    let mut sql = String::from(
        "INSERT INTO audit_events (account_id, seq, at, actor, action, resource, detail) VALUES ",
    );
    for i in 0..rows.len() {
        let p = i * 7;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
            p + 1,
            p + 2,
            p + 3,
            p + 4,
            p + 5,
            p + 6,
            p + 7
        ));
    }
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (seq, e) in rows {
        q = q
            .bind(&e.account_id)
            .bind(*seq)
            .bind(e.at.unix_timestamp())
            .bind(&e.actor)
            .bind(&e.action)
            .bind(&e.resource)
            .bind(&e.detail);
    }
    q.execute(&mut **tx).await.map_err(storage)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use keyward_core::model::Account;
    use keyward_core::store::{AccountStore, AuditStore};
    use time::OffsetDateTime;

    use super::*;

    fn event(account_id: &str, action: &str) -> AuditEvent {
        AuditEvent {
            at: OffsetDateTime::UNIX_EPOCH,
            account_id: account_id.into(),
            actor: "test".into(),
            action: action.into(),
            resource: "test".into(),
            detail: "{}".into(),
        }
    }

    #[test]
    fn inserts_take_power_of_two_rows() {
        let sizes = |mut n: usize| {
            let mut out = Vec::new();
            while n > 0 {
                out.push(insert_rows(n));
                n -= insert_rows(n);
            }
            out
        };
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(7), [4, 2, 1]);
        assert_eq!(sizes(32), [32]);
        assert_eq!(sizes(75), [32, 32, 8, 2, 1]);
    }

    #[tokio::test]
    async fn a_batch_is_numbered_per_account_in_order_and_skips_unknown_accounts() {
        let path = std::env::temp_dir().join(format!(
            "keyward-store-audit-test-{}-{}.db",
            std::process::id(),
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("open store");
        for (id, email) in [
            ("111111111111", "a@example.com"),
            ("222222222222", "b@example.com"),
        ] {
            let account = Account {
                account_id: id.into(),
                email: email.into(),
                alias: None,
                root_password_hash: "x".into(),
                created: OffsetDateTime::UNIX_EPOCH,
                closed: None,
                root_password_last_used: None,
            };
            store
                .create_account(&account, &event(id, "create"))
                .await
                .expect("account");
        }
        let batch = [
            event("222222222222", "b1"),
            event("111111111111", "a1"),
            event("999999999999", "gone"),
            event("111111111111", "a2"),
            event("222222222222", "b2"),
        ];
        assert_eq!(store.record_audits(&batch).await.expect("batch"), 4);
        // A later single event follows the batch in its account's order.
        store
            .record_audit(&event("111111111111", "a3"))
            .await
            .expect("one");
        let actions =
            |events: Vec<AuditEvent>| events.into_iter().map(|e| e.action).collect::<Vec<_>>();
        let a = store
            .audit_events("111111111111", OffsetDateTime::UNIX_EPOCH)
            .await
            .expect("events");
        assert_eq!(actions(a), ["create", "a1", "a2", "a3"]);
        let b = store
            .audit_events("222222222222", OffsetDateTime::UNIX_EPOCH)
            .await
            .expect("events");
        assert_eq!(actions(b), ["create", "b1", "b2"]);
        // A batch larger than one INSERT statement's rows keeps its order.
        let many: Vec<AuditEvent> = (0..300)
            .map(|i| event("222222222222", &format!("m{i}")))
            .collect();
        assert_eq!(store.record_audits(&many).await.expect("batch"), 300);
        let b = store
            .audit_events("222222222222", OffsetDateTime::UNIX_EPOCH)
            .await
            .expect("events");
        let want: Vec<String> = ["create", "b1", "b2"]
            .into_iter()
            .map(str::to_owned)
            .chain((0..300).map(|i| format!("m{i}")))
            .collect();
        assert_eq!(actions(b), want);
        let _ = std::fs::remove_file(&path);
    }
}
