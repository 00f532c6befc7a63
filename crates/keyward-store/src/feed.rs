//! The change feed over PostgreSQL: writers `NOTIFY` in their transaction
//! (delivered on commit), each process `LISTEN`s on its own connection.
//! Notifications sent while a listener is disconnected are lost, so every
//! (re)connection is reported as a resync carrying the accounts' current
//! change sequence numbers, read after listening began.

use std::time::Duration;

use async_trait::async_trait;
use keyward_core::feed::{Change, ChangeEvent, ChangeFeed, FeedEvent};
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{AnyPool, Row};
use time::OffsetDateTime;

/// The channel all keyward processes of one database share.
pub(crate) const CHANNEL: &str = "keyward_changes";

/// Sends one change; the payload is JSON with the commit-side clock in
/// milliseconds (`clock_timestamp()`, not the transaction's start time), so
/// listeners can measure the delay. `SELECT … FROM` keeps the void result out
/// of the `Any` driver's type mapping.
pub(crate) const NOTIFY_SQL: &str = "SELECT 1 FROM pg_notify('keyward_changes', json_build_object('a', $1::text, 's', $2::bigint, 'k', $3::text, 'i', $4::text, 't', floor(extract(epoch from clock_timestamp()) * 1000)::bigint)::text)";

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// A PostgreSQL URL; its `Debug` hides it (it may hold a password).
#[derive(Clone)]
pub(crate) struct PgUrl(pub(crate) String);

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgUrl(..)")
    }
}

/// [`ChangeFeed`] over LISTEN/NOTIFY. Made by [`crate::SqlStore::change_feed`].
#[derive(Debug)]
pub struct PgChangeFeed {
    url: PgUrl,
    /// The store's pool, to read change sequence numbers on resync.
    pool: AnyPool,
    listener: Option<PgListener>,
    backoff: Duration,
}

impl PgChangeFeed {
    pub(crate) fn new(url: PgUrl, pool: AnyPool) -> Self {
        Self {
            url,
            pool,
            listener: None,
            backoff: Duration::ZERO,
        }
    }

    async fn listen(&self) -> Result<PgListener, sqlx::Error> {
        // Its own one-connection pool, failing fast so reconnection is
        // driven (and reported) here.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(2))
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy(&self.url.0)?;
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.ignore_pool_close_event(true);
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }

    async fn change_seqs(&self) -> Result<Vec<(String, i64)>, sqlx::Error> {
        sqlx::query("SELECT account_id, change_seq FROM accounts")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Waits before the next reconnection attempt, longer each time.
    async fn pause(&mut self) {
        tokio::time::sleep(self.backoff).await;
        self.backoff = (self.backoff * 2)
            .max(Duration::from_millis(50))
            .min(MAX_BACKOFF);
    }

    /// Listens anew and reads the sequence numbers to resync from.
    async fn reconnect(&mut self) -> Result<FeedEvent, sqlx::Error> {
        let listener = self.listen().await?;
        self.listener = Some(listener);
        let change_seqs = self.change_seqs().await?;
        Ok(FeedEvent::Resync { change_seqs })
    }
}

#[async_trait]
impl ChangeFeed for PgChangeFeed {
    async fn next(&mut self) -> FeedEvent {
        loop {
            let Some(listener) = self.listener.as_mut() else {
                match self.reconnect().await {
                    Ok(resync) => {
                        self.backoff = Duration::ZERO;
                        return resync;
                    }
                    Err(e) => {
                        self.listener = None;
                        tracing::debug!(error = %e, "change feed: cannot listen yet");
                        self.pause().await;
                        continue;
                    }
                }
            };
            match listener.try_recv().await {
                Ok(Some(n)) => match parse(n.payload()) {
                    Some(event) => return FeedEvent::Changed(event),
                    None => tracing::warn!(payload = n.payload(), "change feed: unreadable event"),
                },
                // The connection dropped and the listener reconnected at once:
                // what was sent in between is lost.
                Ok(None) => match self.change_seqs().await {
                    Ok(change_seqs) => return FeedEvent::Resync { change_seqs },
                    Err(e) => {
                        self.listener = None;
                        return FeedEvent::Disconnected {
                            reason: e.to_string(),
                        };
                    }
                },
                Err(e) => {
                    self.listener = None;
                    return FeedEvent::Disconnected {
                        reason: e.to_string(),
                    };
                }
            }
        }
    }
}

/// Reads a payload written by [`NOTIFY_SQL`].
fn parse(payload: &str) -> Option<ChangeEvent> {
    let v: serde_json::Value = serde_json::from_str(payload).ok()?;
    let change = Change::from_parts(v["k"].as_str()?, v["i"].as_str()?.to_owned())?;
    let committed = v["t"]
        .as_i64()
        .and_then(|ms| OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok());
    Some(ChangeEvent {
        account_id: v["a"].as_str()?.to_owned(),
        seq: v["s"].as_i64()?,
        change,
        committed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_parse() {
        let e =
            parse(r#"{"a":"123456789012","s":7,"k":"key","i":"AKIAX","t":1700000000123}"#).unwrap();
        assert_eq!(e.account_id, "123456789012");
        assert_eq!(e.seq, 7);
        assert_eq!(e.change, Change::AccessKey("AKIAX".into()));
        assert_eq!(
            e.committed.unwrap().unix_timestamp_nanos(),
            1_700_000_000_123_000_000
        );
        assert!(parse(r#"{"a":"1","s":1,"k":"other","i":"x"}"#).is_none());
        assert!(parse("not json").is_none());
    }
}
