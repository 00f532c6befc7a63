//! Virtual MFA devices, for IAM users and for the root user.

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::model::KeyOwner;
use keyward_core::service::MfaDeviceInfo;

use super::Reply;
use super::users::write_user;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

pub async fn create_virtual_mfa_device(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let new = s
        .keyward
        .create_virtual_mfa_device(
            &c,
            p.required("VirtualMFADeviceName")?,
            p.get("Path"),
            p.tags("Tags"),
        )
        .await?;
    let mut x = Xml::new();
    x.node("VirtualMFADevice", |x| {
        x.text("SerialNumber", &new.device.serial_number)
            .text("Base32StringSeed", new.base32_string_seed.expose())
            .text("QRCodePNG", new.qr_code_png.expose());
        if !new.device.tags.is_empty() {
            x.list("Tags", &new.device.tags, |m, t| {
                m.text("Key", &t.key).text("Value", &t.value);
            });
        }
    });
    Ok(Some(x))
}

pub async fn enable_mfa_device(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .enable_mfa_device(
            &c,
            p.get("UserName"),
            p.required("SerialNumber")?,
            p.required("AuthenticationCode1")?,
            p.required("AuthenticationCode2")?,
        )
        .await?;
    Ok(None)
}

pub async fn resync_mfa_device(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .resync_mfa_device(
            &c,
            p.get("UserName"),
            p.required("SerialNumber")?,
            p.required("AuthenticationCode1")?,
            p.required("AuthenticationCode2")?,
        )
        .await?;
    Ok(None)
}

pub async fn deactivate_mfa_device(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .deactivate_mfa_device(&c, p.get("UserName"), p.required("SerialNumber")?)
        .await?;
    Ok(None)
}

pub async fn delete_virtual_mfa_device(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .delete_virtual_mfa_device(&c, p.required("SerialNumber")?)
        .await?;
    Ok(None)
}

pub async fn list_mfa_devices(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let devices = s
        .keyward
        .list_mfa_devices_and_keys(&c, p.get("UserName"))
        .await?;
    let (items, next) = super::paginate(&devices, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("MFADevices", items, |m, d| {
        // Root's devices carry no user name.
        m.opt_text("UserName", d.user.as_ref().map(|u| u.name.as_str()))
            .text("SerialNumber", &d.serial_number);
        if let Some(at) = d.enable_date {
            m.date("EnableDate", at);
        }
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}

/// GetMFADevice (FIDO security keys only, as at AWS). keyward keeps no FIDO
/// metadata service, so the optional `Certifications` map is left out.
pub async fn get_mfa_device(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let d = s
        .keyward
        .get_mfa_device(&c, p.get("UserName"), p.required("SerialNumber")?)
        .await?;
    let mut x = Xml::new();
    x.opt_text("UserName", d.user.as_ref().map(|u| u.name.as_str()))
        .text("SerialNumber", &d.serial_number);
    if let Some(at) = d.enable_date {
        x.date("EnableDate", at);
    }
    Ok(Some(x))
}

/// The `User` member of an assigned device: the IAM user, or the root user
/// (its ARN and the account id as its id).
fn write_assignee(x: &mut Xml, d: &MfaDeviceInfo, c: &Caller) {
    match (&d.device.owner, &d.user) {
        (Some(KeyOwner::User(_)), Some(u)) => {
            x.node("User", |x| write_user(x, u, c.partition, false));
        }
        (Some(KeyOwner::Root), _) => {
            x.node("User", |x| {
                x.text("Path", "/")
                    .text("UserId", &c.account_id)
                    .text("Arn", &c.arn_for("iam", "root"));
                if let Some(at) = d.device.enable_date {
                    x.date("CreateDate", at);
                }
            });
        }
        _ => {}
    }
}

pub async fn list_virtual_mfa_devices(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let devices = s
        .keyward
        .list_virtual_mfa_devices(&c, p.get("AssignmentStatus"))
        .await?;
    let (items, next) = super::paginate(&devices, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("VirtualMFADevices", items, |m, d| {
        m.text("SerialNumber", &d.device.serial_number);
        write_assignee(m, d, &c);
        if let Some(at) = d.device.enable_date {
            m.date("EnableDate", at);
        }
        if !d.device.tags.is_empty() {
            m.list("Tags", &d.device.tags, |t, tag| {
                t.text("Key", &tag.key).text("Value", &tag.value);
            });
        }
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}

pub async fn tag_mfa_device(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .tag_mfa_device(&c, p.required("SerialNumber")?, p.tags("Tags"))
        .await?;
    Ok(None)
}

pub async fn untag_mfa_device(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .untag_mfa_device(&c, p.required("SerialNumber")?, &p.list("TagKeys"))
        .await?;
    Ok(None)
}

pub async fn list_mfa_device_tags(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let tags = s
        .keyward
        .mfa_device_tags(&c, p.required("SerialNumber")?)
        .await?;
    let (items, next) = super::paginate(&tags, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("Tags", items, |m, t| {
        m.text("Key", &t.key).text("Value", &t.value);
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}
