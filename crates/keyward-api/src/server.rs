//! HTTP routing and the walk of one request: decode, authenticate, authorize,
//! run the action, encode the answer or AWS's error envelope.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use keyward_core::caller::Caller;
use keyward_core::crypto::Secret;
use keyward_core::model::User;
use keyward_core::service::Keyward;
use keyward_sigv4::SigningKeyCache;
use tracing::Instrument as _;

use crate::actions::{self, ActionDef, Service};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml;

/// How strictly requests are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every request signed by a known, active key; policies enforced.
    Strict,
    /// For local testing: unknown keys act as the default account's root.
    Dev,
}

/// What happens to a policy denial (dev mode may relax it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforcement {
    Enforce,
    /// Allow, but log the would-be denial with its reason.
    Audit,
    Off,
}

/// The API's settings.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub mode: Mode,
    pub enforcement: Enforcement,
    /// The account that unknown keys act as in dev mode.
    pub dev_account_id: String,
    /// In dev mode: the one fixed root key accepted besides stored keys.
    pub dev_root_key: Option<(String, Secret)>,
    /// `None` turns the clock-skew check off.
    pub max_clock_skew: Option<std::time::Duration>,
    /// Proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed for
    /// `aws:SourceIp` and `aws:SecureTransport`.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// keyward itself terminates TLS: `aws:SecureTransport` is true.
    pub tls: bool,
    /// Policy denials carry an encoded authorization message for STS
    /// DecodeAuthorizationMessage (as EC2 and other AWS services do; IAM and
    /// STS themselves do not, so this is off by default).
    pub encode_authorization_messages: bool,
}

/// Everything a request needs, shared by all requests.
#[derive(Debug)]
pub struct AppState {
    pub keyward: Keyward,
    pub config: ApiConfig,
    pub signing_keys: SigningKeyCache,
    /// Health, readiness and metrics.
    pub ops: crate::ops::Ops,
    /// Dev mode only: the clock `/_keyward/clock` moves forward.
    pub dev_clock: Option<Arc<keyward_core::clock::OffsetClock>>,
}

impl AppState {
    pub fn new(keyward: Keyward, config: ApiConfig) -> Self {
        Self {
            keyward,
            config,
            signing_keys: SigningKeyCache::new(10_000),
            ops: crate::ops::Ops::default(),
            dev_clock: None,
        }
    }
}

/// The HTTP routes: the AWS Query endpoint on `/` and the service endpoints.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", post(query_endpoint).get(query_endpoint))
        .route("/healthz", get(crate::ops::healthz))
        .route("/readyz", get(crate::ops::readyz))
        .route("/metrics", get(crate::ops::metrics))
        .route("/moto-api/reset", post(reset))
        .route("/_keyward/reset", post(reset))
        .route("/_keyward/clock", post(advance_clock).get(advance_clock))
        .with_state(state)
}

/// Dev mode's state reset; refused in strict mode.
async fn reset(State(state): State<Arc<AppState>>) -> Response {
    if state.config.mode != Mode::Dev {
        return (
            StatusCode::NOT_FOUND,
            "state reset is only available in dev mode\n",
        )
            .into_response();
    }
    let result = async {
        state.keyward.reset().await?;
        state.signing_keys.clear();
        crate::auth::ensure_dev_account(&state).await
    }
    .await;
    match result {
        Ok(()) => axum::Json(serde_json::json!({ "status": "reset" })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "state reset failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "reset failed\n").into_response()
        }
    }
}

/// Dev mode's clock: `POST /_keyward/clock?advance_seconds=N` moves the
/// server's clock forward by N seconds (never back), so tests see sessions
/// expire without waiting; `GET` reads it. Not found in strict mode.
async fn advance_clock(State(state): State<Arc<AppState>>, uri: Uri, method: Method) -> Response {
    let Some(clock) = state
        .dev_clock
        .as_ref()
        .filter(|_| state.config.mode == Mode::Dev)
    else {
        return (
            StatusCode::NOT_FOUND,
            "the clock can only be moved in dev mode\n",
        )
            .into_response();
    };
    if method == Method::POST {
        let params = Params::from_form(uri.query().unwrap_or("").as_bytes());
        match params.get("advance_seconds").map(str::parse::<u32>) {
            Some(Ok(secs)) => {
                let offset = clock.advance(secs);
                tracing::warn!(
                    offset_seconds = offset,
                    "dev mode: the clock was moved forward"
                );
            }
            _ => {
                return (
                    StatusCode::BAD_REQUEST,
                    "advance_seconds must be a whole number of seconds (0 to 4294967295)\n",
                )
                    .into_response();
            }
        }
    }
    let now = state
        .keyward
        .now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    axum::Json(serde_json::json!({ "offset_seconds": clock.offset(), "now": now })).into_response()
}

/// The one request as it arrived.
pub(crate) struct Incoming<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub peer: SocketAddr,
}

async fn query_endpoint(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = std::time::Instant::now();
    let request_id = keyward_core::ids::new_request_id(state.keyward.rng());
    let incoming = Incoming {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: &body,
        peer,
    };
    let mut params = Params::from_form(uri.query().unwrap_or("").as_bytes());
    if method == Method::POST {
        params.extend(Params::from_form(&body));
    }
    let action_name = params.get("Action").map(str::to_owned);
    let service = action_name
        .as_deref()
        .and_then(|a| {
            actions::find(a)
                .map(|d| d.service)
                .or_else(|| actions::service_of_unknown(a))
        })
        .unwrap_or(Service::Iam);
    let span = tracing::info_span!("request", request_id = %request_id);
    let outcome = handle(&state, &incoming, action_name.as_deref(), params)
        .instrument(span.clone())
        .await;
    // A label from the action table, never the client's string, bounds the metric's series.
    let action = action_name
        .as_deref()
        .and_then(actions::find)
        .map_or("unknown", |d| d.name);
    let (response, code) = match outcome {
        Ok((def, result)) => (
            success(def, result.as_ref(), &request_id, state.keyward.now()),
            "ok",
        ),
        Err(e) => (
            failure(service, &e, &request_id, state.keyward.now()),
            e.code,
        ),
    };
    let elapsed = started.elapsed();
    state.ops.metrics.observe(action, code, elapsed);
    span.in_scope(|| {
        tracing::info!(
            target: "keyward::access",
            action,
            status = response.status().as_u16(),
            outcome = code,
            peer = %peer,
            latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            "request"
        );
    });
    response
}

async fn handle(
    state: &Arc<AppState>,
    incoming: &Incoming<'_>,
    action: Option<&str>,
    mut params: Params,
) -> Result<(&'static ActionDef, Option<xml::Xml>), ApiError> {
    if action.is_some_and(|a| actions::UNSIGNED_ACTIONS.contains(&a)) {
        return Err(not_served(action.unwrap_or_default()));
    }
    let caller = crate::auth::authenticate(state, incoming)
        .await
        .inspect_err(|e| state.ops.metrics.auth_failure(e.code))?;
    let action = action.ok_or_else(ApiError::missing_action)?;
    let def = actions::find(action).ok_or_else(|| match actions::service_of_unknown(action) {
        Some(_) => not_served(action),
        None => ApiError::invalid_action(
            action,
            params.get("Version").unwrap_or(Service::Iam.version()),
        ),
    })?;
    if let Some(user) = authorize(state, &caller, def, &params).await? {
        params.set_named_user(user);
    }
    let result = (def.handler)(Arc::clone(state), caller, params).await?;
    Ok((def, result))
}

/// An AWS action that exists but that keyward does not serve yet.
fn not_served(action: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "InvalidAction",
        format!("The action {action} is not yet supported by keyward."),
    )
}

/// Decides whether `caller` may perform `def`; when it may, returns the user
/// the request names if authorization had to read it.
async fn authorize(
    state: &AppState,
    caller: &Caller,
    def: &ActionDef,
    params: &Params,
) -> Result<Option<User>, ApiError> {
    // What session credentials may call (GetSessionToken sessions: IAM only with MFA).
    let service = match def.service {
        Service::Iam => "iam",
        Service::Sts => "sts",
    };
    keyward_core::session::check_session_scope(caller, service, def.name)?;
    if def.root_only && !caller.is_root() {
        return Err(ApiError::access_denied(format!(
            "User: {} is not authorized to perform: {} because this task requires the root user's credentials",
            caller.arn(),
            def.iam_action.unwrap_or(def.name)
        )));
    }
    let Some(iam_action) = def.iam_action else {
        return Ok(None);
    };
    if caller.is_root() {
        return Ok(None);
    }
    let target = crate::auth::resource_arn(state, caller, def.resource, params).await?;
    let request_keys = crate::auth::request_keys(&target, params);
    let resource = target.arn;
    match state
        .keyward
        .authorize(caller, iam_action, &resource, &request_keys)
        .await
    {
        Ok(()) => Ok(target.user),
        Err(denied) => match state.config.enforcement {
            Enforcement::Enforce if state.config.encode_authorization_messages => {
                let mut e = ApiError::from(denied);
                if let Some(encoded) = state
                    .keyward
                    .encode_denial(caller, iam_action, &resource, &request_keys)
                    .await?
                {
                    e.message.push_str(&format!(
                        " Encoded authorization failure message: {encoded}"
                    ));
                }
                Err(e)
            }
            Enforcement::Enforce => Err(denied.into()),
            Enforcement::Audit => {
                tracing::warn!(caller = %caller.arn(), action = iam_action, %resource, reason = %denied, "policy would deny (audit mode: allowed)");
                Ok(target.user)
            }
            Enforcement::Off => Ok(target.user),
        },
    }
}

fn common_headers(resp: &mut Response, request_id: &str, now: time::OffsetDateTime) {
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    // SDKs correct their clock skew from this header.
    if let Ok(v) = HeaderValue::from_str(&http_date(now)) {
        h.insert("date", v);
    }
}

/// `Mon, 23 Nov 2026 19:56:00 GMT` (RFC 9110's IMF-fixdate).
fn http_date(now: time::OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS[usize::from(u8::from(t.month()) - 1)],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn success(
    def: &ActionDef,
    result: Option<&xml::Xml>,
    request_id: &str,
    now: time::OffsetDateTime,
) -> Response {
    let name = def.name;
    let inner = result.map_or("", xml::Xml::as_str);
    // `<{name}Response xmlns="{ns}"><{name}Result>{inner}</{name}Result>
    // <ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{name}Response>`,
    // written into one buffer of the right size.
    let mut body = String::with_capacity(inner.len() + 4 * name.len() + request_id.len() + 160);
    for part in [
        "<",
        name,
        "Response xmlns=\"",
        def.service.namespace(),
        "\">",
    ] {
        body.push_str(part);
    }
    if result.is_some() {
        for part in ["<", name, "Result>", inner, "</", name, "Result>"] {
            body.push_str(part);
        }
    }
    for part in [
        "<ResponseMetadata><RequestId>",
        request_id,
        "</RequestId></ResponseMetadata></",
        name,
        "Response>",
    ] {
        body.push_str(part);
    }
    let mut resp = Response::new(Body::from(body));
    common_headers(&mut resp, request_id, now);
    resp
}

fn failure(
    service: Service,
    e: &ApiError,
    request_id: &str,
    now: time::OffsetDateTime,
) -> Response {
    let body = format!(
        "<ErrorResponse xmlns=\"{}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        service.namespace(),
        e.fault_type(),
        e.code,
        xml::escape(&e.message)
    );
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = e.status;
    common_headers(&mut resp, request_id, now);
    resp
}

/// Start-up work before serving: dev mode's default account.
pub async fn prepare(state: &AppState) -> Result<(), keyward_core::Error> {
    crate::auth::ensure_dev_account(state).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_imf_fixdate_in_gmt() {
        let t = time::macros::datetime!(2026-11-23 07:05:09.999 +02:00);
        assert_eq!(http_date(t), "Mon, 23 Nov 2026 05:05:09 GMT");
        let t = time::macros::datetime!(2000-02-29 23:59:59 UTC);
        assert_eq!(http_date(t), "Tue, 29 Feb 2000 23:59:59 GMT");
    }

    async fn body_text(resp: Response) -> String {
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    #[tokio::test]
    async fn success_wraps_the_result_in_aws_envelope() {
        let now = time::macros::datetime!(2026-11-23 19:56:00 UTC);
        let def = actions::find("GetCallerIdentity").expect("action");
        let mut x = xml::Xml::new();
        x.text("Account", "123456789012");
        let resp = success(def, Some(&x), "rid-1", now);
        assert_eq!(resp.headers()["date"], "Mon, 23 Nov 2026 19:56:00 GMT");
        assert_eq!(resp.headers()["x-amzn-requestid"], "rid-1");
        assert_eq!(
            body_text(resp).await,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        );
        let def = actions::find("DeleteUser").expect("action");
        assert_eq!(
            body_text(success(def, None, "rid-2", now)).await,
            "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata><RequestId>rid-2</RequestId></ResponseMetadata></DeleteUserResponse>"
        );
    }
}
