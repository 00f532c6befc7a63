//! The plumbing every page shares: the session middleware (cookie, security
//! headers), the request context handlers take, rendering and redirects.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use keyward_core::caller::Caller;
use keyward_core::service::SignInClient;

use crate::Console;
use crate::pages::{Chrome, Denied};
use crate::session::{Identity, REAUTH_SECS, Session};

const COOKIE: &str = "kw_console";
/// The cookie's name when `Secure`: the `__Host-` prefix pins it to this host.
const SECURE_COOKIE: &str = "__Host-kw_console";

const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The session id of this request, put in place by [`session_layer`].
#[derive(Debug, Clone)]
struct SessionId(String);

fn cookie_name(console: &Console) -> &'static str {
    if console.config.secure_cookies {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

pub fn set_cookie(console: &Console, id: &str) -> (header::HeaderName, HeaderValue) {
    let secure = if console.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict{secure}",
        cookie_name(console)
    );
    (
        header::SET_COOKIE,
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

fn cookie_value<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Finds or starts the request's session and adds the security headers to
/// every answer.
pub async fn session_layer(
    State(console): State<Arc<Console>>,
    mut req: Request,
    next: Next,
) -> Response {
    let now = console.now();
    let existing = cookie_value(&req, cookie_name(&console))
        .filter(|id| console.sessions.get(id, now).is_some())
        .map(str::to_owned);
    let (id, fresh) = match existing {
        Some(id) => (id, false),
        None => (console.sessions.create(console.keyward.rng(), now).0, true),
    };
    req.extensions_mut().insert(SessionId(id.clone()));
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if fresh && !h.contains_key(header::SET_COOKIE) {
        let (name, value) = set_cookie(&console, &id);
        h.insert(name, value);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Reset links carry their token in the URL: never leak it onwards.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if console.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    resp
}

/// What a handler knows of its request.
#[derive(Debug)]
pub struct Ctx {
    pub console: Arc<Console>,
    pub sid: String,
    pub session: Session,
    pub client: SignInClient,
    /// `scheme://host` as the browser addressed us (for links in mail).
    pub origin: String,
}

impl FromRequestParts<Arc<Console>> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        console: &Arc<Console>,
    ) -> Result<Self, Self::Rejection> {
        let sid = parts
            .extensions
            .get::<SessionId>()
            .map(|s| s.0.clone())
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
        let now = console.now();
        let session = console
            .sessions
            .get(&sid, now)
            .ok_or_else(|| Redirect::to("/signin").into_response())?;
        let source_ip: Option<IpAddr> = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(256)
            .collect();
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if console.config.secure_cookies {
            "https"
        } else {
            "http"
        };
        let origin = console
            .config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{host}"));
        Ok(Self {
            console: Arc::clone(console),
            sid,
            session,
            client: SignInClient {
                source_ip,
                user_agent,
            },
            origin: origin.trim_end_matches('/').to_owned(),
        })
    }
}

impl Ctx {
    pub fn now(&self) -> i64 {
        self.console.now()
    }

    /// Stores the session's changes.
    pub fn save(&self) {
        self.console.sessions.save(&self.sid, self.session.clone());
    }

    /// The page frame: title, who is signed in, the CSRF token, the one-time
    /// message (taken from the session).
    pub fn chrome(&mut self, title: &str) -> Chrome {
        let flash = self.session.flash.take();
        if flash.is_some() {
            self.save();
        }
        let who = self.session.identity().map(|i| i.display.clone());
        Chrome {
            title: title.to_owned(),
            nav: self
                .session
                .identity()
                .is_some_and(|i| !i.password_reset_required),
            is_root: self.session.identity().is_some_and(Identity::is_root),
            who,
            csrf: self.session.csrf.clone(),
            flash,
            error: None,
        }
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, form: &HashMap<String, String>) -> Result<(), Response> {
        let token = form.get("csrf").map_or("", String::as_str);
        if self.session.csrf_ok(token) {
            Ok(())
        } else {
            Err(plain(
                StatusCode::FORBIDDEN,
                "The form has expired or did not come from this site. Go back, reload the page and try again.",
            ))
        }
    }

    /// The signed-in identity, or a redirect to the sign-in page (or to the
    /// password change an IAM user must make first).
    pub fn identity(&self) -> Result<Identity, Response> {
        let identity = self.identity_before_reset()?;
        if identity.password_reset_required {
            return Err(Redirect::to("/signin/password").into_response());
        }
        Ok(identity)
    }

    /// The signed-in identity even while its password change is due.
    pub fn identity_before_reset(&self) -> Result<Identity, Response> {
        self.session
            .identity()
            .cloned()
            .ok_or_else(|| Redirect::to("/signin").into_response())
    }

    /// The identity, when it signed in recently enough for a sensitive
    /// change; otherwise the session ends and the user signs in again.
    pub fn recent_identity(&mut self) -> Result<Identity, Response> {
        let identity = self.identity()?;
        if self.now() - identity.signed_in_at <= REAUTH_SECS {
            return Ok(identity);
        }
        self.console.sessions.remove(&self.sid);
        let path = if identity.is_root() {
            "/signin?reauth=1"
        } else {
            "/signin/iam?reauth=1"
        };
        Err(Redirect::to(path).into_response())
    }

    /// The caller the signed-in identity acts as.
    pub fn caller(&self, identity: &Identity) -> Caller {
        self.console.keyward.console_caller(
            &identity.account_id,
            identity.principal.clone(),
            self.client.source_ip,
            self.console.config.secure_cookies,
        )
    }

    /// Redirects to `to` with a message for the next page.
    pub fn redirect_with(&mut self, to: &str, flash: impl Into<String>) -> Response {
        self.session.flash = Some(flash.into());
        self.save();
        Redirect::to(to).into_response()
    }
}

/// Renders a page.
pub fn render(page: &impl Template) -> Response {
    render_status(StatusCode::OK, page)
}

/// The 403 page refusing an action, with the reason (AWS's AccessDenied text).
pub fn denied(ctx: &mut Ctx, message: String) -> Response {
    render_status(
        StatusCode::FORBIDDEN,
        &Denied {
            c: ctx.chrome("Access denied"),
            message,
        },
    )
}

pub fn render_status(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown.",
            )
        }
    }
}

pub fn plain(status: StatusCode, text: &str) -> Response {
    (status, text.to_owned()).into_response()
}

/// A domain error as a message for the page; store failures stay in the log.
pub fn message(e: &keyward_core::Error) -> String {
    match e {
        keyward_core::Error::Storage(_) => {
            tracing::error!(error = %e, "console operation failed");
            "Something went wrong. Try again later.".to_owned()
        }
        other => other.to_string(),
    }
}

/// The browser side of WebAuthn.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/webauthn.js"),
    )
        .into_response()
}

/// The policy editor's check as you type.
pub async fn policy_editor_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/policy-editor.js"),
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/console.css"),
    )
        .into_response()
}

/// A form field, or "".
pub fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

/// A unix time as the pages show it.
pub fn show_time(t: time::OffsetDateTime) -> String {
    t.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}
