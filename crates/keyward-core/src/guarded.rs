//! The lock and generation guard shared by the caches of stored state
//! ([`crate::authz::PolicyCache`], [`crate::directory::UserDirectory`],
//! [`crate::directory::RoleCache`]).
//!
//! A load reads the store without holding the lock, so a change may commit
//! and be forgotten while the load is under way; the load would then put
//! back what the change replaced. Each forgetting bumps the generation under
//! the write lock, and a load is kept only if the generation it read before
//! loading is still current when it takes the lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[derive(Debug, Default)]
pub(crate) struct Guarded<M> {
    map: RwLock<M>,
    generation: AtomicU64,
}

impl<M> Guarded<M> {
    /// Read before loading from the store; pass to [`Guarded::keep`].
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, M> {
        self.map.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lets `keep` add a load that began at `loaded_at`, unless something
    /// was forgotten since.
    pub(crate) fn keep(&self, loaded_at: u64, keep: impl FnOnce(&mut M)) {
        let mut map = self.write();
        if self.generation.load(Ordering::Acquire) == loaded_at {
            keep(&mut map);
        }
    }

    /// Applies `change`, which drops entries, and makes loads under way
    /// (which may predate it) unkept.
    pub(crate) fn forget(&self, change: impl FnOnce(&mut M)) {
        let mut map = self.write();
        self.generation.fetch_add(1, Ordering::AcqRel);
        change(&mut map);
    }

    fn write(&self) -> RwLockWriteGuard<'_, M> {
        self.map.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_older_than_a_forgetting_is_not_kept() {
        let g: Guarded<Vec<u32>> = Guarded::default();
        let before = g.generation();
        g.keep(before, |m| m.push(1));
        g.forget(|m| m.retain(|&x| x != 1));
        g.keep(before, |m| m.push(2));
        assert!(g.read().is_empty(), "the load began before the forgetting");
        g.keep(g.generation(), |m| m.push(3));
        assert_eq!(*g.read(), [3]);
    }
}
