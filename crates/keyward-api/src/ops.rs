//! Operations endpoints: liveness (`/healthz`), readiness (`/readyz`) and
//! Prometheus metrics (`/metrics`). Their paths never collide with the AWS
//! Query endpoint, which is `/` only.
//!
//! Metrics live in a `prometheus-client` registry owned by the `AppState`:
//! no process-global recorder, so two servers in one process (tests) keep
//! separate counts.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::server::{AppState, Enforcement, Mode};

/// A check `/readyz` runs: is the store reachable, are migrations applied.
pub trait ReadinessProbe: Send + Sync {
    fn check(&self) -> BoxFuture<'_, Result<(), String>>;
}

/// Seconds the credential index may lag the store. A single process's index
/// is never stale (0); replicas fed by a change feed plug their lag in here.
pub type StalenessSource = Arc<dyn Fn() -> f64 + Send + Sync>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    action: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AuthLabels {
    reason: String,
}

fn latency_histogram() -> Histogram {
    // 100 µs … ~1.6 s
    Histogram::new(exponential_buckets(0.0001, 2.0, 15))
}

/// The metrics keyward exports.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    auth_failures: Family<AuthLabels, Counter>,
    staleness: Gauge<f64, AtomicU64>,
    resident_memory: Gauge,
    open_fds: Gauge,
    uptime: Gauge<f64, AtomicU64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let auth_failures = Family::<AuthLabels, Counter>::default();
        let staleness = Gauge::<f64, AtomicU64>::default();
        let resident_memory = Gauge::default();
        let open_fds = Gauge::default();
        let uptime = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "keyward_requests",
            "API requests by action and outcome (ok or the AWS error code)",
            requests.clone(),
        );
        registry.register(
            "keyward_request_duration_seconds",
            "API request latency by action and outcome",
            latency.clone(),
        );
        registry.register(
            "keyward_auth_failures",
            "Requests refused by authentication, by reason (the AWS error code)",
            auth_failures.clone(),
        );
        registry.register(
            "keyward_index_staleness_seconds",
            "How far the in-memory credential index may lag the store",
            staleness.clone(),
        );
        registry.register(
            "process_resident_memory_bytes",
            "Resident memory size in bytes",
            resident_memory.clone(),
        );
        registry.register(
            "process_open_fds",
            "Open file descriptors",
            open_fds.clone(),
        );
        registry.register(
            "keyward_uptime_seconds",
            "Seconds since the server started",
            uptime.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            auth_failures,
            staleness,
            resident_memory,
            open_fds,
            uptime,
        }
    }
}

impl Metrics {
    /// Records one API request. `action` must be a known action's name (or a
    /// fixed placeholder), never a client-chosen string, to bound label values.
    pub fn observe(&self, action: &str, outcome: &str, elapsed: Duration) {
        let labels = RequestLabels {
            action: action.to_owned(),
            outcome: outcome.to_owned(),
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    pub fn auth_failure(&self, reason: &str) {
        self.auth_failures
            .get_or_create(&AuthLabels {
                reason: reason.to_owned(),
            })
            .inc();
    }

    fn render(&self, staleness: f64, uptime: Duration) -> String {
        self.staleness.set(staleness);
        self.uptime.set(uptime.as_secs_f64());
        if let Some(rss) = resident_memory_bytes() {
            self.resident_memory.set(rss);
        }
        if let Some(fds) = open_fds() {
            self.open_fds.set(fds);
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        out
    }
}

/// Linux: resident pages from /proc/self/statm (4 KiB pages).
fn resident_memory_bytes() -> Option<i64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: i64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn open_fds() -> Option<i64> {
    let n = std::fs::read_dir("/proc/self/fd").ok()?.count();
    i64::try_from(n).ok()
}

/// What the operations endpoints need, beside the API's own state.
pub struct Ops {
    pub metrics: Metrics,
    readiness: Option<Arc<dyn ReadinessProbe>>,
    staleness: StalenessSource,
    /// Set once start-up work (dev account, index load) is done.
    started: AtomicBool,
    start: std::time::Instant,
}

impl std::fmt::Debug for Ops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ops")
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

impl Default for Ops {
    fn default() -> Self {
        Self {
            metrics: Metrics::default(),
            readiness: None,
            staleness: Arc::new(|| 0.0),
            started: AtomicBool::new(false),
            start: std::time::Instant::now(),
        }
    }
}

impl Ops {
    pub fn set_readiness(&mut self, probe: Arc<dyn ReadinessProbe>) {
        self.readiness = Some(probe);
    }

    pub fn set_staleness(&mut self, source: StalenessSource) {
        self.staleness = source;
    }

    /// Marks start-up done: `/readyz` may now answer ready.
    pub fn mark_started(&self) {
        self.started.store(true, Ordering::Release);
    }
}

fn mode_fields(state: &AppState) -> (&'static str, &'static str) {
    let mode = match state.config.mode {
        Mode::Strict => "strict",
        Mode::Dev => "dev",
    };
    let enforcement = match state.config.enforcement {
        Enforcement::Enforce => "enforce",
        Enforcement::Audit => "audit",
        Enforcement::Off => "off",
    };
    (mode, enforcement)
}

/// Liveness: the process answers.
pub(crate) async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let (mode, enforcement) = mode_fields(&state);
    axum::Json(serde_json::json!({ "status": "ok", "mode": mode, "enforcement": enforcement }))
        .into_response()
}

/// Readiness: start-up done, store reachable with its migrations applied.
pub(crate) async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let (mode, enforcement) = mode_fields(&state);
    let index = state.ops.started.load(Ordering::Acquire);
    let store = match &state.ops.readiness {
        Some(probe) => probe.check().await,
        None => Ok(()),
    };
    let ready = index && store.is_ok();
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "not ready" },
        "mode": mode,
        "enforcement": enforcement,
        "checks": {
            "index": if index { "loaded" } else { "loading" },
            "store": match &store { Ok(()) => "ok".to_owned(), Err(e) => e.clone() },
        },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let staleness = (state.ops.staleness)();
    let body = state
        .ops
        .metrics
        .render(staleness, state.ops.start.elapsed());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_requests_failures_and_the_plugged_staleness() {
        let mut ops = Ops::default();
        ops.set_staleness(Arc::new(|| 0.25));
        ops.metrics
            .observe("ListUsers", "ok", Duration::from_micros(300));
        ops.metrics.observe(
            "GetCallerIdentity",
            "SignatureDoesNotMatch",
            Duration::from_millis(2),
        );
        ops.metrics.auth_failure("SignatureDoesNotMatch");
        let text = ops
            .metrics
            .render((ops.staleness)(), Duration::from_secs(3));
        assert!(text.contains(r#"keyward_requests_total{action="ListUsers",outcome="ok"} 1"#));
        assert!(text.contains(r#"keyward_auth_failures_total{reason="SignatureDoesNotMatch"} 1"#));
        assert!(text.contains("keyward_index_staleness_seconds 0.25"));
        assert!(text.contains(
            r#"keyward_request_duration_seconds_count{action="GetCallerIdentity",outcome="SignatureDoesNotMatch"} 1"#
        ));
        assert!(text.ends_with("# EOF\n"));
    }
}
