//! Crash safety: the server is killed with SIGKILL in the middle of write
//! load and restarted. Every acknowledged write is there, and nothing is
//! half-written: each user and key has its audit event, each key its user,
//! and each creation event its entity.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyward_core::model::KeyOwner;
use keyward_core::store::{AccessKeyStore, AuditStore, UserStore};
use keyward_store::SqlStore;

use crate::harness::{Backend, Server, StoreLocation, create_account};

/// Concurrent writers.
const WRITERS: usize = 4;

/// What the server acknowledged: user names, and (user name, key id).
#[derive(Default)]
struct Acked {
    users: Vec<String>,
    keys: Vec<(String, String)>,
}

pub async fn acknowledged_writes_survive_sigkill(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let iam = server.iam(&account.admin_key);
        let acked = Arc::clone(&acked);
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let name = format!("w{w}-u{i}");
                if iam.create_user().user_name(&name).send().await.is_err() {
                    return;
                }
                acked.lock().unwrap().users.push(name.clone());
                let Ok(k) = iam.create_access_key().user_name(&name).send().await else {
                    return;
                };
                let id = k.access_key().unwrap().access_key_id().to_owned();
                acked.lock().unwrap().keys.push((name, id));
            }
        }));
    }
    // Let the load run, then kill the server while requests are in flight
    // (dropping a `Server` sends SIGKILL).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        writers.iter().all(|w| !w.is_finished()),
        "a writer stopped before the kill"
    );
    drop(server);
    for w in writers {
        w.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.users.len() >= 10,
        "too little load: {} users",
        acked.users.len()
    );

    // Restarted, the server serves every acknowledged user and key.
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    let mut listed = HashSet::new();
    let mut marker = None;
    loop {
        let page = iam
            .list_users()
            .set_marker(marker)
            .max_items(1000)
            .send()
            .await
            .unwrap();
        listed.extend(page.users().iter().map(|u| u.user_name().to_owned()));
        marker = page.marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    for name in &acked.users {
        assert!(listed.contains(name), "acknowledged user {name} is lost");
    }
    for (name, id) in &acked.keys {
        let keys = iam.list_access_keys().user_name(name).send().await.unwrap();
        assert!(
            keys.access_key_metadata()
                .iter()
                .any(|k| k.access_key_id() == Some(id.as_str())),
            "acknowledged key {id} of {name} is lost"
        );
    }

    // Nothing half-written, read straight from the store.
    let url = store
        .database_url
        .clone()
        .unwrap_or_else(|| SqlStore::sqlite_url(store.dir.path()));
    let db = SqlStore::connect(&url).await.unwrap();
    let id = &account.account_id;
    let events = db
        .audit_events(id, time::OffsetDateTime::UNIX_EPOCH)
        .await
        .unwrap();
    let users = db.list_users(id, "/", None, 100_000).await.unwrap().items;
    let created_users: HashSet<&str> = events
        .iter()
        .filter(|e| e.action == "iam:CreateUser")
        .map(|e| e.resource.as_str())
        .collect();
    assert_eq!(
        created_users.len(),
        users.len(),
        "CreateUser events and users differ"
    );
    let key_events: HashSet<String> = events
        .iter()
        .filter(|e| e.action == "iam:CreateAccessKey")
        .map(|e| e.detail.clone())
        .collect();
    let mut keys = 0;
    for u in &users {
        assert!(
            created_users.contains(format!("arn:aws:iam::{id}:user/{}", u.name).as_str()),
            "user {} has no audit event",
            u.name
        );
        for k in db
            .access_keys(id, &KeyOwner::User(u.user_id.clone()))
            .await
            .unwrap()
        {
            keys += 1;
            assert!(
                key_events.iter().any(|d| d.contains(&k.access_key_id)),
                "key {} has no audit event",
                k.access_key_id
            );
        }
    }
    assert_eq!(
        keys,
        key_events.len(),
        "CreateAccessKey events and keys differ"
    );
    eprintln!(
        "killed under load: {} users and {} keys acknowledged; after restart {} users and {keys} keys, all consistent",
        acked.users.len(),
        acked.keys.len(),
        users.len()
    );
}

/// STS calls' audit events leave the request path (a queue written in
/// batches): after a graceful shutdown every one of them is in the store.
pub async fn sts_audit_events_are_written_by_graceful_shutdown(store: StoreLocation, _b: Backend) {
    const CALLS: usize = 200;
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let sts = server.sts(&account.admin_key);
    let mut calls = Vec::new();
    for _ in 0..8 {
        let sts = sts.clone();
        calls.push(tokio::spawn(async move {
            let mut keys = Vec::new();
            for _ in 0..CALLS / 8 {
                let out = sts.get_session_token().send().await.unwrap();
                keys.push(out.credentials().unwrap().access_key_id().to_owned());
            }
            keys
        }));
    }
    let mut issued = HashSet::new();
    for c in calls {
        issued.extend(c.await.unwrap());
    }
    assert_eq!(issued.len(), CALLS);
    assert!(server.terminate().await, "the server did not exit cleanly");

    let url = store
        .database_url
        .clone()
        .unwrap_or_else(|| SqlStore::sqlite_url(store.dir.path()));
    let db = SqlStore::connect(&url).await.unwrap();
    let events = db
        .audit_events(&account.account_id, time::OffsetDateTime::UNIX_EPOCH)
        .await
        .unwrap();
    let audited: HashSet<String> = events
        .iter()
        .filter(|e| e.action == "sts:GetSessionToken")
        .filter_map(|e| {
            let detail: serde_json::Value = serde_json::from_str(&e.detail).ok()?;
            Some(detail["accessKeyId"].as_str()?.to_owned())
        })
        .collect();
    assert_eq!(audited, issued, "every session issued is audited, once");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "sts:GetSessionToken")
            .count(),
        CALLS
    );
}
