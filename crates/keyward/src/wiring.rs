//! Wiring: configuration → store, KEK, domain service, API state, listener.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use keyward_api::ops::ReadinessProbe;
use keyward_api::{ApiConfig, AppState, Enforcement, Mode};
use keyward_core::clock::{Clock, OffsetClock, SystemClock};
use keyward_core::crypto::Secret;
use keyward_core::random::OsSeededRandom;
use keyward_core::service::Keyward;
use keyward_store::{PgChangeFeed, SqlStore};

use crate::cli::{ServeArgs, StoreArgs};
use crate::config::{Config, EnforcementArg, LogFormat, ModeArg};

pub fn init_logging(format: LogFormat) {
    install_logging(format, std::io::stderr);
}

/// The server's logging: a line is formatted on the request's thread and
/// appended to a buffer that a writer thread writes out in batches (see
/// [`crate::log_writer`]). The returned guard writes what is left when the
/// server ends, so keep it until then.
pub fn init_server_logging(
    format: LogFormat,
) -> Option<crate::log_writer::FlushGuard<std::io::Stderr>> {
    match crate::log_writer::BatchedLog::new(std::io::stderr()) {
        Ok((writer, guard)) => {
            install_logging(format, writer);
            Some(guard)
        }
        // No thread for the writer: write each line as it comes.
        Err(_) => {
            init_logging(format);
            None
        }
    }
}

fn install_logging<W>(format: LogFormat, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYWARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The store, and the domain service over it.
pub struct Opened {
    pub keyward: Keyward,
    pub store: SqlStore,
    /// The store's change feed when other processes may share it (PostgreSQL).
    pub feed: Option<PgChangeFeed>,
}

/// Opens the store and the KEK named by the arguments (and the configuration
/// file and environment).
pub async fn open(args: &StoreArgs) -> Result<Keyward, String> {
    Ok(open_config(&args.config()?).await?.keyward)
}

/// The database URL: PostgreSQL when configured, else the data directory's SQLite file.
pub fn database_url(config: &Config) -> Result<String, String> {
    match &config.database_url {
        Some(url) => Ok(url.clone()),
        None => {
            std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                format!(
                    "cannot create the data directory {}: {e}",
                    config.data_dir.display()
                )
            })?;
            Ok(SqlStore::sqlite_url(&config.data_dir))
        }
    }
}

pub fn kek_path(config: &Config) -> std::path::PathBuf {
    config
        .kek_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join("kek.key"))
}

pub async fn open_config(config: &Config) -> Result<Opened, String> {
    open_config_with_clock(config, Arc::new(SystemClock)).await
}

/// [`open_config`] with a given clock (dev mode's adjustable one).
pub async fn open_config_with_clock(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> Result<Opened, String> {
    let store = SqlStore::connect(&database_url(config)?)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let rng = Arc::new(OsSeededRandom::default());
    let path = kek_path(config);
    let ring = crate::kek::load_or_create(&path, rng.as_ref())?;
    let keyward = Keyward::with_key_source(
        Arc::new(store.clone()),
        clock,
        rng,
        ring,
        Some(Box::new(crate::kek::FileKeySource::new(&path))),
    );
    let feed = store.change_feed();
    Ok(Opened {
        keyward,
        store,
        feed,
    })
}

fn api_config(config: &Config) -> Result<ApiConfig, String> {
    let mode = match config.mode {
        ModeArg::Strict => Mode::Strict,
        ModeArg::Dev => Mode::Dev,
    };
    let enforcement = match (mode, config.enforcement) {
        (Mode::Strict, EnforcementArg::Enforce) | (Mode::Dev, EnforcementArg::Enforce) => {
            Enforcement::Enforce
        }
        (Mode::Strict, _) => {
            return Err("--enforcement audit|off is only allowed with --mode dev".into());
        }
        (Mode::Dev, EnforcementArg::Audit) => Enforcement::Audit,
        (Mode::Dev, EnforcementArg::Off) => Enforcement::Off,
    };
    let dev_root_key = match &config.root_access_key {
        None => None,
        Some(_) if mode == Mode::Strict => {
            return Err("--root-access-key is only allowed with --mode dev".into());
        }
        Some(pair) => {
            let (id, secret) = pair
                .split_once(':')
                .ok_or("--root-access-key must be ID:SECRET")?;
            if id.is_empty() || secret.is_empty() {
                return Err("--root-access-key must be ID:SECRET".into());
            }
            Some((id.to_owned(), Secret::new(secret)))
        }
    };
    if !keyward_core::ids::is_account_id(&config.dev_account_id) {
        return Err(format!(
            "--dev-account-id must be 12 digits, not '{}'",
            config.dev_account_id
        ));
    }
    let trusted_proxies = config
        .trusted_proxies
        .iter()
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("--trusted-proxy '{p}' is not an address or CIDR"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ApiConfig {
        trusted_proxies,
        mode,
        enforcement,
        dev_account_id: config.dev_account_id.clone(),
        dev_root_key,
        max_clock_skew: (config.max_clock_skew > 0)
            .then(|| Duration::from_secs(config.max_clock_skew)),
        tls: config.tls_cert.is_some(),
        encode_authorization_messages: config.encode_authorization_messages,
    })
}

/// `/readyz`'s store check.
struct StoreProbe(SqlStore);

impl ReadinessProbe for StoreProbe {
    fn check(&self) -> futures::future::BoxFuture<'_, Result<(), String>> {
        Box::pin(self.0.check_ready())
    }
}

/// Prints the effective configuration (secrets redacted) on standard error
/// before serving: standard output's first line stays the listening address.
fn announce_config(config: &Config) {
    match config.log_format {
        LogFormat::Text => eprintln!(
            "keyward effective configuration:\n{}",
            config.to_toml().trim_end()
        ),
        LogFormat::Json => {
            let json = serde_json::to_string(&config.redacted()).unwrap_or_default();
            tracing::info!(config = %json, "effective configuration");
        }
    }
}

pub async fn serve(args: ServeArgs) -> Result<(), String> {
    let config = args.config()?;
    let _log = init_server_logging(config.log_format);
    announce_config(&config);
    let api = api_config(&config)?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::load(cert, key)?),
        (None, None) => None,
        _ => return Err("tls_cert and tls_key must be given together".into()),
    };
    // Held while serving, so `keyward restore` cannot swap the database underneath.
    let _lock = match config.database_url {
        None => Some(crate::maintenance::lock_data_dir(&config.data_dir)?),
        Some(_) => None,
    };
    // Dev mode's clock can be moved forward (POST /_keyward/clock) so tests
    // see sessions expire; strict mode reads the system clock, unmovable.
    let dev_clock = (api.mode == Mode::Dev).then(|| Arc::new(OffsetClock::default()));
    let clock: Arc<dyn Clock> = match &dev_clock {
        Some(c) => Arc::clone(c) as _,
        None => Arc::new(SystemClock),
    };
    let opened = open_config_with_clock(&config, clock).await?;
    if let Some(feed) = opened.feed {
        // Other replicas' writes reach this one's caches through the feed.
        let follower = opened.keyward.clone();
        tokio::spawn(async move { follower.follow_changes(feed).await });
    }
    // STS audit events are written off the request path, in batches.
    let audit = opened.keyward.clone();
    let audit_writer = tokio::spawn(opened.keyward.audit_writer().run());
    let staleness = opened.keyward.clone();
    let console = Arc::new(keyward_console::Console::new(
        opened.keyward.clone(),
        crate::console::console_config(&config),
    ));
    let mut state = AppState::new(opened.keyward, api);
    state.dev_clock = dev_clock;
    state.ops.set_readiness(Arc::new(StoreProbe(opened.store)));
    state
        .ops
        .set_staleness(Arc::new(move || staleness.index_staleness().as_secs_f64()));
    let state = Arc::new(state);
    keyward_api::server::prepare(&state)
        .await
        .map_err(|e| format!("cannot prepare the dev account: {e}"))?;
    state.ops.mark_started();
    let listener = std::net::TcpListener::bind(config.listen)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let store = if config.database_url.is_some() {
        "postgresql".to_owned()
    } else {
        format!("sqlite in {}", config.data_dir.display())
    };
    let mode = match state.config.mode {
        Mode::Strict => "strict".to_owned(),
        Mode::Dev => format!(
            "dev (account {}, enforcement {:?})",
            state.config.dev_account_id, state.config.enforcement
        )
        .to_lowercase(),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("keyward listening on {scheme}://{addr} (mode: {mode}; store: {store})");
    println!(
        "console on {scheme}://{addr}/console (mail: {})",
        console.mail_destination()
    );
    let handle = axum_server::Handle::<SocketAddr>::new();
    tokio::spawn(drain_on_signal(
        handle.clone(),
        Duration::from_secs(config.shutdown_timeout),
    ));
    let app = keyward_api::router(state)
        .merge(keyward_console::router(console))
        .into_make_service_with_connect_info::<SocketAddr>();
    let served = match tls {
        Some(tls) => {
            axum_server::from_tcp_rustls(listener, tls)
                .map_err(|e| e.to_string())?
                .handle(handle)
                .serve(app)
                .await
        }
        None => {
            axum_server::from_tcp(listener)
                .map_err(|e| e.to_string())?
                .handle(handle)
                .serve(app)
                .await
        }
    };
    // In-flight requests are done: write the audit events still queued.
    audit.close_audit_queue();
    if let Err(e) = audit_writer.await {
        tracing::error!(error = %e, "the audit writer failed");
    }
    tracing::info!("stopped");
    served.map_err(|e| e.to_string())
}

/// On SIGTERM or SIGINT: stop accepting, let in-flight requests finish for
/// up to `timeout`, then close what is left.
async fn drain_on_signal(handle: axum_server::Handle<SocketAddr>, timeout: Duration) {
    shutdown_signal().await;
    tracing::info!(
        timeout_secs = timeout.as_secs(),
        connections = handle.connection_count(),
        "shutting down: draining in-flight requests"
    );
    handle.graceful_shutdown(Some(timeout));
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
