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
        // Most answers fit: one allocation instead of a few regrowths.
        Self(String::with_capacity(512))
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<tag>escaped text</tag>`.
    pub fn text(&mut self, tag: &str, value: &str) -> &mut Self {
        self.open(tag);
        escape_into(&mut self.0, value);
        self.close(tag)
    }

    fn open(&mut self, tag: &str) {
        self.0.push('<');
        self.0.push_str(tag);
        self.0.push('>');
    }

    fn close(&mut self, tag: &str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
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
        self.open(tag);
        let _ = write!(self.0, "{value}");
        self.close(tag)
    }

    /// An ISO-8601 UTC timestamp with seconds, as IAM writes them.
    pub fn date(&mut self, tag: &str, value: OffsetDateTime) -> &mut Self {
        self.text(tag, &iso8601(value))
    }

    /// `<tag>…</tag>` around what `inner` writes.
    pub fn node(&mut self, tag: &str, inner: impl FnOnce(&mut Self)) -> &mut Self {
        self.open(tag);
        inner(self);
        self.close(tag)
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
        self.open(tag);
        for item in items {
            self.text("member", item);
        }
        self.close(tag)
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
    // Copies the runs between the characters that need escaping in one go:
    // most values (ids, ARNs, keys, tokens) have none.
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'', '\r']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => "&#xD;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
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
    fn every_special_character_is_escaped_and_the_rest_kept() {
        assert_eq!(
            escape("a&b<c>d\"e'f\rg\u{e9}\u{1F600}&"),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f&#xD;g\u{e9}\u{1F600}&amp;"
        );
        assert_eq!(escape(""), "");
        assert_eq!(escape("plain"), "plain");
        let mut x = Xml::new();
        x.num("N", -42).list_of_text("L", &["<".into(), "b".into()]);
        assert_eq!(
            x.as_str(),
            "<N>-42</N><L><member>&lt;</member><member>b</member></L>"
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
