//! Authorization: the caller's policies, evaluated by keyward-policy against
//! the request context, from memory.
//!
//! Compiled policies are cached per user and evicted by every change to the
//! user's attachments made through [`crate::service::Keyward`], so a change is
//! enforced on the very next request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use keyward_policy::{
    CompiledPolicy, ContextValue, PolicyInput, PolicyType, RequestContext, RequestPrincipal,
    managed,
};
use time::OffsetDateTime;

use crate::caller::{Caller, Principal};
use crate::guarded::Guarded;
use crate::model::Tag;
use crate::{Error, Result};

/// One policy that applies to a principal: its id (ARN) and compiled form.
#[derive(Debug)]
pub struct AppliedPolicy {
    pub id: String,
    pub policy_type: PolicyType,
    pub compiled: Arc<CompiledPolicy>,
}

/// The AWS managed policies, compiled once.
#[derive(Debug)]
pub struct ManagedCatalog(
    HashMap<&'static str, (&'static managed::ManagedPolicy, Arc<CompiledPolicy>)>,
);

impl ManagedCatalog {
    pub fn load() -> Self {
        let map = managed::MANAGED_POLICIES
            .iter()
            .filter_map(|m| match m.policy() {
                Ok(p) => Some((m.arn, (m, Arc::new(CompiledPolicy::new(&p))))),
                Err(e) => {
                    tracing::error!(policy = m.name, error = %e, "a shipped managed policy does not parse; it is unavailable");
                    None
                }
            })
            .collect();
        Self(map)
    }

    pub fn get(
        &self,
        arn: &str,
    ) -> Option<&(&'static managed::ManagedPolicy, Arc<CompiledPolicy>)> {
        self.0.get(arn)
    }
}

/// What decides one user's requests: its policies (identity policies of the
/// user and its groups, and the permissions boundary) and its tags.
#[derive(Debug, Default)]
pub struct UserAuthz {
    pub policies: Vec<AppliedPolicy>,
    pub tags: Vec<Tag>,
    /// The ids of the groups whose policies are among `policies`, so a
    /// group's change forgets exactly its members' entries.
    pub groups: Vec<String>,
}

impl UserAuthz {
    fn uses_group(&self, group_id: &str) -> bool {
        self.groups.iter().any(|g| g == group_id)
    }

    fn uses_policy(&self, arn: &str) -> bool {
        self.policies.iter().any(|p| p.id == arn)
    }
}

/// User id (or role id, for role sessions) → the policies that apply to it.
///
/// A generation number guards against a load that read the store before a
/// change and finishes after it: such a load is not cached.
#[derive(Debug, Default)]
pub struct PolicyCache {
    map: Guarded<HashMap<String, (String, Arc<UserAuthz>)>>,
}

impl PolicyCache {
    pub fn get(&self, user_id: &str) -> Option<Arc<UserAuthz>> {
        self.map.read().get(user_id).map(|(_, a)| Arc::clone(a))
    }

    /// Read before loading from the store; pass to [`PolicyCache::insert`].
    pub fn generation(&self) -> u64 {
        self.map.generation()
    }

    /// Caches a load unless something was forgotten since it began.
    pub fn insert(
        &self,
        account_id: &str,
        user_id: &str,
        policies: Arc<UserAuthz>,
        loaded_at: u64,
    ) {
        self.map.keep(loaded_at, |map| {
            map.insert(user_id.to_owned(), (account_id.to_owned(), policies));
        });
    }

    pub fn forget(&self, user_id: &str) {
        self.map.forget(|map| {
            map.remove(user_id);
        });
    }

    /// Forgets the users whose policies come partly from this group.
    pub fn forget_group(&self, group_id: &str) {
        self.forget_where(|_, a| a.uses_group(group_id));
    }

    /// Forgets the users to whom this managed policy applies.
    pub fn forget_policy(&self, arn: &str) {
        self.forget_where(|_, a| a.uses_policy(arn));
    }

    pub fn forget_account(&self, account_id: &str) {
        self.forget_where(|account, _| account == account_id);
    }

    fn forget_where(&self, mut stale: impl FnMut(&str, &UserAuthz) -> bool) {
        self.map
            .forget(|map| map.retain(|_, (account, authz)| !stale(account, authz)));
    }

    pub fn clear(&self) {
        self.map.forget(HashMap::clear);
    }

    pub fn len(&self) -> usize {
        self.map.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The request context AWS would build for this caller, action and resource.
pub fn request_context(
    caller: &Caller,
    action: &str,
    resource: &str,
    now: OffsetDateTime,
) -> RequestContext {
    let arn = caller.arn();
    let principal = match caller.role_arn() {
        Some(role_arn) => RequestPrincipal::assumed_role(&arn, &role_arn),
        None => RequestPrincipal::from_arn(&arn),
    };
    let mut ctx = RequestContext::with_principal(principal, action, resource)
        .with("aws:PrincipalArn", ContextValue::Arn(arn))
        .with("aws:PrincipalAccount", caller.account_id.as_str())
        .with("aws:userid", caller.user_id())
        .with("aws:SecureTransport", caller.secure_transport)
        .with(
            "aws:CurrentTime",
            ContextValue::Date(i128::from(now.unix_timestamp()) * 1_000_000_000),
        )
        .with(
            "aws:EpochTime",
            ContextValue::Number(now.unix_timestamp() as f64),
        )
        .with("aws:RequestedRegion", caller.region.as_str());
    match &caller.principal {
        Principal::Root => ctx.set("aws:PrincipalType", vec!["Account".into()]),
        Principal::User { name, .. } => {
            ctx.set("aws:PrincipalType", vec!["User".into()]);
            ctx.set("aws:username", vec![name.as_str().into()]);
        }
        // No aws:username for role sessions; aws:userid is `AROA…:session`.
        Principal::AssumedRole { attributes, .. } => {
            ctx.set("aws:PrincipalType", vec!["AssumedRole".into()]);
            if let Some(source) = &attributes.source_identity {
                ctx.set("aws:SourceIdentity", vec![source.as_str().into()]);
            }
        }
    }
    if let Some(ip) = caller.source_ip {
        ctx.set("aws:SourceIp", vec![ContextValue::Ip(ip)]);
    }
    // Temporary credentials only; long-term keys carry neither key.
    if let Some(session) = &caller.session {
        ctx.set(
            "aws:MultiFactorAuthPresent",
            vec![session.mfa_present().into()],
        );
        if let Some(at) = session.mfa_authenticated_at {
            ctx.set(
                "aws:MultiFactorAuthAge",
                vec![ContextValue::Number(
                    (now - at).whole_seconds().max(0) as f64
                )],
            );
        }
        ctx.set(
            "aws:TokenIssueTime",
            vec![ContextValue::Date(session.issued.unix_timestamp_nanos())],
        );
    }
    ctx
}

/// Adds `aws:PrincipalTag/<key>` for the principal's tags and, for a request
/// that carries tags, `aws:RequestTag/<key>` and `aws:TagKeys`.
/// Condition keys a request carries in its parameters, beyond the principal's.
#[derive(Debug, Clone, Default)]
pub struct RequestKeys {
    /// Tags sent with the request (`aws:RequestTag/*`, `aws:TagKeys`).
    pub tags: Vec<Tag>,
    /// Tag keys named by an Untag* request (`aws:TagKeys`).
    pub tag_keys: Vec<String>,
    /// `iam:PolicyARN`: the managed policy being attached or detached.
    pub policy_arn: Option<String>,
    /// `iam:PermissionsBoundary`: the boundary being set, or the target's current one.
    pub permissions_boundary: Option<String>,
    /// The target user's or role's tags (`aws:ResourceTag/*`, `iam:ResourceTag/*`).
    pub resource_tags: Vec<Tag>,
}

impl RequestKeys {
    /// The names of the condition keys these values set (tag keys as their
    /// `${TagKey}` pattern), as the Service Authorization Reference names them.
    pub fn key_names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if !self.tags.is_empty() {
            names.push("aws:RequestTag/${TagKey}");
        }
        if !self.tags.is_empty() || !self.tag_keys.is_empty() {
            names.push("aws:TagKeys");
        }
        if self.policy_arn.is_some() {
            names.push("iam:PolicyARN");
        }
        if self.permissions_boundary.is_some() {
            names.push("iam:PermissionsBoundary");
        }
        if !self.resource_tags.is_empty() {
            names.push("aws:ResourceTag/${TagKey}");
            names.push("iam:ResourceTag/${TagKey}");
        }
        names
    }
}

/// Adds the request's own condition keys.
pub fn add_request_keys(ctx: &mut RequestContext, keys: &RequestKeys) {
    if !keys.tag_keys.is_empty() && keys.tags.is_empty() {
        ctx.set(
            "aws:TagKeys",
            keys.tag_keys.iter().map(|k| k.as_str().into()).collect(),
        );
    }
    if let Some(arn) = &keys.policy_arn {
        ctx.set("iam:PolicyARN", vec![ContextValue::Arn(arn.clone())]);
    }
    if let Some(arn) = &keys.permissions_boundary {
        ctx.set(
            "iam:PermissionsBoundary",
            vec![ContextValue::Arn(arn.clone())],
        );
    }
    for t in &keys.resource_tags {
        let value = vec![ContextValue::from(t.value.as_str())];
        ctx.set(&format!("aws:ResourceTag/{}", t.key), value.clone());
        ctx.set(&format!("iam:ResourceTag/{}", t.key), value);
    }
}

pub fn add_tag_context(ctx: &mut RequestContext, principal_tags: &[Tag], request_tags: &[Tag]) {
    for t in principal_tags {
        ctx.set(
            &format!("aws:PrincipalTag/{}", t.key),
            vec![t.value.as_str().into()],
        );
    }
    if request_tags.is_empty() {
        return;
    }
    for t in request_tags {
        ctx.set(
            &format!("aws:RequestTag/{}", t.key),
            vec![t.value.as_str().into()],
        );
    }
    ctx.set(
        "aws:TagKeys",
        request_tags.iter().map(|t| t.key.as_str().into()).collect(),
    );
}

/// Evaluates `policies` for the request; `Err(AccessDenied)` with AWS's text when denied.
pub fn decide(ctx: &RequestContext, policies: &[AppliedPolicy]) -> Result<()> {
    let inputs: Vec<PolicyInput<'_>> = policies
        .iter()
        .map(|p| PolicyInput::new(&p.id, p.policy_type, &p.compiled))
        .collect();
    let decision = keyward_policy::evaluate(ctx, &inputs);
    match keyward_policy::access_denied_message(ctx, &decision) {
        None => Ok(()),
        Some(message) => Err(Error::AccessDenied(message)),
    }
}

/// `Invalid ARN:  Could not be parsed!` (AWS's text, two spaces) unless `arn`
/// has the six ARN fields.
pub fn check_arn(arn: &str) -> Result<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
    {
        Ok(())
    } else {
        Err(Error::Validation(
            "Invalid ARN:  Could not be parsed!".into(),
        ))
    }
}

/// A role's compiled trust policy, kept between AssumeRole calls.
#[derive(Debug)]
struct CompiledTrust {
    account_id: String,
    /// The role's ARN (it names the policy) and the document compiled: an
    /// entry serves only the role as read now, so a stale one is never used.
    arn: String,
    document: String,
    compiled: Arc<CompiledPolicy>,
}

/// Role id → its compiled trust policy. Entries are checked against the role
/// read for each request (ARN and document), and forgotten with the role's
/// other cached state (DeleteRole, UpdateAssumeRolePolicy, the change feed).
#[derive(Debug, Default)]
pub struct TrustCache {
    map: RwLock<HashMap<String, CompiledTrust>>,
}

impl TrustCache {
    /// The compiled trust policy of role `role_id` named `arn`, when the
    /// cached one was compiled from `document`.
    pub fn get(&self, role_id: &str, arn: &str, document: &str) -> Option<Arc<CompiledPolicy>> {
        self.map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(role_id)
            .filter(|t| t.arn == arn && t.document == document)
            .map(|t| Arc::clone(&t.compiled))
    }

    pub fn insert(
        &self,
        account_id: &str,
        role_id: &str,
        arn: &str,
        document: &str,
        compiled: Arc<CompiledPolicy>,
    ) {
        self.write().insert(
            role_id.to_owned(),
            CompiledTrust {
                account_id: account_id.to_owned(),
                arn: arn.to_owned(),
                document: document.to_owned(),
                compiled,
            },
        );
    }

    pub fn forget(&self, role_id: &str) {
        self.write().remove(role_id);
    }

    pub fn forget_account(&self, account_id: &str) {
        self.write().retain(|_, t| t.account_id != account_id);
    }

    pub fn clear(&self) {
        self.write().clear();
    }

    pub fn len(&self) -> usize {
        self.map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, CompiledTrust>> {
        self.map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Caller {
        Caller {
            account_id: "123456789012".into(),
            principal: Principal::User {
                user_id: "AIDAEXAMPLE".into(),
                name: "alice".into(),
                path: "/".into(),
            },
            access_key_id: "AKIA".into(),
            partition: "aws",
            region: "us-east-1".into(),
            service: "iam".into(),
            source_ip: None,
            secure_transport: false,
            session: None,
        }
    }

    #[test]
    fn session_keys_only_for_session_credentials() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("time");
        let long_term = request_context(&user(), "iam:ListUsers", "*", now);
        assert!(long_term.get("aws:MultiFactorAuthPresent").is_none());
        assert!(long_term.get("aws:TokenIssueTime").is_none());

        let issued = now - time::Duration::seconds(60);
        let mut session = user();
        session.session = Some(crate::caller::SessionContext {
            issued,
            expires: now + time::Duration::seconds(900),
            mfa_authenticated_at: None,
        });
        let ctx = request_context(&session, "iam:ListUsers", "*", now);
        assert_eq!(
            ctx.get("aws:MultiFactorAuthPresent"),
            Some(&[ContextValue::Bool(false)][..])
        );
        assert!(ctx.get("aws:MultiFactorAuthAge").is_none());
        assert_eq!(
            ctx.get("aws:TokenIssueTime"),
            Some(&[ContextValue::Date(issued.unix_timestamp_nanos())][..])
        );

        session.session = Some(crate::caller::SessionContext {
            issued,
            expires: now + time::Duration::seconds(900),
            mfa_authenticated_at: Some(issued),
        });
        let ctx = request_context(&session, "iam:ListUsers", "*", now);
        assert_eq!(
            ctx.get("aws:MultiFactorAuthPresent"),
            Some(&[ContextValue::Bool(true)][..])
        );
        assert_eq!(
            ctx.get("aws:MultiFactorAuthAge"),
            Some(&[ContextValue::Number(60.0)][..])
        );
    }

    #[test]
    fn role_sessions_are_assumed_roles() {
        let mut caller = user();
        caller.principal = Principal::AssumedRole {
            user_id: "AROAEXAMPLE:s1".into(),
            role_id: "AROAEXAMPLE".into(),
            role_name: "ops".into(),
            role_path: "/team/".into(),
            session_name: "s1".into(),
            attributes: Default::default(),
        };
        assert_eq!(
            caller.arn(),
            "arn:aws:sts::123456789012:assumed-role/ops/s1"
        );
        assert_eq!(caller.user_id(), "AROAEXAMPLE:s1");
        assert_eq!(
            caller.role_arn().as_deref(),
            Some("arn:aws:iam::123456789012:role/team/ops")
        );
        let ctx = request_context(&caller, "iam:ListUsers", "*", OffsetDateTime::UNIX_EPOCH);
        assert_eq!(
            ctx.get("aws:PrincipalType"),
            Some(&[ContextValue::from("AssumedRole")][..])
        );
        assert_eq!(
            ctx.get("aws:userid"),
            Some(&[ContextValue::from("AROAEXAMPLE:s1")][..])
        );
        assert!(ctx.get("aws:username").is_none());
    }

    #[test]
    fn no_policy_is_an_implicit_deny_with_aws_text() {
        let ctx = request_context(
            &user(),
            "iam:ListUsers",
            "arn:aws:iam::123456789012:user/",
            OffsetDateTime::UNIX_EPOCH,
        );
        let err = decide(&ctx, &[]).expect_err("an error");
        assert_eq!(
            err.to_string(),
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action"
        );
    }

    #[test]
    fn managed_read_only_allows_list_not_create() {
        let catalog = ManagedCatalog::load();
        let (_, compiled) = catalog
            .get("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
            .expect("shipped");
        let applied = vec![AppliedPolicy {
            id: "arn:aws:iam::aws:policy/IAMReadOnlyAccess".into(),
            policy_type: PolicyType::Identity,
            compiled: Arc::clone(compiled),
        }];
        let now = OffsetDateTime::UNIX_EPOCH;
        assert!(
            decide(
                &request_context(
                    &user(),
                    "iam:ListUsers",
                    "arn:aws:iam::123456789012:user/",
                    now
                ),
                &applied
            )
            .is_ok()
        );
        assert!(
            decide(
                &request_context(
                    &user(),
                    "iam:CreateUser",
                    "arn:aws:iam::123456789012:user/bob",
                    now
                ),
                &applied
            )
            .is_err()
        );
    }

    #[test]
    fn trust_cache_serves_only_the_document_and_arn_it_compiled() {
        const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        let cache = TrustCache::default();
        let compiled = Arc::new(CompiledPolicy::new(
            &keyward_policy::parse_unvalidated(DOC).expect("policy"),
        ));
        let arn = "arn:aws:iam::111111111111:role/ops";
        cache.insert("111111111111", "AROA1", arn, DOC, Arc::clone(&compiled));
        cache.insert("222222222222", "AROA2", arn, DOC, compiled);
        assert!(cache.get("AROA1", arn, DOC).is_some());
        // Another document (UpdateAssumeRolePolicy elsewhere) or another
        // name (a moved role) is a miss, never the old policy.
        assert!(cache.get("AROA1", arn, "{}").is_none());
        assert!(
            cache
                .get("AROA1", "arn:aws:iam::111111111111:role/x/ops", DOC)
                .is_none()
        );
        assert!(cache.get("AROA3", arn, DOC).is_none());
        cache.forget("AROA1");
        assert!(cache.get("AROA1", arn, DOC).is_none());
        assert_eq!(cache.len(), 1);
        cache.forget_account("222222222222");
        assert!(cache.is_empty());
    }

    fn authz(groups: &[&str], policies: &[&str]) -> Arc<UserAuthz> {
        let compiled = Arc::new(CompiledPolicy::new(
            &keyward_policy::parse(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                keyward_policy::PolicyKind::Identity,
            )
            .expect("policy"),
        ));
        Arc::new(UserAuthz {
            policies: policies
                .iter()
                .map(|id| AppliedPolicy {
                    id: (*id).to_owned(),
                    policy_type: PolicyType::Identity,
                    compiled: Arc::clone(&compiled),
                })
                .collect(),
            tags: Vec::new(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        })
    }

    #[test]
    fn changes_forget_exactly_the_users_they_reach() {
        let cache = PolicyCache::default();
        let fill = |cache: &PolicyCache| {
            let g = cache.generation();
            cache.insert("1", "u1", authz(&["g1"], &["arn:p1"]), g);
            cache.insert("1", "u2", authz(&["g2"], &["arn:p2"]), g);
            cache.insert("2", "u3", authz(&[], &["arn:p1"]), g);
        };
        let held = |cache: &PolicyCache| {
            ["u1", "u2", "u3"]
                .into_iter()
                .filter(|u| cache.get(u).is_some())
                .collect::<Vec<_>>()
        };
        fill(&cache);
        cache.forget_group("g2");
        assert_eq!(held(&cache), ["u1", "u3"]);
        fill(&cache);
        cache.forget_policy("arn:p1");
        assert_eq!(held(&cache), ["u2"]);
        fill(&cache);
        cache.forget_account("1");
        assert_eq!(held(&cache), ["u3"]);
    }

    #[test]
    fn arns_are_checked_for_shape() {
        assert!(check_arn("arn:aws:iam::aws:policy/AdministratorAccess").is_ok());
        assert_eq!(
            check_arn("AdministratorAccess")
                .expect_err("an error")
                .to_string(),
            "Invalid ARN:  Could not be parsed!"
        );
    }
}

#[cfg(test)]
mod resource_tag_tests {
    use super::*;
    use crate::caller::Principal;

    #[test]
    fn resource_tags_reach_conditions() {
        let caller = Caller {
            account_id: "123456789012".into(),
            principal: Principal::User {
                user_id: "AIDAEXAMPLE".into(),
                name: "alice".into(),
                path: "/".into(),
            },
            access_key_id: "AKIA".into(),
            partition: "aws",
            region: "us-east-1".into(),
            service: "iam".into(),
            source_ip: None,
            secure_transport: false,
            session: None,
        };
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*","Condition":{"StringEquals":{"iam:ResourceTag/env":"dev"}}}]}"#;
        let policy =
            keyward_policy::parse(doc, keyward_policy::PolicyKind::Identity).expect("policy");
        let applied = vec![AppliedPolicy {
            id: "p".into(),
            policy_type: PolicyType::Identity,
            compiled: Arc::new(CompiledPolicy::new(&policy)),
        }];
        let mut ctx = request_context(
            &caller,
            "iam:GetRole",
            "arn:aws:iam::123456789012:role/dev",
            OffsetDateTime::UNIX_EPOCH,
        );
        let keys = RequestKeys {
            resource_tags: vec![Tag {
                key: "env".into(),
                value: "dev".into(),
            }],
            ..RequestKeys::default()
        };
        add_request_keys(&mut ctx, &keys);
        assert!(decide(&ctx, &applied).is_ok());
        let mut other = request_context(
            &caller,
            "iam:GetRole",
            "arn:aws:iam::123456789012:role/prod",
            OffsetDateTime::UNIX_EPOCH,
        );
        add_request_keys(
            &mut other,
            &RequestKeys {
                resource_tags: vec![Tag {
                    key: "env".into(),
                    value: "prod".into(),
                }],
                ..RequestKeys::default()
            },
        );
        assert!(decide(&other, &applied).is_err());
    }
}
