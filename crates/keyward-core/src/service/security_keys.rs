//! FIDO2 security keys and passkeys as an MFA factor. The WebAuthn ceremony
//! itself lives in the console; the domain keeps the credential records (one
//! opaque JSON document each), their owner and their audit trail.

use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use super::Keyward;
use crate::caller::{Caller, Principal};
use crate::model::{KeyOwner, SecurityKey, User};
use crate::validate::Violations;
use crate::{Error, Result};

/// Security keys per identity (AWS allows 8 MFA devices of any kind).
pub const SECURITY_KEYS_PER_OWNER: usize = 8;

/// The serial number AWS gives a FIDO security key, an ARN:
/// `arn:aws:iam::ACCOUNT:u2f/user/USER/KEYNAME-SUFFIX` (`u2f/root/…` for the
/// root user). The suffix is derived from the credential id (26 base32
/// characters, as long as AWS's), so the serial is stable without storing it;
/// characters of the key's name that a serial number may not hold become `-`.
pub fn security_key_serial(partition: &str, key: &SecurityKey, user: Option<&User>) -> String {
    let digest = Sha256::digest(key.credential_id.as_bytes());
    let suffix = data_encoding::BASE32_NOPAD.encode(&digest);
    let name: String = key
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let who = match user {
        Some(u) => format!("user/{}", u.name),
        None => "root".to_owned(),
    };
    format!(
        "arn:{partition}:iam::{}:u2f/{who}/{name}-{}",
        key.account_id,
        &suffix[..26]
    )
}

/// One line of ListMFADevices: a TOTP device or a security key.
#[derive(Debug, Clone)]
pub struct MfaDeviceEntry {
    pub serial_number: String,
    pub enable_date: Option<OffsetDateTime>,
    /// The IAM user; `None` for the root user's devices.
    pub user: Option<User>,
}

fn owner_of(caller: &Caller) -> Result<KeyOwner> {
    match &caller.principal {
        Principal::Root => Ok(KeyOwner::Root),
        Principal::User { user_id, .. } => Ok(KeyOwner::User(user_id.clone())),
        Principal::AssumedRole { .. } => Err(Error::InvalidUserType(
            "Only the root user and IAM users can register security keys.".into(),
        )),
    }
}

impl Keyward {
    /// The caller's security keys.
    pub async fn own_security_keys(&self, caller: &Caller) -> Result<Vec<SecurityKey>> {
        let owner = owner_of(caller)?;
        self.store.security_keys(&caller.account_id, &owner).await
    }

    /// The security keys of `owner` (the console's MFA step).
    pub async fn security_keys_of(
        &self,
        account_id: &str,
        owner: &KeyOwner,
    ) -> Result<Vec<SecurityKey>> {
        self.store.security_keys(account_id, owner).await
    }

    /// Registers a verified credential for the caller.
    pub async fn register_security_key(
        &self,
        caller: &Caller,
        name: &str,
        credential_id: &str,
        data: &str,
    ) -> Result<SecurityKey> {
        let mut v = Violations::new();
        v.text(
            "name",
            name,
            1,
            64,
            Some((r"[\w+=,.@ -]+", |s: &str| {
                s.chars()
                    .all(|c| c.is_alphanumeric() || "_+=,.@ -".contains(c))
            })),
        );
        v.finish()?;
        let owner = owner_of(caller)?;
        if self
            .store
            .security_keys(&caller.account_id, &owner)
            .await?
            .len()
            >= SECURITY_KEYS_PER_OWNER
        {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for security keys per identity: {SECURITY_KEYS_PER_OWNER}"
            )));
        }
        let key = SecurityKey {
            credential_id: credential_id.to_owned(),
            account_id: caller.account_id.clone(),
            owner,
            name: name.to_owned(),
            data: data.to_owned(),
            created: self.clock.now(),
        };
        let audit = self.caller_audit(
            caller,
            "iam:EnableMFADevice",
            &caller.arn(),
            &serde_json::json!({ "type": "security key", "name": name, "credentialId": credential_id }),
        );
        self.store.create_security_key(&key, &audit).await?;
        Ok(key)
    }

    /// ListMFADevices: the TOTP devices of `UserName` (or the caller), then
    /// its security keys, as AWS lists both.
    pub async fn list_mfa_devices_and_keys(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
    ) -> Result<Vec<MfaDeviceEntry>> {
        let (owner, user) = self.key_owner(caller, user_name).await?;
        let devices = self.list_mfa_devices(caller, user_name).await?;
        let keys = self.store.security_keys(&caller.account_id, &owner).await?;
        let mut out: Vec<MfaDeviceEntry> = devices
            .into_iter()
            .map(|d| MfaDeviceEntry {
                serial_number: d.device.serial_number,
                enable_date: d.device.enable_date,
                user: d.user,
            })
            .collect();
        out.extend(keys.iter().map(|k| MfaDeviceEntry {
            serial_number: security_key_serial(caller.partition, k, user.as_ref()),
            enable_date: Some(k.created),
            user: user.clone(),
        }));
        Ok(out)
    }

    /// GetMFADevice: a security key of `UserName` (or the caller) by its
    /// serial. AWS answers it for FIDO security keys only, so a TOTP device's
    /// serial is as unknown here as a made-up one.
    pub async fn get_mfa_device(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
        serial_number: &str,
    ) -> Result<MfaDeviceEntry> {
        let mut v = Violations::new();
        super::mfa::check_serial(&mut v, serial_number);
        v.finish()?;
        let (owner, user) = self.key_owner(caller, user_name).await?;
        let key = self
            .security_key_by_serial(caller, &owner, user.as_ref(), serial_number)
            .await?
            .ok_or_else(|| {
                Error::NoSuchEntity(format!(
                    "MFA Device with serial number {serial_number} does not exist."
                ))
            })?;
        Ok(MfaDeviceEntry {
            serial_number: serial_number.to_owned(),
            enable_date: Some(key.created),
            user,
        })
    }

    /// The security key of `owner` whose AWS serial number is `serial_number`.
    pub(crate) async fn security_key_by_serial(
        &self,
        caller: &Caller,
        owner: &KeyOwner,
        user: Option<&User>,
        serial_number: &str,
    ) -> Result<Option<SecurityKey>> {
        if !serial_number.contains(":u2f/") {
            return Ok(None);
        }
        let keys = self.store.security_keys(&caller.account_id, owner).await?;
        Ok(keys
            .into_iter()
            .find(|k| security_key_serial(caller.partition, k, user) == serial_number))
    }

    /// Stores a credential record after a sign-in moved its counter.
    pub async fn update_security_key(&self, credential_id: &str, data: &str) -> Result<()> {
        self.store
            .update_security_key_data(credential_id, data)
            .await
    }

    pub async fn delete_security_key(&self, caller: &Caller, credential_id: &str) -> Result<()> {
        let owner = owner_of(caller)?;
        let audit = self.caller_audit(
            caller,
            "iam:DeactivateMFADevice",
            &caller.arn(),
            &serde_json::json!({ "type": "security key", "credentialId": credential_id }),
        );
        if self
            .store
            .delete_security_key(&caller.account_id, &owner, credential_id, &audit)
            .await?
        {
            Ok(())
        } else {
            Err(Error::NoSuchEntity(
                "The security key does not exist.".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(credential_id: &str, name: &str, owner: KeyOwner) -> SecurityKey {
        SecurityKey {
            credential_id: credential_id.into(),
            account_id: "123456789012".into(),
            owner,
            name: name.into(),
            data: "{}".into(),
            created: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn serials_have_aws_shape_and_stay_put() {
        let user = User {
            account_id: "123456789012".into(),
            user_id: "AIDAEXAMPLE".into(),
            name: "alice".into(),
            path: "/team/".into(),
            created: OffsetDateTime::UNIX_EPOCH,
            password_last_used: None,
            permissions_boundary: None,
            tags: Vec::new(),
        };
        let k = key("abc", "my key/1", KeyOwner::User("AIDAEXAMPLE".into()));
        let serial = security_key_serial("aws", &k, Some(&user));
        let prefix = "arn:aws:iam::123456789012:u2f/user/alice/my-key-1-";
        assert!(serial.starts_with(prefix), "{serial}");
        let suffix = &serial[prefix.len()..];
        assert_eq!(suffix.len(), 26);
        assert!(
            suffix
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
        assert_eq!(serial, security_key_serial("aws", &k, Some(&user)));
        let other = key("abd", "my key/1", KeyOwner::User("AIDAEXAMPLE".into()));
        assert_ne!(serial, security_key_serial("aws", &other, Some(&user)));
        let root = key("abc", "k", KeyOwner::Root);
        assert!(
            security_key_serial("aws-cn", &root, None)
                .starts_with("arn:aws-cn:iam::123456789012:u2f/root/k-")
        );
    }
}
