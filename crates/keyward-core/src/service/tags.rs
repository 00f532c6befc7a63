//! Tag rules shared by every taggable resource (users, roles, instance
//! profiles): AWS's constraints, the per-resource quota, case-insensitive keys.

use super::Keyward;
use crate::model::Tag;
use crate::validate::{self, Violations};
use crate::{Error, Result};

impl Keyward {
    /// Checks tags given on create or Tag*: model constraints, quota, the
    /// reserved `aws:` prefix and duplicate keys.
    pub(super) fn check_tags(&self, tags: &[Tag]) -> Result<()> {
        let mut v = Violations::new();
        for (i, t) in tags.iter().enumerate() {
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
        v.finish()?;
        if tags.len() > self.quotas.tags_per_resource {
            return Err(self.too_many_tags());
        }
        for (i, t) in tags.iter().enumerate() {
            if t.key.len() >= 4 && t.key[..4].eq_ignore_ascii_case("aws:") {
                return Err(Error::InvalidInput("User-defined tag keys can't start with \"aws:\". This prefix is reserved for AWS system tags.".into()));
            }
            if tags[..i].iter().any(|o| o.key.eq_ignore_ascii_case(&t.key)) {
                return Err(Error::InvalidInput(
                    "Duplicate tag keys found. Please note that Tag keys are case insensitive."
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// The tags after a Tag* call: new values replace those of the same key
    /// (ignoring case); the result must stay within the quota.
    pub(super) fn merge_tags(&self, existing: &[Tag], tags: Vec<Tag>) -> Result<Vec<Tag>> {
        self.check_tags(&tags)?;
        let mut merged = existing.to_vec();
        for tag in tags {
            match merged
                .iter_mut()
                .find(|t| t.key.eq_ignore_ascii_case(&tag.key))
            {
                Some(existing) => *existing = tag,
                None => merged.push(tag),
            }
        }
        if merged.len() > self.quotas.tags_per_resource {
            return Err(self.too_many_tags());
        }
        Ok(merged)
    }

    fn too_many_tags(&self) -> Error {
        Error::LimitExceeded(format!(
            "The number of tags has reached the maximum limit of {}.",
            self.quotas.tags_per_resource
        ))
    }
}

/// Checks the keys given to an Untag* call.
pub(super) fn check_tag_keys(keys: &[String]) -> Result<()> {
    let mut v = Violations::new();
    for (i, k) in keys.iter().enumerate() {
        v.text(
            &format!("tagKeys.{}", i + 1),
            k,
            1,
            128,
            Some((r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", validate::is_tag_text)),
        );
    }
    v.finish()
}

/// The tags that remain after removing `keys` (ignoring case).
pub(super) fn without_keys(tags: &[Tag], keys: &[String]) -> Vec<Tag> {
    tags.iter()
        .filter(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: v.into(),
        }
    }

    #[test]
    fn removing_keys_ignores_case() {
        let tags = vec![tag("Team", "a"), tag("env", "b")];
        assert_eq!(without_keys(&tags, &["TEAM".into()]), vec![tag("env", "b")]);
    }

    #[test]
    fn tag_keys_are_checked() {
        assert!(check_tag_keys(&["ok-key".into()]).is_ok());
        assert!(matches!(
            check_tag_keys(&[String::new()]),
            Err(Error::Validation(_))
        ));
    }
}
