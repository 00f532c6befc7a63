//! The request context: who asks, for what action, on which resource, and
//! the condition keys AWS would attach to the request.

use std::borrow::Cow;
use std::net::IpAddr;

use crate::arn::split_arn;
use crate::values::{parse_bool, parse_date, parse_number};

/// A typed condition-key value.
///
/// Operators convert where AWS does (a [`ContextValue::String`] holding
/// `"2024-01-01T00:00:00Z"` is a valid operand of `DateLessThan`), so callers
/// may use `String` for everything; typed variants skip the parse.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextValue {
    /// Text (`aws:username`, tags, ...).
    String(String),
    /// A number (`aws:MultiFactorAuthAge`, `sts:DurationSeconds`).
    Number(f64),
    /// A point in time, as Unix nanoseconds (`aws:CurrentTime`).
    Date(i128),
    /// `true`/`false` (`aws:SecureTransport`, `aws:MultiFactorAuthPresent`).
    Bool(bool),
    /// An address (`aws:SourceIp`).
    Ip(IpAddr),
    /// Raw bytes (compared with `BinaryEquals`).
    Binary(Vec<u8>),
    /// An ARN (`aws:PrincipalArn`, `aws:SourceArn`).
    Arn(String),
}

impl ContextValue {
    /// A date value from an ISO-8601 string or epoch seconds; `None` if unparsable.
    #[must_use]
    pub fn date(text: &str) -> Option<ContextValue> {
        parse_date(text).map(ContextValue::Date)
    }

    /// The value as text, as it would be substituted into a policy variable.
    #[must_use]
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            ContextValue::String(s) | ContextValue::Arn(s) => Cow::Borrowed(s),
            ContextValue::Number(n) => Cow::Owned(format_number(*n)),
            ContextValue::Date(ns) => Cow::Owned(format_date(*ns)),
            ContextValue::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            ContextValue::Ip(ip) => Cow::Owned(ip.to_string()),
            ContextValue::Binary(b) => {
                use base64::Engine as _;
                Cow::Owned(base64::engine::general_purpose::STANDARD.encode(b))
            }
        }
    }

    pub(crate) fn as_number(&self) -> Option<f64> {
        match self {
            ContextValue::Number(n) => Some(*n),
            ContextValue::String(s) => parse_number(s),
            ContextValue::Bool(_)
            | ContextValue::Date(_)
            | ContextValue::Ip(_)
            | ContextValue::Binary(_)
            | ContextValue::Arn(_) => None,
        }
    }

    pub(crate) fn as_date(&self) -> Option<i128> {
        match self {
            ContextValue::Date(d) => Some(*d),
            ContextValue::String(s) => parse_date(s),
            // Epoch seconds (aws:EpochTime) compare with dates.
            ContextValue::Number(n) if n.is_finite() => Some((*n * 1e9) as i128),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            ContextValue::Bool(b) => Some(*b),
            ContextValue::String(s) => parse_bool(s),
            _ => None,
        }
    }

    pub(crate) fn as_ip(&self) -> Option<IpAddr> {
        match self {
            ContextValue::Ip(ip) => Some(*ip),
            ContextValue::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn as_bytes(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            ContextValue::Binary(b) => Some(Cow::Borrowed(b)),
            ContextValue::String(s) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .ok()
                    .map(Cow::Owned)
            }
            _ => None,
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn format_date(ns: i128) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp_nanos(ns)
        .ok()
        .and_then(|d| d.format(&fmt).ok())
        .unwrap_or_default()
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        ContextValue::String(s.to_owned())
    }
}
impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        ContextValue::String(s)
    }
}
impl From<bool> for ContextValue {
    fn from(b: bool) -> Self {
        ContextValue::Bool(b)
    }
}
impl From<f64> for ContextValue {
    fn from(n: f64) -> Self {
        ContextValue::Number(n)
    }
}
impl From<i64> for ContextValue {
    fn from(n: i64) -> Self {
        ContextValue::Number(n as f64)
    }
}
impl From<IpAddr> for ContextValue {
    fn from(ip: IpAddr) -> Self {
        ContextValue::Ip(ip)
    }
}

/// What kind of caller made the request (decides how `Principal` matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    /// The account's root user (`arn:aws:iam::ACCT:root`).
    Root,
    /// An IAM user.
    User,
    /// A role session; `role_arn` is the role (`arn:aws:iam::ACCT:role/path/name`),
    /// the principal ARN is the session (`arn:aws:sts::ACCT:assumed-role/name/session`).
    AssumedRole {
        /// ARN of the role the session belongs to.
        role_arn: String,
    },
    /// A GetFederationToken session (`arn:aws:sts::ACCT:federated-user/name`).
    FederatedUser,
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service,
    /// A web-identity or SAML provider (for trust policies: `Federated`).
    WebIdentity,
    /// An S3 canonical user id.
    CanonicalUser,
    /// An unsigned request.
    Anonymous,
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPrincipal {
    /// The principal's ARN (for `Service`/`WebIdentity`/`CanonicalUser`: the
    /// service name, provider or canonical id).
    pub arn: String,
    /// The principal's account id (empty for services and anonymous callers).
    pub account: String,
    /// What kind of principal it is.
    pub kind: PrincipalKind,
}

impl RequestPrincipal {
    /// A principal from its ARN: `:root` → root user, `:user/` → user,
    /// `:assumed-role/R/S` → role session (role ARN derived, path unknown so `/`),
    /// `:federated-user/` → federated user.
    #[must_use]
    pub fn from_arn(arn: &str) -> RequestPrincipal {
        let parts = split_arn(arn);
        let account = parts.map(|p| p[4].to_owned()).unwrap_or_default();
        let resource = parts.map(|p| p[5]).unwrap_or("");
        let service = parts.map(|p| p[2]).unwrap_or("");
        let kind = if resource == "root" {
            PrincipalKind::Root
        } else if service == "sts" && resource.starts_with("assumed-role/") {
            let role = resource
                .trim_start_matches("assumed-role/")
                .split('/')
                .next()
                .unwrap_or("");
            let partition = parts.map(|p| p[1]).unwrap_or("aws");
            PrincipalKind::AssumedRole {
                role_arn: format!("arn:{partition}:iam::{account}:role/{role}"),
            }
        } else if service == "sts" && resource.starts_with("federated-user/") {
            PrincipalKind::FederatedUser
        } else {
            PrincipalKind::User
        };
        RequestPrincipal {
            arn: arn.to_owned(),
            account,
            kind,
        }
    }

    /// A role session whose role has a path (`role_arn` given explicitly).
    #[must_use]
    pub fn assumed_role(session_arn: &str, role_arn: &str) -> RequestPrincipal {
        let mut p = RequestPrincipal::from_arn(session_arn);
        p.kind = PrincipalKind::AssumedRole {
            role_arn: role_arn.to_owned(),
        };
        p
    }

    /// An AWS service principal (`ec2.amazonaws.com`).
    #[must_use]
    pub fn service(name: &str) -> RequestPrincipal {
        RequestPrincipal {
            arn: name.to_owned(),
            account: String::new(),
            kind: PrincipalKind::Service,
        }
    }

    /// A federated (web identity / SAML) provider principal.
    #[must_use]
    pub fn web_identity(provider: &str) -> RequestPrincipal {
        RequestPrincipal {
            arn: provider.to_owned(),
            account: String::new(),
            kind: PrincipalKind::WebIdentity,
        }
    }

    /// An anonymous caller.
    #[must_use]
    pub fn anonymous() -> RequestPrincipal {
        RequestPrincipal {
            arn: "anonymous".to_owned(),
            account: String::new(),
            kind: PrincipalKind::Anonymous,
        }
    }

    /// True for the account's root user.
    #[must_use]
    pub fn is_root(&self) -> bool {
        self.kind == PrincipalKind::Root
    }
}

/// One condition key with its value(s).
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// Lower-cased: condition key names are case-insensitive at AWS.
    key: String,
    values: Vec<ContextValue>,
}

/// Everything a policy can be evaluated against.
///
/// ```
/// use keyward_policy::{RequestContext, ContextValue};
/// let ctx = RequestContext::new(
///     "arn:aws:iam::123456789012:user/alice",
///     "iam:CreateUser",
///     "arn:aws:iam::123456789012:user/bob",
/// )
/// .with("aws:SourceIp", ContextValue::Ip("10.1.2.3".parse().unwrap()))
/// .with_multi("aws:TagKeys", ["team", "cost-center"]);
/// assert!(ctx.get("AWS:SOURCEIP").is_some());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RequestContext {
    principal: RequestPrincipal,
    action: String,
    /// Lower-cased copy: actions match case-insensitively, and lowering once
    /// here keeps the per-statement matching allocation-free.
    action_lower: String,
    /// Byte index of the `:` in `action_lower` (or its length when absent).
    action_colon: usize,
    resource: String,
    resource_account: Option<String>,
    entries: Vec<Entry>,
}

impl RequestContext {
    /// A context for `principal_arn` performing `action` on `resource`
    /// (use `"*"` for actions that take no resource).
    #[must_use]
    pub fn new(principal_arn: &str, action: &str, resource: &str) -> RequestContext {
        RequestContext::with_principal(RequestPrincipal::from_arn(principal_arn), action, resource)
    }

    /// Like [`RequestContext::new`] with an explicit [`RequestPrincipal`].
    #[must_use]
    pub fn with_principal(
        principal: RequestPrincipal,
        action: &str,
        resource: &str,
    ) -> RequestContext {
        let action_lower = action.to_ascii_lowercase();
        let action_colon = action_lower.find(':').unwrap_or(action_lower.len());
        // AWS-managed policy ARNs carry the pseudo-account `aws`: not another account.
        let resource_account = split_arn(resource)
            .map(|p| p[4].to_owned())
            .filter(|a| !a.is_empty() && a != "aws");
        RequestContext {
            principal,
            action: action.to_owned(),
            action_lower,
            action_colon,
            resource: resource.to_owned(),
            resource_account,
            // The principal's and the global keys a request starts with.
            entries: Vec::with_capacity(16),
        }
    }

    /// Sets a single-valued condition key (replacing any previous value).
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> RequestContext {
        self.set(key, vec![value.into()]);
        self
    }

    /// Sets a multi-valued condition key (`aws:TagKeys`, `aws:CalledVia`).
    #[must_use]
    pub fn with_multi<V: Into<ContextValue>>(
        mut self,
        key: &str,
        values: impl IntoIterator<Item = V>,
    ) -> RequestContext {
        self.set(key, values.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the account that owns the resource (for resources whose ARN has
    /// no account field, such as S3 buckets). Decides same- vs cross-account.
    #[must_use]
    pub fn with_resource_account(mut self, account: &str) -> RequestContext {
        self.resource_account = Some(account.to_owned());
        self
    }

    /// Sets (or replaces) a condition key.
    pub fn set(&mut self, key: &str, values: Vec<ContextValue>) {
        match self
            .entries
            .iter_mut()
            .find(|e| e.key.eq_ignore_ascii_case(key))
        {
            Some(e) => e.values = values,
            None => self.entries.push(Entry {
                key: key.to_ascii_lowercase(),
                values,
            }),
        }
    }

    /// Removes a condition key.
    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|e| !e.key.eq_ignore_ascii_case(key));
    }

    /// The value(s) of a condition key (case-insensitive), if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&[ContextValue]> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
            .map(|e| e.values.as_slice())
    }

    /// Every condition key (lower-cased) with its values, in the order set.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &[ContextValue])> {
        self.entries
            .iter()
            .map(|e| (e.key.as_str(), e.values.as_slice()))
    }

    /// Lookup with an already lower-cased key (compiled policies store them so).
    pub(crate) fn get_lower(&self, key_lower: &str) -> Option<&[ContextValue]> {
        self.entries
            .iter()
            .find(|e| e.key == key_lower)
            .map(|e| e.values.as_slice())
    }

    /// The caller.
    #[must_use]
    pub fn principal(&self) -> &RequestPrincipal {
        &self.principal
    }

    /// The action as given (`iam:CreateUser`).
    #[must_use]
    pub fn action(&self) -> &str {
        &self.action
    }

    pub(crate) fn action_lower(&self) -> &str {
        &self.action_lower
    }

    /// Service prefix of the action, lower-cased (`iam`).
    pub(crate) fn action_service(&self) -> &str {
        &self.action_lower[..self.action_colon]
    }

    /// The resource ARN (or `*`).
    #[must_use]
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The account owning the resource: set explicitly, or the ARN's account field.
    #[must_use]
    pub fn resource_account(&self) -> Option<&str> {
        self.resource_account.as_deref()
    }
}
