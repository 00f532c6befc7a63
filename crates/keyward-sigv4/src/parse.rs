//! Phase one: find and check the authentication information (spec §2 steps 1–9),
//! before the server looks up the access key.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

use crate::canonical::ALGORITHM;
use crate::encode::{check_path, check_query, decode_component};
use crate::error::AuthError;
use crate::request::HttpRequest;
use crate::timefmt::{self, ParsedDate};

/// Longest validity of a presigned URL: 7 days.
pub const MAX_PRESIGNED_EXPIRES: Duration = Duration::from_secs(604_800);

/// Options of [`parse`] (and of the [`verify`](crate::verify) that follows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// How far the request timestamp may be from `now`, either way. `None` disables
    /// every timestamp check (presigned expiry included): for a dev mode with frozen
    /// clocks. Default: 15 minutes, as IAM and STS.
    pub max_clock_skew: Option<Duration>,
    /// Services the credential scope may name (`iam`, `sts`); empty accepts any.
    pub services: Vec<String>,
    /// Normalize the URI path (dot segments, `//`) before signing: true for every
    /// service but S3.
    pub normalize_uri_path: bool,
    /// Accept a presigned URL whose `X-Amz-Security-Token` was appended after signing
    /// (the AWS test suite's `omit_session_token` case). Safe because the server still
    /// checks the token belongs to the access key.
    pub allow_unsigned_presigned_token: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            max_clock_skew: Some(Duration::from_secs(15 * 60)),
            services: Vec::new(),
            normalize_uri_path: true,
            allow_unsigned_presigned_token: true,
        }
    }
}

impl VerifyOptions {
    /// Restricts the credential scope to these services.
    #[must_use]
    pub fn with_services<I, S>(mut self, services: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.services = services.into_iter().map(Into::into).collect();
        self
    }

    /// Sets (or with `None` disables) the clock-skew window.
    #[must_use]
    pub fn with_max_clock_skew(mut self, skew: Option<Duration>) -> Self {
        self.max_clock_skew = skew;
        self
    }
}

/// Where the authentication information came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthLocation {
    /// The `Authorization` header.
    Header,
    /// Presigned URL query parameters (`X-Amz-Algorithm`, …).
    Query,
}

/// The credential scope `date/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialScope {
    date: String,
    region: String,
    service: String,
}

impl CredentialScope {
    /// A scope; `date` is `YYYYMMDD`.
    pub fn new(
        date: impl Into<String>,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        Self {
            date: date.into(),
            region: region.into(),
            service: service.into(),
        }
    }

    /// `YYYYMMDD`.
    pub fn date(&self) -> &str {
        &self.date
    }

    /// The region (`us-east-1`).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The service (`iam`, `sts`).
    pub fn service(&self) -> &str {
        &self.service
    }

    pub(crate) fn write_to(&self, out: &mut String) {
        for part in [&self.date, &self.region, &self.service] {
            out.push_str(part);
            out.push('/');
        }
        out.push_str("aws4_request");
    }
}

impl fmt::Display for CredentialScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// The authentication information of a request, checked for shape, time and scope but
/// not yet verified. Look up [`access_key_id`](Self::access_key_id), then call
/// [`verify`](crate::verify).
#[derive(Clone)]
pub struct ParsedAuth {
    pub(crate) location: AuthLocation,
    pub(crate) access_key_id: String,
    pub(crate) scope: CredentialScope,
    pub(crate) signed_headers: String,
    pub(crate) signature: String,
    pub(crate) amz_date: String,
    pub(crate) timestamp: OffsetDateTime,
    pub(crate) expires: Option<Duration>,
    pub(crate) session_token: Option<String>,
    pub(crate) normalize_uri_path: bool,
    pub(crate) allow_unsigned_presigned_token: bool,
}

impl ParsedAuth {
    /// The access key id from the credential.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The credential scope (date, region, service).
    pub fn scope(&self) -> &CredentialScope {
        &self.scope
    }

    /// The signed header names, as listed by the client.
    pub fn signed_headers(&self) -> impl Iterator<Item = &str> {
        self.signed_headers.split(';')
    }

    /// The session token (`X-Amz-Security-Token` header or query parameter), if any.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// Header or presigned-query authentication.
    pub fn location(&self) -> AuthLocation {
        self.location
    }

    /// The request timestamp (UTC).
    pub fn timestamp(&self) -> OffsetDateTime {
        self.timestamp
    }

    /// `X-Amz-Expires` of a presigned URL.
    pub fn expires(&self) -> Option<Duration> {
        self.expires
    }
}

impl fmt::Debug for ParsedAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedAuth")
            .field("location", &self.location)
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("amz_date", &self.amz_date)
            .field("expires", &self.expires)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[REDACTED]"),
            )
            .finish_non_exhaustive()
    }
}

/// What steps 2–4 extract, before any value is checked.
struct RawAuth<'a> {
    location: AuthLocation,
    credential: Cow<'a, str>,
    signed_headers: Cow<'a, str>,
    signature: Cow<'a, str>,
    date: DateValue<'a>,
    expires: Option<Duration>,
}

enum DateValue<'a> {
    /// `X-Amz-Date` (header or query): ISO 8601.
    Amz(Cow<'a, str>),
    /// RFC 1123 `Date` header.
    Http(&'a str),
}

/// Parses and checks the authentication of `req` in AWS's order (spec §2 steps 1–9):
/// request sanity, header or presigned auth, algorithm, parameters, date, credential
/// shape, clock window, scope, host signed.
pub fn parse(
    req: &HttpRequest<'_>,
    now: OffsetDateTime,
    opts: &VerifyOptions,
) -> Result<ParsedAuth, AuthError> {
    check_path(req.raw_path)?;
    check_query(req.raw_query)?;
    let raw = find_auth(req)?;
    let date = parse_date(&raw.date)?;
    let credential = split_credential(&raw.credential)?;
    check_clock(&raw, &date, now, opts)?;
    let scope = check_scope(&credential, &date, opts)?;
    check_host_signed(&raw.signed_headers)?;
    Ok(ParsedAuth {
        location: raw.location,
        access_key_id: credential[0].to_owned(),
        scope,
        session_token: session_token(req, raw.location),
        signed_headers: raw.signed_headers.into_owned(),
        signature: raw.signature.into_owned(),
        amz_date: date.basic,
        timestamp: date.timestamp,
        expires: raw.expires,
        normalize_uri_path: opts.normalize_uri_path,
        allow_unsigned_presigned_token: opts.allow_unsigned_presigned_token,
    })
}

/// Steps 2–4: which form, which algorithm, which parameters.
fn find_auth<'a>(req: &HttpRequest<'a>) -> Result<RawAuth<'a>, AuthError> {
    let header = req.header("authorization");
    let query_algorithm = query_param(req.raw_query, "X-Amz-Algorithm");
    match (header, query_algorithm) {
        (None, None) => Err(AuthError::MissingAuthenticationToken),
        // AWS answers this ambiguity with an empty SignatureDoesNotMatch.
        (Some(_), Some(_)) => Err(AuthError::mismatch("")),
        (Some(header), None) => parse_header_auth(req, header),
        (None, Some(algorithm)) => parse_query_auth(req, &algorithm),
    }
}

fn unsupported_algorithm(algorithm: &str) -> AuthError {
    AuthError::incomplete(format!("Unsupported AWS 'algorithm': '{algorithm}'."))
}

fn parse_header_auth<'a>(req: &HttpRequest<'a>, header: &'a str) -> Result<RawAuth<'a>, AuthError> {
    let trimmed = header.trim();
    let (algorithm, rest) = trimmed
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((trimmed, ""));
    if algorithm != ALGORITHM {
        return Err(unsupported_algorithm(algorithm));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(AuthError::incomplete(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'"
            )));
        };
        // Duplicates: the last one wins, as AWS.
        match key.trim() {
            "Credential" => credential = Some(value.trim()),
            "SignedHeaders" => signed_headers = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => {}
        }
    }
    let date = match (req.header("x-amz-date"), req.header("date")) {
        (Some(amz), _) => Some(DateValue::Amz(Cow::Borrowed(amz.trim()))),
        (None, Some(http)) => Some(DateValue::Http(http.trim())),
        (None, None) => None,
    };
    match (credential, signature, signed_headers, date) {
        (Some(c), Some(s), Some(h), Some(date)) => Ok(RawAuth {
            location: AuthLocation::Header,
            credential: Cow::Borrowed(c),
            signed_headers: Cow::Borrowed(h),
            signature: Cow::Borrowed(s),
            date,
            expires: None,
        }),
        (c, s, h, d) => {
            let mut msg = String::new();
            let missing = [
                (
                    c.is_none(),
                    "Authorization header requires 'Credential' parameter. ",
                ),
                (
                    s.is_none(),
                    "Authorization header requires 'Signature' parameter. ",
                ),
                (
                    h.is_none(),
                    "Authorization header requires 'SignedHeaders' parameter. ",
                ),
                (
                    d.is_none(),
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
                ),
            ];
            missing
                .iter()
                .filter(|(m, _)| *m)
                .for_each(|(_, text)| msg.push_str(text));
            msg.push_str("Authorization=");
            msg.push_str(header);
            Err(AuthError::IncompleteSignature(msg))
        }
    }
}

fn parse_query_auth<'a>(req: &HttpRequest<'a>, algorithm: &str) -> Result<RawAuth<'a>, AuthError> {
    if algorithm != ALGORITHM {
        return Err(unsupported_algorithm(algorithm));
    }
    let q = req.raw_query;
    let credential = query_param(q, "X-Amz-Credential");
    let signature = query_param(q, "X-Amz-Signature");
    let signed_headers = query_param(q, "X-Amz-SignedHeaders");
    let date = query_param(q, "X-Amz-Date");
    match (credential, signature, signed_headers, date) {
        (Some(c), Some(s), Some(h), Some(d)) => Ok(RawAuth {
            location: AuthLocation::Query,
            credential: c,
            signed_headers: h,
            signature: s,
            date: DateValue::Amz(d),
            expires: query_param(q, "X-Amz-Expires")
                .map(|e| parse_expires(&e))
                .transpose()?,
        }),
        (c, s, h, d) => {
            let mut msg = String::new();
            let missing = [
                (c.is_none(), "X-Amz-Credential"),
                (s.is_none(), "X-Amz-Signature"),
                (h.is_none(), "X-Amz-SignedHeaders"),
                (d.is_none(), "X-Amz-Date"),
            ];
            for (_, name) in missing.iter().filter(|(m, _)| *m) {
                msg.push_str("AWS query-string parameters must include '");
                msg.push_str(name);
                msg.push_str("'. ");
            }
            msg.push_str("Re-examine the query-string parameters.");
            Err(AuthError::IncompleteSignature(msg))
        }
    }
}

/// `X-Amz-Expires`: whole seconds, 1 to 604800. AWS documents no IAM/STS wording for
/// these failures; the messages follow S3's.
fn parse_expires(value: &str) -> Result<Duration, AuthError> {
    let secs: u64 = value
        .parse()
        .map_err(|_| AuthError::incomplete("X-Amz-Expires should be a number"))?;
    if secs == 0 {
        return Err(AuthError::incomplete(
            "X-Amz-Expires must be a positive number of seconds",
        ));
    }
    let expires = Duration::from_secs(secs);
    if expires > MAX_PRESIGNED_EXPIRES {
        return Err(AuthError::incomplete(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ));
    }
    Ok(expires)
}

/// The first value of query parameter `name` (compared after decoding), decoded.
/// Duplicates: the first one wins, as AWS.
pub(crate) fn query_param<'a>(raw_query: &'a str, name: &str) -> Option<Cow<'a, str>> {
    raw_query.split('&').find_map(|part| {
        let (n, v) = part.split_once('=').unwrap_or((part, ""));
        (decode_component(n) == name).then(|| decode_component(v))
    })
}

/// Step 5.
fn parse_date(value: &DateValue<'_>) -> Result<ParsedDate, AuthError> {
    let (parsed, raw) = match value {
        DateValue::Amz(v) => (timefmt::parse_iso8601(v), v.as_ref()),
        DateValue::Http(v) => (timefmt::parse_rfc1123(v), *v),
    };
    parsed.ok_or_else(|| {
        AuthError::incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{raw}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ))
    })
}

/// Step 6: `keyid/date/region/service/terminator`.
fn split_credential(credential: &str) -> Result<[&str; 5], AuthError> {
    let mut parts = credential.split('/');
    let mut out = [""; 5];
    for slot in &mut out {
        *slot = parts.next().ok_or_else(|| bad_credential(credential))?;
    }
    match parts.next() {
        None => Ok(out),
        Some(_) => Err(bad_credential(credential)),
    }
}

fn bad_credential(credential: &str) -> AuthError {
    AuthError::incomplete(format!(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
    ))
}

/// Step 7: the timestamp is within the skew window, and a presigned URL has not expired.
fn check_clock(
    raw: &RawAuth<'_>,
    date: &ParsedDate,
    now: OffsetDateTime,
    opts: &VerifyOptions,
) -> Result<(), AuthError> {
    let Some(skew) = opts.max_clock_skew else {
        return Ok(());
    };
    let now = timefmt::utc(now);
    let req = date.timestamp;
    // A presigned URL may be used until X-Amz-Expires has passed; otherwise the skew rules.
    let oldest_window = raw.expires.unwrap_or(skew);
    if let Some(oldest) = sub(now, oldest_window).filter(|oldest| req < *oldest) {
        return Err(AuthError::mismatch(format!(
            "Signature expired: {} is now earlier than {} ({} - {}.)",
            date.basic,
            timefmt::basic(oldest),
            timefmt::basic(now),
            describe(oldest_window)
        )));
    }
    if let Some(newest) = add(now, skew).filter(|newest| req > *newest) {
        return Err(AuthError::mismatch(format!(
            "Signature not yet current: {} is still later than {} ({} + {}.)",
            date.basic,
            timefmt::basic(newest),
            timefmt::basic(now),
            describe(skew)
        )));
    }
    Ok(())
}

fn sub(t: OffsetDateTime, d: Duration) -> Option<OffsetDateTime> {
    t.checked_sub(time::Duration::try_from(d).ok()?)
}

fn add(t: OffsetDateTime, d: Duration) -> Option<OffsetDateTime> {
    t.checked_add(time::Duration::try_from(d).ok()?)
}

/// AWS writes the window as `15 min`.
fn describe(d: Duration) -> String {
    let secs = d.as_secs();
    match secs % 60 {
        0 => format!("{} min", secs / 60),
        _ => format!("{secs} sec"),
    }
}

/// Step 8: region, service, terminator, date.
fn check_scope(
    credential: &[&str; 5],
    date: &ParsedDate,
    opts: &VerifyOptions,
) -> Result<CredentialScope, AuthError> {
    let [_, scope_date, region, service, terminator] = *credential;
    if !is_valid_region(region) {
        return Err(AuthError::mismatch(format!(
            "Credential should be scoped to a valid region, not '{region}'. "
        )));
    }
    if !opts.services.is_empty() && !opts.services.iter().any(|s| s == service) {
        // AWS names the one correct service; with several accepted, name the first.
        let expected = opts.services.first().map_or("", String::as_str);
        return Err(AuthError::mismatch(format!(
            "Credential should be scoped to correct service: '{expected}'. "
        )));
    }
    if terminator != "aws4_request" {
        return Err(AuthError::mismatch(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. "
        )));
    }
    let day = date.basic.get(..8).unwrap_or_default();
    if scope_date != day {
        return Err(AuthError::mismatch(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{day}', from '{}'.",
            date.basic
        )));
    }
    Ok(CredentialScope::new(scope_date, region, service))
}

fn is_valid_region(region: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Step 9.
fn check_host_signed(signed_headers: &str) -> Result<(), AuthError> {
    let signed = signed_headers
        .split(';')
        .any(|h| h.eq_ignore_ascii_case("host") || h == ":authority");
    if signed {
        Ok(())
    } else {
        Err(AuthError::mismatch(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ))
    }
}

fn session_token(req: &HttpRequest<'_>, location: AuthLocation) -> Option<String> {
    let header = || {
        req.header("x-amz-security-token")
            .map(|t| t.trim().to_owned())
    };
    let query = || query_param(req.raw_query, "X-Amz-Security-Token").map(Cow::into_owned);
    match location {
        AuthLocation::Header => header().or_else(query),
        AuthLocation::Query => query().or_else(header),
    }
}
