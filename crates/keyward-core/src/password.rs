//! Passwords: argon2id hashing and the root user's password rules.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::crypto::Secret;
use crate::random::Random;

/// Hashes with argon2id (the crate's default algorithm and parameters) and a
/// 16-byte salt from the injected generator. Returns the PHC string.
pub fn hash(password: &Secret, rng: &dyn Random) -> String {
    let mut salt = [0u8; 16];
    rng.fill(&mut salt);
    Argon2::default()
        .hash_password_with_salt(password.expose().as_bytes(), &salt)
        .expect("argon2id with default parameters accepts any password and a 16-byte salt")
        .to_string()
}

/// Checks a password against a stored PHC string (constant time inside argon2).
pub fn verify(password: &Secret, phc: &str) -> bool {
    PasswordHash::new(phc).ok().is_some_and(|h| {
        Argon2::default()
            .verify_password(password.expose().as_bytes(), &h)
            .is_ok()
    })
}

/// The symbols AWS counts for the root password rule.
const ROOT_SYMBOLS: &str = "!@#$%^&*()<>[]{}|_+-=";

/// AWS's root password rules: 8–128 characters, at least three of upper case,
/// lower case, digits and symbols, and not the account's email or name.
pub fn check_root_password(
    password: &Secret,
    email: &str,
    account_name: Option<&str>,
) -> Result<(), String> {
    let p = password.expose();
    let len = p.chars().count();
    if !(8..=128).contains(&len) {
        return Err(format!(
            "The password must be 8 to 128 characters long; it has {len}."
        ));
    }
    let classes = [
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| ROOT_SYMBOLS.contains(c)),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Err(format!(
            "The password must contain at least three of: uppercase letters, lowercase letters, numbers, and symbols ({ROOT_SYMBOLS})."
        ));
    }
    if p.eq_ignore_ascii_case(email) || account_name.is_some_and(|n| p.eq_ignore_ascii_case(n)) {
        return Err(
            "The password must not be the same as the account's email address or name.".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;

    #[test]
    fn hash_verifies_only_the_same_password() {
        let rng = SeededRandom::new(3);
        let phc = hash(&Secret::new("Correct-Horse-9"), &rng);
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify(&Secret::new("Correct-Horse-9"), &phc));
        assert!(!verify(&Secret::new("correct-horse-9"), &phc));
        assert!(!verify(&Secret::new("x"), "not a phc string"));
    }

    #[test]
    fn root_password_rules() {
        let ok = |p: &str| check_root_password(&Secret::new(p), "root@example.com", Some("acme"));
        assert!(ok("Abcdefg1").is_ok());
        assert!(ok("abcdefg1!").is_ok());
        assert!(ok("Abc1!").is_err(), "too short");
        assert!(ok(&"Aa1!".repeat(33)).is_err(), "too long");
        assert!(ok("abcdefgh1").is_err(), "two classes only");
        assert!(ok("ROOT@example.com").is_err(), "equals email");
        assert!(
            check_root_password(&Secret::new("Acme-Corp1"), "r@x.io", Some("acme-corp1")).is_err()
        );
    }
}

/// The symbols IAM's password policy counts.
const POLICY_SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

/// Checks an IAM user's new password against the account's policy, or against
/// AWS's default rules (8–128 characters, three of four classes, not the user
/// name) when the account has none.
pub fn check_user_password(
    password: &Secret,
    policy: Option<&crate::model::PasswordPolicy>,
    user_name: &str,
) -> Result<(), String> {
    let p = password.expose();
    let len = p.chars().count();
    let upper = p.chars().any(|c| c.is_ascii_uppercase());
    let lower = p.chars().any(|c| c.is_ascii_lowercase());
    let digit = p.chars().any(|c| c.is_ascii_digit());
    let symbol = p.chars().any(|c| POLICY_SYMBOLS.contains(c));
    let ok = match policy {
        Some(pol) => {
            len >= pol.minimum_password_length as usize
                && len <= 128
                && (!pol.require_uppercase_characters || upper)
                && (!pol.require_lowercase_characters || lower)
                && (!pol.require_numbers || digit)
                && (!pol.require_symbols || symbol)
        }
        None => {
            (8..=128).contains(&len)
                && [upper, lower, digit, symbol].iter().filter(|c| **c).count() >= 3
                && !p.eq_ignore_ascii_case(user_name)
        }
    };
    if ok {
        Ok(())
    } else {
        Err("Password does not conform to the account password policy.".into())
    }
}

#[cfg(test)]
mod policy_tests {
    use super::*;
    use crate::model::PasswordPolicy;

    #[test]
    fn default_rules_apply_without_a_policy() {
        assert!(check_user_password(&Secret::new("Abcdefg1"), None, "bob").is_ok());
        assert!(check_user_password(&Secret::new("abcdefgh"), None, "bob").is_err());
        assert!(check_user_password(&Secret::new("Bob-1234x"), None, "bob-1234x").is_err());
    }

    #[test]
    fn a_custom_policy_replaces_the_defaults() {
        let pol = PasswordPolicy {
            minimum_password_length: 10,
            require_symbols: true,
            ..PasswordPolicy::default()
        };
        assert!(check_user_password(&Secret::new("aaaaaaaaa!"), Some(&pol), "bob").is_ok());
        assert!(check_user_password(&Secret::new("aaaaaaaa!"), Some(&pol), "bob").is_err());
        assert!(check_user_password(&Secret::new("aaaaaaaaaa"), Some(&pol), "bob").is_err());
        let lax = PasswordPolicy::default();
        assert!(check_user_password(&Secret::new("abcdef"), Some(&lax), "bob").is_ok());
    }
}
