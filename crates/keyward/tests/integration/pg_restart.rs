//! PostgreSQL restarted under load: requests fail with AWS's retryable
//! `ServiceUnavailable` (HTTP 503), never anything else, and the servers
//! recover by themselves, their change feed included.
//!
//! The test runs its own throwaway cluster (initdb + pg_ctl on a free port),
//! never the shared server other tests use.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_iam::types::StatusType;

use crate::harness::{Server, StoreLocation, create_account};

/// How long PostgreSQL stays down: longer than the store's 3 s connection
/// wait, so requests must fail rather than wait it out.
const DOWN_FOR: Duration = Duration::from_secs(5);

/// A PostgreSQL cluster of the test's own; stopped and removed on drop.
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (the
/// server refuses to run as root), else as ourselves.
fn pg(cmd: &str) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let status = if root {
        Command::new("su").args(["postgres", "-c", cmd]).status()
    } else {
        Command::new("sh").args(["-c", cmd]).status()
    };
    status.is_ok_and(|s| s.success())
}

fn tool(name: &str) -> Option<PathBuf> {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

impl Cluster {
    /// `None` (a loud skip) when initdb/pg_ctl are missing and PostgreSQL
    /// is not required.
    fn start() -> Option<Self> {
        if tool("initdb").is_none() || tool("pg_ctl").is_none() {
            assert!(
                std::env::var("KEYWARD_REQUIRE_PG").is_err(),
                "initdb/pg_ctl not found and KEYWARD_REQUIRE_PG is set"
            );
            eprintln!("SKIPPING PostgreSQL restart test: initdb/pg_ctl not found");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        // The postgres user must own the cluster's directory.
        let d = dir.path().display();
        let _ = Command::new("chmod").args(["777", &d.to_string()]).status();
        assert!(
            pg(&format!(
                "initdb -D '{d}/data' -U postgres --auth=trust >/dev/null"
            )),
            "initdb failed"
        );
        let cluster = Self { dir, port };
        assert!(cluster.ctl("start"), "pg_ctl start failed");
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn ctl(&self, action: &str) -> bool {
        let d = self.dir.path().display();
        let data = self.data();
        match action {
            "start" => pg(&format!(
                "pg_ctl -D '{}' -o '-p {} -k {d} -c listen_addresses=127.0.0.1' -l '{d}/log' -w start >/dev/null",
                data.display(),
                self.port
            )),
            other => pg(&format!(
                "pg_ctl -D '{}' -m {other} -w stop >/dev/null",
                data.display()
            )),
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.ctl("immediate");
    }
}

/// What the load saw.
#[derive(Default, Debug)]
struct Seen {
    ok: usize,
    unavailable: usize,
    /// Anything but success or a 503 ServiceUnavailable.
    other: Vec<String>,
    last_ok: Option<Instant>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_fail_cleanly_and_recover_when_postgres_restarts() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let store = StoreLocation {
        dir: tempfile::tempdir().expect("temp dir"),
        database_url: Some(cluster.url()),
    };
    let account = create_account(&store, "admin");
    let a = Server::start(&store, &[]).await;
    let b = Server::start(&store, &[]).await;

    // Load: ListRoles reads the database on every call (ListUsers no
    // longer does: users are served from memory once loaded).
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for server in [&a, &b] {
        let iam = server.iam(&account.admin_key);
        let (seen, stop) = (Arc::clone(&seen), Arc::clone(&stop));
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let res = iam.list_roles().send().await;
                let mut s = seen.lock().unwrap();
                match res {
                    Ok(_) => {
                        s.ok += 1;
                        s.last_ok = Some(Instant::now());
                    }
                    Err(e) => match service_error(&e) {
                        Some((503, code)) if code == "ServiceUnavailable" => s.unavailable += 1,
                        other => s.other.push(format!("{other:?}: {e:?}")),
                    },
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(cluster.ctl("fast"), "pg_ctl stop failed");
    tokio::time::sleep(DOWN_FOR).await;
    let restarted = Instant::now();
    assert!(cluster.ctl("start"), "pg_ctl start failed");
    let started = restarted.elapsed();
    // Recovery: both servers answer again, with no restart of their own.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let recovered = seen
            .lock()
            .unwrap()
            .last_ok
            .is_some_and(|t| t > restarted + started);
        if recovered {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no request succeeded within 20 s of PostgreSQL's restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recovery = restarted.elapsed() - started;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for l in load {
        l.await.unwrap();
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    eprintln!(
        "PostgreSQL down {DOWN_FOR:?}: {} ok, {} ServiceUnavailable, {} other; first success {recovery:?} after it accepted connections again",
        seen.ok,
        seen.unavailable,
        seen.other.len()
    );
    assert!(seen.other.is_empty(), "unclean failures: {:?}", seen.other);
    assert!(seen.unavailable > 0, "no request saw the outage");
    for (name, server) in [("A", &a), ("B", &b)] {
        server
            .iam(&account.admin_key)
            .list_roles()
            .send()
            .await
            .unwrap_or_else(|e| panic!("replica {name} has not recovered: {e:?}"));
    }

    // The change feed reconnected: a key made inactive on A is refused by B.
    let admin = a.iam(&account.admin_key);
    admin.create_user().user_name("after").send().await.unwrap();
    let k = admin
        .create_access_key()
        .user_name("after")
        .send()
        .await
        .unwrap();
    let k = k.access_key().unwrap();
    let key = (
        k.access_key_id().to_owned(),
        k.secret_access_key().to_owned(),
    );
    let sts_b = b.sts(&key);
    sts_b.get_caller_identity().send().await.unwrap();
    // B's users in memory follow A's writes again.
    let iam_b = b.iam(&account.admin_key);
    let t0 = Instant::now();
    while !iam_b
        .list_users()
        .send()
        .await
        .is_ok_and(|r| r.users().iter().any(|u| u.user_name() == "after"))
    {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "B does not list a user created on A after PostgreSQL's restart"
        );
    }
    admin
        .update_access_key()
        .user_name("after")
        .access_key_id(&key.0)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let t0 = Instant::now();
    while sts_b.get_caller_identity().send().await.is_ok() {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "B still accepts a key made inactive on A after PostgreSQL's restart"
        );
    }
}

/// Status and code of a service error; `None` for transport failures.
fn service_error<E>(
    e: &aws_sdk_iam::error::SdkError<E, aws_sdk_iam::config::http::HttpResponse>,
) -> Option<(u16, String)>
where
    E: aws_sdk_iam::error::ProvideErrorMetadata,
{
    match e {
        aws_sdk_iam::error::SdkError::ServiceError(s) => Some((
            s.raw().status().as_u16(),
            s.err().code().unwrap_or("").to_owned(),
        )),
        _ => None,
    }
}
