//! Wildcard patterns (`*` = any run of characters, `?` = exactly one).
//!
//! Patterns are compiled once into a literal fast path (exact, prefix,
//! suffix, "match anything") or a token list matched with the standard greedy
//! algorithm that remembers only the last `*`: O(pattern × text) worst case,
//! never exponential.

/// One element of a general pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A literal byte (multi-byte characters are consecutive literal bytes).
    Byte(u8),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Glob {
    /// `*`: matches every string.
    Any,
    /// No wildcard: byte equality.
    Exact(String),
    /// `literal*`.
    Prefix(String),
    /// `*literal`.
    Suffix(String),
    /// Anything else.
    Tokens(Vec<Tok>),
}

impl Glob {
    /// Compiles `pattern`, where `*` and `?` are wildcards.
    pub(crate) fn new(pattern: &str) -> Glob {
        let toks = tokens_of(pattern);
        Glob::from_tokens(toks)
    }

    /// Compiles an already tokenised pattern (used after variable substitution,
    /// where substituted text and `${*}` escapes must stay literal).
    pub(crate) fn from_tokens(mut toks: Vec<Tok>) -> Glob {
        // Collapse runs of `*`: they mean the same as one and cost backtracking.
        toks.dedup_by(|a, b| *a == Tok::Star && *b == Tok::Star);
        let stars = toks.iter().filter(|t| **t == Tok::Star).count();
        let ones = toks.contains(&Tok::One);
        if ones {
            return Glob::Tokens(toks);
        }
        let literal = |ts: &[Tok]| -> String {
            let bytes: Vec<u8> = ts
                .iter()
                .filter_map(|t| if let Tok::Byte(b) = t { Some(*b) } else { None })
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        match stars {
            0 => Glob::Exact(literal(&toks)),
            1 if toks.len() == 1 => Glob::Any,
            1 if toks.last() == Some(&Tok::Star) => Glob::Prefix(literal(&toks)),
            1 if toks.first() == Some(&Tok::Star) => Glob::Suffix(literal(&toks)),
            _ => Glob::Tokens(toks),
        }
    }

    /// Does `text` match this pattern (case-sensitively)?
    pub(crate) fn matches(&self, text: &str) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(s) => s == text,
            Glob::Prefix(p) => text.starts_with(p.as_str()),
            Glob::Suffix(p) => text.ends_with(p.as_str()),
            Glob::Tokens(t) => tokens_match(t, text.as_bytes()),
        }
    }
}

/// Splits a pattern string into tokens (`*`, `?` special; everything else literal).
pub(crate) fn tokens_of(pattern: &str) -> Vec<Tok> {
    pattern
        .bytes()
        .map(|b| match b {
            b'*' => Tok::Star,
            b'?' => Tok::One,
            _ => Tok::Byte(b),
        })
        .collect()
}

/// Length in bytes of the UTF-8 character starting at `i`.
fn char_len(t: &[u8], i: usize) -> usize {
    match t.get(i) {
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b >= 0xF0 => 4,
        Some(b) if *b >= 0xE0 => 3,
        Some(_) => 2,
        None => 1,
    }
}

/// Greedy wildcard matching with single-star backtracking.
///
/// On a mismatch we only ever retry from the most recent `*`, advancing the
/// text position it absorbed by one character; earlier stars never need to be
/// revisited, which keeps the work bounded by pattern length × text length.
pub(crate) fn tokens_match(pat: &[Tok], text: &[u8]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < text.len() {
        match pat.get(pi) {
            Some(Tok::Star) => {
                backtrack = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(Tok::One) => {
                ti += char_len(text, ti);
                pi += 1;
                continue;
            }
            Some(Tok::Byte(b)) if *b == text[ti] => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match backtrack {
            Some((sp, st)) => {
                let next = st + char_len(text, st);
                backtrack = Some((sp, next));
                pi = sp + 1;
                ti = next;
            }
            None => return false,
        }
    }
    // `?` may have stepped past the end on malformed input; treat as mismatch.
    if ti > text.len() {
        return false;
    }
    pat[pi..].iter().all(|t| *t == Tok::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).matches(t)
    }

    #[test]
    fn basics() {
        assert!(m("*", ""));
        assert!(m("*", "abc"));
        assert!(m("a*", "abc"));
        assert!(!m("a*", "bc"));
        assert!(m("*c", "abc"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a*b*c", "aXbYc"));
        assert!(m("a*b*c", "abbbc"));
        assert!(!m("a*b*c", "acb"));
        assert!(m("?", "é"));
        assert!(m("é*", "éa"));
        assert!(m("a**", "a"));
        assert!(!m("abc", "abd"));
        assert!(m("*a*", "bab"));
        assert!(m("a*?", "ab"));
        assert!(!m("a*?", "a"));
    }

    #[test]
    fn pathological_is_fast() {
        let pat = "a*".repeat(50) + "b";
        let text = "a".repeat(5000);
        let start = std::time::Instant::now();
        assert!(!m(&pat, &text));
        assert!(start.elapsed().as_secs() < 2);
    }
}
