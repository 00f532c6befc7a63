//! The change feed between replicas: what another process changed, so this
//! process's in-memory caches (the credential index and the compiled-policy
//! cache) forget exactly the affected entries.
//!
//! The port is [`ChangeFeed`]; keyward-store implements it over PostgreSQL's
//! LISTEN/NOTIFY. A single-process store (SQLite) needs none: every write goes
//! through this process's [`crate::service::Keyward`], which evicts at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

/// What one committed write changed, as far as the caches care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An access key's status changed or it was deleted (by key id).
    AccessKey(String),
    /// A user was created, renamed, moved, deleted, retagged, or its
    /// policies, boundary or group memberships changed (by user id).
    User(String),
    /// A group's policies changed or it was deleted (by group id).
    Group(String),
    /// A role was deleted (its sessions end), retagged, or its policies or
    /// boundary changed (by role id).
    Role(String),
    /// A customer managed policy's default version changed or it was
    /// deleted (by ARN).
    Policy(String),
    /// The account was closed: every key and session of it ends (by account id).
    Account(String),
}

impl Change {
    /// The kind as sent on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AccessKey(_) => "key",
            Self::User(_) => "user",
            Self::Group(_) => "group",
            Self::Role(_) => "role",
            Self::Policy(_) => "policy",
            Self::Account(_) => "account",
        }
    }

    /// The id of the changed entity.
    pub fn id(&self) -> &str {
        match self {
            Self::AccessKey(id)
            | Self::User(id)
            | Self::Group(id)
            | Self::Role(id)
            | Self::Policy(id)
            | Self::Account(id) => id,
        }
    }

    /// The inverse of [`Change::kind`] and [`Change::id`].
    pub fn from_parts(kind: &str, id: String) -> Option<Self> {
        Some(match kind {
            "key" => Self::AccessKey(id),
            "user" => Self::User(id),
            "group" => Self::Group(id),
            "role" => Self::Role(id),
            "policy" => Self::Policy(id),
            "account" => Self::Account(id),
            _ => return None,
        })
    }
}

/// A change as the feed delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    pub account_id: String,
    /// The account's change sequence number of the write.
    pub seq: i64,
    pub change: Change,
    /// When the writer committed, by the database's clock.
    pub committed: Option<OffsetDateTime>,
}

/// What a [`ChangeFeed`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEvent {
    Changed(ChangeEvent),
    /// The feed (re)connected and is listening: changes made before may have
    /// been missed. Carries every account's current change sequence number,
    /// read after listening began.
    Resync {
        change_seqs: Vec<(String, i64)>,
    },
    /// The feed lost its connection; changes are not heard until `Resync`.
    Disconnected {
        reason: String,
    },
}

/// The source of other processes' changes. `next` never gives up: it
/// reconnects by itself and reports gaps as [`FeedEvent::Resync`].
#[async_trait]
pub trait ChangeFeed: Send {
    async fn next(&mut self) -> FeedEvent;
}

/// The feed's health, as operators see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedStatus {
    /// A feed is being followed (false for a single-process store).
    pub following: bool,
    /// The feed is listening now.
    pub connected: bool,
    /// When the last change event was applied.
    pub last_applied: Option<OffsetDateTime>,
    /// Commit-to-apply delay of the last change event.
    pub last_lag: Option<Duration>,
    /// Since when the feed has been disconnected, if it is.
    pub disconnected_since: Option<OffsetDateTime>,
    pub events_applied: u64,
    pub resyncs: u64,
}

impl FeedStatus {
    /// How far behind the database this process's caches may be: zero
    /// without a feed (one process sees all its writes); while connected, the
    /// delay of the last change applied; while disconnected (or before the
    /// first connection), the time since the feed went deaf, plus that delay.
    pub fn staleness(&self, now: OffsetDateTime) -> Duration {
        if !self.following {
            return Duration::ZERO;
        }
        let lag = self.last_lag.unwrap_or_default();
        match self.disconnected_since {
            Some(since) if !self.connected => {
                lag + Duration::try_from(now - since).unwrap_or_default()
            }
            _ => lag,
        }
    }
}

/// The feed state kept by the service: its status and, per account, the
/// change sequence number the caches are known to be current with.
#[derive(Debug, Default)]
pub(crate) struct FeedState {
    inner: Mutex<FeedInner>,
}

#[derive(Debug, Default)]
struct FeedInner {
    status: FeedStatus,
    known_seqs: HashMap<String, i64>,
    /// No resync has happened yet: nothing is known.
    never_synced: bool,
}

impl FeedState {
    fn lock(&self) -> std::sync::MutexGuard<'_, FeedInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn status(&self) -> FeedStatus {
        self.lock().status.clone()
    }

    pub(crate) fn start(&self, now: OffsetDateTime) {
        let mut s = self.lock();
        s.status.following = true;
        s.status.connected = false;
        s.status.disconnected_since = Some(now);
        s.never_synced = true;
    }

    pub(crate) fn applied(&self, event: &ChangeEvent, now: OffsetDateTime) {
        let mut s = self.lock();
        let seq = s.known_seqs.entry(event.account_id.clone()).or_default();
        *seq = (*seq).max(event.seq);
        s.status.events_applied += 1;
        s.status.last_applied = Some(now);
        s.status.last_lag = event
            .committed
            .map(|c| Duration::try_from(now - c).unwrap_or_default());
    }

    pub(crate) fn disconnected(&self, now: OffsetDateTime) {
        let mut s = self.lock();
        if s.status.connected {
            s.status.connected = false;
            s.status.disconnected_since = Some(now);
        }
    }

    /// Records a resync and returns the accounts whose cached entries must
    /// go (`None`: all), those whose sequence number moved past the known one.
    pub(crate) fn resynced(&self, change_seqs: &[(String, i64)]) -> Option<Vec<String>> {
        let mut s = self.lock();
        s.status.connected = true;
        s.status.disconnected_since = None;
        s.status.resyncs += 1;
        let stale = if s.never_synced {
            None
        } else {
            Some(
                change_seqs
                    .iter()
                    .filter(|(a, seq)| s.known_seqs.get(a) != Some(seq))
                    .map(|(a, _)| a.clone())
                    .collect(),
            )
        };
        s.never_synced = false;
        s.known_seqs = change_seqs.iter().cloned().collect();
        stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    #[test]
    fn first_resync_forgets_everything_later_ones_only_moved_accounts() {
        let state = FeedState::default();
        state.start(at(0));
        let seqs = vec![("a".to_owned(), 5), ("b".to_owned(), 7)];
        assert_eq!(state.resynced(&seqs), None);
        state.applied(
            &ChangeEvent {
                account_id: "a".into(),
                seq: 6,
                change: Change::User("u".into()),
                committed: None,
            },
            at(1),
        );
        let later = vec![
            ("a".to_owned(), 6),
            ("b".to_owned(), 9),
            ("c".to_owned(), 1),
        ];
        assert_eq!(
            state.resynced(&later),
            Some(vec!["b".to_owned(), "c".to_owned()])
        );
    }

    #[test]
    fn staleness_grows_while_disconnected() {
        let state = FeedState::default();
        assert_eq!(state.status().staleness(at(100)), Duration::ZERO);
        state.start(at(10));
        assert_eq!(state.status().staleness(at(12)), Duration::from_secs(2));
        state.resynced(&[]);
        state.applied(
            &ChangeEvent {
                account_id: "a".into(),
                seq: 1,
                change: Change::AccessKey("k".into()),
                committed: Some(at(20)),
            },
            at(21),
        );
        assert_eq!(state.status().staleness(at(50)), Duration::from_secs(1));
        state.disconnected(at(60));
        assert_eq!(state.status().staleness(at(63)), Duration::from_secs(4));
    }

    #[test]
    fn changes_round_trip_through_their_parts() {
        for c in [
            Change::AccessKey("AKIA".into()),
            Change::User("AIDA".into()),
            Change::Group("AGPA".into()),
            Change::Role("AROA".into()),
            Change::Policy("arn:aws:iam::1:policy/p".into()),
            Change::Account("123456789012".into()),
        ] {
            assert_eq!(
                Change::from_parts(c.kind(), c.id().to_owned()),
                Some(c.clone())
            );
        }
        assert_eq!(Change::from_parts("nope", String::new()), None);
    }
}
