//! Session credentials from GetSessionToken.
//!
//! The session token is self-contained and authenticated: it is the session's
//! claims (account, parent user id, issue and expiry times, MFA time, and the
//! session's secret access key) sealed with AES-256-GCM under a key derived
//! from the KEK, bound to the session's `ASIA…` access key id. Nothing is
//! stored: the secret exists only inside the sealed token (so it is never at
//! rest in clear, nor at rest at all), the token cannot be guessed (random
//! nonce and 40-character random secret inside) and any change to it, or its
//! use with another access key id, fails the AES-GCM tag check. A session is
//! tied to its parent's unique id, not to the access key that called
//! GetSessionToken: deleting or deactivating that key leaves the session
//! working, as at AWS; deleting the parent user ends it (the user id no longer
//! resolves).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use subtle::ConstantTimeEq as _;
use time::OffsetDateTime;

use crate::caller::{Caller, Principal, SessionAttributes, SessionContext};
use crate::crypto::{KeyRing, Keychain, Secret};
use crate::random::Random;
use crate::validate::Violations;
use crate::{Error, Result};

/// GetSessionToken's DurationSeconds bounds (sts-api.md §4).
pub const MIN_DURATION_SECS: i64 = 900;
pub const MAX_DURATION_SECS: i64 = 129_600;
pub const USER_DEFAULT_DURATION_SECS: i64 = 43_200;
/// Root sessions: default and maximum; longer requests are clamped to it.
pub const ROOT_MAX_DURATION_SECS: i64 = 3_600;

/// Label of the KEK-derived key that seals session tokens.
const TOKEN_KEY_LABEL: &str = "keyward/session-token/v1";
/// Every token starts with this, then the sealed claims (`v1:base64…`).
const TOKEN_PREFIX: &str = "KWS";
/// Tokens longer than this are refused unopened. AssumeRole seals session
/// policies and tags packed (deflated), within [`PACKED_LIMIT`] bytes, so
/// its tokens stay below about 3.5 KB, the size of AWS's own longest ones.
const MAX_TOKEN_LEN: usize = 8_192;

/// A sealed token's attributes never inflate beyond this.
const MAX_UNPACKED_LEN: usize = 256 * 1024;

/// The packed (deflate-compressed) size allowed for a session's policy,
/// managed policy ARNs and session tags together; `PackedPolicySize` is the
/// share of it used, in percent.
pub const PACKED_LIMIT: usize = 2_048;

/// What a session token says.
#[derive(Debug, Clone)]
pub struct SessionClaims {
    pub account_id: String,
    /// The parent IAM user's unique id; `None` for the root user.
    pub user_id: Option<String>,
    pub issued: OffsetDateTime,
    pub expires: OffsetDateTime,
    pub mfa_authenticated_at: Option<OffsetDateTime>,
    pub secret: Secret,
    /// Set for AssumeRole sessions (token format 2); `None` for
    /// GetSessionToken sessions (format 1, as before).
    pub role: Option<RoleClaims>,
}

/// What an AssumeRole session token says of its role. `account_id` in the
/// claims is then the role's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleClaims {
    pub role_id: String,
    pub role_name: String,
    pub role_path: String,
    pub session_name: String,
    /// Session policies, tags and source identity (format 3 seals them as
    /// compact JSON, the last field; format 2 held only the inline policy).
    pub attributes: SessionAttributes,
}

/// AssumeRole's duration bounds: 900 up to the role's MaxSessionDuration,
/// default 3600; role chaining is limited to one hour.
pub const ROLE_DEFAULT_DURATION_SECS: i64 = 3_600;
pub const ROLE_CHAINING_MAX_SECS: i64 = 3_600;

/// Why a session token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// Missing, tampered, for another key, or its parent is gone:
    /// `InvalidClientTokenId`.
    Invalid,
    /// Genuine but past its expiry: `ExpiredToken`.
    Expired,
}

/// Seals and opens session tokens under a key derived from each KEK of the
/// ring, so tokens sealed before a KEK rotation still open after it.
pub struct TokenSealer {
    keys: std::sync::Arc<Keychain>,
    /// The last ring seen and its token keys: deriving them (an HMAC per
    /// key) for every token sealed or opened is wasted while the ring stays.
    derived: std::sync::Mutex<Option<(std::sync::Arc<KeyRing>, std::sync::Arc<KeyRing>)>>,
}

impl std::fmt::Debug for TokenSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSealer([REDACTED])")
    }
}

fn aad(access_key_id: &str) -> String {
    format!("session-token:{access_key_id}")
}

fn millis(t: OffsetDateTime) -> i128 {
    t.unix_timestamp_nanos() / 1_000_000
}

fn from_millis(s: &str) -> Option<OffsetDateTime> {
    let ms: i128 = s.parse().ok()?;
    OffsetDateTime::from_unix_timestamp_nanos(ms.checked_mul(1_000_000)?).ok()
}

/// `t` without its sub-millisecond part (tokens and `Expiration` carry milliseconds).
pub fn to_millis(t: OffsetDateTime) -> OffsetDateTime {
    from_millis(&millis(t).to_string()).unwrap_or(t)
}

impl TokenSealer {
    pub fn new(keys: std::sync::Arc<Keychain>) -> Self {
        Self {
            keys,
            derived: std::sync::Mutex::new(None),
        }
    }

    /// `ring`'s keys for session tokens.
    fn token_keys(&self, ring: std::sync::Arc<KeyRing>) -> std::sync::Arc<KeyRing> {
        let mut derived = self
            .derived
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*derived {
            Some((seen, keys)) if std::sync::Arc::ptr_eq(seen, &ring) => {
                std::sync::Arc::clone(keys)
            }
            _ => {
                let keys = std::sync::Arc::new(ring.derive(TOKEN_KEY_LABEL));
                *derived = Some((ring, std::sync::Arc::clone(&keys)));
                keys
            }
        }
    }

    /// The session token for `access_key_id`.
    pub fn seal(&self, access_key_id: &str, claims: &SessionClaims, rng: &dyn Random) -> Secret {
        let common = format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            claims.account_id,
            claims.user_id.as_deref().unwrap_or(""),
            millis(claims.issued),
            millis(claims.expires),
            claims
                .mfa_authenticated_at
                .map(|t| millis(t).to_string())
                .unwrap_or_default(),
            claims.secret.expose(),
        );
        // Format 1 (GetSessionToken) is unchanged; format 3 adds the role
        // and its session attributes as compact JSON, the last field (format
        // 2, read still, had only the inline policy there).
        let plain = Secret::new(match &claims.role {
            None => format!("1\n{common}"),
            Some(r) => format!(
                "3\n{common}\n{}\n{}\n{}\n{}\n{}",
                r.role_id,
                r.role_name,
                r.role_path,
                r.session_name,
                pack_attributes(&r.attributes),
            ),
        });
        let ring = self.token_keys(self.keys.for_sealing());
        let sealed = ring.seal(plain.expose(), &aad(access_key_id), rng);
        Secret::new(format!("{TOKEN_PREFIX}{sealed}"))
    }

    /// The claims of a genuine token for `access_key_id`; expiry is not checked here.
    pub fn open(&self, access_key_id: &str, token: &str) -> Result<SessionClaims, SessionError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(SessionError::Invalid);
        }
        let sealed = token
            .strip_prefix(TOKEN_PREFIX)
            .ok_or(SessionError::Invalid)?;
        let plain = self
            .token_keys(self.keys.for_opening(sealed))
            .open(sealed, &aad(access_key_id))
            .map_err(|_| SessionError::Invalid)?;
        let fields: Vec<&str> = plain.expose().splitn(12, '\n').collect();
        let (account_id, user_id, issued, expires, mfa, secret, role) = match fields.as_slice() {
            ["1", account_id, user_id, issued, expires, mfa, secret] => {
                (account_id, user_id, issued, expires, mfa, secret, None)
            }
            [
                format @ ("2" | "3"),
                account_id,
                user_id,
                issued,
                expires,
                mfa,
                secret,
                role_id,
                role_name,
                role_path,
                session_name,
                last,
            ] => {
                let attributes = if *format == "3" {
                    unpack_attributes(last)?
                } else {
                    legacy_attributes(last)?
                };
                (
                    account_id,
                    user_id,
                    issued,
                    expires,
                    mfa,
                    secret,
                    Some(RoleClaims {
                        role_id: (*role_id).to_owned(),
                        role_name: (*role_name).to_owned(),
                        role_path: (*role_path).to_owned(),
                        session_name: (*session_name).to_owned(),
                        attributes,
                    }),
                )
            }
            _ => return Err(SessionError::Invalid),
        };
        let mfa_authenticated_at = if mfa.is_empty() {
            None
        } else {
            Some(from_millis(mfa).ok_or(SessionError::Invalid)?)
        };
        Ok(SessionClaims {
            account_id: (*account_id).to_owned(),
            user_id: (!user_id.is_empty()).then(|| (*user_id).to_owned()),
            issued: from_millis(issued).ok_or(SessionError::Invalid)?,
            expires: from_millis(expires).ok_or(SessionError::Invalid)?,
            mfa_authenticated_at,
            secret: Secret::new(*secret),
            role,
        })
    }
}

/// Format 3's last field: the attributes as compact JSON, deflated and
/// base64-encoded, so a token's size follows the packed size AssumeRole
/// limits ([`PACKED_LIMIT`]), not the plaintext's.
fn pack_attributes(a: &SessionAttributes) -> String {
    let json = serde_json::to_string(a).unwrap_or_default();
    let packed = match u16::try_from(json.len()) {
        Ok(len) if json.len() < STORED_BELOW => stored_block(json.as_bytes(), len),
        _ => miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9),
    };
    B64.encode(packed)
}

/// Attributes whose JSON is shorter than this (a session without session
/// policies or tags: `{}`) are sealed as a stored deflate block: setting the
/// compressor up (some 300 KB allocated and cleared) costs more than the
/// handful of bytes it would save.
const STORED_BELOW: usize = 256;

/// `data` as one final stored (uncompressed) deflate block (RFC 1951,
/// 3.2.4), which every inflater, older keyward versions' included, reads.
fn stored_block(data: &[u8], len: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + data.len());
    out.push(0b001); // BFINAL = 1, BTYPE = 00 (stored)
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out
}

fn unpack_attributes(field: &str) -> Result<SessionAttributes, SessionError> {
    let packed = B64.decode(field).map_err(|_| SessionError::Invalid)?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_UNPACKED_LEN)
        .map_err(|_| SessionError::Invalid)?;
    serde_json::from_slice(&json).map_err(|_| SessionError::Invalid)
}

/// Format 2's last field: `P` + the inline session policy, or empty.
fn legacy_attributes(field: &str) -> Result<SessionAttributes, SessionError> {
    let policy = if field.is_empty() {
        None
    } else {
        Some(
            field
                .strip_prefix('P')
                .ok_or(SessionError::Invalid)?
                .to_owned(),
        )
    };
    Ok(SessionAttributes {
        policy,
        ..SessionAttributes::default()
    })
}

/// A verified session, as the credential index keeps it.
#[derive(Debug)]
pub struct SessionEntry {
    pub access_key_id: String,
    pub account_id: String,
    pub principal: Principal,
    pub context: SessionContext,
    token: Secret,
    secret: Secret,
}

impl SessionEntry {
    pub fn new(
        access_key_id: String,
        principal: Principal,
        claims: SessionClaims,
        token: &str,
    ) -> Self {
        Self {
            access_key_id,
            account_id: claims.account_id,
            principal,
            context: SessionContext {
                issued: claims.issued,
                expires: claims.expires,
                mfa_authenticated_at: claims.mfa_authenticated_at,
            },
            token: Secret::new(token),
            secret: claims.secret,
        }
    }

    /// The session's secret access key, for the signing key.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The presented token must be this session's (compared in constant
    /// time) and the session not expired at `now`.
    pub fn check(&self, token: &str, now: OffsetDateTime) -> Result<(), SessionError> {
        if !bool::from(self.token.as_ref().ct_eq(token.as_bytes())) {
            return Err(SessionError::Invalid);
        }
        if now >= self.context.expires {
            return Err(SessionError::Expired);
        }
        Ok(())
    }
}

/// GetSessionToken's session length: validated against the model's bounds
/// (900–129600), defaulted (12 h for users, 1 h for root) and, for root,
/// clamped to one hour.
pub fn session_duration(requested: Option<i64>, root: bool) -> Result<i64> {
    let default = if root {
        ROOT_MAX_DURATION_SECS
    } else {
        USER_DEFAULT_DURATION_SECS
    };
    let secs = requested.unwrap_or(default);
    let mut v = Violations::new();
    v.range(
        "durationSeconds",
        secs,
        MIN_DURATION_SECS,
        MAX_DURATION_SECS,
    );
    v.finish()?;
    Ok(if root {
        secs.min(ROOT_MAX_DURATION_SECS)
    } else {
        secs
    })
}

/// What session credentials may call (sts-api.md §5): GetSessionToken
/// sessions call STS `GetCallerIdentity` and `AssumeRole` only, and IAM only
/// when the session was MFA-authenticated. Long-term credentials pass.
/// `service` is `iam` or `sts`; `action` the API action name.
pub fn check_session_scope(caller: &Caller, service: &str, action: &str) -> Result<()> {
    let Some(session) = &caller.session else {
        return Ok(());
    };
    if matches!(caller.principal, Principal::AssumedRole { .. }) {
        // Role sessions call anything their policies allow, but no
        // GetSessionToken nor GetFederationToken.
        return match (service, action) {
            ("sts", "GetSessionToken") => Err(Error::AccessDenied(
                "Cannot call GetSessionToken with session credentials".into(),
            )),
            ("sts", "GetFederationToken") => Err(Error::AccessDenied(
                "Cannot call GetFederationToken with session credentials".into(),
            )),
            _ => Ok(()),
        };
    }
    match (service, action) {
        ("sts", "GetSessionToken") => Err(Error::AccessDenied(
            "Cannot call GetSessionToken with session credentials".into(),
        )),
        ("sts", "GetCallerIdentity" | "AssumeRole") => Ok(()),
        ("sts", _) => Err(Error::AccessDenied(format!(
            "User: {} is not authorized to perform: sts:{action} with session credentials from GetSessionToken, which may call only sts:GetCallerIdentity and sts:AssumeRole",
            caller.arn()
        ))),
        _ if session.mfa_present() => Ok(()),
        _ => Err(Error::AccessDenied(format!(
            "User: {} is not authorized to perform: {service}:{action} with session credentials obtained without MFA: session credentials may call IAM only when GetSessionToken was called with SerialNumber and TokenCode",
            caller.arn()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock as _, ManualClock};
    use crate::crypto::Kek;
    use crate::random::SeededRandom;

    fn sealer_of(kek: Kek) -> TokenSealer {
        TokenSealer::new(std::sync::Arc::new(Keychain::new(kek.into(), None)))
    }

    fn claims(now: OffsetDateTime, secs: i64) -> SessionClaims {
        SessionClaims {
            account_id: "123456789012".into(),
            user_id: Some("AIDAEXAMPLE".into()),
            issued: to_millis(now),
            expires: to_millis(now) + time::Duration::seconds(secs),
            mfa_authenticated_at: None,
            secret: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            role: None,
        }
    }

    fn start() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).expect("time")
    }

    #[test]
    fn tokens_round_trip_and_bind_their_key() {
        let rng = SeededRandom::new(3);
        let sealer = sealer_of(Kek::generate(&rng));
        let c = claims(start(), 900);
        let token = sealer.seal("ASIAAAAAAAAAAAAAAAAA", &c, &rng);
        assert!(token.expose().starts_with("KWS"));
        assert!(!token.expose().contains("wJalr"));
        let opened = sealer
            .open("ASIAAAAAAAAAAAAAAAAA", token.expose())
            .expect("opens");
        assert_eq!(opened.account_id, c.account_id);
        assert_eq!(opened.user_id, c.user_id);
        assert_eq!(opened.issued, c.issued);
        assert_eq!(opened.expires, c.expires);
        assert_eq!(opened.secret, c.secret);
        // Another key id, another KEK, a flipped character: all refused.
        assert_eq!(
            sealer
                .open("ASIABBBBBBBBBBBBBBBB", token.expose())
                .map(|_| ())
                .expect_err("other key"),
            SessionError::Invalid
        );
        let other = sealer_of(Kek::generate(&rng));
        assert!(other.open("ASIAAAAAAAAAAAAAAAAA", token.expose()).is_err());
        let mut tampered = token.expose().to_owned();
        let i = tampered.len() - 5;
        let flipped = if &tampered[i..=i] == "A" { "B" } else { "A" };
        tampered.replace_range(i..=i, flipped);
        assert!(sealer.open("ASIAAAAAAAAAAAAAAAAA", &tampered).is_err());
        assert!(sealer.open("ASIAAAAAAAAAAAAAAAAA", "").is_err());
    }

    #[test]
    fn role_tokens_round_trip_with_session_attributes() {
        let rng = SeededRandom::new(6);
        let sealer = sealer_of(Kek::generate(&rng));
        let mut c = claims(start(), 900);
        c.user_id = None;
        let policy = "{\n \"Version\": \"2012-10-17\",\n \"Statement\": []\n}";
        let full = SessionAttributes {
            policy: Some(policy.to_owned()),
            policy_arns: vec!["arn:aws:iam::aws:policy/IAMReadOnlyAccess".into()],
            tags: vec![crate::model::Tag {
                key: "team blue".into(),
                value: "a=b:c/d".into(),
            }],
            transitive_tag_keys: vec!["team blue".into()],
            source_identity: Some("alice@example.com".into()),
        };
        for attributes in [SessionAttributes::default(), full] {
            c.role = Some(RoleClaims {
                role_id: "AROAEXAMPLE".into(),
                role_name: "ops".into(),
                role_path: "/team/".into(),
                session_name: "s1".into(),
                attributes,
            });
            let token = sealer.seal("ASIAAAAAAAAAAAAAAAAA", &c, &rng);
            let opened = sealer
                .open("ASIAAAAAAAAAAAAAAAAA", token.expose())
                .expect("opens");
            assert_eq!(opened.role, c.role);
            assert_eq!(opened.user_id, None);
            assert_eq!(opened.secret, c.secret);
        }
    }

    #[test]
    fn the_largest_role_tokens_stay_small() {
        let rng = SeededRandom::new(8);
        let sealer = sealer_of(Kek::generate(&rng));
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut noise = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(x % 36) as usize])
                })
                .collect()
        };
        // About PACKED_LIMIT bytes once deflated: a 2,048-character policy of noise.
        let mut c = claims(start(), 900);
        c.role = Some(RoleClaims {
            role_id: "AROAEXAMPLE".into(),
            role_name: noise(64),
            role_path: "/".into(),
            session_name: noise(64),
            attributes: SessionAttributes {
                policy: Some(noise(2048)),
                source_identity: Some(noise(64)),
                ..SessionAttributes::default()
            },
        });
        let token = sealer.seal("ASIAAAAAAAAAAAAAAAAA", &c, &rng);
        assert!(token.expose().len() < 4096, "{}", token.expose().len());
        assert!(sealer.open("ASIAAAAAAAAAAAAAAAAA", token.expose()).is_ok());
    }

    #[test]
    fn small_attributes_are_stored_large_ones_deflated_both_unpack() {
        let small = SessionAttributes {
            source_identity: Some("alice".into()),
            ..SessionAttributes::default()
        };
        let field = pack_attributes(&small);
        let raw = B64.decode(&field).expect("base64");
        assert_eq!(raw[0], 0b001, "one final stored block");
        assert_eq!(unpack_attributes(&field).expect("unpacks"), small);
        assert_eq!(
            unpack_attributes(&pack_attributes(&SessionAttributes::default())).expect("unpacks"),
            SessionAttributes::default()
        );
        let large = SessionAttributes {
            policy: Some(format!(
                r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
                vec![r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#; 20].join(",")
            )),
            ..SessionAttributes::default()
        };
        let field = pack_attributes(&large);
        let json = serde_json::to_string(&large).expect("json");
        assert!(
            B64.decode(&field).expect("base64").len() < json.len() / 4,
            "deflated"
        );
        assert_eq!(unpack_attributes(&field).expect("unpacks"), large);
    }

    #[test]
    fn format_2_role_tokens_still_open() {
        let rng = SeededRandom::new(7);
        let sealer = sealer_of(Kek::generate(&rng));
        let plain = "2\n123456789012\n\n1700000000000\n1700000900000\n\nsecret\nAROAEXAMPLE\nops\n/\ns1\nP{\n}";
        let token = format!(
            "KWS{}",
            sealer.keys.for_sealing().derive(TOKEN_KEY_LABEL).seal(
                plain,
                &aad("ASIAAAAAAAAAAAAAAAAA"),
                &rng
            )
        );
        let opened = sealer.open("ASIAAAAAAAAAAAAAAAAA", &token).expect("opens");
        let role = opened.role.expect("role");
        assert_eq!(role.attributes.policy.as_deref(), Some("{\n}"));
        assert!(role.attributes.tags.is_empty());
    }

    #[test]
    fn a_token_sealed_under_the_kek_itself_does_not_open() {
        // Access key secrets are sealed with the KEK; tokens with a derived key.
        let rng = SeededRandom::new(4);
        let kek = Kek::generate(&rng);
        let forged = format!(
            "KWS{}",
            kek.seal("1\n1\n\n0\n9999999999999\n\nx", "session-token:ASIAX", &rng)
        );
        assert!(sealer_of(kek).open("ASIAX", &forged).is_err());
    }

    #[test]
    fn tokens_sealed_before_a_kek_rotation_still_open() {
        let rng = SeededRandom::new(5);
        let kek = Kek::generate(&rng);
        let before = sealer_of(kek.clone());
        let claims = SessionClaims {
            account_id: "123456789012".into(),
            user_id: None,
            issued: OffsetDateTime::UNIX_EPOCH,
            expires: OffsetDateTime::UNIX_EPOCH,
            mfa_authenticated_at: None,
            secret: Secret::new("s"),
            role: None,
        };
        let token = before.seal("ASIAOLD", &claims, &rng);
        let rotated = KeyRing::from(kek)
            .with_key(2, Kek::generate(&rng))
            .expect("ring");
        let after = TokenSealer::new(std::sync::Arc::new(Keychain::new(rotated, None)));
        assert!(after.open("ASIAOLD", token.expose()).is_ok());
        let new_token = after.seal("ASIANEW", &claims, &rng);
        assert!(new_token.expose().starts_with("KWSv2:2:"));
        assert!(before.open("ASIANEW", new_token.expose()).is_err());
    }

    #[test]
    fn sessions_expire_by_the_injected_clock() {
        let rng = SeededRandom::new(5);
        let clock = ManualClock::new(start());
        let sealer = sealer_of(Kek::generate(&rng));
        let c = claims(clock.now(), 900);
        let token = sealer.seal("ASIAAAAAAAAAAAAAAAAA", &c, &rng);
        let opened = sealer
            .open("ASIAAAAAAAAAAAAAAAAA", token.expose())
            .expect("opens");
        let entry = SessionEntry::new(
            "ASIAAAAAAAAAAAAAAAAA".into(),
            Principal::Root,
            opened,
            token.expose(),
        );
        assert_eq!(entry.check(token.expose(), clock.now()), Ok(()));
        assert_eq!(
            entry.check("KWSv1:other", clock.now()),
            Err(SessionError::Invalid)
        );
        clock.advance(time::Duration::seconds(899));
        assert_eq!(entry.check(token.expose(), clock.now()), Ok(()));
        clock.advance(time::Duration::seconds(1));
        assert_eq!(
            entry.check(token.expose(), clock.now()),
            Err(SessionError::Expired)
        );
        // A wrong token stays "invalid" after expiry, never "expired".
        assert_eq!(
            entry.check("KWSv1:other", clock.now()),
            Err(SessionError::Invalid)
        );
    }

    #[test]
    fn what_sessions_may_call() {
        let mut caller = Caller {
            account_id: "123456789012".into(),
            principal: Principal::Root,
            access_key_id: "ASIAAAAAAAAAAAAAAAAA".into(),
            partition: "aws",
            region: "us-east-1".into(),
            service: "sts".into(),
            source_ip: None,
            secure_transport: false,
            session: None,
        };
        // Long-term credentials: anything.
        assert!(check_session_scope(&caller, "sts", "GetSessionToken").is_ok());
        assert!(check_session_scope(&caller, "iam", "ListUsers").is_ok());

        caller.session = Some(SessionContext {
            issued: start(),
            expires: start() + time::Duration::seconds(900),
            mfa_authenticated_at: None,
        });
        assert!(check_session_scope(&caller, "sts", "GetCallerIdentity").is_ok());
        assert!(check_session_scope(&caller, "sts", "AssumeRole").is_ok());
        assert_eq!(
            check_session_scope(&caller, "sts", "GetSessionToken")
                .expect_err("no sessions from sessions")
                .to_string(),
            "Cannot call GetSessionToken with session credentials"
        );
        assert!(check_session_scope(&caller, "sts", "GetFederationToken").is_err());
        let denied = check_session_scope(&caller, "iam", "ListUsers").expect_err("no MFA");
        assert!(matches!(denied, Error::AccessDenied(_)));
        assert!(denied.to_string().contains("iam:ListUsers"), "{denied}");

        // An MFA-authenticated session may call IAM (policies still decide);
        // still no GetSessionToken.
        caller.session = Some(SessionContext {
            issued: start(),
            expires: start() + time::Duration::seconds(900),
            mfa_authenticated_at: Some(start()),
        });
        assert!(check_session_scope(&caller, "iam", "ListUsers").is_ok());
        assert!(check_session_scope(&caller, "sts", "GetSessionToken").is_err());

        // A role session without MFA: IAM and AssumeRole (policies decide),
        // but no GetSessionToken nor GetFederationToken.
        caller.principal = Principal::AssumedRole {
            user_id: "AROAEXAMPLE:s1".into(),
            role_id: "AROAEXAMPLE".into(),
            role_name: "ops".into(),
            role_path: "/".into(),
            session_name: "s1".into(),
            attributes: Default::default(),
        };
        caller.session = Some(SessionContext {
            issued: start(),
            expires: start() + time::Duration::seconds(900),
            mfa_authenticated_at: None,
        });
        assert!(check_session_scope(&caller, "iam", "ListUsers").is_ok());
        assert!(check_session_scope(&caller, "sts", "AssumeRole").is_ok());
        assert!(check_session_scope(&caller, "sts", "GetSessionToken").is_err());
        assert!(check_session_scope(&caller, "sts", "GetFederationToken").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(session_duration(None, false).ok(), Some(43_200));
        assert_eq!(session_duration(None, true).ok(), Some(3_600));
        assert_eq!(session_duration(Some(900), true).ok(), Some(900));
        assert_eq!(session_duration(Some(129_600), false).ok(), Some(129_600));
        assert_eq!(session_duration(Some(7_200), true).ok(), Some(3_600));
        let low = session_duration(Some(899), false).expect_err("too short");
        assert_eq!(
            low.to_string(),
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
        );
        assert!(session_duration(Some(129_601), false).is_err());
        assert!(session_duration(Some(129_601), true).is_err());
    }
}
