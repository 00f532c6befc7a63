//! Validation of a parsed document for one kind of policy, in the order AWS
//! checks (JSON → syntax → version → legacy parsing → Sid uniqueness →
//! actions → resources → resource formats → action prefixes), so that a
//! document with several faults gets the message AWS would send.

use crate::condition::{Family, Operator};
use crate::error::PolicyError;
use crate::policy::{self, Policy, Principal, PrincipalType, RawFacts, Version};
use crate::values::parse_date;

/// Which kind of policy a document is; decides which elements are required
/// or forbidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Identity-based (user/group/role inline or managed): no Principal,
    /// Resource required, Version 2012-10-17 required.
    Identity,
    /// Resource-based (bucket, queue, key policies): Principal required,
    /// Resource required.
    Resource,
    /// Role trust policy: Principal required, no Resource, STS actions only.
    Trust,
    /// Permissions boundary: same rules as [`PolicyKind::Identity`].
    Boundary,
    /// Organizations service control policy: no Principal; Resource may be
    /// omitted (it then means `*`).
    Scp,
    /// Organizations resource control policy: Principal required, Resource required.
    Rcp,
    /// Session policy passed to AssumeRole*/GetFederationToken: no Principal,
    /// Resource required; Version may be omitted.
    Session,
}

impl PolicyKind {
    fn principal_rule(self) -> Rule {
        match self {
            PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::Scp | PolicyKind::Session => {
                Rule::Forbidden
            }
            PolicyKind::Resource | PolicyKind::Trust | PolicyKind::Rcp => Rule::Required,
        }
    }

    fn resource_rule(self) -> Rule {
        match self {
            PolicyKind::Trust => Rule::Forbidden,
            PolicyKind::Scp => Rule::Optional,
            _ => Rule::Required,
        }
    }

    fn requires_current_version(self) -> bool {
        matches!(self, PolicyKind::Identity | PolicyKind::Boundary)
    }

    /// IAM restricts Sids to alphanumerics; other services' documents are freer.
    fn alphanumeric_sids(self) -> bool {
        matches!(
            self,
            PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::Trust | PolicyKind::Session
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Required,
    Optional,
    Forbidden,
}

/// Parses and validates a policy document of the given kind.
///
/// ```
/// use keyward_policy::{parse, PolicyKind, PolicyError};
/// let err = parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*"}}"#,
///     PolicyKind::Identity).unwrap_err();
/// assert_eq!(err.to_string(), "Policy statement must contain resources.");
/// assert_eq!(parse("{", PolicyKind::Identity).unwrap_err(), PolicyError::InvalidJson);
/// ```
///
/// # Errors
/// A [`PolicyError`] whose message is AWS's `MalformedPolicyDocument` text.
pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
    let (policy, raw) = policy::read(text)?;
    check(&policy, &raw, kind)?;
    Ok(policy)
}

/// Parses the grammar only (no kind-specific rules): for documents already
/// accepted earlier, or for tools that inspect any policy.
///
/// # Errors
/// Invalid JSON or a document that is not a policy.
pub fn parse_unvalidated(text: &str) -> Result<Policy, PolicyError> {
    policy::read(text).map(|(p, _)| p)
}

impl Policy {
    /// Validates an already parsed (or built) policy for `kind`.
    ///
    /// # Errors
    /// The first problem AWS would report.
    pub fn validate(&self, kind: PolicyKind) -> Result<(), PolicyError> {
        let effects = self
            .statements
            .iter()
            .map(|s| s.effect.as_str().to_owned())
            .collect();
        check(self, &RawFacts { effects }, kind)
    }
}

fn check(p: &Policy, raw: &RawFacts, kind: PolicyKind) -> Result<(), PolicyError> {
    if kind.requires_current_version() && p.version != Some(Version::V2012_10_17) {
        return Err(PolicyError::Version);
    }
    legacy_parsing(p, raw)?;
    unique_sids(p)?;
    for s in &p.statements {
        if s.action
            .as_ref()
            .is_none_or(|a| a.value.as_slice().is_empty())
        {
            return Err(PolicyError::MissingActions);
        }
    }
    principals_present(p, kind)?;
    resources_present(p, kind)?;
    for s in &p.statements {
        if let Some(r) = &s.resource {
            for res in r.value.as_slice() {
                resource_format(res)?;
            }
        }
    }
    for s in &p.statements {
        if let Some(a) = &s.action {
            for act in a.value.as_slice() {
                action_prefix(act)?;
                if kind == PolicyKind::Trust && !act.to_ascii_lowercase().starts_with("sts:") {
                    return Err(PolicyError::TrustPolicyAction);
                }
            }
        }
    }
    if kind.alphanumeric_sids() {
        let bad = p
            .statements
            .iter()
            .filter_map(|s| s.sid.as_deref())
            .any(|sid| !sid.bytes().all(|b| b.is_ascii_alphanumeric()));
        if bad {
            return Err(PolicyError::SidNotAlphanumeric);
        }
    }
    if kind.principal_rule() == Rule::Required {
        principal_values(p)?;
    }
    Ok(())
}

/// Effect case, date values and structurally broken ARNs ("legacy parsing").
fn legacy_parsing(p: &Policy, raw: &RawFacts) -> Result<(), PolicyError> {
    for (s, written) in p.statements.iter().zip(&raw.effects) {
        if written != s.effect.as_str() {
            return Err(PolicyError::LegacyParsing);
        }
        for entry in &s.condition {
            let Some(op) = Operator::parse(&entry.operator) else {
                continue;
            };
            if !matches!(op.family, Family::Date(_)) {
                continue;
            }
            for (_, vals) in &entry.keys {
                for v in &vals.values {
                    let text = v.as_str();
                    // A variable is resolved per request; it cannot be checked here.
                    if !text.contains("${") && parse_date(text).is_none() {
                        return Err(PolicyError::LegacyParsing);
                    }
                }
            }
        }
        if let Some(r) = &s.resource {
            for res in r.value.as_slice() {
                if res == "*" || resource_format(res).is_err() {
                    continue;
                }
                let colons = res.matches(':').count();
                let broken = (colons < 5 && res.contains("::"))
                    || res.split(':').nth(2).is_none_or(str::is_empty);
                if broken {
                    return Err(PolicyError::LegacyParsing);
                }
            }
        }
    }
    Ok(())
}

fn unique_sids(p: &Policy) -> Result<(), PolicyError> {
    let mut seen: Vec<&str> = Vec::new();
    for sid in p
        .statements
        .iter()
        .filter_map(|s| s.sid.as_deref())
        .filter(|s| !s.is_empty())
    {
        if seen.contains(&sid) {
            return Err(PolicyError::DuplicateSid);
        }
        seen.push(sid);
    }
    Ok(())
}

fn principals_present(p: &Policy, kind: PolicyKind) -> Result<(), PolicyError> {
    for s in &p.statements {
        match (kind.principal_rule(), &s.principal) {
            (Rule::Forbidden, Some(_)) => return Err(PolicyError::PrincipalNotAllowed),
            (Rule::Required, None) => return Err(PolicyError::MissingPrincipal),
            _ => {}
        }
    }
    Ok(())
}

fn resources_present(p: &Policy, kind: PolicyKind) -> Result<(), PolicyError> {
    for s in &p.statements {
        match (kind.resource_rule(), &s.resource) {
            (Rule::Forbidden, Some(_)) => return Err(PolicyError::ResourceNotAllowed),
            (Rule::Required, None) => return Err(PolicyError::MissingResources),
            (_, Some(r)) if r.value.as_slice().is_empty() => {
                return Err(PolicyError::MissingResources);
            }
            _ => {}
        }
    }
    Ok(())
}

const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

const IAM_RESOURCE_TYPES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// The resource format rules IAM applies to Resource/NotResource values.
pub(crate) fn resource_format(res: &str) -> Result<(), PolicyError> {
    if res == "*" {
        return Ok(());
    }
    let Some((_, rest)) = res.split_once(':') else {
        return Err(PolicyError::ResourceNotArn(res.to_owned()));
    };
    let (partition, rest) = rest.split_once(':').unwrap_or((rest, ""));
    if !PARTITIONS.contains(&partition) {
        let parts: Vec<&str> = rest.split(':').collect();
        let field = |i: usize| {
            parts
                .get(i)
                .copied()
                .filter(|_| parts.len() > i)
                .unwrap_or("*")
        };
        let first = if parts.first().is_some_and(|f| !f.is_empty()) || parts.len() > 1 {
            field(0)
        } else {
            "*"
        };
        let tail = if parts.len() > 3 {
            parts[3..].join(":")
        } else {
            "*".to_owned()
        };
        return Err(PolicyError::InvalidPartition {
            partition: partition.to_owned(),
            resource: format!("arn:{partition}:{first}:{}:{}:{tail}", field(1), field(2)),
        });
    }
    let Some((service, rest)) = rest.split_once(':') else {
        return Err(PolicyError::ResourceVendor);
    };
    if service.is_empty() || service.contains(['*', '?']) {
        return Err(PolicyError::ResourceVendor);
    }
    if !rest.starts_with(':') {
        match service {
            "iam" => return Err(PolicyError::IamRegion(res.to_owned())),
            "s3" => return Err(PolicyError::S3Region(res.to_owned())),
            _ => {}
        }
    }
    if service == "iam" {
        // Skip region and account: what is left is the resource path.
        let path = rest
            .split_once(':')
            .and_then(|(_, r)| r.split_once(':'))
            .map_or("", |(_, r)| r);
        if path != "*"
            && !IAM_RESOURCE_TYPES.iter().any(|t| path.starts_with(t))
            && !path.starts_with("${")
        {
            return Err(PolicyError::IamResourcePath);
        }
    }
    Ok(())
}

/// `vendor:Action` rules for Action/NotAction values.
pub(crate) fn action_prefix(action: &str) -> Result<(), PolicyError> {
    if action == "*" {
        return Ok(());
    }
    let mut parts = action.split(':');
    let vendor = parts.next().unwrap_or("");
    match (parts.next(), parts.next()) {
        (None, _) => return Err(PolicyError::ActionVendorMissing),
        (Some(_), Some(_)) => return Err(PolicyError::ActionTooManyColons),
        _ => {}
    }
    if vendor != "*"
        && !vendor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(PolicyError::InvalidVendor(vendor.to_owned()));
    }
    Ok(())
}

/// Syntactic checks of principal values (existence is the server's business).
fn principal_values(p: &Policy) -> Result<(), PolicyError> {
    for s in &p.statements {
        let Some(Principal::Map(m)) = s.principal.as_ref().map(|n| &n.value) else {
            continue;
        };
        for (t, values) in m {
            for v in values.as_slice() {
                let ok = match t {
                    PrincipalType::Aws => {
                        v == "*"
                            || (v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()))
                            || crate::arn::split_arn(v).is_some_and(|f| !f[2].is_empty() && !f[5].is_empty())
                            // Unique ids (AIDA.../AROA...) shown after a principal was deleted.
                            || (v.len() >= 16 && v.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
                    }
                    PrincipalType::Service => !v.is_empty() && !v.contains(char::is_whitespace),
                    PrincipalType::Federated => !v.is_empty() && !v.contains(char::is_whitespace),
                    PrincipalType::CanonicalUser => {
                        !v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit())
                    }
                };
                if !ok {
                    return Err(PolicyError::InvalidPrincipal {
                        kind: t.as_str().to_owned(),
                        value: v.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

#[allow(clippy::unwrap_used)]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Effect;

    #[test]
    fn effect_is_kept() {
        let p = parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        assert_eq!(p.statements[0].effect, Effect::Deny);
    }
}
