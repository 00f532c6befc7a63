//! STS AssumeRole: the trust policy and the caller's policies, session
//! policies (`Policy`, `PolicyArns`), session tags (`Tags`,
//! `TransitiveTagKeys`) and the source identity, sealed into the session
//! token.

use std::sync::Arc;

use keyward_policy::{CompiledPolicy, ContextValue, PolicyInput, PolicyType, RequestContext};

use super::Keyward;
use super::policies;
use super::sessions::SessionCredentials;
use crate::authz::{self, AppliedPolicy};
use crate::caller::{Caller, Principal, SessionAttributes};
use crate::crypto::Secret;
use crate::ids::{self, IdKind};
use crate::model::{AuditEvent, Role, Tag};
use crate::session::{self, PACKED_LIMIT, RoleClaims, SessionClaims};
use crate::validate::{self, Violations};
use crate::{Error, Result};

/// AssumeRole's parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssumeRoleInput<'a> {
    pub role_arn: &'a str,
    pub role_session_name: &'a str,
    pub duration_seconds: Option<i64>,
    pub external_id: Option<&'a str>,
    pub policy: Option<&'a str>,
    pub policy_arns: &'a [String],
    pub tags: &'a [Tag],
    pub transitive_tag_keys: &'a [String],
    pub source_identity: Option<&'a str>,
    pub serial_number: Option<&'a str>,
    pub token_code: Option<&'a str>,
}

/// What AssumeRole returns, once.
#[derive(Debug, Clone)]
pub struct AssumedRole {
    pub credentials: SessionCredentials,
    /// `AROA…:{RoleSessionName}`.
    pub assumed_role_id: String,
    /// `arn:aws:sts::ACCT:assumed-role/{RoleName}/{RoleSessionName}`.
    pub arn: String,
    /// Only when the session has session policies or tags: the percentage
    /// of [`PACKED_LIMIT`] they use.
    pub packed_policy_size: Option<i64>,
    /// The session's source identity, set now or carried from the caller's.
    pub source_identity: Option<String>,
}

/// At most this many managed session policies, session tags and transitive keys.
const MAX_POLICY_ARNS: usize = 10;
const MAX_SESSION_TAGS: usize = 50;

/// `arn:{partition}:iam::{account}:role{path}{name}` → (account, path, name).
fn parse_role_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    if *prefix != "arn"
        || partition.is_empty()
        || *service != "iam"
        || !region.is_empty()
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let rest = resource.strip_prefix("role/")?;
    let (path, name) = match rest.rfind('/') {
        Some(i) => (&resource[4..=5 + i], &rest[i + 1..]),
        None => ("/", rest),
    };
    (!name.is_empty()).then_some((account, path, name))
}

fn is_sts_name(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// The model's constraints on AssumeRole's parameters.
fn check_input(input: &AssumeRoleInput<'_>) -> Result<()> {
    let mut v = Violations::new();
    v.text("roleArn", input.role_arn, 20, 2048, None);
    v.text(
        "roleSessionName",
        input.role_session_name,
        2,
        64,
        Some((r"[\w+=,.@-]*", is_sts_name)),
    );
    if let Some(d) = input.duration_seconds {
        v.range("durationSeconds", d, session::MIN_DURATION_SECS, 43_200);
    }
    if let Some(e) = input.external_id {
        v.text(
            "externalId",
            e,
            2,
            1224,
            Some((r"[\w+=,.@:\/-]*", |s: &str| {
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c))
            })),
        );
    }
    if let Some(p) = input.policy {
        // AWS: a session policy's plaintext may not exceed 2,048 characters.
        v.text(
            "policy",
            p,
            1,
            2048,
            Some((r"[\u0009\u000A\u000D\u0020-\u00FF]+", |s: &str| {
                s.chars()
                    .all(|c| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{ff}'))
            })),
        );
    }
    count(
        &mut v,
        "policyArns",
        input.policy_arns.len(),
        MAX_POLICY_ARNS,
    );
    for (i, arn) in input.policy_arns.iter().enumerate() {
        v.text(
            &format!("policyArns.{}.member.arn", i + 1),
            arn,
            20,
            2048,
            None,
        );
    }
    count(&mut v, "tags", input.tags.len(), MAX_SESSION_TAGS);
    for (i, t) in input.tags.iter().enumerate() {
        v.text(
            &format!("tags.{}.member.key", i + 1),
            &t.key,
            1,
            128,
            Some((r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", validate::is_tag_text)),
        );
        v.text(
            &format!("tags.{}.member.value", i + 1),
            &t.value,
            0,
            256,
            Some((r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", validate::is_tag_text)),
        );
    }
    count(
        &mut v,
        "transitiveTagKeys",
        input.transitive_tag_keys.len(),
        MAX_SESSION_TAGS,
    );
    for (i, k) in input.transitive_tag_keys.iter().enumerate() {
        v.text(
            &format!("transitiveTagKeys.{}.member", i + 1),
            k,
            1,
            128,
            Some((r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", validate::is_tag_text)),
        );
    }
    if let Some(s) = input.source_identity {
        v.text(
            "sourceIdentity",
            s,
            2,
            64,
            Some((r"[\w+=,.@-]*", is_sts_name)),
        );
    }
    v.finish()
}

/// A list's length constraint, in AWS's wording.
fn count(v: &mut Violations, field: &str, n: usize, max: usize) {
    if n > max {
        v.secret(
            field,
            &format!("Member must have length less than or equal to {max}"),
        );
    }
}

/// The session's attributes: the requested tags (no duplicate keys, any
/// case; transitive keys among them), plus the calling session's transitive
/// tags, which may not be set again; the source identity, which may not change.
fn session_attributes(
    caller: &Caller,
    input: &AssumeRoleInput<'_>,
    policy: Option<String>,
) -> Result<SessionAttributes> {
    let tags = input.tags;
    for (i, t) in tags.iter().enumerate() {
        if tags[..i].iter().any(|o| o.key.eq_ignore_ascii_case(&t.key)) {
            return Err(Error::InvalidParameterValue(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.".into(),
            ));
        }
    }
    for k in input.transitive_tag_keys {
        if !tags.iter().any(|t| t.key.eq_ignore_ascii_case(k)) {
            return Err(Error::InvalidParameterValue(
                "The specified transitive tag key must be included in the requested tags.".into(),
            ));
        }
    }
    let mut attributes = SessionAttributes {
        policy,
        policy_arns: input.policy_arns.to_vec(),
        tags: tags.to_vec(),
        transitive_tag_keys: input.transitive_tag_keys.to_vec(),
        source_identity: input.source_identity.map(str::to_owned),
    };
    let Some(parent) = caller.session_attributes() else {
        return Ok(attributes);
    };
    for inherited in parent.transitive_tags() {
        if tags
            .iter()
            .any(|t| t.key.eq_ignore_ascii_case(&inherited.key))
        {
            return Err(Error::InvalidParameterValue(
                "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.".into(),
            ));
        }
        attributes.tags.push(inherited.clone());
        attributes.transitive_tag_keys.push(inherited.key.clone());
    }
    if let Some(set) = &parent.source_identity {
        if attributes
            .source_identity
            .as_ref()
            .is_some_and(|s| s != set)
        {
            return Err(Error::InvalidParameterValue(
                "The source identity of a role session cannot be changed: chained sessions keep the calling session's SourceIdentity.".into(),
            ));
        }
        attributes.source_identity = Some(set.clone());
    }
    if attributes.tags.len() > MAX_SESSION_TAGS {
        return Err(Error::InvalidParameterValue(format!(
            "The number of session tags, with those passed on by the calling session, exceeds {MAX_SESSION_TAGS}."
        )));
    }
    Ok(attributes)
}

/// Deflated size of what is packed: session policies and tags.
fn packed_len(value: &serde_json::Value) -> usize {
    let text = value.to_string();
    miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9).len()
}

fn percent(len: usize) -> i64 {
    i64::try_from((len * 100).div_ceil(PACKED_LIMIT)).unwrap_or(i64::MAX)
}

/// `PackedPolicySize`, or `PackedPolicyTooLarge` beyond 100 %, with AWS's
/// two messages (tags alone over the limit, or policies and tags together).
fn packed_policy_size(a: &SessionAttributes) -> Result<Option<i64>> {
    if !a.has_session_policy() && a.tags.is_empty() {
        return Ok(None);
    }
    let tags = serde_json::json!({ "t": a.tags, "k": a.transitive_tag_keys });
    let tags_pct = percent(packed_len(&tags));
    if !a.tags.is_empty() && tags_pct > 100 {
        return Err(Error::PackedPolicyTooLarge(format!(
            "Packed size of session tags consumes {tags_pct}% of allotted space."
        )));
    }
    let all = serde_json::json!({ "p": a.policy, "a": a.policy_arns, "t": a.tags, "k": a.transitive_tag_keys });
    let pct = percent(packed_len(&all));
    if pct > 100 {
        return Err(Error::PackedPolicyTooLarge(format!(
            "Packed policy consumes {pct}% of allotted space, please use smaller policy for this request."
        )));
    }
    Ok(Some(pct.max(1)))
}

/// The actions the trust policy (and, where AWS requires it, the caller's
/// policies) must allow: `sts:AssumeRole`, `sts:TagSession` when tags are
/// passed, `sts:SetSourceIdentity` when the session has a source identity.
fn required_actions(input: &AssumeRoleInput<'_>, a: &SessionAttributes) -> Vec<&'static str> {
    let mut actions = vec!["sts:AssumeRole"];
    if !input.tags.is_empty() {
        actions.push("sts:TagSession");
    }
    if a.source_identity.is_some() {
        actions.push("sts:SetSourceIdentity");
    }
    actions
}

/// Whether the caller's permissions boundary and session policies, when it
/// has them, allow the request (AWS: a trust policy naming a user still
/// needs the user's boundary to allow `sts:AssumeRole`).
fn limits_allow(ctx: &RequestContext, policies: &[AppliedPolicy]) -> bool {
    [PolicyType::PermissionsBoundary, PolicyType::Session]
        .into_iter()
        .all(|t| {
            let layer: Vec<PolicyInput<'_>> = policies
                .iter()
                .filter(|p| p.policy_type == t)
                .map(|p| PolicyInput::new(&p.id, PolicyType::Identity, &p.compiled))
                .collect();
            layer.is_empty() || keyward_policy::evaluate(ctx, &layer).is_allowed()
        })
}

impl Keyward {
    /// AssumeRole: temporary credentials for a role, same-account or
    /// cross-account within this keyward. The role's trust policy must allow
    /// the caller. The caller's own policies must allow it too, except in the
    /// role's account when the trust policy names the caller itself (AWS:
    /// naming the user's ARN grants it; naming the account delegates to the
    /// account's identity policies). Root is refused.
    pub async fn assume_role(
        &self,
        caller: &Caller,
        input: AssumeRoleInput<'_>,
    ) -> Result<AssumedRole> {
        check_input(&input)?;
        let (role_account, role_path, role_name) = parse_role_arn(input.role_arn)
            .ok_or_else(|| Error::Validation(format!("{} is invalid", input.role_arn)))?;
        if caller.is_root() {
            return Err(Error::AccessDenied(
                "Roles may not be assumed by root accounts.".into(),
            ));
        }
        let session_policy = match input.policy {
            Some(doc) => {
                keyward_policy::parse(doc, keyward_policy::PolicyKind::Session)
                    .map_err(|e| Error::MalformedPolicyDocument(e.to_string()))?;
                Some(doc.to_owned())
            }
            None => None,
        };
        for arn in input.policy_arns {
            authz::check_arn(arn)?;
        }
        let attributes = session_attributes(caller, &input, session_policy)?;
        let packed_policy_size = packed_policy_size(&attributes)?;
        let mfa_authenticated_at = self
            .verify_session_mfa(caller, input.serial_number, input.token_code)
            .await?
            .or_else(|| caller.session.as_ref().and_then(|s| s.mfa_authenticated_at));
        let role = match self.cached_role(role_account, role_name).await? {
            Some(r) if r.path == role_path && r.name == role_name => Some(r),
            _ => None,
        };
        for action in required_actions(&input, &attributes) {
            self.check_assume(
                caller,
                &input,
                &attributes,
                role.as_deref(),
                action,
                mfa_authenticated_at.is_some(),
            )
            .await?;
        }
        let Some(role) = role else {
            return Err(denied(caller, input.role_arn, "sts:AssumeRole"));
        };
        for arn in &attributes.policy_arns {
            if self
                .managed_document(&role.account_id, arn)
                .await?
                .is_none()
            {
                return Err(Error::InvalidParameterValue(format!(
                    "Policy {arn} does not exist or is not attachable."
                )));
            }
        }
        let secs = role_session_duration(caller, &input, &role)?;
        let issued = session::to_millis(self.clock.now());
        let expires = issued + time::Duration::seconds(secs);
        let access_key_id =
            ids::new_access_key_id(IdKind::TemporaryAccessKey, &role.account_id, self.rng());
        let source_identity = attributes.source_identity.clone();
        let claims = SessionClaims {
            account_id: role.account_id.clone(),
            user_id: None,
            issued,
            expires,
            mfa_authenticated_at,
            secret: Secret::new(ids::new_secret_access_key(self.rng())),
            role: Some(RoleClaims {
                role_id: role.role_id.clone(),
                role_name: role.name.clone(),
                role_path: role.path.clone(),
                session_name: input.role_session_name.to_owned(),
                attributes,
            }),
        };
        let token = self.tokens.seal(&access_key_id, &claims, self.rng());
        let assumed_role_arn = format!(
            "arn:{}:sts::{}:assumed-role/{}/{}",
            caller.partition, role.account_id, role.name, input.role_session_name
        );
        self.audit_assume_role(caller, &input, &role, &access_key_id, &claims)
            .await?;
        tracing::debug!(caller = %caller.arn(), role = %input.role_arn, %access_key_id, seconds = secs, "sts:AssumeRole");
        Ok(AssumedRole {
            credentials: SessionCredentials {
                access_key_id,
                secret: claims.secret,
                token,
                expires,
            },
            assumed_role_id: format!("{}:{}", role.role_id, input.role_session_name),
            arn: assumed_role_arn,
            packed_policy_size,
            source_identity,
        })
    }

    /// One action of AssumeRole against the trust policy, evaluated together
    /// with the caller's policies (explicit denies, boundaries and session
    /// policies apply; cross-account the caller's identity policies must
    /// allow, in the same account only when the trust policy names the
    /// account rather than the caller).
    async fn check_assume(
        &self,
        caller: &Caller,
        input: &AssumeRoleInput<'_>,
        attributes: &SessionAttributes,
        role: Option<&Role>,
        action: &'static str,
        mfa: bool,
    ) -> Result<()> {
        let refused = || denied(caller, input.role_arn, action);
        let Some(caller_authz) = self.principal_authz(caller).await? else {
            return Err(refused());
        };
        let mut ctx = authz::request_context(caller, action, input.role_arn, self.clock.now());
        authz::add_tag_context(&mut ctx, &caller_authz.tags, input.tags);
        if let Some(e) = input.external_id {
            ctx.set("sts:ExternalId", vec![e.into()]);
        }
        ctx.set("sts:RoleSessionName", vec![input.role_session_name.into()]);
        if let Some(s) = &attributes.source_identity {
            ctx.set("sts:SourceIdentity", vec![s.as_str().into()]);
        }
        if !input.transitive_tag_keys.is_empty() {
            ctx.set(
                "sts:TransitiveTagKeys",
                input
                    .transitive_tag_keys
                    .iter()
                    .map(|k| ContextValue::from(k.as_str()))
                    .collect(),
            );
        }
        ctx.set("aws:MultiFactorAuthPresent", vec![mfa.into()]);
        let Some(role) = role else {
            return Err(refused());
        };
        let role_arn = role.arn(caller.partition);
        let Some(trust) = self.trust_policy(role, &role_arn) else {
            return Err(refused());
        };
        let trust_id = format!("{role_arn}/trust");
        let mut inputs: Vec<PolicyInput<'_>> = caller_authz
            .policies
            .iter()
            .map(|p| PolicyInput::new(&p.id, p.policy_type, &p.compiled))
            .collect();
        inputs.push(PolicyInput::new(&trust_id, PolicyType::Trust, &trust));
        if keyward_policy::evaluate(&ctx, &inputs).is_allowed()
            && limits_allow(&ctx, &caller_authz.policies)
        {
            Ok(())
        } else {
            Err(refused())
        }
    }

    /// The role's trust policy, compiled once per document.
    fn trust_policy(&self, role: &Role, arn: &str) -> Option<Arc<CompiledPolicy>> {
        if let Some(compiled) = self.trust.get(&role.role_id, arn, &role.trust_policy) {
            return Some(compiled);
        }
        let compiled = policies::compile(arn, &role.trust_policy)?;
        self.trust.insert(
            &role.account_id,
            &role.role_id,
            arn,
            &role.trust_policy,
            Arc::clone(&compiled),
        );
        Some(compiled)
    }

    /// AssumeRole's audit event, in the role's account and, across
    /// accounts, in the caller's too (as CloudTrail logs it in both).
    async fn audit_assume_role(
        &self,
        caller: &Caller,
        input: &AssumeRoleInput<'_>,
        role: &Role,
        access_key_id: &str,
        claims: &SessionClaims,
    ) -> Result<()> {
        let attributes = claims.role.as_ref().map(|r| &r.attributes);
        let detail = AssumeRoleDetail {
            role_arn: input.role_arn,
            role_session_name: input.role_session_name,
            access_key_id,
            signed_with: &caller.access_key_id,
            duration_seconds: (claims.expires - claims.issued).whole_seconds(),
            mfa_authenticated: claims.mfa_authenticated_at.is_some(),
            external_id_present: input.external_id.is_some(),
            session_policy: input.policy.is_some(),
            policy_arns: input.policy_arns,
            session_tag_keys: attributes.map(|a| a.tags.iter().map(|t| t.key.as_str()).collect()),
            source_identity: attributes.and_then(|a| a.source_identity.as_deref()),
        };
        let arn = role.arn(caller.partition);
        let event = self.audit(
            &role.account_id,
            &caller.arn(),
            "sts:AssumeRole",
            &arn,
            &detail,
        );
        let own = (caller.account_id != role.account_id).then(|| AuditEvent {
            account_id: caller.account_id.clone(),
            ..event.clone()
        });
        self.record_detached_audit(event).await?;
        match own {
            Some(own) => self.record_detached_audit(own).await,
            None => Ok(()),
        }
    }
}

/// AWS's AccessDenied for AssumeRole and its companion actions.
fn denied(caller: &Caller, role_arn: &str, action: &str) -> Error {
    Error::AccessDenied(format!(
        "User: {} is not authorized to perform: {action} on resource: {role_arn}",
        caller.arn()
    ))
}

/// Durations: 900 up to the role's maximum (one hour when chaining).
fn role_session_duration(caller: &Caller, input: &AssumeRoleInput<'_>, role: &Role) -> Result<i64> {
    let chaining = matches!(caller.principal, Principal::AssumedRole { .. });
    let secs = input
        .duration_seconds
        .unwrap_or(session::ROLE_DEFAULT_DURATION_SECS);
    if chaining && secs > session::ROLE_CHAINING_MAX_SECS {
        return Err(Error::Validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.".into(),
        ));
    }
    if secs > role.max_session_duration {
        return Err(Error::Validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .into(),
        ));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/ops"),
            Some(("123456789012", "/", "ops"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/team/a/ops"),
            Some(("123456789012", "/team/a/", "ops"))
        );
        for bad in [
            "nothing-valid-in-here",
            "arn:aws:iam::123456789012:user/ops",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::12345:role/ops",
            "arn:aws:s3::123456789012:role/ops",
            "arn:aws:iam:us-east-1:123456789012:role/ops",
        ] {
            assert_eq!(parse_role_arn(bad), None, "{bad}");
        }
    }

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: v.into(),
        }
    }

    #[test]
    fn packed_sizes_and_their_limit() {
        let small = SessionAttributes {
            policy: Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#.into()),
            ..SessionAttributes::default()
        };
        let pct = packed_policy_size(&small).expect("fits").expect("a size");
        assert!((1..=15).contains(&pct), "{pct}");
        assert_eq!(
            packed_policy_size(&SessionAttributes::default()).expect("ok"),
            None
        );
        // 50 tags of incompressible text go over; AWS's tags message.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let noisy: Vec<Tag> = (0..50u32)
            .map(|i| {
                let v: String = (0..200)
                    .map(|_| {
                        // xorshift64: text that does not compress.
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        char::from_digit(u32::try_from(x % 36).unwrap_or(0), 36).unwrap_or('a')
                    })
                    .collect();
                tag(&format!("k{i}"), &v)
            })
            .collect();
        let err = packed_policy_size(&SessionAttributes {
            tags: noisy,
            ..SessionAttributes::default()
        })
        .expect_err("too large");
        assert!(matches!(err, Error::PackedPolicyTooLarge(_)));
        assert!(
            err.to_string()
                .starts_with("Packed size of session tags consumes "),
            "{err}"
        );
    }

    fn role_session(parent: SessionAttributes) -> Caller {
        Caller {
            account_id: "123456789012".into(),
            principal: Principal::AssumedRole {
                user_id: "AROAEXAMPLE:s1".into(),
                role_id: "AROAEXAMPLE".into(),
                role_name: "ops".into(),
                role_path: "/".into(),
                session_name: "s1".into(),
                attributes: Arc::new(parent),
            },
            access_key_id: "ASIA".into(),
            partition: "aws",
            region: "us-east-1".into(),
            service: "sts".into(),
            source_ip: None,
            secure_transport: false,
            session: None,
        }
    }

    #[test]
    fn session_tags_transitive_keys_and_source_identity() {
        let tags = [tag("Project", "blue"), tag("cost", "1")];
        let keys = ["project".to_owned()];
        let input = AssumeRoleInput {
            tags: &tags,
            transitive_tag_keys: &keys,
            source_identity: Some("alice"),
            ..AssumeRoleInput::default()
        };
        let parent = session_attributes(&role_session(SessionAttributes::default()), &input, None)
            .expect("valid");
        assert_eq!(parent.transitive_tags().count(), 1);

        // Duplicate keys in any case; a transitive key not among the tags.
        let dup = [tag("a", "1"), tag("A", "2")];
        let e = session_attributes(
            &role_session(SessionAttributes::default()),
            &AssumeRoleInput {
                tags: &dup,
                ..AssumeRoleInput::default()
            },
            None,
        )
        .expect_err("duplicate");
        assert_eq!(
            e.to_string(),
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        );
        let stray = ["other".to_owned()];
        let e = session_attributes(
            &role_session(SessionAttributes::default()),
            &AssumeRoleInput {
                tags: &tags,
                transitive_tag_keys: &stray,
                ..AssumeRoleInput::default()
            },
            None,
        )
        .expect_err("stray key");
        assert_eq!(
            e.to_string(),
            "The specified transitive tag key must be included in the requested tags."
        );

        // Chained: the transitive tag and the source identity pass on; the
        // transitive key may not be set again, the source identity not changed.
        let chained = role_session(parent);
        let next =
            session_attributes(&chained, &AssumeRoleInput::default(), None).expect("chained");
        assert_eq!(next.tags, vec![tag("Project", "blue")]);
        assert_eq!(next.transitive_tag_keys, vec!["Project".to_owned()]);
        assert_eq!(next.source_identity.as_deref(), Some("alice"));
        let again = [tag("PROJECT", "red")];
        let e = session_attributes(
            &chained,
            &AssumeRoleInput {
                tags: &again,
                ..AssumeRoleInput::default()
            },
            None,
        )
        .expect_err("conflict");
        assert!(matches!(e, Error::InvalidParameterValue(_)));
        let e = session_attributes(
            &chained,
            &AssumeRoleInput {
                source_identity: Some("bob"),
                ..AssumeRoleInput::default()
            },
            None,
        )
        .expect_err("changed");
        assert!(matches!(e, Error::InvalidParameterValue(_)));
        // A non-transitive tag of the parent does not pass on.
        assert!(!next.tags.iter().any(|t| t.key == "cost"));
    }
}

/// What AssumeRole's audit event records (never a secret), serialized
/// straight to JSON: it is written for every call.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct AssumeRoleDetail<'a> {
    role_arn: &'a str,
    role_session_name: &'a str,
    access_key_id: &'a str,
    signed_with: &'a str,
    duration_seconds: i64,
    mfa_authenticated: bool,
    external_id_present: bool,
    session_policy: bool,
    policy_arns: &'a [String],
    session_tag_keys: Option<Vec<&'a str>>,
    source_identity: Option<&'a str>,
}
