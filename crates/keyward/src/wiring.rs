//! Wiring: configuration → store, KEK, domain service, API state, listener.

use std::sync::Arc;
use std::time::Duration;

use keyward_api::{ApiConfig, AppState, Enforcement, Mode};
use keyward_core::clock::SystemClock;
use keyward_core::crypto::Secret;
use keyward_core::random::OsRandom;
use keyward_core::service::Keyward;
use keyward_store::SqlStore;

use crate::cli::{EnforcementArg, ModeArg, ServeArgs, StoreArgs};

pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYWARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Opens the store and the KEK named by the arguments.
pub async fn open(args: &StoreArgs) -> Result<Keyward, String> {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&args.data_dir).map_err(|e| {
                format!(
                    "cannot create the data directory {}: {e}",
                    args.data_dir.display()
                )
            })?;
            SqlStore::sqlite_url(&args.data_dir)
        }
    };
    let store = SqlStore::connect(&url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let kek_path = args
        .kek_file
        .clone()
        .unwrap_or_else(|| args.data_dir.join("kek.key"));
    let rng = Arc::new(OsRandom);
    let kek = crate::kek::load_or_create(&kek_path, rng.as_ref())?;
    Ok(Keyward::new(
        Arc::new(store),
        Arc::new(SystemClock),
        rng,
        kek,
    ))
}

fn api_config(args: &ServeArgs) -> Result<ApiConfig, String> {
    let mode = match args.mode {
        ModeArg::Strict => Mode::Strict,
        ModeArg::Dev => Mode::Dev,
    };
    let enforcement = match (mode, args.enforcement) {
        (Mode::Strict, EnforcementArg::Enforce) | (Mode::Dev, EnforcementArg::Enforce) => {
            Enforcement::Enforce
        }
        (Mode::Strict, _) => {
            return Err("--enforcement audit|off is only allowed with --mode dev".into());
        }
        (Mode::Dev, EnforcementArg::Audit) => Enforcement::Audit,
        (Mode::Dev, EnforcementArg::Off) => Enforcement::Off,
    };
    let dev_root_key = match &args.root_access_key {
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
    if !keyward_core::ids::is_account_id(&args.dev_account_id) {
        return Err(format!(
            "--dev-account-id must be 12 digits, not '{}'",
            args.dev_account_id
        ));
    }
    let trusted_proxies = args
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
        dev_account_id: args.dev_account_id.clone(),
        dev_root_key,
        max_clock_skew: (args.max_clock_skew > 0).then(|| Duration::from_secs(args.max_clock_skew)),
    })
}

pub async fn serve(args: ServeArgs) -> Result<(), String> {
    init_logging(std::env::var("KEYWARD_LOG_FORMAT").is_ok_and(|v| v == "json"));
    let config = api_config(&args)?;
    let keyward = open(&args.store).await?;
    let state = Arc::new(AppState::new(keyward, config));
    keyward_api::server::prepare(&state)
        .await
        .map_err(|e| format!("cannot prepare the dev account: {e}"))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let store = if args.store.database_url.is_some() {
        "postgresql".to_owned()
    } else {
        format!("sqlite in {}", args.store.data_dir.display())
    };
    let mode = match state.config.mode {
        Mode::Strict => "strict".to_owned(),
        Mode::Dev => format!(
            "dev (account {}, enforcement {:?})",
            state.config.dev_account_id, state.config.enforcement
        )
        .to_lowercase(),
    };
    println!("keyward listening on http://{addr} (mode: {mode}; store: {store})");
    let app =
        keyward_api::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
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
