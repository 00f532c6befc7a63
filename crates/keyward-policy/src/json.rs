//! A small JSON reader that keeps where each value starts and ends.
//!
//! serde_json cannot report positions of nested values, and IAM's simulator
//! reports the line and column of every matched statement, so policies are
//! read with this parser. It also refuses duplicate object keys (IAM does)
//! and bounds nesting depth so hostile input cannot exhaust the stack.

use crate::error::PolicyError;

/// Deepest nesting a policy needs is 5 (policy/Condition/op/key/values);
/// anything deeper than this is refused without descending further.
const MAX_DEPTH: usize = 32;

/// A position in the source document: 1-based line and 1-based column
/// (columns count bytes, which equals characters for ASCII documents).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Position {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column number, starting at 1.
    pub column: u32,
}

/// One parsed JSON value and its extent in the source.
#[derive(Debug, Clone)]
pub(crate) struct JValue {
    pub kind: JKind,
    pub start: Position,
    pub end: Position,
}

/// The shape of a JSON value. Numbers keep their source text.
#[derive(Debug, Clone)]
pub(crate) enum JKind {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<JValue>),
    /// Members in document order.
    Object(Vec<(String, JValue)>),
}

/// Why the reader stopped: invalid JSON, or valid JSON with a duplicate key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonError {
    Invalid,
    DuplicateKey,
}

impl From<JsonError> for PolicyError {
    fn from(e: JsonError) -> Self {
        match e {
            JsonError::Invalid => PolicyError::InvalidJson,
            JsonError::DuplicateKey => PolicyError::Syntax,
        }
    }
}

/// Parses a complete JSON document (surrounding whitespace allowed).
pub(crate) fn parse(text: &str) -> Result<JValue, JsonError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        line: 1,
        line_start: 0,
    };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(JsonError::Invalid);
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    line: u32,
    line_start: usize,
}

impl Parser<'_> {
    fn pos(&self) -> Position {
        let col = self.i.saturating_sub(self.line_start) + 1;
        Position {
            line: self.line,
            column: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                _ => break,
            }
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), JsonError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(JsonError::Invalid)
        }
    }

    fn value(&mut self, depth: usize) -> Result<JValue, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::Invalid);
        }
        let start = self.pos();
        let kind = match self.peek().ok_or(JsonError::Invalid)? {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' => JKind::String(self.string()?),
            b't' => self.literal(b"true", JKind::Bool(true))?,
            b'f' => self.literal(b"false", JKind::Bool(false))?,
            b'n' => self.literal(b"null", JKind::Null)?,
            b'-' | b'0'..=b'9' => JKind::Number(self.number()?),
            _ => return Err(JsonError::Invalid),
        };
        Ok(JValue {
            kind,
            start,
            end: self.pos(),
        })
    }

    fn literal(&mut self, word: &[u8], kind: JKind) -> Result<JKind, JsonError> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(kind)
        } else {
            Err(JsonError::Invalid)
        }
    }

    fn object(&mut self, depth: usize) -> Result<JKind, JsonError> {
        self.expect(b'{')?;
        let mut members: Vec<(String, JValue)> = Vec::new();
        // Large objects switch to a set so duplicate detection stays linear.
        let mut seen: Option<std::collections::HashSet<String>> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(JKind::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(JsonError::Invalid);
            }
            let key = self.string()?;
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            let v = self.value(depth + 1)?;
            let duplicate = match &mut seen {
                Some(set) => !set.insert(key.clone()),
                None => members.iter().any(|(k, _)| *k == key),
            };
            if duplicate {
                return Err(JsonError::DuplicateKey);
            }
            if seen.is_none() && members.len() >= 16 {
                let mut set: std::collections::HashSet<String> =
                    members.iter().map(|(k, _)| k.clone()).collect();
                set.insert(key.clone());
                seen = Some(set);
            }
            members.push((key, v));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(JKind::Object(members));
                }
                _ => return Err(JsonError::Invalid),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JKind, JsonError> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(JKind::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(JKind::Array(items));
                }
                _ => return Err(JsonError::Invalid),
            }
        }
    }

    fn number(&mut self) -> Result<String, JsonError> {
        let begin = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(JsonError::Invalid),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(JsonError::Invalid);
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(JsonError::Invalid);
            }
            self.digits();
        }
        // The slice is ASCII digits and signs, so it is valid UTF-8.
        Ok(String::from_utf8_lossy(&self.s[begin..self.i]).into_owned())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.expect(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.peek().ok_or(JsonError::Invalid)?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => self.escape(&mut out)?,
                0..=0x1f => return Err(JsonError::Invalid),
                _ => out.push(c),
            }
        }
        // Input is &str, and escapes push whole UTF-8 sequences, so this holds.
        String::from_utf8(out).map_err(|_| JsonError::Invalid)
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), JsonError> {
        let c = self.peek().ok_or(JsonError::Invalid)?;
        self.i += 1;
        let simple = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let ch = self.unicode_escape()?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                return Ok(());
            }
            _ => return Err(JsonError::Invalid),
        };
        out.push(simple);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let chunk = self.s.get(self.i..self.i + 4).ok_or(JsonError::Invalid)?;
        let mut v = 0u32;
        for &b in chunk {
            let d = char::from(b).to_digit(16).ok_or(JsonError::Invalid)?;
            v = v * 16 + d;
        }
        self.i += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            // A high surrogate must be followed by an escaped low surrogate.
            if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                return Err(JsonError::Invalid);
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(JsonError::Invalid);
            }
            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return char::from_u32(cp).ok_or(JsonError::Invalid);
        }
        char::from_u32(hi).ok_or(JsonError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_values() {
        let v = parse("{\n  \"a\": [1, \"x\\u00e9\"],\n  \"b\": {\"c\": true}\n}").unwrap();
        let JKind::Object(m) = &v.kind else { panic!() };
        assert_eq!(m[0].1.start, Position { line: 2, column: 8 });
        assert_eq!(m[1].1.start, Position { line: 3, column: 8 });
        assert_eq!(
            m[1].1.end,
            Position {
                line: 3,
                column: 19
            }
        );
        let JKind::Array(a) = &m[0].1.kind else {
            panic!()
        };
        assert!(matches!(&a[1].kind, JKind::String(s) if s == "xé"));
    }

    #[test]
    fn rejects_bad_json() {
        for bad in [
            "",
            "{",
            "{\"a\":1,}",
            "[1,]",
            "{\"a\" 1}",
            "01",
            "\"\\x\"",
            "tru",
            "{} x",
            "\"\\ud800\"",
        ] {
            assert_eq!(parse(bad).unwrap_err(), JsonError::Invalid, "{bad}");
        }
        assert_eq!(
            parse("{\"a\":1,\"a\":2}").unwrap_err(),
            JsonError::DuplicateKey
        );
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(parse(&deep).unwrap_err(), JsonError::Invalid);
    }
}
