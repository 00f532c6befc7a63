//! What the store's own tests share.

use std::path::PathBuf;

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
