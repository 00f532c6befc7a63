//! The policy document model, its reader (from JSON with positions) and
//! its canonical printer.

use std::fmt;

use crate::condition::Operator;
use crate::error::PolicyError;
use crate::json::{self, JKind, JValue, Position};

/// Largest document accepted before any parsing work (IAM's own quotas are
/// far smaller; this bound only protects the parser).
pub const MAX_DOCUMENT_BYTES: usize = 128 * 1024;

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2008-10-17`: policy variables are literal text.
    V2008_10_17,
    /// `2012-10-17`: the current language, with policy variables.
    V2012_10_17,
}

impl Version {
    /// The version string as written in documents.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2008_10_17 => "2008-10-17",
            Version::V2012_10_17 => "2012-10-17",
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Refuses, overriding any allow.
    Deny,
}

impl Effect {
    /// `"Allow"` or `"Deny"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// A JSON string or array of strings; the shape is kept for printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OneOrMany {
    /// Written as a single string.
    One(String),
    /// Written as an array.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values, whatever the shape.
    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}

/// The key of a principal map entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    /// `AWS`: accounts, users, roles, sessions.
    Aws,
    /// `Service`: AWS service principals.
    Service,
    /// `Federated`: SAML / OIDC providers.
    Federated,
    /// `CanonicalUser`: S3 canonical ids.
    CanonicalUser,
}

impl PrincipalType {
    /// The element name (`AWS`, `Service`, ...).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }

    fn parse(s: &str) -> Option<PrincipalType> {
        Some(match s {
            "AWS" => PrincipalType::Aws,
            "Service" => PrincipalType::Service,
            "Federated" => PrincipalType::Federated,
            "CanonicalUser" => PrincipalType::CanonicalUser,
            _ => return None,
        })
    }
}

/// The value of `Principal` / `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": ..., "Service": ...}` in document order.
    Map(Vec<(PrincipalType, OneOrMany)>),
}

/// A condition value: JSON string, boolean or number (the text is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionValue {
    /// `"text"`.
    String(String),
    /// `true` / `false`.
    Bool(bool),
    /// A JSON number, as written.
    Number(String),
}

impl ConditionValue {
    /// The value as text (`true`, `3600`, ...).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            ConditionValue::String(s) | ConditionValue::Number(s) => s,
            ConditionValue::Bool(true) => "true",
            ConditionValue::Bool(false) => "false",
        }
    }
}

/// The values of one condition key, with the document's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionValues {
    /// Written as a scalar rather than an array.
    pub single: bool,
    /// The values (OR for positive operators, NOR for negated ones).
    pub values: Vec<ConditionValue>,
}

/// One operator of a Condition block with its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionEntry {
    /// The operator as written (`ForAnyValue:StringLikeIfExists`).
    pub operator: String,
    /// `(key, values)` in document order; key names keep their case.
    pub keys: Vec<(String, ConditionValues)>,
}

/// A statement's source extent (1-based line and column of its `{` and
/// of the character after its `}`), as IAM's simulator reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SourceSpan {
    /// Where the statement object starts.
    pub start: Position,
    /// Where it ends.
    pub end: Position,
}

/// One statement. Equality ignores `span` (a printed policy re-read is equal).
#[derive(Debug, Clone)]
pub struct Statement {
    /// `Sid`, if any.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal` (`negated` = NotPrincipal).
    pub principal: Option<Negatable<Principal>>,
    /// `Action` or `NotAction`; `None` only in unvalidated documents.
    pub action: Option<Negatable<OneOrMany>>,
    /// `Resource` or `NotResource`.
    pub resource: Option<Negatable<OneOrMany>>,
    /// `Condition` operators in document order (empty: no Condition element).
    pub condition: Vec<ConditionEntry>,
    /// Whether the document had a `Condition` element (possibly `{}`).
    pub has_condition: bool,
    /// Where the statement is in the source document.
    pub span: SourceSpan,
}

impl PartialEq for Statement {
    fn eq(&self, o: &Self) -> bool {
        self.sid == o.sid
            && self.effect == o.effect
            && self.principal == o.principal
            && self.action == o.action
            && self.resource == o.resource
            && self.condition == o.condition
            && self.has_condition == o.has_condition
    }
}

/// An element that has a `Not` form (`Action`/`NotAction`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negatable<T> {
    /// True for the `Not...` form.
    pub negated: bool,
    /// The values.
    pub value: T,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `Version`, if present (absent means 2008-10-17 semantics).
    pub version: Option<Version>,
    /// `Id`, if present.
    pub id: Option<String>,
    /// The statements.
    pub statements: Vec<Statement>,
    /// `Statement` was a single object rather than an array.
    pub single_statement: bool,
}

/// Statement-level facts the model does not keep but validation needs.
#[derive(Debug, Clone)]
pub(crate) struct RawFacts {
    /// Each statement's Effect exactly as written (case matters for legacy parsing).
    pub effects: Vec<String>,
}

impl Policy {
    /// True when policy variables are interpreted (Version 2012-10-17).
    #[must_use]
    pub fn variables_enabled(&self) -> bool {
        self.version == Some(Version::V2012_10_17)
    }
}

impl Policy {
    /// The condition keys the policy references, for `GetContextKeysFor*Policy`:
    /// condition keys and policy variables (2012-10-17 only), in order of first
    /// appearance, de-duplicated case-insensitively, as written.
    ///
    /// ```
    /// let p = keyward_policy::parse_unvalidated(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
    ///   "Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*",
    ///   "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#).unwrap();
    /// assert_eq!(p.condition_keys(), ["aws:username", "aws:MultiFactorAuthPresent"]);
    /// ```
    #[must_use]
    pub fn condition_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |k: &str| {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(k)) {
                out.push(k.to_owned());
            }
        };
        let vars = self.variables_enabled();
        let add_vars = |text: &str, add: &mut dyn FnMut(&str)| {
            if let Some(t) = crate::variables::Template::parse(text).filter(|_| vars) {
                t.names().for_each(&mut *add);
            }
        };
        for s in &self.statements {
            if let Some(r) = &s.resource {
                for v in r.value.as_slice() {
                    add_vars(v, &mut add);
                }
            }
            for e in &s.condition {
                for (k, vals) in &e.keys {
                    add(k);
                    if e.operator != "Null" {
                        for v in &vals.values {
                            add_vars(v.as_str(), &mut add);
                        }
                    }
                }
            }
        }
        out
    }
}

/// Reads JSON and checks the policy grammar (the "syntax" stage), without
/// kind-specific rules.
pub(crate) fn read(text: &str) -> Result<(Policy, RawFacts), PolicyError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(PolicyError::TooLarge {
            max: MAX_DOCUMENT_BYTES,
        });
    }
    let root = json::parse(text)?;
    build(&root).ok_or(PolicyError::Syntax)
}

fn build(root: &JValue) -> Option<(Policy, RawFacts)> {
    let JKind::Object(members) = &root.kind else {
        return None;
    };
    let mut version = None;
    let mut id = None;
    let mut statement = None;
    for (k, v) in members {
        match k.as_str() {
            "Version" => {
                version = Some(match as_str(v)? {
                    "2012-10-17" => Version::V2012_10_17,
                    "2008-10-17" => Version::V2008_10_17,
                    _ => return None,
                });
            }
            "Id" => id = Some(as_str(v)?.to_owned()),
            "Statement" => statement = Some(v),
            _ => return None,
        }
    }
    let statement = statement?;
    let (items, single): (Vec<&JValue>, bool) = match &statement.kind {
        JKind::Object(_) => (vec![statement], true),
        JKind::Array(a) if !a.is_empty() => (a.iter().collect(), false),
        _ => return None,
    };
    let mut statements = Vec::with_capacity(items.len());
    let mut effects = Vec::with_capacity(items.len());
    for item in items {
        let (s, effect) = build_statement(item)?;
        statements.push(s);
        effects.push(effect);
    }
    Some((
        Policy {
            version,
            id,
            statements,
            single_statement: single,
        },
        RawFacts { effects },
    ))
}

fn as_str(v: &JValue) -> Option<&str> {
    if let JKind::String(s) = &v.kind {
        Some(s)
    } else {
        None
    }
}

fn one_or_many(v: &JValue) -> Option<OneOrMany> {
    match &v.kind {
        JKind::String(s) => Some(OneOrMany::One(s.clone())),
        JKind::Array(a) => a
            .iter()
            .map(|x| as_str(x).map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(OneOrMany::Many),
        _ => None,
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

fn build_statement(v: &JValue) -> Option<(Statement, String)> {
    let JKind::Object(members) = &v.kind else {
        return None;
    };
    let mut sid = None;
    let mut effect_text: Option<String> = None;
    let mut principal = None;
    let mut action = None;
    let mut resource = None;
    let mut condition = Vec::new();
    let mut has_condition = false;
    for (k, val) in members {
        match k.as_str() {
            "Sid" => sid = Some(as_str(val)?.to_owned()),
            "Effect" => effect_text = Some(as_str(val)?.to_owned()),
            "Principal" | "NotPrincipal" => {
                let p = Negatable {
                    negated: k == "NotPrincipal",
                    value: build_principal(val)?,
                };
                set_once(&mut principal, p)?;
            }
            "Action" | "NotAction" => {
                set_once(
                    &mut action,
                    Negatable {
                        negated: k == "NotAction",
                        value: one_or_many(val)?,
                    },
                )?;
            }
            "Resource" | "NotResource" => {
                set_once(
                    &mut resource,
                    Negatable {
                        negated: k == "NotResource",
                        value: one_or_many(val)?,
                    },
                )?;
            }
            "Condition" => {
                condition = build_condition(val)?;
                has_condition = true;
            }
            _ => return None,
        }
    }
    let effect_text = effect_text?;
    // Case-insensitive here; the exact case is a later "legacy parsing" check.
    let effect = if effect_text.eq_ignore_ascii_case("allow") {
        Effect::Allow
    } else if effect_text.eq_ignore_ascii_case("deny") {
        Effect::Deny
    } else {
        return None;
    };
    let span = SourceSpan {
        start: v.start,
        end: v.end,
    };
    let st = Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        condition,
        has_condition,
        span,
    };
    Some((st, effect_text))
}

fn build_principal(v: &JValue) -> Option<Principal> {
    match &v.kind {
        JKind::String(s) if s == "*" => Some(Principal::Any),
        JKind::Object(m) if !m.is_empty() => m
            .iter()
            .map(|(k, val)| Some((PrincipalType::parse(k)?, one_or_many(val)?)))
            .collect::<Option<Vec<_>>>()
            .map(Principal::Map),
        _ => None,
    }
}

fn condition_value(v: &JValue) -> Option<ConditionValue> {
    match &v.kind {
        JKind::String(s) => Some(ConditionValue::String(s.clone())),
        JKind::Bool(b) => Some(ConditionValue::Bool(*b)),
        JKind::Number(n) => Some(ConditionValue::Number(n.clone())),
        _ => None,
    }
}

fn build_condition(v: &JValue) -> Option<Vec<ConditionEntry>> {
    let JKind::Object(ops) = &v.kind else {
        return None;
    };
    let mut out = Vec::with_capacity(ops.len());
    for (op, body) in ops {
        let JKind::Object(keys) = &body.kind else {
            return None;
        };
        // Unknown operators are tolerated only with an empty body (as IAM does).
        if Operator::parse(op).is_none() && !keys.is_empty() {
            return None;
        }
        let mut entry = ConditionEntry {
            operator: op.clone(),
            keys: Vec::with_capacity(keys.len()),
        };
        for (key, vals) in keys {
            let values = match &vals.kind {
                JKind::Array(a) => ConditionValues {
                    single: false,
                    values: a.iter().map(condition_value).collect::<Option<Vec<_>>>()?,
                },
                _ => ConditionValues {
                    single: true,
                    values: vec![condition_value(vals)?],
                },
            };
            entry.keys.push((key.clone(), values));
        }
        out.push(entry);
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Printing

/// Writes a JSON string literal.
fn write_str(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

fn write_one_or_many(f: &mut fmt::Formatter<'_>, v: &OneOrMany) -> fmt::Result {
    match v {
        OneOrMany::One(s) => write_str(f, s),
        OneOrMany::Many(list) => {
            f.write_str("[")?;
            for (i, s) in list.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write_str(f, s)?;
            }
            f.write_str("]")
        }
    }
}

fn write_condition_value(f: &mut fmt::Formatter<'_>, v: &ConditionValue) -> fmt::Result {
    match v {
        ConditionValue::String(s) => write_str(f, s),
        ConditionValue::Bool(b) => write!(f, "{b}"),
        ConditionValue::Number(n) => f.write_str(n),
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        if let Some(sid) = &self.sid {
            f.write_str("\"Sid\":")?;
            write_str(f, sid)?;
            f.write_str(",")?;
        }
        write!(f, "\"Effect\":\"{}\"", self.effect.as_str())?;
        if let Some(p) = &self.principal {
            f.write_str(if p.negated {
                ",\"NotPrincipal\":"
            } else {
                ",\"Principal\":"
            })?;
            match &p.value {
                Principal::Any => f.write_str("\"*\"")?,
                Principal::Map(m) => {
                    f.write_str("{")?;
                    for (i, (t, v)) in m.iter().enumerate() {
                        if i > 0 {
                            f.write_str(",")?;
                        }
                        write!(f, "\"{}\":", t.as_str())?;
                        write_one_or_many(f, v)?;
                    }
                    f.write_str("}")?;
                }
            }
        }
        if let Some(a) = &self.action {
            f.write_str(if a.negated {
                ",\"NotAction\":"
            } else {
                ",\"Action\":"
            })?;
            write_one_or_many(f, &a.value)?;
        }
        if let Some(r) = &self.resource {
            f.write_str(if r.negated {
                ",\"NotResource\":"
            } else {
                ",\"Resource\":"
            })?;
            write_one_or_many(f, &r.value)?;
        }
        if self.has_condition {
            f.write_str(",\"Condition\":{")?;
            for (i, e) in self.condition.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write_str(f, &e.operator)?;
                f.write_str(":{")?;
                for (j, (k, vals)) in e.keys.iter().enumerate() {
                    if j > 0 {
                        f.write_str(",")?;
                    }
                    write_str(f, k)?;
                    f.write_str(":")?;
                    match (vals.single, vals.values.as_slice()) {
                        (true, [one]) => write_condition_value(f, one)?,
                        (_, list) => {
                            f.write_str("[")?;
                            for (n, v) in list.iter().enumerate() {
                                if n > 0 {
                                    f.write_str(",")?;
                                }
                                write_condition_value(f, v)?;
                            }
                            f.write_str("]")?;
                        }
                    }
                }
                f.write_str("}")?;
            }
            f.write_str("}")?;
        }
        f.write_str("}")
    }
}

/// Canonical compact JSON: elements in a fixed order, shapes as written.
impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        if let Some(v) = self.version {
            write!(f, "\"Version\":\"{}\",", v.as_str())?;
        }
        if let Some(id) = &self.id {
            f.write_str("\"Id\":")?;
            write_str(f, id)?;
            f.write_str(",")?;
        }
        f.write_str("\"Statement\":")?;
        match (self.single_statement, self.statements.as_slice()) {
            (true, [one]) => write!(f, "{one}")?,
            (_, list) => {
                f.write_str("[")?;
                for (i, s) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{s}")?;
                }
                f.write_str("]")?;
            }
        }
        f.write_str("}")
    }
}
