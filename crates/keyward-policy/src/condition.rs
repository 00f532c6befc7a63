//! Condition operators: parsing their names, compiling their values into
//! typed form, and evaluating them against a request context.

use std::net::IpAddr;

use crate::arn::ArnPattern;
use crate::context::{ContextValue, RequestContext};
use crate::glob::Glob;
use crate::policy::ConditionValue;
use crate::values::{IpNet, parse_bool, parse_date, parse_number};
use crate::variables::Template;

/// How a numeric or date operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd + Copy>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Le => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Ge => request >= policy,
        }
    }
}

/// The operator family, i.e. how one request value is compared with one policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    /// ArnEquals and ArnLike behave the same (field-wise wildcard match).
    Arn,
    Null,
}

/// `ForAllValues:` / `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Qualifier {
    ForAllValues,
    ForAnyValue,
}

/// A parsed operator name such as `ForAnyValue:StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub family: Family,
    /// `...Not...` operators: true only when no policy value matches.
    pub negated: bool,
    pub if_exists: bool,
    pub qualifier: Option<Qualifier>,
}

impl Operator {
    /// Parses an operator name; `None` for unknown names (case-sensitive, as IAM).
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(Qualifier::ForAllValues), r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(Qualifier::ForAnyValue), r)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let (family, negated) = match base {
            "StringEquals" => (Family::StringEquals, false),
            "StringNotEquals" => (Family::StringEquals, true),
            "StringEqualsIgnoreCase" => (Family::StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (Family::StringEqualsIgnoreCase, true),
            "StringLike" => (Family::StringLike, false),
            "StringNotLike" => (Family::StringLike, true),
            "NumericEquals" => (Family::Numeric(Cmp::Eq), false),
            "NumericNotEquals" => (Family::Numeric(Cmp::Eq), true),
            "NumericLessThan" => (Family::Numeric(Cmp::Lt), false),
            "NumericLessThanEquals" => (Family::Numeric(Cmp::Le), false),
            "NumericGreaterThan" => (Family::Numeric(Cmp::Gt), false),
            "NumericGreaterThanEquals" => (Family::Numeric(Cmp::Ge), false),
            "DateEquals" => (Family::Date(Cmp::Eq), false),
            "DateNotEquals" => (Family::Date(Cmp::Eq), true),
            "DateLessThan" => (Family::Date(Cmp::Lt), false),
            "DateLessThanEquals" => (Family::Date(Cmp::Le), false),
            "DateGreaterThan" => (Family::Date(Cmp::Gt), false),
            "DateGreaterThanEquals" => (Family::Date(Cmp::Ge), false),
            "Bool" => (Family::Bool, false),
            "BinaryEquals" => (Family::Binary, false),
            "IpAddress" => (Family::Ip, false),
            "NotIpAddress" => (Family::Ip, true),
            "ArnEquals" | "ArnLike" => (Family::Arn, false),
            "ArnNotEquals" | "ArnNotLike" => (Family::Arn, true),
            // Null has no IfExists form: the operator is about existence itself.
            "Null" if !if_exists => (Family::Null, false),
            _ => return None,
        };
        Some(Operator {
            family,
            negated,
            if_exists,
            qualifier,
        })
    }
}

/// One policy value in the form its operator compares.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    /// Lower-cased for the IgnoreCase operators.
    Lower(String),
    Glob(Glob),
    Number(f64),
    Date(i128),
    Bool(bool),
    Binary(Vec<u8>),
    Net(IpNet),
    Arn(ArnPattern),
    /// Null's `true` (key must be absent) / `false` (key must be present).
    Null(bool),
    /// Holds variables; compiled per request.
    Template(Template),
    /// Not a valid value for this operator: never matches.
    Invalid,
}

/// A compiled `operator: { key: values }` triple.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    op: Operator,
    /// Lower-cased, for lookups (keys are case-insensitive).
    key: String,
    /// As written, for explanations (MissingContextValues).
    pub(crate) key_name: String,
    values: Vec<Value>,
}

fn compile_value(family: Family, text: &str) -> Value {
    match family {
        Family::StringEquals => Value::Text(text.to_owned()),
        Family::StringEqualsIgnoreCase => Value::Lower(text.to_lowercase()),
        Family::StringLike => Value::Glob(Glob::new(text)),
        Family::Numeric(_) => parse_number(text).map_or(Value::Invalid, Value::Number),
        Family::Date(_) => parse_date(text).map_or(Value::Invalid, Value::Date),
        Family::Bool => parse_bool(text).map_or(Value::Invalid, Value::Bool),
        Family::Binary => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_or(Value::Invalid, Value::Binary)
        }
        Family::Ip => IpNet::parse(text).map_or(Value::Invalid, Value::Net),
        Family::Arn => Value::Arn(ArnPattern::new(text)),
        Family::Null => parse_bool(text).map_or(Value::Invalid, Value::Null),
    }
}

impl Condition {
    /// Compiles one key of a condition entry. Unknown operators (allowed only
    /// with an empty body) never reach here.
    pub(crate) fn compile(
        op: Operator,
        key: &str,
        values: &[ConditionValue],
        variables: bool,
    ) -> Condition {
        let values = values
            .iter()
            .map(|v| {
                let text = v.as_str();
                // Null takes no variables; other operators do under 2012-10-17.
                let template = if variables && op.family != Family::Null {
                    Template::parse(text)
                } else {
                    None
                };
                match template {
                    Some(t) if t.names().next().is_some() => Value::Template(t),
                    // Only escapes: substitute them now; escaped `*`/`?` stay literal.
                    Some(t) => match op.family {
                        Family::StringLike => Value::Glob(Glob::from_tokens(t.literal_tokens())),
                        Family::Arn => Value::Arn(ArnPattern::from_tokens(t.literal_tokens())),
                        f => compile_value(f, &t.parts.iter().map(escape_text).collect::<String>()),
                    },
                    None => compile_value(op.family, text),
                }
            })
            .collect();
        Condition {
            op,
            key: key.to_ascii_lowercase(),
            key_name: key.to_owned(),
            values,
        }
    }

    /// Variable names used in this condition's values.
    pub(crate) fn variable_names(&self) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .flat_map(|v| match v {
                Value::Template(t) => Some(t.names()),
                _ => None,
            })
            .flatten()
    }

    /// True when the key is absent from the context (for MissingContextValues).
    pub(crate) fn key_missing(&self, ctx: &RequestContext) -> bool {
        ctx.get_lower(&self.key)
            .is_none_or(<[ContextValue]>::is_empty)
    }

    /// Evaluates the condition. Semantics (IAM User Guide, "Condition operators",
    /// "Multivalued context keys"): values OR, negated operators NOR; missing key
    /// ⇒ false, except negated or IfExists ⇒ true; ForAllValues on a missing or
    /// empty key ⇒ true, ForAnyValue ⇒ false.
    pub(crate) fn evaluate(&self, ctx: &RequestContext) -> bool {
        let request = ctx.get_lower(&self.key).filter(|v| !v.is_empty());
        if self.op.family == Family::Null {
            let present = request.is_some();
            return self
                .values
                .iter()
                .any(|v| matches!(v, Value::Null(absent) if *absent != present));
        }
        let Some(request) = request else {
            if self.op.if_exists {
                return true;
            }
            return match self.op.qualifier {
                Some(Qualifier::ForAllValues) => true,
                Some(Qualifier::ForAnyValue) => false,
                None => self.op.negated,
            };
        };
        if self.values.iter().any(|v| matches!(v, Value::Template(_))) {
            // Resolve variables; an unresolvable one invalidates the condition.
            let Some(resolved) = self.resolve(ctx) else {
                return false;
            };
            return self.combine(request, &resolved);
        }
        self.combine(request, &self.values)
    }

    fn resolve(&self, ctx: &RequestContext) -> Option<Vec<Value>> {
        self.values
            .iter()
            .map(|v| match v {
                Value::Template(t) => match self.op.family {
                    Family::StringLike => {
                        Some(Value::Glob(Glob::from_tokens(t.resolve(ctx, true)?)))
                    }
                    Family::Arn => Some(Value::Arn(ArnPattern::from_tokens(t.resolve(ctx, true)?))),
                    f => Some(compile_value(f, &t.resolve_text(ctx)?)),
                },
                other => Some(other.clone()),
            })
            .collect()
    }

    fn combine(&self, request: &[ContextValue], values: &[Value]) -> bool {
        // One request value against all policy values: OR, inverted for Not operators.
        let one = |r: &ContextValue| {
            values.iter().any(|p| matches_value(self.op.family, r, p)) != self.op.negated
        };
        match self.op.qualifier {
            Some(Qualifier::ForAllValues) => request.iter().all(one),
            Some(Qualifier::ForAnyValue) => request.iter().any(one),
            // A multivalued key without a qualifier: positive operators need
            // one matching value, negated ones need every value to miss.
            None if self.op.negated => request.iter().all(one),
            None => request.iter().any(one),
        }
    }
}

/// Text of a template part when the template holds escapes only.
fn escape_text(p: &crate::variables::Part) -> String {
    match p {
        crate::variables::Part::Text(t) => t.clone(),
        crate::variables::Part::Literal(b) => char::from(*b).to_string(),
        crate::variables::Part::Var { name, .. } => name.clone(),
    }
}

fn eq_ignore_case(request: &str, policy_lower: &str) -> bool {
    if request.is_ascii() && policy_lower.is_ascii() {
        return request.len() == policy_lower.len()
            && request
                .bytes()
                .zip(policy_lower.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b);
    }
    request
        .chars()
        .flat_map(char::to_lowercase)
        .eq(policy_lower.chars())
}

fn matches_value(family: Family, r: &ContextValue, p: &Value) -> bool {
    match (family, p) {
        (Family::StringEquals, Value::Text(t)) => r.as_text() == t.as_str(),
        (Family::StringEqualsIgnoreCase, Value::Lower(t)) => eq_ignore_case(&r.as_text(), t),
        (Family::StringLike, Value::Glob(g)) => g.matches(&r.as_text()),
        (Family::Numeric(c), Value::Number(n)) => r.as_number().is_some_and(|x| c.holds(x, *n)),
        (Family::Date(c), Value::Date(d)) => r.as_date().is_some_and(|x| c.holds(x, *d)),
        (Family::Bool, Value::Bool(b)) => r.as_bool() == Some(*b),
        (Family::Binary, Value::Binary(b)) => {
            r.as_bytes().is_some_and(|x| x.as_ref() == b.as_slice())
        }
        (Family::Ip, Value::Net(n)) => r.as_ip().is_some_and(|ip: IpAddr| n.contains(ip)),
        (Family::Arn, Value::Arn(a)) => a.matches(&r.as_text()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        assert!(Operator::parse("ForAnyValue:StringNotLikeIfExists").is_some());
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("stringequals").is_none());
        let o = Operator::parse("ArnNotLike").unwrap();
        assert!(o.negated && o.family == Family::Arn);
    }
}
