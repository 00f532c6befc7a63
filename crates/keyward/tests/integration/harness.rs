//! Starts the real `keyward` binary on a free port, on SQLite or PostgreSQL,
//! and builds official AWS SDK clients pointed at it.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use aws_credential_types::Credentials;
use aws_sdk_iam::config::{BehaviorVersion, Region};

pub const ROOT_EMAIL: &str = "root@example.com";
pub const ROOT_PASSWORD: &str = "Sup3r-Secret-Root";

/// Which store the server under test uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the data lives for one test.
pub struct StoreLocation {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
}

/// A test's PostgreSQL database goes with it, so runs do not pile databases
/// up on a shared server. Best effort and off the test's time: `psql` runs
/// detached, and a database it fails to drop is only disk.
impl Drop for StoreLocation {
    fn drop(&mut self) {
        let Some(url) = &self.database_url else {
            return;
        };
        let Some((base, name)) = url.rsplit_once('/') else {
            return;
        };
        let _ = Command::new("psql")
            .arg(format!("{base}/postgres"))
            .args(["-Xq", "-c"])
            .arg(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
}

impl StoreLocation {
    pub fn args(&self) -> Vec<String> {
        let mut a = vec![
            "--data-dir".to_owned(),
            self.dir.path().display().to_string(),
        ];
        if let Some(url) = &self.database_url {
            a.push("--database-url".into());
            a.push(url.clone());
        }
        a
    }
}

/// The base URL of the PostgreSQL server for tests, when one is to be used.
/// `KEYWARD_TEST_PG_URL` names it; `KEYWARD_REQUIRE_PG=1` (set by the test
/// command) turns a missing server into a failure instead of a skip.
fn pg_base_url() -> Option<String> {
    let url = std::env::var("KEYWARD_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let reachable =
        std::net::TcpStream::connect_timeout(&pg_socket(&url), std::time::Duration::from_secs(1))
            .is_ok();
    if reachable {
        return Some(url);
    }
    assert!(
        std::env::var("KEYWARD_REQUIRE_PG").is_err(),
        "PostgreSQL at {url} does not answer and KEYWARD_REQUIRE_PG is set"
    );
    eprintln!("SKIPPING PostgreSQL test: no server answers at {url} (set KEYWARD_TEST_PG_URL)");
    None
}

fn pg_socket(url: &str) -> std::net::SocketAddr {
    let host_port = url
        .rsplit('@')
        .next()
        .unwrap_or("127.0.0.1:5432")
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:5432");
    host_port
        .parse()
        .unwrap_or_else(|_| "127.0.0.1:5432".parse().expect("literal address"))
}

/// A fresh store: a temp dir, plus a new PostgreSQL database for that backend.
/// `None` when PostgreSQL is not available (the test is skipped, loudly).
pub async fn fresh_store(backend: Backend) -> Option<StoreLocation> {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let base = pg_base_url()?;
            let name = format!("keyward_it_{}_{}", std::process::id(), unique());
            let mut conn =
                <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{base}/postgres"))
                    .await
                    .expect("connect to PostgreSQL");
            sqlx::Executor::execute(
                &mut conn,
                sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
            )
            .await
            .expect("create test database");
            Some(format!("{base}/{name}"))
        }
    };
    Some(StoreLocation { dir, database_url })
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (t & 0xffff_ffff) * 1000 + N.fetch_add(1, Ordering::Relaxed)
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_keyward"))
}

/// Runs a CLI command with `stdin` and returns (status ok, stdout, stderr).
pub fn run_cli(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keyward");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait for keyward");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Keys made by `account create --admin-user`.
pub struct AccountKeys {
    pub account_id: String,
    pub admin_key: (String, String),
}

pub fn create_account(store: &StoreLocation, admin: &str) -> AccountKeys {
    create_account_with_email(store, ROOT_EMAIL, admin)
}

/// Another account in the same store (each account needs its own email).
pub fn create_account_with_email(store: &StoreLocation, email: &str, admin: &str) -> AccountKeys {
    let mut args = vec![
        "account",
        "create",
        "--email",
        email,
        "--password-stdin",
        "--admin-user",
        admin,
        "--output",
        "json",
    ];
    let store_args = store.args();
    args.extend(store_args.iter().map(String::as_str));
    let (ok, out, err) = run_cli(&args, ROOT_PASSWORD);
    assert!(ok, "account create failed: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
    AccountKeys {
        account_id: v["AccountId"].as_str().expect("AccountId").to_owned(),
        admin_key: (
            v["AccessKeyId"].as_str().expect("AccessKeyId").to_owned(),
            v["SecretAccessKey"]
                .as_str()
                .expect("SecretAccessKey")
                .to_owned(),
        ),
    }
}

pub fn create_root_key(store: &StoreLocation) -> (String, String) {
    let mut args = vec![
        "root",
        "create-access-key",
        "--email",
        ROOT_EMAIL,
        "--password-stdin",
        "--output",
        "json",
    ];
    let store_args = store.args();
    args.extend(store_args.iter().map(String::as_str));
    let (ok, out, err) = run_cli(&args, ROOT_PASSWORD);
    assert!(ok, "root create-access-key failed: {err}");
    assert!(
        err.contains("not recommended"),
        "root key creation must warn: {err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
    (
        v["AccessKeyId"].as_str().expect("id").to_owned(),
        v["SecretAccessKey"].as_str().expect("secret").to_owned(),
    )
}

/// A running server; killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub async fn start(store: &StoreLocation, extra: &[&str]) -> Self {
        let mut command = Command::new(bin());
        // Access logs of every request would bury the test output; warnings
        // and errors still show, and KEYWARD_LOG set by hand wins.
        if std::env::var_os("KEYWARD_LOG").is_none() {
            command.env("KEYWARD_LOG", "warn");
        }
        let mut child = command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(store.args())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn keyward serve");
        let stdout = child.stdout.take().expect("stdout");
        let url = tokio::task::spawn_blocking(move || {
            use std::io::BufRead as _;
            let mut lines = std::io::BufReader::new(stdout).lines();
            let line = lines.next().and_then(Result::ok).unwrap_or_default();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            line
        });
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), url)
            .await
            .expect("server start-up timed out")
            .expect("reader thread");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .ok_or(format!("no listening URL in {line:?}"))
            .expect("server start-up line")
            .to_owned();
        Self { child, url }
    }

    /// Stops the server as an operator does (SIGTERM: graceful shutdown)
    /// and waits for it to exit; true when it exited successfully.
    pub async fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "kill -TERM {pid} failed");
        let mut child = std::mem::replace(
            &mut self.child,
            Command::new("true").spawn().expect("spawn true"),
        );
        tokio::task::spawn_blocking(move || child.wait().is_ok_and(|s| s.success()))
            .await
            .expect("waiter")
    }

    pub fn iam(&self, key: &(String, String)) -> aws_sdk_iam::Client {
        self.iam_in(key, "us-east-1")
    }

    pub fn iam_in(&self, key: &(String, String), region: &str) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(&key.0, &key.1, None, None, "test"))
            .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    pub fn sts(&self, key: &(String, String)) -> aws_sdk_sts::Client {
        self.sts_in(key, "us-east-1")
    }

    pub fn sts_in(&self, key: &(String, String), region: &str) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(&key.0, &key.1, None, None, "test"))
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }
}

/// The AWS error code and message of a failed SDK call.
pub fn error_of<E, R>(e: &aws_sdk_iam::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match e {
        aws_sdk_iam::error::SdkError::ServiceError(s) => (
            s.err().code().unwrap_or("").to_owned(),
            s.err().message().unwrap_or("").to_owned(),
        ),
        other => (format!("not a service error: {other:?}"), String::new()),
    }
}
