//! What the store's own tests share.

use std::path::PathBuf;

use keyward_core::crypto::Secret;
use keyward_core::service::Keyward;

use crate::SqlStore;

/// A store on a new SQLite file in the temp directory, named after `label`
/// (and this process and instant, so parallel tests never share one).
pub async fn fresh_sqlite_store(label: &str) -> (SqlStore, PathBuf) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let path =
        std::env::temp_dir().join(format!("keyward-{label}-{}-{nanos}.db", std::process::id()));
    let store = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("open store");
    (store, path)
}

/// A new account whose root user signs in as `email`; its id.
pub async fn new_account(kw: &Keyward, email: &str) -> String {
    kw.create_account(email, &Secret::new("Correct-Horse-1"), None, None)
        .await
        .expect("account")
        .account_id
}
