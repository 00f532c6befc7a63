//! Tag rules shared by every taggable resource (users, policies, …): AWS's
//! key/value constraints, the reserved `aws:` prefix, case-insensitive keys
//! and the per-resource quota.

use super::Keyward;
use crate::model::Tag;
use crate::validate::{self, Violations};
use crate::{Error, Result};

impl Keyward {
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
            return Err(Error::LimitExceeded(format!(
                "The number of tags has reached the maximum limit of {}.",
                self.quotas.tags_per_resource
            )));
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

    /// `existing` with `new` (already checked by `check_tags`) added or
    /// replaced (keys ignore case), checked against the quota.
    pub(super) fn merge_tags(&self, existing: &[Tag], new: Vec<Tag>) -> Result<Vec<Tag>> {
        let mut merged = existing.to_vec();
        for tag in new {
            match merged
                .iter_mut()
                .find(|t| t.key.eq_ignore_ascii_case(&tag.key))
            {
                Some(existing) => *existing = tag,
                None => merged.push(tag),
            }
        }
        if merged.len() > self.quotas.tags_per_resource {
            return Err(Error::LimitExceeded(format!(
                "The number of tags has reached the maximum limit of {}.",
                self.quotas.tags_per_resource
            )));
        }
        Ok(merged)
    }
}

/// The model constraints of `TagKeys.member.N`.
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

/// `tags` without those whose key (ignoring case) is in `keys`.
pub(super) fn without_tags(tags: &[Tag], keys: &[String]) -> Vec<Tag> {
    tags.iter()
        .filter(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)))
        .cloned()
        .collect()
}
