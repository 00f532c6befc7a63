//! IAM roles and instance profiles through aws-sdk-iam, and authorization of
//! group and role actions.

use aws_sdk_iam::types::Tag;

use crate::harness::{Backend, Server, StoreLocation, create_account, error_of};

const TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}"#;

const TRUST_LAMBDA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":["sts:AssumeRole"],"Condition":{"StringEquals":{"aws:SourceArn":"arn%3Aaws%3Aapigateway"}}}]}"#;

/// Decodes a URL-encoded policy document as IAM returns it.
fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("ascii");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().expect("tag")
}

pub async fn role_lifecycle(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    let acct = &account.account_id;

    let created = iam
        .create_role()
        .role_name("app-role")
        .path("/svc/")
        .assume_role_policy_document(TRUST)
        .description("the app")
        .tags(tag("team", "core"))
        .send()
        .await
        .expect("create role");
    let role = created.role().expect("role");
    assert_eq!(role.role_name(), "app-role");
    assert_eq!(role.path(), "/svc/");
    assert!(role.role_id().starts_with("AROA"), "{}", role.role_id());
    assert_eq!(role.arn(), format!("arn:aws:iam::{acct}:role/svc/app-role"));
    assert_eq!(
        url_decode(role.assume_role_policy_document().expect("doc")),
        TRUST
    );
    assert_eq!(role.description(), Some("the app"));
    // CreateRole's Role has neither MaxSessionDuration nor RoleLastUsed.
    assert_eq!(role.max_session_duration(), None);
    assert!(role.role_last_used().is_none());
    assert_eq!(role.tags().len(), 1);

    let dup = iam
        .create_role()
        .role_name("APP-ROLE")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(
        error_of(&dup),
        (
            "EntityAlreadyExists".into(),
            "Role with name APP-ROLE already exists.".into()
        )
    );
    assert_eq!(dup.raw_response().map(|r| r.status().as_u16()), Some(409));

    let got = iam
        .get_role()
        .role_name("App-Role")
        .send()
        .await
        .expect("get role");
    let role = got.role().expect("role");
    assert_eq!(role.role_name(), "app-role");
    assert_eq!(role.max_session_duration(), Some(3600));
    assert!(role.role_last_used().is_some());
    assert_eq!(
        url_decode(role.assume_role_policy_document().expect("doc")),
        TRUST
    );

    let listed = iam.list_roles().send().await.expect("list roles");
    assert_eq!(listed.roles().len(), 1);
    let r = &listed.roles()[0];
    assert_eq!(r.max_session_duration(), Some(3600));
    assert!(r.role_last_used().is_none());
    assert!(r.tags().is_empty());
    assert!(
        iam.list_roles()
            .path_prefix("/other/")
            .send()
            .await
            .expect("list")
            .roles()
            .is_empty()
    );

    iam.update_role()
        .role_name("app-role")
        .max_session_duration(7200)
        .send()
        .await
        .expect("update role");
    let updated = iam
        .update_role_description()
        .role_name("app-role")
        .description("new words")
        .send()
        .await
        .expect("update description");
    let role = updated.role().expect("role");
    assert_eq!(role.description(), Some("new words"));
    assert_eq!(role.max_session_duration(), Some(7200));

    // The trust policy is stored and echoed as submitted, encoded once more.
    iam.update_assume_role_policy()
        .role_name("app-role")
        .policy_document(TRUST_LAMBDA)
        .send()
        .await
        .expect("update trust policy");
    let got = iam
        .get_role()
        .role_name("app-role")
        .send()
        .await
        .expect("get role");
    let doc = got
        .role()
        .expect("role")
        .assume_role_policy_document()
        .expect("doc");
    assert!(doc.contains("arn%253Aaws%253Aapigateway"), "{doc}");
    assert_eq!(url_decode(doc), TRUST_LAMBDA);

    iam.tag_role()
        .role_name("app-role")
        .tags(tag("env", "prod"))
        .tags(tag("TEAM", "infra"))
        .send()
        .await
        .expect("tag role");
    let tags = iam
        .list_role_tags()
        .role_name("app-role")
        .send()
        .await
        .expect("list tags");
    let pairs: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, [("TEAM", "infra"), ("env", "prod")]);
    iam.untag_role()
        .role_name("app-role")
        .tag_keys("team")
        .send()
        .await
        .expect("untag role");
    let tags = iam
        .list_role_tags()
        .role_name("app-role")
        .send()
        .await
        .expect("list tags");
    assert_eq!(tags.tags().len(), 1);

    iam.delete_role()
        .role_name("app-role")
        .send()
        .await
        .expect("delete role");
    let gone = iam
        .get_role()
        .role_name("app-role")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(
        error_of(&gone),
        (
            "NoSuchEntity".into(),
            "The role with name app-role cannot be found.".into()
        )
    );
    assert_eq!(gone.raw_response().map(|r| r.status().as_u16()), Some(404));
}

pub async fn role_bad_input_changes_nothing(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);

    let malformed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole",}]}"#;
    let err = iam
        .create_role()
        .role_name("r")
        .assume_role_policy_document(malformed)
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(
        error_of(&err),
        (
            "MalformedPolicyDocument".into(),
            "This policy contains invalid Json".into()
        )
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));

    for bad in [100, 43201] {
        let err = iam
            .create_role()
            .role_name("r")
            .assume_role_policy_document(TRUST)
            .max_session_duration(bad)
            .send()
            .await
            .expect_err("duration out of range");
        let (code, message) = error_of(&err);
        assert_eq!(code, "ValidationError");
        assert!(message.contains("'maxSessionDuration'"), "{message}");
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    }

    let err = iam
        .create_role()
        .role_name("r".repeat(65))
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("name too long");
    assert_eq!(error_of(&err).0, "ValidationError");

    // The trust policy quota counts characters other than whitespace.
    let services: Vec<String> = (0..120)
        .map(|i| format!("\"svc{i:03}.amazonaws.com\""))
        .collect();
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":[{}]}},"Action":"sts:AssumeRole"}}]}}"#,
        services.join(",")
    );
    let err = iam
        .create_role()
        .role_name("r")
        .assume_role_policy_document(big)
        .send()
        .await
        .expect_err("too big");
    assert_eq!(
        error_of(&err),
        (
            "LimitExceeded".into(),
            "Cannot exceed quota for ACLSizePerRole: 2048".into()
        )
    );

    let acct = &account.account_id;
    let boundary = format!("arn:aws:iam::{acct}:policy/nope");
    let err = iam
        .create_role()
        .role_name("r")
        .assume_role_policy_document(TRUST)
        .permissions_boundary(&boundary)
        .send()
        .await
        .expect_err("unknown boundary");
    assert_eq!(
        error_of(&err),
        (
            "NoSuchEntity".into(),
            format!("Policy {boundary} does not exist or is not attachable.")
        )
    );

    assert!(
        iam.list_roles()
            .send()
            .await
            .expect("list")
            .roles()
            .is_empty()
    );

    // An AWS managed boundary is accepted and shown by GetRole only.
    iam.create_role()
        .role_name("bounded")
        .assume_role_policy_document(TRUST)
        .permissions_boundary("arn:aws:iam::aws:policy/PowerUserAccess")
        .max_session_duration(43200)
        .send()
        .await
        .expect("create with boundary");
    let got = iam
        .get_role()
        .role_name("bounded")
        .send()
        .await
        .expect("get");
    let role = got.role().expect("role");
    assert_eq!(
        role.permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn()),
        Some("arn:aws:iam::aws:policy/PowerUserAccess")
    );
    assert_eq!(role.max_session_duration(), Some(43200));
    let listed = iam.list_roles().send().await.expect("list");
    assert!(listed.roles()[0].permissions_boundary().is_none());

    let err = iam
        .update_assume_role_policy()
        .role_name("bounded")
        .policy_document("{not json")
        .send()
        .await
        .expect_err("malformed update");
    assert_eq!(error_of(&err).0, "MalformedPolicyDocument");
    let err = iam
        .update_role()
        .role_name("bounded")
        .max_session_duration(60)
        .send()
        .await
        .expect_err("bad duration");
    assert_eq!(error_of(&err).0, "ValidationError");
    let err = iam
        .delete_role()
        .role_name("nope")
        .send()
        .await
        .expect_err("unknown role");
    assert_eq!(
        error_of(&err),
        (
            "NoSuchEntity".into(),
            "The role with name nope cannot be found.".into()
        )
    );
}

pub async fn instance_profile_lifecycle(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    let acct = &account.account_id;

    for name in ["web-role", "other-role"] {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .expect("create role");
    }
    let created = iam
        .create_instance_profile()
        .instance_profile_name("web")
        .path("/fleet/")
        .tags(tag("tier", "front"))
        .send()
        .await
        .expect("create profile");
    let profile = created.instance_profile().expect("profile");
    assert!(
        profile.instance_profile_id().starts_with("AIPA"),
        "{}",
        profile.instance_profile_id()
    );
    assert_eq!(
        profile.arn(),
        format!("arn:aws:iam::{acct}:instance-profile/fleet/web")
    );
    assert!(profile.roles().is_empty());

    let dup = iam
        .create_instance_profile()
        .instance_profile_name("WEB")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(error_of(&dup).0, "EntityAlreadyExists");
    assert_eq!(dup.raw_response().map(|r| r.status().as_u16()), Some(409));
    let missing = iam
        .get_instance_profile()
        .instance_profile_name("nope")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(
        error_of(&missing),
        (
            "NoSuchEntity".into(),
            "Instance Profile nope cannot be found.".into()
        )
    );
    assert_eq!(
        missing.raw_response().map(|r| r.status().as_u16()),
        Some(404)
    );

    iam.add_role_to_instance_profile()
        .instance_profile_name("web")
        .role_name("web-role")
        .send()
        .await
        .expect("add role");
    let full = iam
        .add_role_to_instance_profile()
        .instance_profile_name("web")
        .role_name("other-role")
        .send()
        .await
        .expect_err("second role");
    assert_eq!(
        error_of(&full),
        (
            "LimitExceeded".into(),
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1".into()
        )
    );

    let got = iam
        .get_instance_profile()
        .instance_profile_name("Web")
        .send()
        .await
        .expect("get profile");
    let profile = got.instance_profile().expect("profile");
    assert_eq!(profile.roles().len(), 1);
    let role = &profile.roles()[0];
    assert_eq!(role.role_name(), "web-role");
    assert_eq!(
        url_decode(role.assume_role_policy_document().expect("doc")),
        TRUST
    );
    assert_eq!(profile.tags().len(), 1);

    let listed = iam
        .list_instance_profiles()
        .send()
        .await
        .expect("list profiles");
    assert_eq!(listed.instance_profiles().len(), 1);
    assert_eq!(listed.instance_profiles()[0].roles().len(), 1);
    let for_role = iam
        .list_instance_profiles_for_role()
        .role_name("web-role")
        .send()
        .await
        .expect("for role");
    assert_eq!(
        for_role.instance_profiles()[0].instance_profile_name(),
        "web"
    );
    let for_other = iam
        .list_instance_profiles_for_role()
        .role_name("other-role")
        .send()
        .await
        .expect("for other role");
    assert!(for_other.instance_profiles().is_empty());

    let conflict = iam
        .delete_role()
        .role_name("web-role")
        .send()
        .await
        .expect_err("role in a profile");
    assert_eq!(
        error_of(&conflict),
        (
            "DeleteConflict".into(),
            "Cannot delete entity, must remove roles from instance profile first.".into()
        )
    );
    assert_eq!(
        conflict.raw_response().map(|r| r.status().as_u16()),
        Some(409)
    );
    let conflict = iam
        .delete_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .expect_err("profile holds a role");
    assert_eq!(error_of(&conflict).0, "DeleteConflict");

    iam.tag_instance_profile()
        .instance_profile_name("web")
        .tags(tag("env", "prod"))
        .send()
        .await
        .expect("tag profile");
    iam.untag_instance_profile()
        .instance_profile_name("web")
        .tag_keys("TIER")
        .send()
        .await
        .expect("untag profile");
    let tags = iam
        .list_instance_profile_tags()
        .instance_profile_name("web")
        .send()
        .await
        .expect("list tags");
    let pairs: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, [("env", "prod")]);

    iam.remove_role_from_instance_profile()
        .instance_profile_name("web")
        .role_name("web-role")
        .send()
        .await
        .expect("remove role");
    let again = iam
        .remove_role_from_instance_profile()
        .instance_profile_name("web")
        .role_name("web-role")
        .send()
        .await
        .expect_err("not in the profile");
    assert_eq!(error_of(&again).0, "NoSuchEntity");
    iam.delete_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .expect("delete profile");
    iam.delete_role()
        .role_name("web-role")
        .send()
        .await
        .expect("delete role");
    assert!(
        iam.list_instance_profiles()
            .send()
            .await
            .expect("list")
            .instance_profiles()
            .is_empty()
    );
}

pub async fn user_without_policy_cannot_manage_groups_or_roles(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let admin = server.iam(&account.admin_key);
    let acct = &account.account_id;
    admin
        .create_user()
        .user_name("dave")
        .send()
        .await
        .expect("create");
    let key = admin
        .create_access_key()
        .user_name("dave")
        .send()
        .await
        .expect("key");
    let key = key.access_key().expect("key");
    let dave_key = (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    );
    let dave = server.iam(&dave_key);

    let err = dave
        .create_group()
        .group_name("devs")
        .path("/eng/")
        .send()
        .await
        .expect_err("denied");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".into(),
            format!(
                "User: arn:aws:iam::{acct}:user/dave is not authorized to perform: iam:CreateGroup on resource: arn:aws:iam::{acct}:group/eng/devs because no identity-based policy allows the iam:CreateGroup action"
            )
        )
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    let err = dave
        .create_role()
        .role_name("app")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect_err("denied");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".into(),
            format!(
                "User: arn:aws:iam::{acct}:user/dave is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::{acct}:role/app because no identity-based policy allows the iam:CreateRole action"
            )
        )
    );
    let err = dave
        .create_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .expect_err("denied");
    assert_eq!(error_of(&err).0, "AccessDenied");

    // Read-only access lets dave look but not change.
    admin
        .attach_user_policy()
        .user_name("dave")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("attach");
    dave.list_groups().send().await.expect("list groups");
    dave.list_roles().send().await.expect("list roles");
    let err = dave
        .create_group()
        .group_name("devs")
        .send()
        .await
        .expect_err("still denied");
    assert_eq!(error_of(&err).0, "AccessDenied");

    admin
        .attach_user_policy()
        .user_name("dave")
        .policy_arn("arn:aws:iam::aws:policy/IAMFullAccess")
        .send()
        .await
        .expect("attach");
    dave.create_group()
        .group_name("devs")
        .send()
        .await
        .expect("allowed now");
    dave.create_role()
        .role_name("app")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("allowed now");
}
