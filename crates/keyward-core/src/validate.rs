//! Parameter constraints as the IAM/STS models state them, reported with AWS's
//! `ValidationError` wording: all violations of a request in one message.

use crate::Error;

/// The model pattern for user, group, role and policy names.
pub const NAME_PATTERN: &str = r"[\w+=,.@-]+";
/// The model pattern for paths.
pub const PATH_PATTERN: &str = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)";

/// A model pattern's text and the check that implements it.
pub type Pattern<'a> = (&'a str, fn(&str) -> bool);

/// Collects constraint violations; `finish` turns them into one error.
#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, value: Option<&str>, field: &str, constraint: &str) {
        let at = match value {
            Some(v) => format!("Value '{v}' at '{field}'"),
            None => format!("Value null at '{field}'"),
        };
        self.0
            .push(format!("{at} failed to satisfy constraint: {constraint}"));
    }

    /// Checks length (in characters) and, for non-empty values, a character rule.
    pub fn text(
        &mut self,
        field: &str,
        value: &str,
        min: usize,
        max: usize,
        pattern: Option<Pattern<'_>>,
    ) {
        let len = value.chars().count();
        if len < min {
            self.push(
                Some(value),
                field,
                &format!("Member must have length greater than or equal to {min}"),
            );
        } else if len > max {
            self.push(
                Some(value),
                field,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
        if let Some((pattern, ok)) = pattern
            && len > 0
            && !ok(value)
        {
            self.push(
                Some(value),
                field,
                &format!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
    }

    /// A violation of a secret parameter: the value is never echoed.
    pub fn secret(&mut self, field: &str, constraint: &str) {
        self.0.push(format!(
            "Value at '{field}' failed to satisfy constraint: {constraint}"
        ));
    }

    pub fn name(&mut self, field: &str, value: &str, max: usize) {
        self.text(field, value, 1, max, Some((NAME_PATTERN, is_name)));
    }

    pub fn path(&mut self, field: &str, value: &str) {
        self.text(field, value, 1, 512, Some((PATH_PATTERN, is_path)));
    }

    pub fn enum_value(&mut self, field: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.push(
                Some(value),
                field,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            );
        }
    }

    pub fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        let v = value.to_string();
        if value < min {
            self.push(
                Some(&v),
                field,
                &format!("Member must have value greater than or equal to {min}"),
            );
        } else if value > max {
            self.push(
                Some(&v),
                field,
                &format!("Member must have value less than or equal to {max}"),
            );
        }
    }

    pub fn finish(self) -> Result<(), Error> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(Error::Validation(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(Error::Validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }
}

/// `[\w+=,.@-]+`; `\w` is Unicode-aware in AWS's Java regexes only for ASCII.
pub fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// `/` or `/…/` with printable ASCII between.
pub fn is_path(s: &str) -> bool {
    s == "/"
        || (s.len() >= 2
            && s.starts_with('/')
            && s.ends_with('/')
            && s.bytes().all(|b| (0x21..=0x7e).contains(&b)))
}

/// `[\w]+` of length 16–128: access key ids as the model accepts them.
pub fn is_access_key_id(s: &str) -> bool {
    (16..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Tag key/value characters: `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`.
pub fn is_tag_text(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_violation_reads_like_aws() {
        let mut v = Violations::new();
        v.name("userName", "x y", 64);
        assert_eq!(
            v.finish().expect_err("an error").to_string(),
            r"1 validation error detected: Value 'x y' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
        );
    }

    #[test]
    fn several_violations_are_joined() {
        let mut v = Violations::new();
        v.name("userName", &"a".repeat(65), 64);
        v.path("path", "nope");
        let msg = v.finish().expect_err("an error").to_string();
        assert!(msg.starts_with("2 validation errors detected: "), "{msg}");
        assert!(
            msg.contains(
                "Member must have length less than or equal to 64; Value 'nope' at 'path'"
            ),
            "{msg}"
        );
    }

    #[test]
    fn paths_and_names() {
        assert!(is_path("/"));
        assert!(is_path("/a/b/"));
        assert!(!is_path("a/"));
        assert!(!is_path("/a"));
        assert!(!is_path("/a b/"));
        assert!(is_name("bob.smith@example.com"));
        assert!(!is_name("bob smith"));
        assert!(!is_name(""));
    }
}
