//! A small XML writer for AWS Query responses: elements in the order written,
//! text escaped, no attributes but the envelope's namespace.

use std::fmt::Write as _;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Builds the inside of a `<…Result>` element.
#[derive(Debug, Default)]
pub struct Xml(String);

impl Xml {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<tag>escaped text</tag>`.
    pub fn text(&mut self, tag: &str, value: &str) -> &mut Self {
        let _ = write!(self.0, "<{tag}>");
        escape_into(&mut self.0, value);
        let _ = write!(self.0, "</{tag}>");
        self
    }

    /// `<tag>text</tag>` when the value is present; nothing otherwise.
    pub fn opt_text(&mut self, tag: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.text(tag, v);
        }
        self
    }

    pub fn bool(&mut self, tag: &str, value: bool) -> &mut Self {
        self.text(tag, if value { "true" } else { "false" })
    }

    pub fn num(&mut self, tag: &str, value: i64) -> &mut Self {
        let _ = write!(self.0, "<{tag}>{value}</{tag}>");
        self
    }

    /// An ISO-8601 UTC timestamp with seconds, as IAM writes them.
    pub fn date(&mut self, tag: &str, value: OffsetDateTime) -> &mut Self {
        self.text(tag, &iso8601(value))
    }

    /// `<tag>…</tag>` around what `inner` writes.
    pub fn node(&mut self, tag: &str, inner: impl FnOnce(&mut Self)) -> &mut Self {
        let _ = write!(self.0, "<{tag}>");
        inner(self);
        let _ = write!(self.0, "</{tag}>");
        self
    }

    /// `<tag><member>…</member>…</tag>`: the Query protocol's list shape.
    pub fn list<T>(
        &mut self,
        tag: &str,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Self, T),
    ) -> &mut Self {
        self.node(tag, |x| {
            for item in items {
                x.node("member", |m| each(m, item));
            }
        })
    }
}

impl Xml {
    /// `<tag><member>text</member>…</tag>`: a list of strings.
    pub fn list_of_text(&mut self, tag: &str, items: &[String]) -> &mut Self {
        let _ = write!(self.0, "<{tag}>");
        for item in items {
            let _ = write!(self.0, "<member>");
            escape_into(&mut self.0, item);
            let _ = write!(self.0, "</member>");
        }
        let _ = write!(self.0, "</{tag}>");
        self
    }
}

/// `2011-07-15T23:28:33.359Z`: milliseconds, as STS writes `Expiration`.
pub fn iso8601_millis(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `2024-01-01T00:00:00Z`.
pub fn iso8601(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// Everything but RFC 3986's unreserved characters is percent-encoded.
const POLICY_ENCODE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A policy document as IAM puts it in a response: URL-encoded (RFC 3986).
pub fn encode_policy(document: &str) -> String {
    percent_encoding::utf8_percent_encode(document, POLICY_ENCODE).to_string()
}

pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiration_has_milliseconds() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_310_772_513_359_999_999).expect("time");
        assert_eq!(iso8601_millis(t), "2011-07-15T23:28:33.359Z");
        let whole = OffsetDateTime::from_unix_timestamp(1_310_772_513).expect("time");
        assert_eq!(iso8601_millis(whole), "2011-07-15T23:28:33.000Z");
    }

    #[test]
    fn writes_members_and_escapes() {
        let mut x = Xml::new();
        x.list("Users", ["a<b", "c"], |m, n| {
            m.text("UserName", n);
        });
        assert_eq!(
            x.as_str(),
            "<Users><member><UserName>a&lt;b</UserName></member><member><UserName>c</UserName></member></Users>"
        );
    }

    #[test]
    fn policies_are_url_encoded() {
        assert_eq!(
            encode_policy("{\"a\": \"b~c-d_e.f%3A\"}"),
            "%7B%22a%22%3A%20%22b~c-d_e.f%253A%22%7D"
        );
    }

    #[test]
    fn dates_are_second_precision_utc() {
        let t = time::macros::datetime!(2024-01-02 03:04:05.678 UTC);
        assert_eq!(iso8601(t), "2024-01-02T03:04:05Z");
    }
}
