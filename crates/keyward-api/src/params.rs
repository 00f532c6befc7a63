//! Query-protocol request parameters: `Name=value`, lists as `Name.member.N`,
//! structures as `Name.member.N.Field`.

use keyward_core::Error;
use keyward_core::model::{Tag, User};

/// The decoded form (or query string) of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// The user `UserName` names, as authorization read it from the store,
    /// so a handler that serves that user does not read it a second time.
    named_user: Option<User>,
}

impl Params {
    /// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
    pub fn from_form(body: &[u8]) -> Self {
        Self {
            pairs: form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            named_user: None,
        }
    }

    pub fn extend(&mut self, other: Self) {
        self.pairs.extend(other.pairs);
    }

    /// Keeps the user named by `UserName`, read while authorizing this request.
    pub(crate) fn set_named_user(&mut self, user: User) {
        self.named_user = Some(user);
    }

    /// The user named by `UserName` when authorization already read it
    /// (never for root, whose requests are not authorized by policy).
    pub fn take_named_user(&mut self) -> Option<User> {
        self.named_user.take()
    }

    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A required parameter; AWS's wording for a missing one names the
    /// model's lower-camel-case member.
    pub fn required(&self, name: &str) -> Result<&str, Error> {
        self.get(name).ok_or_else(|| {
            Error::Validation(format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_camel(name)))
        })
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, Error> {
        self.get(name)
            .map(|v| v.parse::<i64>().map_err(|_| Error::Validation(format!("1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must be a number", lower_camel(name)))))
            .transpose()
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(Error::Validation(format!(
                "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must be a boolean",
                lower_camel(name)
            ))),
        }
    }

    /// `Name.member.1`, `Name.member.2`, … in index order.
    pub fn list(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}.member.");
        let mut items: Vec<(u32, &str)> = self
            .pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&prefix)
                    .and_then(|i| i.parse().ok())
                    .map(|i| (i, v.as_str()))
            })
            .collect();
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, v)| v.to_owned()).collect()
    }

    /// `Name.member.N.{field}` values in index order (a list of one-field
    /// structures, such as STS's `PolicyArns.member.N.arn`).
    pub fn structs(&self, name: &str, field: &str) -> Vec<String> {
        let prefix = format!("{name}.member.");
        let suffix = format!(".{field}");
        let mut items: Vec<(u32, &str)> = self
            .pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix(&suffix))
                    .and_then(|i| i.parse().ok())
                    .map(|i| (i, v.as_str()))
            })
            .collect();
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, v)| v.to_owned()).collect()
    }

    /// `Name.member.N.Key` / `Name.member.N.Value` pairs in index order.
    pub fn tags(&self, name: &str) -> Vec<Tag> {
        let prefix = format!("{name}.member.");
        let mut found: std::collections::BTreeMap<u32, Tag> = std::collections::BTreeMap::new();
        for (k, v) in &self.pairs {
            let Some(rest) = k.strip_prefix(&prefix) else {
                continue;
            };
            let Some((i, field)) = rest.split_once('.') else {
                continue;
            };
            let Ok(i) = i.parse() else { continue };
            let tag = found.entry(i).or_insert_with(|| Tag {
                key: String::new(),
                value: String::new(),
            });
            match field {
                "Key" => tag.key.clone_from(v),
                "Value" => tag.value.clone_from(v),
                _ => {}
            }
        }
        found.into_values().collect()
    }
}

/// `UserName` → `userName`, as AWS names members in validation messages.
pub fn lower_camel(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_lists_and_tags() {
        let p = Params::from_form(b"Action=TagUser&Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=x+y&TagKeys.member.2=k2&TagKeys.member.1=k1");
        assert_eq!(p.get("Action"), Some("TagUser"));
        let tags = p.tags("Tags");
        assert_eq!(tags.len(), 2);
        assert_eq!((tags[0].key.as_str(), tags[0].value.as_str()), ("a", "x y"));
        assert_eq!(p.list("TagKeys"), vec!["k1", "k2"]);
    }

    #[test]
    fn missing_required_names_the_member() {
        let e = Params::default().required("UserName").expect_err("missing");
        assert_eq!(
            e.to_string(),
            "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
        );
    }
}
