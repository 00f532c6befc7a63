//! Operator commands on a store: online backup and restore of SQLite, and
//! the rotation of the key-encryption key.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use keyward_store::SqlStore;

use crate::config::Config;

const LOCK_FILE: &str = "keyward.lock";
const DB_FILE: &str = "keyward.db";

/// A data directory held by one process (`serve`, `restore`); released on drop.
#[derive(Debug)]
pub struct DataDirLock(#[allow(dead_code)] File);

/// Takes the data directory's lock, or says who holds it.
pub fn lock_data_dir(dir: &Path) -> Result<DataDirLock, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match fs4::fs_std::FileExt::try_lock_exclusive(&file) {
        Ok(true) => Ok(DataDirLock(file)),
        Ok(false) => Err(format!(
            "{} is in use by another keyward process (a running server?)",
            dir.display()
        )),
        Err(e) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

fn sqlite_only(config: &Config, what: &str) -> Result<(), String> {
    if config.database_url.is_some() {
        return Err(format!(
            "{what} is for the embedded SQLite store; use pg_dump/pg_restore for PostgreSQL"
        ));
    }
    Ok(())
}

/// `keyward backup --to FILE`: a consistent copy of the database, taken while
/// the server keeps serving. The KEK is not in it: back up `kek.key` apart.
pub async fn backup(config: &Config, to: &Path) -> Result<(), String> {
    sqlite_only(config, "backup")?;
    let db = config.data_dir.join(DB_FILE);
    if !db.is_file() {
        return Err(format!("no database at {}", db.display()));
    }
    if to.exists() {
        return Err(format!("{} already exists", to.display()));
    }
    let store = SqlStore::connect(&SqlStore::sqlite_url(&config.data_dir))
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let result = store.backup_to(to).await.map_err(|e| e.to_string());
    store.close().await;
    result
}

/// `keyward restore --from FILE`: replaces the database with a backup. Refused
/// while a server holds the data directory.
pub async fn restore(config: &Config, from: &Path) -> Result<(), String> {
    sqlite_only(config, "restore")?;
    if !from.is_file() {
        return Err(format!("no backup at {}", from.display()));
    }
    let _lock = lock_data_dir(&config.data_dir)?;
    // Check the copy (and bring an older backup's schema up to date) beside
    // the live file, then swap it in with one rename.
    let staging = config.data_dir.join("keyward.restore.db");
    remove_with_sidecars(&staging)?;
    std::fs::copy(from, &staging).map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    let url = format!("sqlite://{}?mode=rw", staging.display());
    let store = SqlStore::connect(&url)
        .await
        .map_err(|e| format!("{} is not a keyward backup: {e}", from.display()))?;
    let checked = store.check_ready().await;
    store.close().await;
    checked.map_err(|e| format!("{} is not a usable keyward backup: {e}", from.display()))?;
    let db = config.data_dir.join(DB_FILE);
    for sidecar in sidecars(&db) {
        remove_if_present(&sidecar)?;
    }
    std::fs::rename(&staging, &db).map_err(|e| format!("cannot replace {}: {e}", db.display()))?;
    remove_with_sidecars(&staging)?;
    Ok(())
}

fn sidecars(db: &Path) -> [PathBuf; 2] {
    let name = db.as_os_str().to_string_lossy();
    [
        PathBuf::from(format!("{name}-wal")),
        PathBuf::from(format!("{name}-shm")),
    ]
}

fn remove_with_sidecars(db: &Path) -> Result<(), String> {
    remove_if_present(db)?;
    for s in sidecars(db) {
        remove_if_present(&s)?;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}

/// `keyward kek rotate`: a new KEK becomes the sealing key and every stored
/// secret is re-sealed under it, one transaction per account. Running servers
/// notice the changed key file and open both old and new values throughout.
pub async fn kek_rotate(config: &Config) -> Result<(), String> {
    let path = crate::wiring::kek_path(config);
    let ring = crate::kek::add_key(&path, &keyward_core::random::OsRandom)?;
    let keyward = crate::wiring::open_config(config).await?.keyward;
    let first = keyward.reseal_all().await.map_err(|e| e.to_string())?;
    // A running server looks for new keys at most once per SEALING_RECHECK
    // before sealing, so it may seal a new secret under the old key until
    // then; a second pass after that moves it.
    tokio::time::sleep(keyward_core::crypto::SEALING_RECHECK + Duration::from_millis(100)).await;
    let second = keyward.reseal_all().await.map_err(|e| e.to_string())?;
    let old: Vec<String> = ring
        .ids()
        .iter()
        .filter(|id| **id != first.key_id)
        .map(u32::to_string)
        .collect();
    println!(
        "Key {} now seals; re-sealed {} secrets in {} accounts. Older keys ({}) stay in {} to open session tokens issued before; drop them with `keyward kek retire` once servers have restarted and those sessions have expired (at most 36 hours).",
        first.key_id,
        first.resealed + second.resealed,
        first.accounts,
        old.join(", "),
        path.display()
    );
    Ok(())
}

/// `keyward kek retire`: re-seals anything left under older keys, then keeps
/// only the newest key. Session tokens sealed under the dropped keys stop
/// working; running servers must not be holding values sealed under them.
pub async fn kek_retire(config: &Config) -> Result<(), String> {
    let _lock = match config.database_url {
        None => Some(lock_data_dir(&config.data_dir)?),
        Some(_) => None,
    };
    let keyward = crate::wiring::open_config(config).await?.keyward;
    let report = keyward.reseal_all().await.map_err(|e| e.to_string())?;
    let path = crate::wiring::kek_path(config);
    let ring = crate::kek::retire_old_keys(&path, &keyward_core::random::OsRandom)?;
    println!(
        "Kept key {} only; re-sealed {} secrets first.",
        ring.primary_id(),
        report.resealed
    );
    Ok(())
}
