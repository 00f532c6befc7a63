//! A bounded, thread-safe cache of signing keys, so a request costs one HMAC instead of
//! five and the secret need not be decrypted per request.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use crate::key::{SigningKey, derive_signing_key};
use crate::parse::CredentialScope;

/// Default capacity: far more (key, day, region, service) tuples than a server sees.
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;

/// Signing keys by (access key id, date, region, service). A key is valid for its whole
/// UTC day; entries for old days fall out through eviction. Call
/// [`invalidate`](Self::invalidate) when an access key is deleted or deactivated.
pub struct SigningKeyCache {
    capacity: usize,
    // Key: "akid/date/region/service" — `/` cannot occur inside any part (the
    // credential is split on it), so the join is unambiguous.
    map: RwLock<HashMap<String, Arc<SigningKey>>>,
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyCache")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl Default for SigningKeyCache {
    fn default() -> Self {
        Self::new(DEFAULT_CACHE_CAPACITY)
    }
}

impl SigningKeyCache {
    /// A cache holding at most `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            map: RwLock::new(HashMap::new()),
        }
    }

    /// The cached key, if any.
    pub fn get(&self, access_key_id: &str, scope: &CredentialScope) -> Option<Arc<SigningKey>> {
        let key = cache_key(access_key_id, scope);
        self.map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned()
    }

    /// The cached key, or one derived from `secret` and cached.
    pub fn get_or_derive(
        &self,
        access_key_id: &str,
        scope: &CredentialScope,
        secret: impl AsRef<[u8]>,
    ) -> Arc<SigningKey> {
        match self.get_or_try_derive(access_key_id, scope, || {
            Ok::<_, std::convert::Infallible>(secret)
        }) {
            Ok(key) => key,
            Err(never) => match never {},
        }
    }

    /// The cached key, or one derived from the secret `load` returns (called only on a
    /// miss, e.g. to decrypt the stored secret) and cached.
    pub fn get_or_try_derive<S, E>(
        &self,
        access_key_id: &str,
        scope: &CredentialScope,
        load: impl FnOnce() -> Result<S, E>,
    ) -> Result<Arc<SigningKey>, E>
    where
        S: AsRef<[u8]>,
    {
        let key = cache_key(access_key_id, scope);
        if let Some(hit) = self
            .map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Ok(Arc::clone(hit));
        }
        // Derive outside the lock: four HMACs are cheap but not free.
        let secret = load()?;
        let derived = Arc::new(derive_signing_key(
            secret,
            scope.date(),
            scope.region(),
            scope.service(),
        ));
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= self.capacity && !map.contains_key(&key) {
            evict(&mut map, self.capacity);
        }
        Ok(Arc::clone(map.entry(key).or_insert(derived)))
    }

    /// Drops every key of `access_key_id` (deleted, deactivated or rotated key).
    pub fn invalidate(&self, access_key_id: &str) {
        let prefix_len = access_key_id.len();
        self.map
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|k, _| {
                !(k.starts_with(access_key_id) && k.as_bytes().get(prefix_len) == Some(&b'/'))
            });
    }

    /// Drops every key.
    pub fn clear(&self) {
        self.map
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn cache_key(access_key_id: &str, scope: &CredentialScope) -> String {
    let mut key = String::with_capacity(
        access_key_id.len() + scope.date().len() + scope.region().len() + scope.service().len() + 3,
    );
    for part in [access_key_id, scope.date(), scope.region(), scope.service()] {
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str(part);
    }
    key
}

/// Makes room: first drop keys of days older than the newest cached day (they are
/// useless after midnight UTC), then, if still full, an arbitrary eighth of the entries.
fn evict(map: &mut HashMap<String, Arc<SigningKey>>, capacity: usize) {
    let day = |k: &str| k.split('/').nth(1).map(str::to_owned).unwrap_or_default();
    if let Some(newest) = map.keys().map(|k| day(k)).max() {
        map.retain(|k, _| day(k) == newest);
    }
    if map.len() >= capacity {
        let drop: Vec<String> = map.keys().take((capacity / 8).max(1)).cloned().collect();
        for k in drop {
            map.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(date: &str) -> CredentialScope {
        CredentialScope::new(date, "us-east-1", "iam")
    }

    #[test]
    fn caches_invalidates_and_bounds() {
        let cache = SigningKeyCache::new(4);
        let mut loads = 0;
        for _ in 0..3 {
            let _ = cache.get_or_try_derive("AKID1", &scope("20260101"), || {
                loads += 1;
                Ok::<_, ()>("secret")
            });
        }
        assert_eq!(loads, 1);
        cache.get_or_derive("AKID10", &scope("20260101"), "other");
        cache.invalidate("AKID1");
        assert!(cache.get("AKID1", &scope("20260101")).is_none());
        assert!(
            cache.get("AKID10", &scope("20260101")).is_some(),
            "prefix must not match"
        );
        for i in 0..20 {
            cache.get_or_derive(&format!("K{i}"), &scope("20260102"), "s");
            assert!(cache.len() <= 4);
        }
        assert!(
            cache.get("AKID10", &scope("20260101")).is_none(),
            "old day evicted first"
        );
        let err = cache.get_or_try_derive("X", &scope("20260102"), || Err::<&str, _>("no"));
        assert_eq!(err.err(), Some("no"));
    }
}
