//! Following other replicas' changes: each change event forgets exactly the
//! cache entries it can affect; a resync after missed events forgets every
//! entry of the accounts that changed meanwhile.

use std::time::Duration;

use super::Keyward;
use crate::feed::{Change, ChangeFeed, FeedEvent, FeedStatus};

impl Keyward {
    /// Forgets the cached credential, policy and user entries `change`
    /// (a write in `account_id`) can affect.
    pub fn apply_change(&self, account_id: &str, change: &Change) {
        match change {
            Change::AccessKey(id) => self.index.remove(id),
            Change::User(id) => {
                self.index.remove_user(id);
                self.policies.forget(id);
                self.directory.forget_account(account_id);
            }
            Change::Group(id) => self.policies.forget_group(id),
            Change::Role(id) => {
                self.index.remove_role(id);
                self.policies.forget(id);
                self.trust.forget(id);
                self.roles.forget(id);
            }
            Change::Policy(arn) => self.policies.forget_policy(arn),
            Change::Account(id) => {
                self.index.remove_account(id);
                self.policies.forget_account(id);
                self.directory.forget_account(id);
                self.roles.forget_account(id);
            }
        }
    }

    /// Applies `feed`'s events to this process's caches, forever. Run it on
    /// its own task when several processes share the store.
    pub async fn follow_changes(&self, mut feed: impl ChangeFeed) {
        self.feed.start(self.clock.now());
        loop {
            match feed.next().await {
                FeedEvent::Changed(event) => {
                    self.apply_change(&event.account_id, &event.change);
                    self.feed.applied(&event, self.clock.now());
                }
                FeedEvent::Resync { change_seqs } => match self.feed.resynced(&change_seqs) {
                    None => {
                        self.index.clear();
                        self.policies.clear();
                        self.trust.clear();
                        self.directory.clear();
                        self.roles.clear();
                    }
                    Some(accounts) => {
                        for account in &accounts {
                            self.index.remove_account(account);
                            self.policies.forget_account(account);
                            self.trust.forget_account(account);
                            self.directory.forget_account(account);
                            self.roles.forget_account(account);
                        }
                        if !accounts.is_empty() {
                            tracing::info!(
                                accounts = accounts.len(),
                                "change feed resynced: cached entries of changed accounts forgotten"
                            );
                        }
                    }
                },
                FeedEvent::Disconnected { reason } => {
                    tracing::warn!(%reason, "change feed disconnected; reconnecting");
                    self.feed.disconnected(self.clock.now());
                }
            }
        }
    }

    /// The change feed's health: connection, last event applied, its lag.
    pub fn change_feed_status(&self) -> FeedStatus {
        self.feed.status()
    }

    /// How far behind the store the in-memory index and policy cache may be
    /// (see [`FeedStatus::staleness`]); zero for a single-process store.
    pub fn index_staleness(&self) -> Duration {
        self.feed.status().staleness(self.clock.now())
    }
}
