//! Virtual MFA devices (TOTP, RFC 6238: HMAC-SHA1, 6 digits, 30-second steps)
//! for IAM users and the root user, and the code check other operations
//! (STS GetSessionToken) call.
//!
//! A code is accepted within ±1 step of the clock, at most once: the last
//! accepted step is stored and codes for it or earlier steps are refused.
//! After [`MAX_FAILURES`] wrong codes within [`FAILURE_WINDOW_SECS`] a device
//! refuses every code until the window has passed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use subtle::ConstantTimeEq as _;
use totp_rs::{Algorithm, Builder, Totp};

use super::{Keyward, tags};
use crate::caller::{Caller, Principal};
use crate::crypto::Secret;
use crate::model::{KeyOwner, MfaDevice, MfaKind, Tag, User};
use crate::validate::Violations;
use crate::{Error, Result};

/// TOTP step length in seconds.
pub const STEP_SECS: i64 = 30;
/// Wrong codes tolerated within the window before the device is locked.
pub const MAX_FAILURES: i64 = 5;
/// The throttling window in seconds.
pub const FAILURE_WINDOW_SECS: i64 = 300;
/// MFA devices per IAM user and per root user (any mix of types).
pub const MFA_DEVICES_PER_OWNER: usize = 8;
/// Seed length in bytes: 64 base32 characters, as AWS's seeds.
const SEED_BYTES: usize = 40;

/// A device as CreateVirtualMFADevice returns it: the only moment its seed
/// is seen.
#[derive(Debug, Clone)]
pub struct NewMfaDevice {
    pub device: MfaDevice,
    /// `Base32StringSeed`: base64 of the base32 seed text.
    pub base32_string_seed: Secret,
    /// `QRCodePNG`: base64 of a PNG of the `otpauth://` URL.
    pub qr_code_png: Secret,
}

/// A device with the IAM user it is assigned to (`None` for root or unassigned).
#[derive(Debug, Clone)]
pub struct MfaDeviceInfo {
    pub device: MfaDevice,
    pub user: Option<User>,
}

/// The codes of a seed: SHA-1, 6 digits, 30-second steps.
fn totp(seed_base32: &str, account_name: Option<String>) -> Result<Totp> {
    let secret = data_encoding::BASE32_NOPAD
        .decode(seed_base32.as_bytes())
        .map_err(|e| Error::Storage(format!("MFA seed: {e}")))?;
    let mut b = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECS.unsigned_abs())
        .with_secret(secret);
    if let Some(name) = account_name {
        b = b.with_account_name(name);
    }
    b.build().map_err(|e| Error::Storage(format!("TOTP: {e}")))
}

/// Whether `code` is the code of `step` (constant-time comparison).
fn code_matches(totp: &Totp, step: i64, code: &str) -> bool {
    let Ok(step) = u64::try_from(step) else {
        return false;
    };
    let expected = totp.generate(step * STEP_SECS.unsigned_abs()).to_string();
    bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
}

/// The step of `code` within ±1 step of `now_step`, if any.
fn single_step(totp: &Totp, now_step: i64, code: &str) -> Option<i64> {
    (now_step - 1..=now_step + 1).find(|s| code_matches(totp, *s, code))
}

/// The first step `s` such that `code1` is the code of `s` and `code2` of
/// `s + 1`, both within ±1 step of `now_step`.
fn consecutive_steps(totp: &Totp, now_step: i64, code1: &str, code2: &str) -> Option<i64> {
    (now_step - 1..=now_step)
        .find(|s| code_matches(totp, *s, code1) && code_matches(totp, s + 1, code2))
}

/// The model's constraint on `AuthenticationCode1`/`2`: 6 digits.
fn check_code(v: &mut Violations, field: &str, code: &str) {
    v.text(
        field,
        code,
        6,
        6,
        Some((r"[\d]+", |s: &str| s.bytes().all(|b| b.is_ascii_digit()))),
    );
}

pub(super) fn check_serial(v: &mut Violations, serial_number: &str) {
    v.text(
        "serialNumber",
        serial_number,
        9,
        256,
        Some((r"[\w+=/:,.@-]+", |s: &str| {
            s.chars()
                .all(|c| c.is_alphanumeric() || "_+=/:,.@-".contains(c))
        })),
    );
}

/// A Base32 seed as vendors print it (any case, spaces, `=` padding) in
/// canonical form; at least 80 bits (RFC 4226's minimum is 128, some
/// tokens ship 80).
fn normalize_seed(text: &str) -> Result<Secret> {
    let canonical = Secret::new(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>(),
    );
    let raw = data_encoding::BASE32_NOPAD
        .decode(canonical.expose().as_bytes())
        .map_err(|_| Error::Rejected("The seed is not Base32 (RFC 4648).".into()))?;
    if !(10..=128).contains(&raw.len()) {
        return Err(Error::Rejected(format!(
            "The seed is {} bytes; a TOTP seed is 10 to 128 bytes (16 to 205 Base32 characters).",
            raw.len()
        )));
    }
    Ok(canonical)
}

fn throttled(device: &MfaDevice, now: i64) -> bool {
    device.failures >= MAX_FAILURES
        && device
            .failures_since
            .is_some_and(|since| since > now - FAILURE_WINDOW_SECS)
}

fn too_many_failures() -> Error {
    Error::LimitExceeded(
        "Too many invalid authentication codes for this device. Try again later.".into(),
    )
}

impl Keyward {
    fn now_step(&self) -> (i64, i64) {
        let now = self.clock.now().unix_timestamp();
        (now, now.div_euclid(STEP_SECS))
    }

    fn open_seed(&self, device: &MfaDevice) -> Result<Secret> {
        self.kek
            .open(&device.sealed_seed, &device.serial_number)
            .map_err(|e| Error::Storage(e.to_string()))
    }

    async fn mfa_device_or_fail(&self, account_id: &str, serial_number: &str) -> Result<MfaDevice> {
        self.store
            .mfa_device(account_id, serial_number)
            .await?
            .ok_or_else(|| Error::no_such_mfa_device(serial_number))
    }

    pub async fn create_virtual_mfa_device(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<NewMfaDevice> {
        let path = path.unwrap_or("/");
        let mut v = Violations::new();
        // The model gives the name a pattern but no maximum length; the
        // serial number (the ARN) it becomes is limited to 256.
        v.text(
            "virtualMFADeviceName",
            name,
            1,
            usize::MAX,
            Some((r"[\w+=,.@-]+", crate::validate::is_name)),
        );
        v.path("path", path);
        v.finish()?;
        self.check_tags(&tags)?;
        let serial_number = caller.arn_for("iam", &format!("mfa{path}{name}"));
        let mut v = Violations::new();
        check_serial(&mut v, &serial_number);
        v.finish()?;
        let mut raw = [0u8; SEED_BYTES];
        self.rng().fill(&mut raw);
        let seed = Secret::new(data_encoding::BASE32_NOPAD.encode(&raw));
        raw.fill(0);
        // AccountName: the caller's user name, or the account id for root.
        let account_name = match &caller.principal {
            Principal::Root => caller.account_id.clone(),
            Principal::User { name, .. } => name.clone(),
            Principal::AssumedRole { session_name, .. } => session_name.clone(),
        };
        let png = totp(seed.expose(), Some(format!("{name}@{account_name}")))?
            .to_qr_png()
            .map_err(|e| Error::InvalidInput(format!("The QR code could not be made: {e}")))?;
        let device = MfaDevice {
            sealed_seed: self.kek.seal(seed.expose(), &serial_number, self.rng()),
            serial_number,
            kind: MfaKind::Virtual,
            account_id: caller.account_id.clone(),
            path: path.to_owned(),
            name: name.to_owned(),
            created: self.clock.now(),
            enable_date: None,
            owner: None,
            tags,
            last_step: None,
            failures: 0,
            failures_since: None,
        };
        let audit = self.caller_audit(
            caller,
            "iam:CreateVirtualMFADevice",
            &device.serial_number,
            &serde_json::json!({ "virtualMFADeviceName": name, "path": path }),
        );
        self.store.create_mfa_device(&device, &audit).await?;
        Ok(NewMfaDevice {
            device,
            base32_string_seed: Secret::new(B64.encode(seed.expose())),
            qr_code_png: Secret::new(B64.encode(png)),
        })
    }

    /// Imports a hardware TOTP token (an operator's task, from the CLI): its
    /// serial number as printed on it (e.g. `GAHT12345678`) and its Base32
    /// seed, sealed like a virtual device's. A user or the root user then
    /// enables it with EnableMFADevice by that serial number.
    pub async fn import_hardware_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        seed_base32: &Secret,
    ) -> Result<MfaDevice> {
        if !(9..=256).contains(&serial_number.len())
            || !serial_number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::Rejected(format!(
                "A hardware token's serial number is 9 to 256 letters and digits, as printed on the token (e.g. GAHT12345678); got {serial_number:?}."
            )));
        }
        let seed = normalize_seed(seed_base32.expose())?;
        if self.store.account(account_id).await?.is_none() {
            return Err(Error::Rejected(format!(
                "There is no account {account_id}."
            )));
        }
        let device = MfaDevice {
            sealed_seed: self.kek.seal(seed.expose(), serial_number, self.rng()),
            serial_number: serial_number.to_owned(),
            kind: MfaKind::Hardware,
            account_id: account_id.to_owned(),
            path: "/".into(),
            name: serial_number.to_owned(),
            created: self.clock.now(),
            enable_date: None,
            owner: None,
            tags: Vec::new(),
            last_step: None,
            failures: 0,
            failures_since: None,
        };
        let audit = self.audit(
            account_id,
            super::CLI_ACTOR,
            "keyward:ImportHardwareMFADevice",
            serial_number,
            &serde_json::json!({ "serialNumber": serial_number }),
        );
        self.store
            .create_mfa_device(&device, &audit)
            .await
            .map_err(|e| match e {
                Error::EntityAlreadyExists(_) => Error::EntityAlreadyExists(format!(
                    "An MFA device with serial number {serial_number} already exists."
                )),
                e => e,
            })?;
        Ok(device)
    }

    /// The owner named by `UserName` (or, without one, the caller) and the
    /// ARN audit events name.
    async fn mfa_owner(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
    ) -> Result<(KeyOwner, Option<User>, String)> {
        let (owner, user) = self.key_owner(caller, user_name).await?;
        let arn = user.as_ref().map_or_else(
            || caller.arn_for("iam", "root"),
            |u| u.arn(caller.partition),
        );
        Ok((owner, user, arn))
    }

    /// Checks two consecutive codes of `device`: the first of their steps, or
    /// AWS's InvalidAuthenticationCode (counted towards throttling).
    async fn check_code_pair(&self, device: &MfaDevice, code1: &str, code2: &str) -> Result<i64> {
        let (now, now_step) = self.now_step();
        if throttled(device, now) {
            return Err(too_many_failures());
        }
        let seed = self.open_seed(device)?;
        let totp = totp(seed.expose(), None)?;
        match consecutive_steps(&totp, now_step, code1, code2) {
            Some(s) if device.last_step.is_none_or(|last| s > last) => Ok(s),
            _ => {
                self.store
                    .record_mfa_failure(&device.serial_number, now, FAILURE_WINDOW_SECS)
                    .await?;
                Err(Error::invalid_mfa_code())
            }
        }
    }

    pub async fn enable_mfa_device(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
        serial_number: &str,
        code1: &str,
        code2: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        check_serial(&mut v, serial_number);
        check_code(&mut v, "authenticationCode1", code1);
        check_code(&mut v, "authenticationCode2", code2);
        v.finish()?;
        let (owner, _, owner_arn) = self.mfa_owner(caller, user_name).await?;
        let device = self
            .mfa_device_or_fail(&caller.account_id, serial_number)
            .await?;
        if device.owner.is_some() {
            return Err(Error::EntityAlreadyExists(
                "MFA Device is already in use.".into(),
            ));
        }
        let step = self.check_code_pair(&device, code1, code2).await?;
        let audit = self.caller_audit(
            caller,
            "iam:EnableMFADevice",
            &owner_arn,
            &serde_json::json!({ "serialNumber": serial_number }),
        );
        self.store
            .enable_mfa_device(
                &caller.account_id,
                serial_number,
                &owner,
                step,
                step + 1,
                MFA_DEVICES_PER_OWNER,
                &audit,
            )
            .await
    }

    pub async fn resync_mfa_device(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
        serial_number: &str,
        code1: &str,
        code2: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        check_serial(&mut v, serial_number);
        check_code(&mut v, "authenticationCode1", code1);
        check_code(&mut v, "authenticationCode2", code2);
        v.finish()?;
        let (owner, _, owner_arn) = self.mfa_owner(caller, user_name).await?;
        let device = self
            .store
            .mfa_device(&caller.account_id, serial_number)
            .await?
            .filter(|d| d.owner.as_ref() == Some(&owner))
            .ok_or_else(|| Error::no_such_mfa_device(serial_number))?;
        let step = self.check_code_pair(&device, code1, code2).await?;
        let audit = self.caller_audit(
            caller,
            "iam:ResyncMFADevice",
            &owner_arn,
            &serde_json::json!({ "serialNumber": serial_number }),
        );
        if !self
            .store
            .resync_mfa_device(
                &caller.account_id,
                serial_number,
                &owner,
                step,
                step + 1,
                &audit,
            )
            .await?
        {
            return Err(Error::invalid_mfa_code());
        }
        Ok(())
    }

    pub async fn deactivate_mfa_device(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
        serial_number: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        check_serial(&mut v, serial_number);
        v.finish()?;
        let (owner, user, owner_arn) = self.mfa_owner(caller, user_name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:DeactivateMFADevice",
            &owner_arn,
            &serde_json::json!({ "serialNumber": serial_number }),
        );
        // A FIDO security key has no unassigned state: deactivating removes it.
        if let Some(key) = self
            .security_key_by_serial(caller, &owner, user.as_ref(), serial_number)
            .await?
        {
            self.store
                .delete_security_key(&caller.account_id, &owner, &key.credential_id, &audit)
                .await?;
            return Ok(());
        }
        if !self
            .store
            .deactivate_mfa_device(&caller.account_id, serial_number, &owner, &audit)
            .await?
        {
            return Err(Error::NoSuchEntity(format!(
                "MFA Device with serial number {serial_number} does not exist."
            )));
        }
        Ok(())
    }

    pub async fn delete_virtual_mfa_device(
        &self,
        caller: &Caller,
        serial_number: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        check_serial(&mut v, serial_number);
        v.finish()?;
        // Hardware tokens are not virtual devices.
        if self
            .store
            .mfa_device(&caller.account_id, serial_number)
            .await?
            .is_some_and(|d| d.kind != MfaKind::Virtual)
        {
            return Err(Error::no_such_mfa_device(serial_number));
        }
        let audit = self.caller_audit(
            caller,
            "iam:DeleteVirtualMFADevice",
            serial_number,
            &serde_json::json!({ "serialNumber": serial_number }),
        );
        if !self
            .store
            .delete_mfa_device(&caller.account_id, serial_number, &audit)
            .await?
        {
            return Err(Error::no_such_mfa_device(serial_number));
        }
        Ok(())
    }

    /// ListMFADevices: the devices of `UserName`, or of the caller.
    pub async fn list_mfa_devices(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
    ) -> Result<Vec<MfaDeviceInfo>> {
        let (owner, user, _) = self.mfa_owner(caller, user_name).await?;
        let devices = self.store.mfa_devices(&caller.account_id).await?;
        Ok(devices
            .into_iter()
            .filter(|d| d.owner.as_ref() == Some(&owner))
            .map(|device| MfaDeviceInfo {
                device,
                user: user.clone(),
            })
            .collect())
    }

    /// ListVirtualMFADevices: `Assigned`, `Unassigned` or `Any` (the default).
    pub async fn list_virtual_mfa_devices(
        &self,
        caller: &Caller,
        assignment_status: Option<&str>,
    ) -> Result<Vec<MfaDeviceInfo>> {
        let status = assignment_status.unwrap_or("Any");
        let mut v = Violations::new();
        v.enum_value(
            "assignmentStatus",
            status,
            &["Assigned", "Unassigned", "Any"],
        );
        v.finish()?;
        let devices = self.store.mfa_devices(&caller.account_id).await?;
        let mut out = Vec::new();
        for device in devices {
            if device.kind != MfaKind::Virtual {
                continue;
            }
            let keep = match status {
                "Assigned" => device.owner.is_some(),
                "Unassigned" => device.owner.is_none(),
                _ => true,
            };
            if !keep {
                continue;
            }
            let user = match &device.owner {
                Some(KeyOwner::User(id)) => self.store.user_by_id(id).await?,
                _ => None,
            };
            out.push(MfaDeviceInfo { device, user });
        }
        Ok(out)
    }

    pub async fn mfa_device_tags(&self, caller: &Caller, serial_number: &str) -> Result<Vec<Tag>> {
        let mut v = Violations::new();
        check_serial(&mut v, serial_number);
        v.finish()?;
        Ok(self
            .mfa_device_or_fail(&caller.account_id, serial_number)
            .await?
            .tags)
    }

    pub async fn tag_mfa_device(
        &self,
        caller: &Caller,
        serial_number: &str,
        tags: Vec<Tag>,
    ) -> Result<()> {
        let mut v = Violations::new();
        check_serial(&mut v, serial_number);
        v.finish()?;
        self.check_tags(&tags)?;
        let device = self
            .mfa_device_or_fail(&caller.account_id, serial_number)
            .await?;
        let keys: Vec<&str> = tags.iter().map(|t| t.key.as_str()).collect();
        let audit = self.caller_audit(
            caller,
            "iam:TagMFADevice",
            serial_number,
            &serde_json::json!({ "serialNumber": serial_number, "tagKeys": keys }),
        );
        let merged = self.merge_tags(&device.tags, tags)?;
        if !self
            .store
            .set_mfa_device_tags(&caller.account_id, serial_number, &merged, &audit)
            .await?
        {
            return Err(Error::no_such_mfa_device(serial_number));
        }
        Ok(())
    }

    pub async fn untag_mfa_device(
        &self,
        caller: &Caller,
        serial_number: &str,
        keys: &[String],
    ) -> Result<()> {
        let mut v = Violations::new();
        check_serial(&mut v, serial_number);
        v.finish()?;
        tags::check_tag_keys(keys)?;
        let device = self
            .mfa_device_or_fail(&caller.account_id, serial_number)
            .await?;
        let kept = tags::without_keys(&device.tags, keys);
        let audit = self.caller_audit(
            caller,
            "iam:UntagMFADevice",
            serial_number,
            &serde_json::json!({ "serialNumber": serial_number, "tagKeys": keys }),
        );
        if !self
            .store
            .set_mfa_device_tags(&caller.account_id, serial_number, &kept, &audit)
            .await?
        {
            return Err(Error::no_such_mfa_device(serial_number));
        }
        Ok(())
    }

    /// Checks one TOTP code of an MFA device assigned to `owner` in
    /// `account_id` (for STS `GetSessionToken`/`AssumeRole` with
    /// `SerialNumber` and `TokenCode`).
    ///
    /// `Ok(true)` only when the device exists, is assigned to `owner`, is not
    /// throttled, and `code` is its code within ±1 step of now for a step
    /// after the last accepted one; that step is then used up (a code works
    /// once). `Ok(false)` in every other case, a wrong code also counting
    /// towards throttling. `Err` only when the store fails.
    pub async fn verify_mfa_code(
        &self,
        account_id: &str,
        owner: &KeyOwner,
        serial_number: &str,
        code: &str,
    ) -> Result<bool> {
        let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
        let Some(device) = self.store.mfa_device(account_id, serial_number).await? else {
            return Ok(false);
        };
        if device.owner.as_ref() != Some(owner) {
            return Ok(false);
        }
        let (now, now_step) = self.now_step();
        if throttled(&device, now) {
            return Ok(false);
        }
        let seed = self.open_seed(&device)?;
        let totp = totp(seed.expose(), None)?;
        let step = if well_formed {
            single_step(&totp, now_step, code)
        } else {
            None
        };
        match step {
            Some(s) if device.last_step.is_none_or(|last| s > last) => {
                self.store.accept_mfa_step(serial_number, s).await
            }
            _ => {
                self.store
                    .record_mfa_failure(serial_number, now, FAILURE_WINDOW_SECS)
                    .await?;
                Ok(false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret, "12345678901234567890".
    const RFC_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn rfc_6238_vectors() {
        let t = totp(RFC_SEED, None).unwrap();
        // Appendix B, 8-digit codes truncated to their last 6 digits.
        assert!(code_matches(&t, 59 / 30, "287082"));
        assert!(code_matches(&t, 1_111_111_109 / 30, "081804"));
        assert!(code_matches(&t, 1_234_567_890 / 30, "005924"));
        assert!(code_matches(&t, 2_000_000_000 / 30, "279037"));
        assert!(!code_matches(&t, 59 / 30, "287083"));
        assert!(!code_matches(&t, 59 / 30, "28708"));
        assert!(!code_matches(&t, -1, "287082"));
    }

    #[test]
    fn drift_and_consecutive_codes() {
        let t = totp(RFC_SEED, None).unwrap();
        let code = |s: i64| t.generate(u64::try_from(s * 30).unwrap()).to_string();
        let now = 1_000_000;
        assert_eq!(single_step(&t, now, &code(now - 1)), Some(now - 1));
        assert_eq!(single_step(&t, now, &code(now + 1)), Some(now + 1));
        assert_eq!(single_step(&t, now, &code(now - 2)), None);
        assert_eq!(single_step(&t, now, &code(now + 2)), None);
        assert_eq!(
            consecutive_steps(&t, now, &code(now), &code(now + 1)),
            Some(now)
        );
        assert_eq!(
            consecutive_steps(&t, now, &code(now - 1), &code(now)),
            Some(now - 1)
        );
        assert_eq!(consecutive_steps(&t, now, &code(now + 1), &code(now)), None);
        assert_eq!(consecutive_steps(&t, now, &code(now), &code(now)), None);
        assert_eq!(
            consecutive_steps(&t, now, &code(now - 2), &code(now - 1)),
            None
        );
    }

    #[test]
    fn hardware_seeds_as_vendors_print_them() {
        let s = normalize_seed("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").expect("seed");
        assert_eq!(s.expose(), RFC_SEED);
        assert!(normalize_seed("not base32!").is_err());
        assert!(normalize_seed("GEZDGNBV").is_err(), "5 bytes is too short");
    }

    #[test]
    fn throttling_window() {
        let mut d = MfaDevice {
            serial_number: "arn:aws:iam::123456789012:mfa/d".into(),
            account_id: "123456789012".into(),
            path: "/".into(),
            name: "d".into(),
            sealed_seed: String::new(),
            created: time::OffsetDateTime::UNIX_EPOCH,
            enable_date: None,
            owner: None,
            tags: vec![],
            last_step: None,
            failures: MAX_FAILURES,
            failures_since: Some(1000),
            kind: MfaKind::Virtual,
        };
        assert!(throttled(&d, 1000 + FAILURE_WINDOW_SECS - 1));
        assert!(!throttled(&d, 1000 + FAILURE_WINDOW_SECS));
        d.failures = MAX_FAILURES - 1;
        assert!(!throttled(&d, 1001));
    }
}
