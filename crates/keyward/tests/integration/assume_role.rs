//! STS AssumeRole: trust policy with ExternalId, the caller's identity
//! policy, role sessions acting with the role's policies narrowed by a
//! session policy, and AWS's refusals.

use aws_credential_types::Credentials;
use aws_sdk_iam::config::{BehaviorVersion, Region};

use crate::harness::{
    Backend, Server, StoreLocation, create_account, create_account_with_email, create_root_key,
    error_of,
};

/// Role session credentials: id, secret, token.
type Session = (String, String, String);

fn creds(s: &Session) -> Credentials {
    Credentials::new(&s.0, &s.1, Some(s.2.clone()), None, "test")
}

fn sts_as(server: &Server, s: &Session) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&server.url)
        .credentials_provider(creds(s))
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

fn iam_as(server: &Server, s: &Session) -> aws_sdk_iam::Client {
    let conf = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&server.url)
        .credentials_provider(creds(s))
        .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

const ALLOW_ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
const ONLY_GET_USER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#;

// `PackedPolicySize` is deprecated in the SDK but still what AWS returns.
#[allow(deprecated)]
pub async fn assume_role_and_act_as_the_role(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let root_key = create_root_key(&store);
    let other = create_account_with_email(&store, "partner@example.com", "partner-admin");
    let server = Server::start(&store, &[]).await;
    let acct = &account.account_id;
    let admin = server.iam(&account.admin_key);

    admin
        .create_user()
        .user_name("alice")
        .send()
        .await
        .expect("create alice");
    let key = admin
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .expect("key");
    let key = key.access_key().expect("key");
    let alice_key = (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    );
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{acct}:user/alice"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"ext-123"}}}}}}]}}"#
    );
    let role = admin
        .create_role()
        .role_name("reader")
        .path("/team/")
        .assume_role_policy_document(&trust)
        .send()
        .await
        .expect("create role");
    let role = role.role().expect("role");
    let role_arn = role.arn().to_owned();
    let role_id = role.role_id().to_owned();
    assert_eq!(role_arn, format!("arn:aws:iam::{acct}:role/team/reader"));
    admin
        .attach_role_policy()
        .role_name("reader")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("attach");

    let alice_sts = server.sts(&alice_key);
    let denied = format!(
        "User: arn:aws:iam::{acct}:user/alice is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    );
    // In the role's account a trust policy naming alice herself suffices:
    // no identity policy of hers is needed (AWS).
    alice_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("named")
        .external_id("ext-123")
        .send()
        .await
        .expect("trust policy naming the user");
    // A changed trust policy applies to the very next call (the compiled one
    // is cached between calls), and so does the change back.
    admin
        .update_assume_role_policy()
        .role_name("reader")
        .policy_document(trust.replace("ext-123", "ext-456"))
        .send()
        .await
        .expect("new trust policy");
    let err = alice_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("named")
        .external_id("ext-123")
        .send()
        .await
        .expect_err("the old external id no longer trusted");
    assert_eq!(error_of(&err), ("AccessDenied".into(), denied.clone()));
    admin
        .update_assume_role_policy()
        .role_name("reader")
        .policy_document(&trust)
        .send()
        .await
        .expect("trust policy restored");
    alice_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("named")
        .external_id("ext-123")
        .send()
        .await
        .expect("trusted again");
    // A trust policy naming the account delegates to the account's identity
    // policies: without one allowing sts:AssumeRole, refused.
    let acct_trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{acct}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let delegated_arn = admin
        .create_role()
        .role_name("delegated")
        .assume_role_policy_document(&acct_trust)
        .send()
        .await
        .expect("create delegated role")
        .role()
        .expect("role")
        .arn()
        .to_owned();
    let err = alice_sts
        .assume_role()
        .role_arn(&delegated_arn)
        .role_session_name("s1")
        .send()
        .await
        .expect_err("no identity policy");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".to_owned(),
            format!(
                "User: arn:aws:iam::{acct}:user/alice is not authorized to perform: sts:AssumeRole on resource: {delegated_arn}"
            )
        )
    );
    admin
        .put_user_policy()
        .user_name("alice")
        .policy_name("assume")
        .policy_document(ALLOW_ASSUME)
        .send()
        .await
        .expect("put user policy");
    alice_sts
        .assume_role()
        .role_arn(&delegated_arn)
        .role_session_name("s1")
        .send()
        .await
        .expect("identity policy and a trust policy naming the account");

    // Wrong or missing ExternalId: the trust policy does not allow.
    for ext in [Some("wrong-id"), None] {
        let err = alice_sts
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("s1")
            .set_external_id(ext.map(str::to_owned))
            .send()
            .await
            .expect_err("external id");
        assert_eq!(error_of(&err), ("AccessDenied".to_owned(), denied.clone()));
    }

    let out = alice_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .external_id("ext-123")
        .send()
        .await
        .expect("AssumeRole");
    let c = out.credentials().expect("credentials");
    assert!(c.access_key_id().starts_with("ASIA"));
    assert_eq!(c.secret_access_key().len(), 40);
    assert_eq!(out.packed_policy_size(), None);
    let user = out.assumed_role_user().expect("assumed role user");
    assert_eq!(user.assumed_role_id(), format!("{role_id}:s1"));
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{acct}:assumed-role/reader/s1")
    );
    let session: Session = (
        c.access_key_id().to_owned(),
        c.secret_access_key().to_owned(),
        c.session_token().to_owned(),
    );

    // The session is the assumed role.
    let me = sts_as(&server, &session)
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{acct}:assumed-role/reader/s1").as_str())
    );
    assert_eq!(me.user_id(), Some(format!("{role_id}:s1").as_str()));
    assert_eq!(me.account(), Some(acct.as_str()));

    // The role's policies decide, not alice's.
    let role_iam = iam_as(&server, &session);
    role_iam
        .list_users()
        .send()
        .await
        .expect("ListUsers as role");
    let err = role_iam
        .create_user()
        .user_name("mallory")
        .send()
        .await
        .expect_err("read only");
    let (code, message) = error_of(&err);
    assert_eq!(code, "AccessDenied");
    assert!(
        message.starts_with(&format!(
            "User: arn:aws:sts::{acct}:assumed-role/reader/s1 is not authorized to perform: iam:CreateUser"
        )),
        "{message}"
    );

    // A session policy narrows the role's permissions.
    let out = alice_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("narrow")
        .external_id("ext-123")
        .policy(ONLY_GET_USER)
        .send()
        .await
        .expect("AssumeRole with a session policy");
    assert!(out.packed_policy_size().is_some());
    let c = out.credentials().expect("credentials");
    let narrow: Session = (
        c.access_key_id().to_owned(),
        c.secret_access_key().to_owned(),
        c.session_token().to_owned(),
    );
    let narrow_iam = iam_as(&server, &narrow);
    narrow_iam
        .get_user()
        .user_name("alice")
        .send()
        .await
        .expect("GetUser allowed by both");
    let err = narrow_iam
        .list_users()
        .send()
        .await
        .expect_err("session policy");
    assert_eq!(error_of(&err).0, "AccessDenied");

    // Root may not assume roles.
    let err = server
        .sts(&root_key)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .external_id("ext-123")
        .send()
        .await
        .expect_err("root");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".to_owned(),
            "Roles may not be assumed by root accounts.".to_owned()
        )
    );

    // Bad session name, malformed ARN, too long a duration.
    let err = alice_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("Session1:2")
        .external_id("ext-123")
        .send()
        .await
        .expect_err("session name");
    assert_eq!(
        error_of(&err),
        (
            "ValidationError".to_owned(),
            r"1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*".to_owned()
        )
    );
    let err = alice_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .external_id("ext-123")
        .policy(format!("{ONLY_GET_USER}{}", " ".repeat(2048)))
        .send()
        .await
        .expect_err("session policy too long");
    let (code, message) = error_of(&err);
    assert_eq!(code, "ValidationError");
    assert!(
        message.contains("at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048"),
        "{message}"
    );
    let err = alice_sts
        .assume_role()
        .role_arn("nothing-valid-in-here")
        .role_session_name("s1")
        .send()
        .await
        .expect_err("arn");
    assert_eq!(
        error_of(&err),
        (
            "ValidationError".to_owned(),
            "nothing-valid-in-here is invalid".to_owned()
        )
    );
    let err = alice_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .external_id("ext-123")
        .duration_seconds(7_200)
        .send()
        .await
        .expect_err("duration");
    assert_eq!(
        error_of(&err),
        (
            "ValidationError".to_owned(),
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .to_owned()
        )
    );
    alice_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .external_id("ext-123")
        .duration_seconds(900)
        .send()
        .await
        .expect("900 s");

    // Cross-account: a role in this account trusting the other account; the
    // other account's admin (whose own policies allow sts:AssumeRole) assumes it.
    let other_acct = &other.account_id;
    assert_ne!(other_acct, acct);
    let partner_trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{other_acct}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let partner_arn = admin
        .create_role()
        .role_name("partner")
        .assume_role_policy_document(&partner_trust)
        .send()
        .await
        .expect("create partner role")
        .role()
        .expect("role")
        .arn()
        .to_owned();
    admin
        .attach_role_policy()
        .role_name("partner")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("attach");
    let out = server
        .sts(&other.admin_key)
        .assume_role()
        .role_arn(&partner_arn)
        .role_session_name("visit")
        .send()
        .await
        .expect("cross-account AssumeRole");
    let c = out.credentials().expect("credentials");
    let visit: Session = (
        c.access_key_id().to_owned(),
        c.secret_access_key().to_owned(),
        c.session_token().to_owned(),
    );
    let me = sts_as(&server, &visit)
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(me.account(), Some(acct.as_str()));
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{acct}:assumed-role/partner/visit").as_str())
    );
    // The session lists this account's users (the role's account), not the other's.
    let users = iam_as(&server, &visit)
        .list_users()
        .send()
        .await
        .expect("ListUsers across accounts");
    assert!(users.users().iter().any(|u| u.user_name() == "alice"));
    // A user of the trusted account without an identity policy allowing
    // sts:AssumeRole: the trust policy alone does not suffice.
    let other_admin = server.iam(&other.admin_key);
    other_admin
        .create_user()
        .user_name("bob")
        .send()
        .await
        .expect("create bob");
    let key = other_admin
        .create_access_key()
        .user_name("bob")
        .send()
        .await
        .expect("bob key");
    let key = key.access_key().expect("key");
    let bob_key = (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    );
    let err = server
        .sts(&bob_key)
        .assume_role()
        .role_arn(&partner_arn)
        .role_session_name("visit")
        .send()
        .await
        .expect_err("no identity policy");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".to_owned(),
            format!(
                "User: arn:aws:iam::{other_acct}:user/bob is not authorized to perform: sts:AssumeRole on resource: {partner_arn}"
            )
        )
    );
    // alice (this account) is not trusted by the partner role.
    let err = alice_sts
        .assume_role()
        .role_arn(&partner_arn)
        .role_session_name("s1")
        .send()
        .await
        .expect_err("not trusted");
    assert_eq!(error_of(&err).0, "AccessDenied");

    // Deleting the role ends its sessions.
    admin
        .detach_role_policy()
        .role_name("reader")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("detach");
    admin
        .delete_role()
        .role_name("reader")
        .send()
        .await
        .expect("delete role");
    let err = sts_as(&server, &session)
        .get_caller_identity()
        .send()
        .await
        .expect_err("role gone");
    assert_eq!(error_of(&err).0, "InvalidClientTokenId");
}

/// A trust policy requiring MFA: AssumeRole with SerialNumber and TokenCode
/// (verified like GetSessionToken's), and the session keeps its MFA.
pub async fn assume_role_with_mfa(store: StoreLocation, _b: Backend) {
    use crate::mfa::{create_device, enable, next_code, previous_and_current};

    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let acct = &account.account_id;
    let admin = server.iam(&account.admin_key);
    admin
        .create_user()
        .user_name("mo")
        .send()
        .await
        .expect("user");
    admin
        .put_user_policy()
        .user_name("mo")
        .policy_name("assume")
        .policy_document(ALLOW_ASSUME)
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
    // Trusts the whole account (so mo's identity policy is needed), with MFA.
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{acct}:root"}},"Action":"sts:AssumeRole","Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"true"}}}}}}]}}"#
    );
    let role_arn = admin
        .create_role()
        .role_name("guarded")
        .assume_role_policy_document(&trust)
        .max_session_duration(7_200)
        .send()
        .await
        .expect("role")
        .role()
        .expect("role")
        .arn()
        .to_owned();
    // The role may list users only in MFA sessions.
    admin
        .put_role_policy()
        .role_name("guarded")
        .policy_name("mfa-list")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#)
        .send()
        .await
        .expect("role policy");

    let sts = server.sts(&mo);
    let err = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("no-mfa")
        .send()
        .await
        .expect_err("no MFA");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".to_owned(),
            format!(
                "User: arn:aws:iam::{acct}:user/mo is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
            )
        )
    );
    let err = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("bad-code")
        .serial_number(&device.serial)
        .token_code("000000")
        .send()
        .await
        .expect_err("wrong code");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".to_owned(),
            "MultiFactorAuthentication failed with invalid MFA one time pass code.".to_owned()
        )
    );
    let out = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("with-mfa")
        .serial_number(&device.serial)
        .token_code(next_code(&device))
        .duration_seconds(7_200)
        .send()
        .await
        .expect("AssumeRole with MFA");
    let c = out.credentials().expect("credentials");
    let session: Session = (
        c.access_key_id().to_owned(),
        c.secret_access_key().to_owned(),
        c.session_token().to_owned(),
    );
    iam_as(&server, &session)
        .list_users()
        .send()
        .await
        .expect("ListUsers in an MFA role session");
}

fn session_of(out: &aws_sdk_sts::operation::assume_role::AssumeRoleOutput) -> Session {
    let c = out.credentials().expect("credentials");
    (
        c.access_key_id().to_owned(),
        c.secret_access_key().to_owned(),
        c.session_token().to_owned(),
    )
}

fn sts_tag(key: &str, value: &str) -> aws_sdk_sts::types::Tag {
    aws_sdk_sts::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("tag")
}

fn policy_arn(arn: &str) -> aws_sdk_sts::types::PolicyDescriptorType {
    aws_sdk_sts::types::PolicyDescriptorType::builder()
        .arn(arn)
        .build()
}

/// Managed session policies with the inline one, session tags (sts:TagSession
/// in the trust policy, aws:RequestTag during AssumeRole, aws:PrincipalTag
/// after, overriding the role's tags, transitive tags through chaining) and
/// the source identity (sts:SetSourceIdentity, aws:SourceIdentity, kept
/// across chaining).
#[allow(deprecated)]
pub async fn assume_role_with_session_attributes(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let acct = &account.account_id;
    let admin = server.iam(&account.admin_key);
    admin
        .create_user()
        .user_name("dev")
        .send()
        .await
        .expect("user");
    admin
        .put_user_policy()
        .user_name("dev")
        .policy_name("assume")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}"#)
        .send()
        .await
        .expect("policy");
    let key = admin
        .create_access_key()
        .user_name("dev")
        .send()
        .await
        .expect("key");
    let key = key.access_key().expect("key");
    let dev = (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    );
    // Tags only when `team` is requested; source identity allowed.
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{acct}:root"}},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{acct}:root"}},"Action":"sts:TagSession","Condition":{{"StringEquals":{{"aws:RequestTag/team":"blue"}}}}}}]}}"#
    );
    // The role may read users whose `team` tag is the session's.
    let role_arn = admin
        .create_role()
        .role_name("abac")
        .assume_role_policy_document(&trust)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("red")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("role")
        .role()
        .expect("role")
        .arn()
        .to_owned();
    admin
        .put_role_policy()
        .role_name("abac")
        .policy_name("abac")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers","iam:ListRoles","sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}},{"Effect":"Allow","Action":"iam:GetRole","Resource":"*","Condition":{"StringEquals":{"aws:SourceIdentity":"dev-laptop"}}}]}"#)
        .send()
        .await
        .expect("role policy");
    let sts = server.sts(&dev);

    // Tags the trust policy does not allow: sts:TagSession is refused.
    let err = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s2")
        .tags(sts_tag("team", "green"))
        .send()
        .await
        .expect_err("tag not allowed");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".to_owned(),
            format!(
                "User: arn:aws:iam::{acct}:user/dev is not authorized to perform: sts:TagSession on resource: {role_arn}"
            )
        )
    );
    // AWS's tag errors.
    let err = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s2")
        .tags(sts_tag("team", "blue"))
        .transitive_tag_keys("other")
        .send()
        .await
        .expect_err("transitive key not among the tags");
    assert_eq!(
        error_of(&err),
        (
            "InvalidParameterValue".to_owned(),
            "The specified transitive tag key must be included in the requested tags.".to_owned()
        )
    );
    let err = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s2")
        .tags(sts_tag("team", "blue"))
        .tags(sts_tag("TEAM", "blue"))
        .send()
        .await
        .expect_err("duplicate keys");
    assert_eq!(error_of(&err).0, "InvalidParameterValue");

    // The role's tag says red: without session tags the role reads nothing.
    let plain = session_of(
        &sts.assume_role()
            .role_arn(&role_arn)
            .role_session_name("plain")
            .send()
            .await
            .expect("plain"),
    );
    let err = iam_as(&server, &plain)
        .list_users()
        .send()
        .await
        .expect_err("role tag is red");
    assert_eq!(error_of(&err).0, "AccessDenied");
    // The role's policies are cached; a change to its tags shows at once.
    let retag = |value: &'static str| {
        admin
            .tag_role()
            .role_name("abac")
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("team")
                    .value(value)
                    .build()
                    .expect("tag"),
            )
            .send()
    };
    retag("blue").await.expect("tag blue");
    iam_as(&server, &plain)
        .list_users()
        .send()
        .await
        .expect("role tag now blue");
    retag("red").await.expect("tag red");
    iam_as(&server, &plain)
        .list_users()
        .send()
        .await
        .expect_err("role tag red again");

    // The session tag overrides the role's; transitive; a source identity.
    let out = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("tagged")
        .tags(sts_tag("team", "blue"))
        .transitive_tag_keys("team")
        .source_identity("dev-laptop")
        .send()
        .await
        .expect("tagged");
    assert_eq!(out.source_identity(), Some("dev-laptop"));
    let size = out.packed_policy_size().expect("packed size with tags");
    assert!((1..=100).contains(&size), "{size}");
    assert!(
        out.credentials().expect("c").session_token().len() < 4096,
        "token length"
    );
    let tagged = session_of(&out);
    let tagged_iam = iam_as(&server, &tagged);
    tagged_iam
        .list_users()
        .send()
        .await
        .expect("session tag blue");
    tagged_iam
        .get_role()
        .role_name("abac")
        .send()
        .await
        .expect("aws:SourceIdentity");

    // Chaining: the transitive tag and the source identity carry on; the
    // transitive key cannot be set again, the source identity not changed.
    let chained_sts = sts_as(&server, &tagged);
    let err = chained_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("again")
        .tags(sts_tag("Team", "blue"))
        .send()
        .await
        .expect_err("transitive key set again");
    assert_eq!(
        error_of(&err),
        (
            "InvalidParameterValue".to_owned(),
            "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.".to_owned()
        )
    );
    let err = chained_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("again")
        .source_identity("someone-else")
        .send()
        .await
        .expect_err("source identity changed");
    assert_eq!(error_of(&err).0, "InvalidParameterValue");
    let out = chained_sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("chained")
        .send()
        .await
        .expect("chained");
    assert_eq!(out.source_identity(), Some("dev-laptop"));
    let chained = iam_as(&server, &session_of(&out));
    chained
        .list_users()
        .send()
        .await
        .expect("transitive tag carried");
    chained
        .get_role()
        .role_name("abac")
        .send()
        .await
        .expect("source identity carried");

    // Managed session policies with the inline one: the session gets the
    // role's permissions narrowed to what one of them allows.
    admin
        .create_policy()
        .policy_name("only-list-roles")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}"#)
        .send()
        .await
        .expect("managed policy");
    let out = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("narrow")
        .tags(sts_tag("team", "blue"))
        .policy_arns(policy_arn(&format!("arn:aws:iam::{acct}:policy/only-list-roles")))
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#)
        .send()
        .await
        .expect("session policies");
    assert!(out.packed_policy_size().is_some());
    let narrow = iam_as(&server, &session_of(&out));
    narrow
        .list_roles()
        .send()
        .await
        .expect("managed session policy");
    narrow
        .get_user()
        .user_name("dev")
        .send()
        .await
        .expect("inline session policy");
    let err = narrow
        .list_users()
        .send()
        .await
        .expect_err("neither allows");
    assert_eq!(error_of(&err).0, "AccessDenied");
    // An AWS managed policy as session policy; an unknown one refused.
    let out = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("ro")
        .tags(sts_tag("team", "blue"))
        .policy_arns(policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess"))
        .send()
        .await
        .expect("AWS managed session policy");
    iam_as(&server, &session_of(&out))
        .list_users()
        .send()
        .await
        .expect("read only allows ListUsers");
    let err = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("ro")
        .policy_arns(policy_arn(&format!("arn:aws:iam::{acct}:policy/nope")))
        .send()
        .await
        .expect_err("unknown policy");
    assert_eq!(error_of(&err).0, "InvalidParameterValue");
    // Session tags too large once packed (AWS's message for tags).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut noise = |n: usize| -> String {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(x % 36) as usize])
            })
            .collect()
    };
    let mut big = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("big")
        .tags(sts_tag("team", "blue"));
    for i in 0..20 {
        big = big.tags(sts_tag(&format!("k{i}"), &noise(256)));
    }
    let err = big.send().await.expect_err("packed too large");
    let (code, message) = error_of(&err);
    assert_eq!(code, "PackedPolicyTooLarge");
    assert!(
        message.starts_with("Packed size of session tags consumes "),
        "{message}"
    );
}
