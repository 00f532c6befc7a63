//! The canonical request and string to sign: the one implementation used by both the
//! verifier and the signer.

use sha2::{Digest, Sha256};

use crate::encode::{
    QueryExclusion, push_header_value, write_canonical_query, write_canonical_uri,
};
use crate::parse::CredentialScope;

/// The only algorithm supported.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Everything the canonical request is made of.
pub(crate) struct CanonicalParts<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    pub exclusion: QueryExclusion,
    pub headers: &'a [(&'a str, &'a str)],
    /// `;`-separated lowercase names, exactly as the client listed them.
    pub signed_headers: &'a str,
    pub payload_hash: &'a str,
    pub normalize: bool,
}

/// Builds `Method \n URI \n Query \n Headers \n SignedHeaders \n PayloadHash`.
pub(crate) fn canonical_request(p: &CanonicalParts<'_>) -> String {
    let mut out = String::with_capacity(256 + p.raw_query.len() * 2 + p.headers.len() * 48);
    out.push_str(p.method);
    out.push('\n');
    write_canonical_uri(&mut out, p.raw_path, p.normalize);
    out.push('\n');
    write_canonical_query(&mut out, p.raw_query, p.exclusion);
    out.push('\n');
    write_canonical_headers(&mut out, p.headers, p.signed_headers);
    out.push('\n');
    out.push_str(p.signed_headers);
    out.push('\n');
    out.push_str(p.payload_hash);
    out
}

/// One `name:value\n` line per signed header, in the order the client listed them
/// (sorted, for every real client). Repeated headers are joined with `,` in received
/// order; a signed header that is absent yields an empty value, so the signature fails.
fn write_canonical_headers(out: &mut String, headers: &[(&str, &str)], signed_headers: &str) {
    for name in signed_headers.split(';') {
        out.extend(name.chars().map(|c| c.to_ascii_lowercase()));
        out.push(':');
        let mut first = true;
        for (_, value) in headers.iter().filter(|(n, _)| matches_name(n, name)) {
            if !first {
                out.push(',');
            }
            push_header_value(out, value);
            first = false;
        }
        out.push('\n');
    }
}

/// HTTP/2 clients may sign `:authority`; the request carries it as `host`.
fn matches_name(header: &str, signed: &str) -> bool {
    header.eq_ignore_ascii_case(signed)
        || (signed == ":authority" && header.eq_ignore_ascii_case("host"))
}

/// `AWS4-HMAC-SHA256 \n AmzDate \n Scope \n hex(SHA256(CanonicalRequest))`.
pub(crate) fn string_to_sign(amz_date: &str, scope: &CredentialScope, canonical: &str) -> String {
    let hash = sha256_hex(canonical.as_bytes());
    let mut out = String::with_capacity(ALGORITHM.len() + amz_date.len() + 64 + 64);
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(amz_date);
    out.push('\n');
    scope.write_to(&mut out);
    out.push('\n');
    out.push_str(hash.as_str());
    out
}

/// Lowercase hex SHA-256, on the stack.
pub(crate) struct HexDigest([u8; 64]);

impl HexDigest {
    pub(crate) fn as_str(&self) -> &str {
        // Infallible: hex output is ASCII.
        std::str::from_utf8(&self.0).expect("hex is ASCII")
    }
}

pub(crate) fn sha256_hex(data: &[u8]) -> HexDigest {
    let digest = Sha256::digest(data);
    let mut out = [0u8; 64];
    // Infallible: the buffer is exactly twice the 32-byte digest.
    hex::encode_to_slice(digest, &mut out).expect("64-byte buffer for a 32-byte digest");
    HexDigest(out)
}
