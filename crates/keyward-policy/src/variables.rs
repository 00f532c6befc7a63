//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`,
//! and the escapes `${*}`, `${?}`, `${$}` (Version 2012-10-17 only).

use crate::context::RequestContext;
use crate::glob::{Tok, tokens_of};

/// One piece of a value that may contain variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Text from the policy; `*` and `?` in it are wildcards where the operator has them.
    Text(String),
    /// An escaped character (`${*}` → `*`): always literal.
    Literal(u8),
    /// A variable: lower-cased key (for lookup), key as written, optional default.
    Var {
        key: String,
        name: String,
        default: Option<String>,
    },
}

/// A value split into parts; `None` from [`Template::parse`] means no variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pub parts: Vec<Part>,
}

impl Template {
    /// Splits `s` at `${...}`; returns `None` when it contains none (the common
    /// case, which then compiles to a plain pattern).
    pub(crate) fn parse(s: &str) -> Option<Template> {
        if !s.contains("${") {
            return None;
        }
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            let Some(close) = rest[i..].find('}') else {
                break;
            };
            let inner = &rest[i + 2..i + close];
            text.push_str(&rest[..i]);
            let part = match inner {
                "*" => Part::Literal(b'*'),
                "?" => Part::Literal(b'?'),
                "$" => Part::Literal(b'$'),
                _ => match parse_var(inner) {
                    Some(p) => p,
                    None => {
                        // Not a variable: keep the text as written.
                        text.push_str(&rest[i..=i + close]);
                        rest = &rest[i + close + 1..];
                        continue;
                    }
                },
            };
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(part);
            rest = &rest[i + close + 1..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Some(Template { parts })
    }

    /// Variable keys referenced, as written.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| {
            if let Part::Var { name, .. } = p {
                Some(name.as_str())
            } else {
                None
            }
        })
    }

    /// Substitutes variables. `wildcards` says whether `*`/`?` in policy text
    /// are wildcards (Like operators, resources) or literal. Substituted values
    /// and escapes are always literal. `None` if a variable has no value and no default.
    pub(crate) fn resolve(&self, ctx: &RequestContext, wildcards: bool) -> Option<Vec<Tok>> {
        let mut out = Vec::new();
        for p in &self.parts {
            match p {
                Part::Text(t) if wildcards => out.extend(tokens_of(t)),
                Part::Text(t) => out.extend(t.bytes().map(Tok::Byte)),
                Part::Literal(b) => out.push(Tok::Byte(*b)),
                Part::Var { key, default, .. } => {
                    let value = match ctx.get_lower(key) {
                        // Multi-valued keys cannot be substituted.
                        Some([single]) => single.as_text().into_owned(),
                        _ => default.clone()?,
                    };
                    out.extend(value.bytes().map(Tok::Byte));
                }
            }
        }
        Some(out)
    }

    /// Tokens of a template without variables (escapes literal, text wildcards live).
    pub(crate) fn literal_tokens(&self) -> Vec<Tok> {
        let mut out = Vec::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.extend(tokens_of(t)),
                Part::Literal(b) => out.push(Tok::Byte(*b)),
                Part::Var { name, .. } => out.extend(name.bytes().map(Tok::Byte)),
            }
        }
        out
    }

    /// Substitutes into plain text (for non-pattern operators).
    pub(crate) fn resolve_text(&self, ctx: &RequestContext) -> Option<String> {
        let toks = self.resolve(ctx, false)?;
        let bytes: Vec<u8> = toks
            .into_iter()
            .filter_map(|t| if let Tok::Byte(b) = t { Some(b) } else { None })
            .collect();
        String::from_utf8(bytes).ok()
    }
}

/// `key` or `key, 'default'` (whitespace around the comma tolerated).
fn parse_var(inner: &str) -> Option<Part> {
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d.strip_prefix('\'')?.strip_suffix('\'')?;
            (k.trim(), Some(d.to_owned()))
        }
        None => (inner.trim(), None),
    };
    let valid = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_:/-.+=@".contains(&b));
    valid.then(|| Part::Var {
        key: key.to_ascii_lowercase(),
        name: key.to_owned(),
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        assert!(Template::parse("arn:aws:s3:::b/*").is_none());
        let t =
            Template::parse("home/${aws:username}/${*}${aws:PrincipalTag/team, 'all'}").unwrap();
        assert_eq!(
            t.parts,
            vec![
                Part::Text("home/".into()),
                Part::Var {
                    key: "aws:username".into(),
                    name: "aws:username".into(),
                    default: None
                },
                Part::Text("/".into()),
                Part::Literal(b'*'),
                Part::Var {
                    key: "aws:principaltag/team".into(),
                    name: "aws:PrincipalTag/team".into(),
                    default: Some("all".into())
                },
            ]
        );
        let t = Template::parse("a${not valid}b").unwrap();
        assert_eq!(t.parts, vec![Part::Text("a${not valid}b".into())]);
    }
}
