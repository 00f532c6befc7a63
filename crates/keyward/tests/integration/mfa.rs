//! Virtual MFA devices: the codes are computed here from the returned seed
//! with RFC 6238 (as an authenticator app does), on the system clock the
//! server also reads: code 1 for the current step, code 2 for the next.

use aws_sdk_iam::types::{AssignmentStatusType, Tag};

use crate::harness::{Backend, Server, StoreLocation, create_account, create_root_key, error_of};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A device as the test holds it: its serial number and base32 seed.
pub(crate) struct Device {
    pub(crate) serial: String,
    seed: String,
}

impl Device {
    fn totp(&self) -> totp_rs::Totp {
        let secret = totp_rs::Secret::try_from_base32(&self.seed).expect("base32 seed");
        totp_rs::Builder::new()
            .with_secret(secret)
            .build()
            .expect("totp")
    }

    /// The codes of the current and the next step.
    fn consecutive_codes(&self) -> (String, String) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let t = self.totp();
        (
            t.generate(now).to_string(),
            t.generate(now + 30).to_string(),
        )
    }
}

pub(crate) async fn create_device(iam: &aws_sdk_iam::Client, name: &str) -> Device {
    let out = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name(name)
        .send()
        .await
        .expect("create device");
    let d = out.virtual_mfa_device().expect("device");
    // The SDK has base64-decoded both blobs: the seed is base32 text, the QR
    // code a PNG.
    let seed = String::from_utf8(d.base32_string_seed().expect("seed").as_ref().to_vec())
        .expect("utf-8 seed");
    assert_eq!(seed.len(), 64);
    let raw = totp_rs::Secret::try_from_base32(&seed).expect("base32 seed");
    assert_eq!(raw.len(), 40);
    assert!(
        seed.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "{seed}"
    );
    let png = d.qr_code_png().expect("qr").as_ref();
    assert!(png.starts_with(PNG_SIGNATURE), "QRCodePNG is not a PNG");
    Device {
        serial: d.serial_number().to_owned(),
        seed,
    }
}

pub(crate) async fn enable(
    iam: &aws_sdk_iam::Client,
    user: Option<&str>,
    d: &Device,
    codes: (String, String),
) -> Result<(), (String, String)> {
    iam.enable_mfa_device()
        .set_user_name(user.map(str::to_owned))
        .serial_number(&d.serial)
        .authentication_code1(codes.0)
        .authentication_code2(codes.1)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error_of(&e))
}

fn invalid_code() -> (String, String) {
    (
        "InvalidAuthenticationCode".into(),
        "Authentication code for device is not valid.".into(),
    )
}

pub async fn mfa_device_lifecycle(store: StoreLocation, backend: Backend) {
    let account = create_account(&store, "admin");
    let root_key = create_root_key(&store);
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    let root = server.iam(&root_key);
    iam.create_user()
        .user_name("dave")
        .send()
        .await
        .expect("user");

    let dave_dev = create_device(&iam, "dave-phone").await;
    assert_eq!(
        dave_dev.serial,
        format!("arn:aws:iam::{}:mfa/dave-phone", account.account_id)
    );
    let dup = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("Dave-Phone")
        .send()
        .await
        .expect_err("same name");
    assert_eq!(error_of(&dup).0, "EntityAlreadyExists");

    // Wrong codes: the right codes in the wrong order, and garbage.
    let (c1, c2) = dave_dev.consecutive_codes();
    assert_eq!(
        enable(&iam, Some("dave"), &dave_dev, (c2.clone(), c1.clone())).await,
        Err(invalid_code())
    );
    assert_eq!(
        enable(&iam, Some("dave"), &dave_dev, (c1.clone(), c1.clone())).await,
        Err(invalid_code())
    );
    let malformed = enable(&iam, Some("dave"), &dave_dev, ("12ab56".into(), c2.clone())).await;
    assert_eq!(malformed.unwrap_err().0, "ValidationError");

    enable(&iam, Some("dave"), &dave_dev, (c1.clone(), c2.clone()))
        .await
        .expect("enable for dave");
    let again = enable(&iam, Some("dave"), &dave_dev, dave_dev.consecutive_codes()).await;
    assert_eq!(again.unwrap_err().0, "EntityAlreadyExists");

    let listed = iam
        .list_mfa_devices()
        .user_name("dave")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.mfa_devices().len(), 1);
    assert_eq!(listed.mfa_devices()[0].user_name(), "dave");
    assert_eq!(listed.mfa_devices()[0].serial_number(), dave_dev.serial);

    // Assigned: neither the device nor its user can be deleted.
    let busy = iam
        .delete_virtual_mfa_device()
        .serial_number(&dave_dev.serial)
        .send()
        .await
        .expect_err("assigned");
    assert_eq!(
        error_of(&busy),
        ("DeleteConflict".into(), "MFA Device is still in use".into())
    );
    let user_busy = iam
        .delete_user()
        .user_name("dave")
        .send()
        .await
        .expect_err("user has a device");
    assert_eq!(error_of(&user_busy).0, "DeleteConflict");

    // Replay: after deactivation the same code pair is refused.
    iam.deactivate_mfa_device()
        .user_name("dave")
        .serial_number(&dave_dev.serial)
        .send()
        .await
        .expect("deactivate");
    assert_eq!(
        enable(&iam, Some("dave"), &dave_dev, (c1, c2)).await,
        Err(invalid_code())
    );

    // Root enables its own device without UserName.
    let root_dev = create_device(&root, "root-key").await;
    enable(&root, None, &root_dev, root_dev.consecutive_codes())
        .await
        .expect("enable for root");
    let mine = root.list_mfa_devices().send().await.expect("root's list");
    assert_eq!(mine.mfa_devices().len(), 1);
    assert_eq!(mine.mfa_devices()[0].serial_number(), root_dev.serial);

    // Tags.
    iam.tag_mfa_device()
        .serial_number(&dave_dev.serial)
        .tags(
            Tag::builder()
                .key("team")
                .value("blue")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag");
    let tags = iam
        .list_mfa_device_tags()
        .serial_number(&dave_dev.serial)
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tags().len(), 1);
    iam.untag_mfa_device()
        .serial_number(&dave_dev.serial)
        .tag_keys("TEAM")
        .send()
        .await
        .expect("untag");
    let tags = iam
        .list_mfa_device_tags()
        .serial_number(&dave_dev.serial)
        .send()
        .await
        .expect("tags");
    assert!(tags.tags().is_empty());

    // ListVirtualMFADevices: dave's is unassigned now, root's assigned.
    let list = |status: Option<AssignmentStatusType>| {
        let iam = iam.clone();
        async move {
            iam.list_virtual_mfa_devices()
                .set_assignment_status(status)
                .send()
                .await
                .expect("list virtual")
                .virtual_mfa_devices()
                .to_vec()
        }
    };
    assert_eq!(list(None).await.len(), 2);
    assert_eq!(list(Some(AssignmentStatusType::Any)).await.len(), 2);
    let unassigned = list(Some(AssignmentStatusType::Unassigned)).await;
    assert_eq!(unassigned.len(), 1);
    assert_eq!(unassigned[0].serial_number(), dave_dev.serial);
    assert!(unassigned[0].user().is_none());
    let assigned = list(Some(AssignmentStatusType::Assigned)).await;
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0].serial_number(), root_dev.serial);
    assert!(
        assigned[0]
            .user()
            .expect("user member")
            .arn()
            .ends_with(":root")
    );
    assert!(assigned[0].enable_date().is_some());

    // Codes two steps apart are not consecutive.
    let dave_again = enable(&iam, Some("dave"), &dave_dev, {
        // The next pair starts one step later than the replayed one.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let t = dave_dev.totp();
        (
            t.generate(now + 30).to_string(),
            t.generate(now + 60).to_string(),
        )
    })
    .await;
    // code 2 is two steps ahead: outside the ±1 window.
    assert_eq!(dave_again, Err(invalid_code()));

    let summary = root.get_account_summary().send().await.expect("summary");
    let map = summary.summary_map().expect("map");
    let get = |k: &str| {
        map.iter()
            .find(|(key, _)| key.as_str() == k)
            .map(|(_, v)| *v)
    };
    assert_eq!(get("MFADevices"), Some(2));
    assert_eq!(get("MFADevicesInUse"), Some(1));
    assert_eq!(get("AccountMFAEnabled"), Some(1));

    // Unassigned: the device goes, then the user.
    iam.delete_virtual_mfa_device()
        .serial_number(&dave_dev.serial)
        .send()
        .await
        .expect("delete device");
    let gone = iam
        .delete_virtual_mfa_device()
        .serial_number(&dave_dev.serial)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(error_of(&gone).0, "NoSuchEntity");
    iam.delete_user()
        .user_name("dave")
        .send()
        .await
        .expect("delete user");

    drop(server);
    assert_seeds_sealed(&store, backend, &[&dave_dev.seed, &root_dev.seed]).await;
}

pub async fn mfa_quota_and_throttling(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    iam.create_user()
        .user_name("erin")
        .send()
        .await
        .expect("user");
    for i in 0..8 {
        let d = create_device(&iam, &format!("erin-{i}")).await;
        enable(&iam, Some("erin"), &d, d.consecutive_codes())
            .await
            .expect("enable within quota");
    }
    let assigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .send()
        .await
        .expect("list");
    assert_eq!(assigned.virtual_mfa_devices().len(), 8);
    assert!(
        assigned
            .virtual_mfa_devices()
            .iter()
            .all(|d| d.user().map(|u| u.user_name()) == Some("erin"))
    );
    let ninth = create_device(&iam, "erin-8").await;
    let over = enable(&iam, Some("erin"), &ninth, ninth.consecutive_codes()).await;
    assert_eq!(over.unwrap_err().0, "LimitExceeded");

    // Five wrong pairs lock the device; then even right codes are refused.
    iam.create_user()
        .user_name("frank")
        .send()
        .await
        .expect("user");
    for _ in 0..5 {
        let (c1, c2) = ninth.consecutive_codes();
        assert_eq!(
            enable(&iam, Some("frank"), &ninth, (c2, c1)).await,
            Err(invalid_code())
        );
    }
    let locked = enable(&iam, Some("frank"), &ninth, ninth.consecutive_codes()).await;
    assert_eq!(locked.unwrap_err().0, "LimitExceeded");
}

async fn assert_seeds_sealed(store: &StoreLocation, backend: Backend, seeds: &[&str]) {
    match backend {
        Backend::Sqlite => {
            for entry in std::fs::read_dir(store.dir.path()).expect("data dir") {
                let path = entry.expect("entry").path();
                let bytes = std::fs::read(&path).expect("read file");
                for s in seeds {
                    assert!(
                        !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                        "an MFA seed appears in clear in {}",
                        path.display()
                    );
                }
            }
        }
        Backend::Postgres => {
            let url = store.database_url.as_deref().expect("url");
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
                .await
                .expect("connect");
            for table in ["mfa_devices", "audit_events"] {
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT t::text FROM {table} t"
                )))
                .fetch_all(&mut conn)
                .await
                .expect("dump table");
                for (row,) in rows {
                    for s in seeds {
                        assert!(!row.contains(s), "an MFA seed appears in clear in {table}");
                    }
                }
            }
        }
    }
}

/// The codes of the previous and the current step: enabling with them leaves
/// the next step's code usable at once, so the test never waits for time.
pub(crate) fn previous_and_current(d: &Device) -> (String, String) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let t = d.totp();
    (
        t.generate(now - 30).to_string(),
        t.generate(now).to_string(),
    )
}

pub(crate) fn next_code(d: &Device) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    d.totp().generate(now + 30).to_string()
}

pub async fn mfa_session_unlocks_mfa_protected_calls(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let admin = server.iam(&account.admin_key);
    admin
        .create_user()
        .user_name("mo")
        .send()
        .await
        .expect("user");
    // Reading users is allowed only with MFA.
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;
    admin
        .put_user_policy()
        .user_name("mo")
        .policy_name("mfa-only")
        .policy_document(policy)
        .send()
        .await
        .expect("policy");
    let key = admin
        .create_access_key()
        .user_name("mo")
        .send()
        .await
        .expect("key");
    let key = key.access_key().expect("key");
    let mo = (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    );
    let device = create_device(&admin, "mo-phone").await;
    enable(&admin, Some("mo"), &device, previous_and_current(&device))
        .await
        .expect("enable");

    let sts = server.sts(&mo);
    let wrong = sts
        .get_session_token()
        .serial_number(&device.serial)
        .token_code("000000")
        .send()
        .await
        .expect_err("wrong code");
    assert_eq!(
        error_of(&wrong),
        (
            "AccessDenied".into(),
            "MultiFactorAuthentication failed with invalid MFA one time pass code.".into()
        )
    );
    let code = next_code(&device);
    let out = sts
        .get_session_token()
        .serial_number(&device.serial)
        .token_code(&code)
        .send()
        .await
        .expect("MFA session");
    let c = out.credentials().expect("credentials");
    let session = aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "test",
    );
    let conf = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .endpoint_url(&server.url)
        .credentials_provider(session)
        .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_iam::Client::from_conf(conf)
        .list_users()
        .send()
        .await
        .expect("MFA-protected call with the MFA session");

    // The long-term key alone carries no MFA: the same call is denied.
    let denied = server
        .iam(&mo)
        .list_users()
        .send()
        .await
        .expect_err("no MFA");
    assert_eq!(error_of(&denied).0, "AccessDenied");
    // A code is accepted once.
    let replay = sts
        .get_session_token()
        .serial_number(&device.serial)
        .token_code(&code)
        .send()
        .await
        .expect_err("replayed code");
    assert_eq!(error_of(&replay).0, "AccessDenied");
    // Another user's device is not the caller's.
    let other = sts
        .get_session_token()
        .serial_number(format!("arn:aws:iam::{}:mfa/nobody", account.account_id))
        .token_code("123456")
        .send()
        .await
        .expect_err("unknown device");
    assert!(
        error_of(&other)
            .1
            .starts_with("MultiFactorAuthentication failed, unable to validate MFA code.")
    );
}

/// Registers a security key as the console does once a WebAuthn ceremony has
/// verified it: a credential record stored for its owner.
async fn register_security_key(
    store: &StoreLocation,
    account_id: &str,
    owner: keyward_core::model::KeyOwner,
    credential_id: &str,
    name: &str,
) {
    use keyward_core::store::SecurityKeyStore as _;
    let url = store
        .database_url
        .clone()
        .unwrap_or_else(|| keyward_store::SqlStore::sqlite_url(store.dir.path()));
    let db = keyward_store::SqlStore::connect(&url).await.expect("store");
    let now = time::OffsetDateTime::now_utc();
    let key = keyward_core::model::SecurityKey {
        credential_id: credential_id.into(),
        account_id: account_id.into(),
        owner,
        name: name.into(),
        data: "{}".into(),
        created: now,
    };
    let audit = keyward_core::model::AuditEvent {
        at: now,
        account_id: account_id.into(),
        actor: "test".into(),
        action: "iam:EnableMFADevice".into(),
        resource: credential_id.into(),
        detail: "{}".into(),
    };
    db.create_security_key(&key, &audit).await.expect("key");
}

fn mfa_active(report: &str, user: &str) -> String {
    let mut lines = report.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header.iter().position(|h| *h == "mfa_active").expect("col");
    let row = lines
        .find(|l| l.split(',').next() == Some(user))
        .expect("row");
    row.split(',').nth(col).expect("cell").to_owned()
}

/// FIDO security keys registered in the console appear in ListMFADevices with
/// AWS's `u2f` serial numbers, count in the credential report, hold up
/// DeleteUser, and DeactivateMFADevice removes them.
pub async fn security_keys_are_mfa_devices(store: StoreLocation, _backend: Backend) {
    let account = create_account(&store, "admin");
    let root_key = create_root_key(&store);
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    let root = server.iam(&root_key);
    let acct = &account.account_id;
    let erin = iam
        .create_user()
        .user_name("erin")
        .send()
        .await
        .expect("user");
    let erin_id = erin.user().expect("user").user_id().to_owned();
    let owner = keyward_core::model::KeyOwner::User(erin_id);
    register_security_key(&store, acct, owner, "Y3JlZC1lcmlu", "yubikey 5").await;
    register_security_key(
        &store,
        acct,
        keyward_core::model::KeyOwner::Root,
        "cm9vdA",
        "root-key",
    )
    .await;

    let listed = iam
        .list_mfa_devices()
        .user_name("erin")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.mfa_devices().len(), 1);
    let device = &listed.mfa_devices()[0];
    assert_eq!(device.user_name(), "erin");
    let serial = device.serial_number().to_owned();
    let prefix = format!("arn:aws:iam::{acct}:u2f/user/erin/yubikey-5-");
    assert!(serial.starts_with(&prefix), "{serial}");
    let suffix = &serial[prefix.len()..];
    assert_eq!(suffix.len(), 26, "{serial}");
    assert!(
        suffix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );

    let got = iam
        .get_mfa_device()
        .user_name("erin")
        .serial_number(&serial)
        .send()
        .await
        .expect("GetMFADevice");
    assert_eq!(got.serial_number(), serial);
    assert_eq!(got.user_name(), Some("erin"));
    assert!(got.enable_date().is_some());
    // AWS answers GetMFADevice for FIDO security keys only.
    let unknown = iam
        .get_mfa_device()
        .user_name("erin")
        .serial_number(format!("arn:aws:iam::{acct}:mfa/erin"))
        .send()
        .await
        .expect_err("a TOTP serial");
    assert_eq!(error_of(&unknown).0, "NoSuchEntity");

    let root_listed = root.list_mfa_devices().send().await.expect("root list");
    assert_eq!(root_listed.mfa_devices().len(), 1);
    assert!(
        root_listed.mfa_devices()[0]
            .serial_number()
            .starts_with(&format!("arn:aws:iam::{acct}:u2f/root/root-key-"))
    );

    root.generate_credential_report()
        .send()
        .await
        .expect("generate");
    let report = root.get_credential_report().send().await.expect("report");
    let csv =
        String::from_utf8(report.content().expect("content").as_ref().to_vec()).expect("utf8");
    assert_eq!(mfa_active(&csv, "erin"), "true");
    assert_eq!(mfa_active(&csv, "<root_account>"), "true");

    let conflict = iam
        .delete_user()
        .user_name("erin")
        .send()
        .await
        .expect_err("key remains");
    assert_eq!(error_of(&conflict).0, "DeleteConflict");

    iam.deactivate_mfa_device()
        .user_name("erin")
        .serial_number(&serial)
        .send()
        .await
        .expect("deactivate");
    let again = iam
        .deactivate_mfa_device()
        .user_name("erin")
        .serial_number(&serial)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(error_of(&again).0, "NoSuchEntity");
    let listed = iam
        .list_mfa_devices()
        .user_name("erin")
        .send()
        .await
        .expect("list");
    assert!(listed.mfa_devices().is_empty());
    iam.delete_user()
        .user_name("erin")
        .send()
        .await
        .expect("delete once the key is gone");
}
