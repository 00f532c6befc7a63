//! Percent-encoding and the canonical forms of the URI path, query and header values.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

use crate::error::AuthError;

/// Everything but RFC 3986 unreserved characters (`A-Za-z0-9-._~`) is encoded.
const QUERY_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// As [`QUERY_SET`] but keeps `/`, for the canonical URI.
const PATH_SET: &AsciiSet = &QUERY_SET.remove(b'/');

/// Encodes bytes with RFC 3986 rules (uppercase hex), `+` and space included.
pub(crate) fn encode_query_component(out: &mut String, bytes: &[u8]) {
    out.extend(percent_encode(bytes, QUERY_SET));
}

/// Request sanity (spec §2 step 1) for the path: absolute, valid %-escapes,
/// never climbing above the root.
pub(crate) fn check_path(raw_path: &str) -> Result<(), AuthError> {
    if !raw_path.is_empty() && !raw_path.starts_with('/') {
        return Err(AuthError::BadRequest("request path is not absolute"));
    }
    if first_bad_escape(raw_path).is_some() {
        return Err(AuthError::BadRequest("malformed %-escape in request path"));
    }
    let mut depth = 0usize;
    for segment in raw_path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                depth = depth
                    .checked_sub(1)
                    .ok_or(AuthError::BadRequest("request path climbs above the root"))?;
            }
            _ => depth += 1,
        }
    }
    Ok(())
}

/// Request sanity for the query: every `%` starts a valid escape, with AWS's messages.
pub(crate) fn check_query(raw_query: &str) -> Result<(), AuthError> {
    match first_bad_escape(raw_query) {
        None => Ok(()),
        Some(BadEscape::Incomplete) => Err(AuthError::MalformedQueryString(
            "Incomplete trailing escape % sequence".to_owned(),
        )),
        Some(BadEscape::IllegalHex(pattern)) => Err(AuthError::MalformedQueryString(format!(
            "Illegal hex character in escape % pattern: %{pattern}"
        ))),
    }
}

enum BadEscape {
    Incomplete,
    IllegalHex(String),
}

fn first_bad_escape(s: &str) -> Option<BadEscape> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let (Some(&a), Some(&b)) = (bytes.get(i + 1), bytes.get(i + 2)) else {
                return Some(BadEscape::Incomplete);
            };
            if !(a.is_ascii_hexdigit() && b.is_ascii_hexdigit()) {
                let pattern = s.get(i + 1..).unwrap_or_default().chars().take(2).collect();
                return Some(BadEscape::IllegalHex(pattern));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    None
}

/// Percent-decodes a query component (`+` stays `+`: SigV4 does not treat it as space).
pub(crate) fn decode_component(raw: &str) -> Cow<'_, str> {
    percent_decode_str(raw).decode_utf8_lossy()
}

/// Writes the canonical URI: the wire path (still %-encoded), with dot segments and
/// repeated slashes removed when `normalize`, then encoded again (AWS's double
/// encoding for every service but S3).
pub(crate) fn write_canonical_uri(out: &mut String, raw_path: &str, normalize: bool) {
    if raw_path.is_empty() {
        out.push('/');
    } else if normalize && needs_normalization(raw_path) {
        let normalized = normalize_path(raw_path);
        out.extend(percent_encode(normalized.as_bytes(), PATH_SET));
    } else {
        out.extend(percent_encode(raw_path.as_bytes(), PATH_SET));
    }
}

fn needs_normalization(path: &str) -> bool {
    // The first segment is always empty (absolute path); the last may be (trailing slash).
    let mut segments = path.split('/').skip(1).peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if segment == "." || segment == ".." || (segment.is_empty() && !last) {
            return true;
        }
    }
    false
}

/// RFC 3986 §5.2.4 dot-segment removal plus collapsing of empty segments; a path that
/// ends in `/`, `/.` or `/..` keeps a trailing slash (as the RFC and the AWS SDKs do).
fn normalize_path(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    let mut out = String::with_capacity(path.len());
    for segment in &kept {
        out.push('/');
        out.push_str(segment);
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if out.is_empty() || trailing {
        out.push('/');
    }
    out
}

/// Which query parameters the canonical query leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryExclusion {
    /// Header auth: every parameter is signed.
    Nothing,
    /// Presigned URL: the signature itself is not signed.
    Signature,
    /// Presigned URL whose session token was appended after signing.
    SignatureAndToken,
}

impl QueryExclusion {
    fn excludes(self, encoded_name: &str) -> bool {
        match self {
            Self::Nothing => false,
            Self::Signature => encoded_name == "X-Amz-Signature",
            Self::SignatureAndToken => {
                encoded_name == "X-Amz-Signature" || encoded_name == "X-Amz-Security-Token"
            }
        }
    }
}

/// Writes the canonical query: each name and value decoded then re-encoded (RFC 3986),
/// sorted by name then value, joined with `&`. Expects escapes checked by [`check_query`].
pub(crate) fn write_canonical_query(out: &mut String, raw_query: &str, exclude: QueryExclusion) {
    if raw_query.is_empty() {
        return;
    }
    // One buffer for all encoded text; pairs are ranges into it, so sorting moves no text.
    let mut buf = String::with_capacity(raw_query.len() + 32);
    let mut pairs: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    for part in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let name_start = buf.len();
        reencode(&mut buf, name);
        let name_range = name_start..buf.len();
        if exclude.excludes(&buf[name_range.clone()]) {
            buf.truncate(name_start);
            continue;
        }
        let value_start = buf.len();
        reencode(&mut buf, value);
        pairs.push((name_range, value_start..buf.len()));
    }
    pairs.sort_by(|a, b| {
        (&buf[a.0.clone()], &buf[a.1.clone()]).cmp(&(&buf[b.0.clone()], &buf[b.1.clone()]))
    });
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&buf[name.clone()]);
        out.push('=');
        out.push_str(&buf[value.clone()]);
    }
}

fn reencode(out: &mut String, raw: &str) {
    let decoded: Cow<'_, [u8]> = percent_decode_str(raw).into();
    encode_query_component(out, &decoded);
}

/// Appends a header value trimmed, with every run of whitespace (spaces, tabs, folded
/// line breaks) collapsed to one space, as botocore does.
pub(crate) fn push_header_value(out: &mut String, value: &str) {
    let mut words = value.split_ascii_whitespace();
    if let Some(first) = words.next() {
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str) -> String {
        let mut out = String::new();
        write_canonical_uri(&mut out, path, true);
        out
    }

    #[test]
    fn normalizes_like_the_rfc() {
        assert_eq!(uri("/"), "/");
        assert_eq!(uri(""), "/");
        assert_eq!(uri("/a/b/../c/./d"), "/a/c/d");
        assert_eq!(uri("/a/b/.."), "/a/");
        assert_eq!(uri("/a/."), "/a/");
        assert_eq!(uri("//a//b//"), "/a/b/");
        assert_eq!(uri("/example/.."), "/");
        assert_eq!(uri("/a%20b"), "/a%2520b");
        assert_eq!(uri("/a b/ሴ"), "/a%20b/%E1%88%B4");
    }

    #[test]
    fn path_sanity() {
        assert!(check_path("/a/../b").is_ok());
        assert!(check_path("/..").is_err());
        assert!(check_path("/a/../../b").is_err());
        assert!(check_path("a").is_err());
        assert!(check_path("/a%2").is_err());
        assert!(check_path("/a%zz").is_err());
    }

    #[test]
    fn query_is_sorted_and_reencoded() {
        let mut out = String::new();
        write_canonical_query(
            &mut out,
            "b=2&a=%7e+x&a=1&c&X-Amz-Signature=zz",
            QueryExclusion::Signature,
        );
        assert_eq!(out, "a=1&a=~%2Bx&b=2&c=");
    }
}
