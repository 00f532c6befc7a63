//! The users of each account as ListUsers and GetUser return them, held in
//! memory so those calls (and the resource look-up that authorizes calls
//! naming a user) read no store.
//!
//! An account's snapshot is loaded whole, on first use, and forgotten whole
//! by any change to one of its users: by [`crate::service::Keyward`] after
//! its own writes (before the call answers), by the change feed for other
//! processes' writes (`Change::User`, `Change::Account`, a resync). A load
//! that began before a change and ends after it is not kept (the same
//! generation guard as [`crate::authz::PolicyCache`]), so a snapshot never
//! predates a change this process has heard of.
//!
//! Memory is bounded by [`DIRECTORY_CAPACITY`] users over all accounts: the
//! least recently used accounts make room; an account larger than that is
//! not held, and its calls read the store as before.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::guarded::Guarded;
use crate::model::{Role, User};
use crate::store::Page;

/// Users held over all accounts at most.
pub const DIRECTORY_CAPACITY: usize = 20_000;

/// One account's users by lower-case name (the listing order and marker).
#[derive(Debug, Default)]
pub struct AccountUsers {
    by_name: BTreeMap<String, User>,
}

impl AccountUsers {
    pub fn new(users: Vec<User>) -> Self {
        Self {
            by_name: users
                .into_iter()
                .map(|u| (u.name.to_lowercase(), u))
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The user named `name`, any letter case.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.by_name.get(&name.to_lowercase())
    }

    /// Users whose path starts with `path_prefix`, after `marker`, at most
    /// `max`, with the next marker when more follow — as the store lists them.
    pub fn list(&self, path_prefix: &str, marker: Option<&str>, max: usize) -> Page<User> {
        let start = marker.map_or(Bound::Unbounded, Bound::Excluded);
        let mut items: Vec<User> = self
            .by_name
            .range::<str, _>((start, Bound::Unbounded))
            .map(|(_, u)| u)
            .filter(|u| u.path.starts_with(path_prefix))
            .take(max.saturating_add(1))
            .cloned()
            .collect();
        let next_marker = if items.len() > max {
            items.truncate(max);
            items.last().map(|u| u.name.to_lowercase())
        } else {
            None
        };
        Page { items, next_marker }
    }
}

#[derive(Debug)]
struct Entry {
    /// `None`: the account has more users than the directory holds.
    users: Option<Arc<AccountUsers>>,
    last_used: AtomicU64,
}

impl Entry {
    fn size(&self) -> usize {
        self.users.as_ref().map_or(0, |u| u.len())
    }
}

/// What the directory knows of an account.
#[derive(Debug)]
pub enum Held {
    Users(Arc<AccountUsers>),
    /// Too many users to hold: read the store.
    TooLarge,
}

/// Account id → its users.
#[derive(Debug)]
pub struct UserDirectory {
    map: Guarded<HashMap<String, Entry>>,
    clock: AtomicU64,
    capacity: usize,
}

impl Default for UserDirectory {
    fn default() -> Self {
        Self::with_capacity(DIRECTORY_CAPACITY)
    }
}

impl UserDirectory {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            map: Guarded::default(),
            clock: AtomicU64::new(0),
            capacity,
        }
    }

    pub fn get(&self, account_id: &str) -> Option<Held> {
        let map = self.map.read();
        let entry = map.get(account_id)?;
        entry.last_used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        Some(match &entry.users {
            Some(u) => Held::Users(Arc::clone(u)),
            None => Held::TooLarge,
        })
    }

    /// Read before loading from the store; pass to [`UserDirectory::insert`].
    pub fn generation(&self) -> u64 {
        self.map.generation()
    }

    /// Keeps a load (all of the account's users, or `None` when there were
    /// more than the capacity) unless something was forgotten since it began.
    pub fn insert(&self, account_id: &str, users: Option<Arc<AccountUsers>>, loaded_at: u64) {
        self.map.keep(loaded_at, |map| {
            let entry = Entry {
                users: users.filter(|u| u.len() <= self.capacity),
                last_used: AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed)),
            };
            map.remove(account_id);
            let mut held: usize = map.values().map(Entry::size).sum();
            while held + entry.size() > self.capacity {
                let Some(oldest) = map
                    .iter()
                    .filter(|(_, e)| e.size() > 0)
                    .min_by_key(|(_, e)| e.last_used.load(Ordering::Relaxed))
                    .map(|(a, _)| a.clone())
                else {
                    break;
                };
                held -= map.remove(&oldest).map_or(0, |e| e.size());
            }
            map.insert(account_id.to_owned(), entry);
        });
    }

    pub fn forget_account(&self, account_id: &str) {
        self.map.forget(|map| {
            map.remove(account_id);
        });
    }

    pub fn clear(&self) {
        self.map.forget(HashMap::clear);
    }

    /// Users held over all accounts.
    pub fn held_users(&self) -> usize {
        self.map.read().values().map(Entry::size).sum()
    }
}

/// Roles held at most; beyond, an arbitrary one makes room.
pub const ROLE_CACHE_CAPACITY: usize = 10_000;

/// Roles read by AssumeRole, by account and lower-case name, so a call
/// reads no store once the role is known. Only roles that exist are held;
/// an entry goes with any change to its role (the role's id:
/// `Change::Role`, which UpdateRole, UpdateAssumeRolePolicy, DeleteRole and
/// tag and boundary changes notify, and this process's own writes), its
/// account, a resync. Same generation guard as [`UserDirectory`].
#[derive(Debug, Default)]
pub struct RoleCache {
    map: Guarded<HashMap<(String, String), Arc<Role>>>,
}

impl RoleCache {
    pub fn get(&self, account_id: &str, name: &str) -> Option<Arc<Role>> {
        self.map
            .read()
            .get(&(account_id.to_owned(), name.to_lowercase()))
            .map(Arc::clone)
    }

    /// Read before loading from the store; pass to [`RoleCache::insert`].
    pub fn generation(&self) -> u64 {
        self.map.generation()
    }

    pub fn insert(&self, role: Arc<Role>, loaded_at: u64) {
        self.map.keep(loaded_at, |map| {
            if map.len() >= ROLE_CACHE_CAPACITY {
                let any = map.keys().next().cloned();
                if let Some(k) = any {
                    map.remove(&k);
                }
            }
            map.insert((role.account_id.clone(), role.name.to_lowercase()), role);
        });
    }

    pub fn forget(&self, role_id: &str) {
        self.forget_where(|r| r.role_id == role_id);
    }

    pub fn forget_account(&self, account_id: &str) {
        self.forget_where(|r| r.account_id == account_id);
    }

    pub fn clear(&self) {
        self.forget_where(|_| true);
    }

    pub fn len(&self) -> usize {
        self.map.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn forget_where(&self, stale: impl Fn(&Role) -> bool) {
        self.map.forget(|map| map.retain(|_, r| !stale(r)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, path: &str) -> User {
        User {
            account_id: "111111111111".into(),
            user_id: format!("AIDA{}", name.to_uppercase()),
            name: name.into(),
            path: path.into(),
            created: time::OffsetDateTime::UNIX_EPOCH,
            password_last_used: None,
            permissions_boundary: None,
            tags: Vec::new(),
        }
    }

    fn names(page: &Page<User>) -> Vec<&str> {
        page.items.iter().map(|u| u.name.as_str()).collect()
    }

    #[test]
    fn lists_by_lower_case_name_with_prefix_and_marker() {
        let users = AccountUsers::new(vec![
            user("carol", "/ops/"),
            user("Bob", "/"),
            user("alice", "/ops/team/"),
            user("dave", "/dev/"),
        ]);
        assert_eq!(users.user("BOB").map(|u| u.name.as_str()), Some("Bob"));
        assert!(users.user("eve").is_none());
        let all = users.list("/", None, 100);
        assert_eq!(names(&all), ["alice", "Bob", "carol", "dave"]);
        assert_eq!(all.next_marker, None);
        let first = users.list("/", None, 2);
        assert_eq!(names(&first), ["alice", "Bob"]);
        assert_eq!(first.next_marker.as_deref(), Some("bob"));
        let rest = users.list("/", first.next_marker.as_deref(), 2);
        assert_eq!(names(&rest), ["carol", "dave"]);
        assert_eq!(rest.next_marker, None);
        assert_eq!(names(&users.list("/ops/", None, 100)), ["alice", "carol"]);
        assert_eq!(names(&users.list("/ops/", Some("alice"), 100)), ["carol"]);
    }

    #[test]
    fn a_load_that_overlaps_a_change_is_not_kept() {
        let dir = UserDirectory::default();
        let snapshot = || Some(Arc::new(AccountUsers::new(vec![user("a", "/")])));
        let before = dir.generation();
        dir.forget_account("111111111111");
        dir.insert("111111111111", snapshot(), before);
        assert!(dir.get("111111111111").is_none());
        dir.insert("111111111111", snapshot(), dir.generation());
        assert!(matches!(dir.get("111111111111"), Some(Held::Users(_))));
        dir.clear();
        assert!(dir.get("111111111111").is_none());
    }

    #[test]
    fn holds_at_most_its_capacity_least_recently_used_first() {
        let dir = UserDirectory::with_capacity(3);
        let two = || {
            Some(Arc::new(AccountUsers::new(vec![
                user("a", "/"),
                user("b", "/"),
            ])))
        };
        dir.insert("1", two(), dir.generation());
        dir.insert(
            "2",
            Some(Arc::new(AccountUsers::new(vec![user("c", "/")]))),
            dir.generation(),
        );
        assert!(dir.get("1").is_some());
        // Account 3 needs two places: account 2, used least recently, goes.
        dir.insert("3", two(), dir.generation());
        assert!(dir.get("2").is_none());
        assert!(dir.get("1").is_none(), "1 + 3 would hold 4 > 3 users");
        assert!(matches!(dir.get("3"), Some(Held::Users(_))));
        assert!(dir.held_users() <= 3);
        // An account larger than the capacity is remembered as such.
        let four = (0..4).map(|i| user(&format!("u{i}"), "/")).collect();
        dir.insert(
            "4",
            Some(Arc::new(AccountUsers::new(four))),
            dir.generation(),
        );
        assert!(matches!(dir.get("4"), Some(Held::TooLarge)));
        dir.insert("5", None, dir.generation());
        assert!(matches!(dir.get("5"), Some(Held::TooLarge)));
    }

    fn role(account: &str, id: &str, name: &str) -> Arc<Role> {
        Arc::new(Role {
            account_id: account.into(),
            role_id: id.into(),
            name: name.into(),
            path: "/".into(),
            created: time::OffsetDateTime::UNIX_EPOCH,
            description: None,
            max_session_duration: 3600,
            trust_policy: "{}".into(),
            permissions_boundary: None,
            tags: Vec::new(),
            last_used: None,
        })
    }

    #[test]
    fn roles_go_with_their_changes_and_stale_loads_are_not_kept() {
        let cache = RoleCache::default();
        let g = cache.generation();
        cache.insert(role("1", "AROA1", "Ops"), g);
        cache.insert(role("1", "AROA2", "dev"), g);
        cache.insert(role("2", "AROA3", "ops"), g);
        assert_eq!(
            cache.get("1", "OPS").map(|r| r.role_id.clone()).as_deref(),
            Some("AROA1")
        );
        cache.forget("AROA1");
        assert!(cache.get("1", "ops").is_none());
        assert!(cache.get("1", "dev").is_some());
        // A load that began before the change is not kept.
        cache.insert(role("1", "AROA1", "Ops"), g);
        assert!(cache.get("1", "ops").is_none());
        cache.forget_account("1");
        assert_eq!(cache.len(), 1);
        cache.clear();
        assert!(cache.is_empty());
    }
}
