//! Identifiers as AWS makes them: account ids, unique ids (`AIDA…`), access key
//! ids (`AKIA…`), secret access keys, request ids; and partitions for ARNs.

use crate::random::Random;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Unique-id prefixes (IAM User Guide, "Unique identifiers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    User,
    Group,
    Role,
    Policy,
    InstanceProfile,
    AccessKey,
    TemporaryAccessKey,
}

impl IdKind {
    fn prefix(self) -> &'static str {
        match self {
            Self::User => "AIDA",
            Self::Group => "AGPA",
            Self::Role => "AROA",
            Self::Policy => "ANPA",
            Self::InstanceProfile => "AIPA",
            Self::AccessKey => "AKIA",
            Self::TemporaryAccessKey => "ASIA",
        }
    }
}

/// An id as AWS makes them: the prefix plus base32 characters, 20 in all
/// for access key ids (`AKIA…`) and 21 for unique ids (`AIDA…`, `AROA…`).
pub fn new_id(kind: IdKind, rng: &dyn Random) -> String {
    let body = match kind {
        IdKind::AccessKey | IdKind::TemporaryAccessKey => 16,
        _ => 17,
    };
    let mut bytes = [0u8; 17];
    rng.fill(&mut bytes[..body]);
    let mut id = String::with_capacity(4 + body);
    id.push_str(kind.prefix());
    id.extend(
        bytes[..body]
            .iter()
            .map(|b| BASE32[usize::from(b & 31)] as char),
    );
    id
}

/// An access key id that carries its account, as AWS's do: after the
/// four-character prefix, 16 base32 characters encode 10 bytes whose first
/// six hold `account << 7` plus seven random bits, the rest random. So
/// `GetAccessKeyInfo` can name the account of any key id, even an unknown one.
pub fn new_access_key_id(kind: IdKind, account_id: &str, rng: &dyn Random) -> String {
    let account: u64 = account_id.parse().unwrap_or(0);
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    let head = (account << 7) | u64::from(bytes[5] & 0x7f);
    bytes[..6].copy_from_slice(&head.to_be_bytes()[2..]);
    let mut id = String::with_capacity(20);
    id.push_str(kind.prefix());
    id.push_str(&data_encoding::BASE32_NOPAD.encode(&bytes));
    id
}

/// The account encoded in an access key id (see [`new_access_key_id`]);
/// `None` when the id is not of that shape.
pub fn account_of_access_key_id(access_key_id: &str) -> Option<String> {
    let body = access_key_id.get(4..)?;
    let bytes = data_encoding::BASE32_NOPAD.decode(body.as_bytes()).ok()?;
    let head = bytes.get(..6)?;
    let mut wide = [0u8; 8];
    wide[2..].copy_from_slice(head);
    let account = (u64::from_be_bytes(wide) & 0x7fff_ffff_ff80) >> 7;
    Some(format!("{account:012}"))
}

/// A 40-character secret access key from the base64 alphabet.
pub fn new_secret_access_key(rng: &dyn Random) -> String {
    let mut bytes = [0u8; 40];
    rng.fill(&mut bytes);
    bytes
        .iter()
        .map(|b| B64_ALPHABET[usize::from(b & 63)] as char)
        .collect()
}

/// A 12-digit account id that does not start with 0 (AWS's never seem to).
pub fn new_account_id(rng: &dyn Random) -> String {
    let mut bytes = [0u8; 8];
    rng.fill(&mut bytes);
    let n = u64::from_le_bytes(bytes) % 900_000_000_000 + 100_000_000_000;
    n.to_string()
}

/// A request id in AWS's UUID form (a random, version 4 UUID).
pub fn new_request_id(rng: &dyn Random) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut id = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(char::from(HEX[usize::from(x >> 4)]));
        id.push(char::from(HEX[usize::from(x & 0x0f)]));
    }
    id
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The ARN partition that serves a region.
pub fn partition_for_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;

    #[test]
    fn ids_have_aws_shapes() {
        let rng = SeededRandom::new(1);
        let id = new_id(IdKind::AccessKey, &rng);
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("AKIA"));
        assert!(id[4..].bytes().all(|b| BASE32.contains(&b)));
        let key = new_access_key_id(IdKind::AccessKey, "123456789012", &rng);
        assert_eq!(key.len(), 20);
        assert!(key.starts_with("AKIA"));
        assert_eq!(
            account_of_access_key_id(&key).as_deref(),
            Some("123456789012")
        );
        let temp = new_access_key_id(IdKind::TemporaryAccessKey, "000000000042", &rng);
        assert_eq!(
            account_of_access_key_id(&temp).as_deref(),
            Some("000000000042")
        );
        // AWS's documented example decodes the same way (account id 609629065308).
        assert_eq!(
            account_of_access_key_id("ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        );
        let user = new_id(IdKind::User, &rng);
        assert_eq!(user.len(), 21);
        assert!(user.starts_with("AIDA"));
        let secret = new_secret_access_key(&rng);
        assert_eq!(secret.len(), 40);
        assert!(is_account_id(&new_account_id(&rng)));
        assert_eq!(new_request_id(&rng).len(), 36);
    }

    /// A source that always gives the same byte.
    #[derive(Debug)]
    struct Constant(u8);

    impl Random for Constant {
        fn fill(&self, buf: &mut [u8]) {
            buf.fill(self.0);
        }
    }

    #[test]
    fn request_ids_are_version_4_uuids() {
        assert_eq!(
            new_request_id(&Constant(0xff)),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            new_request_id(&Constant(0)),
            "00000000-0000-4000-8000-000000000000"
        );
        assert_eq!(
            new_request_id(&Constant(0x5a)),
            "5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a"
        );
    }

    #[test]
    fn partitions_follow_regions() {
        assert_eq!(partition_for_region("us-east-1"), "aws");
        assert_eq!(partition_for_region("cn-north-1"), "aws-cn");
        assert_eq!(partition_for_region("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_for_region("us-iso-east-1"), "aws-iso");
        assert_eq!(partition_for_region("us-isob-east-1"), "aws-iso-b");
    }
}
