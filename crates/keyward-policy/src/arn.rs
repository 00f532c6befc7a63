//! ARN splitting and ARN wildcard patterns.
//!
//! AWS compares an ARN pattern field by field: a wildcard in the partition,
//! service, region or account field stays inside that field, while the last
//! field (the resource) is matched as a whole, so `*` there spans `/` and `:`.

use crate::glob::{Glob, Tok};

/// Splits `arn:partition:service:region:account:resource` at its first five
/// colons. `None` when there are fewer than five colons or no `arn` prefix.
pub(crate) fn split_arn(s: &str) -> Option<[&str; 6]> {
    let mut out = [""; 6];
    let mut rest = s;
    for slot in out.iter_mut().take(5) {
        let (head, tail) = rest.split_once(':')?;
        *slot = head;
        rest = tail;
    }
    out[5] = rest;
    if out[0] != "arn" {
        return None;
    }
    Some(out)
}

/// A compiled ARN pattern (Resource element, ArnLike value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArnPattern {
    /// `*`: every resource.
    Any,
    /// Field-wise patterns; fewer than six fields means the last one is
    /// matched against the rest of the ARN, colons included.
    Fields(Vec<Glob>),
}

impl ArnPattern {
    pub(crate) fn new(pattern: &str) -> ArnPattern {
        if pattern == "*" {
            return ArnPattern::Any;
        }
        ArnPattern::Fields(pattern.splitn(6, ':').map(Glob::new).collect())
    }

    /// From tokens (after variable substitution): only literal colons split fields.
    pub(crate) fn from_tokens(toks: Vec<Tok>) -> ArnPattern {
        if toks == [Tok::Star] {
            return ArnPattern::Any;
        }
        let mut fields: Vec<Vec<Tok>> = vec![Vec::new()];
        for t in toks {
            if t == Tok::Byte(b':') && fields.len() < 6 {
                fields.push(Vec::new());
            } else if let Some(last) = fields.last_mut() {
                last.push(t);
            }
        }
        ArnPattern::Fields(fields.into_iter().map(Glob::from_tokens).collect())
    }

    /// Does `arn` match? Non-ARN text only matches `*` or a one-field pattern.
    pub(crate) fn matches(&self, arn: &str) -> bool {
        let fields = match self {
            ArnPattern::Any => return true,
            ArnPattern::Fields(f) => f,
        };
        let mut rest = arn;
        let n = fields.len();
        for (i, g) in fields.iter().enumerate() {
            if i + 1 == n {
                return g.matches(rest);
            }
            match rest.split_once(':') {
                Some((head, tail)) => {
                    if !g.matches(head) {
                        return false;
                    }
                    rest = tail;
                }
                None => return false,
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fieldwise() {
        let p = ArnPattern::new("arn:aws:s3:::bucket/*");
        assert!(p.matches("arn:aws:s3:::bucket/a/b:c"));
        assert!(!p.matches("arn:aws:s3:::other/a"));
        let p = ArnPattern::new("arn:aws:iam::*:user/*");
        assert!(p.matches("arn:aws:iam::123456789012:user/alice"));
        // The account wildcard does not swallow the following colon.
        assert!(!ArnPattern::new("arn:aws:iam::*:x").matches("arn:aws:iam::1:user:x"));
        assert!(ArnPattern::new("arn:aws:ec2:*").matches("arn:aws:ec2:us-east-1:1:instance/i"));
        assert!(!ArnPattern::new("arn:aws:iam::123:user/*").matches("*"));
        assert!(ArnPattern::new("*").matches("*"));
        assert_eq!(
            split_arn("arn:aws:iam::1:role/a:b").map(|p| p[5]),
            Some("role/a:b")
        );
        assert!(split_arn("xrn:aws:iam::1:role").is_none());
    }
}
