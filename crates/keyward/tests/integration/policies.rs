//! Managed and inline policies, attachments, boundaries and their enforcement.

use aws_sdk_iam::types::{PolicyScopeType, Tag};

use crate::harness::{Backend, Server, StoreLocation, create_account, error_of};

const GET_ALICE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::ACCT:user/alice"}]}"#;
const LIST_USERS: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}"#;

/// IAM sends documents URL-encoded; aws-sdk-rust hands them over as sent.
fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("utf8");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf8")
}

async fn user_with_key(admin: &aws_sdk_iam::Client, name: &str) -> (String, String) {
    admin
        .create_user()
        .user_name(name)
        .send()
        .await
        .expect("create user");
    let key = admin
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .expect("key");
    let key = key.access_key().expect("key");
    (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    )
}

pub async fn managed_policy_lifecycle(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let acct = account.account_id.clone();
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);

    let created = iam
        .create_policy()
        .policy_name("ListUsers")
        .path("/eng/")
        .policy_document(LIST_USERS)
        .description("lists users")
        .send()
        .await
        .expect("create policy");
    let policy = created.policy().expect("policy");
    let arn = policy.arn().expect("arn").to_owned();
    assert_eq!(arn, format!("arn:aws:iam::{acct}:policy/eng/ListUsers"));
    assert!(policy.policy_id().expect("id").starts_with("ANPA"));
    assert_eq!(policy.default_version_id(), Some("v1"));
    assert_eq!(policy.attachment_count(), Some(0));
    assert!(policy.is_attachable());
    assert!(policy.tags.is_none(), "CreatePolicy omits Tags");

    let dup = iam
        .create_policy()
        .policy_name("listusers")
        .policy_document(LIST_USERS)
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(
        error_of(&dup),
        (
            "EntityAlreadyExists".into(),
            "A policy called listusers already exists. Duplicate names are not allowed.".into()
        )
    );
    let bad = iam
        .create_policy()
        .policy_name("Bad")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[}"#)
        .send()
        .await
        .expect_err("invalid json");
    assert_eq!(
        error_of(&bad),
        (
            "MalformedPolicyDocument".into(),
            "This policy contains invalid Json".into()
        )
    );
    let bad = iam
        .create_policy()
        .policy_name("Bad")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser"}]}"#,
        )
        .send()
        .await
        .expect_err("no resource");
    assert_eq!(
        error_of(&bad),
        (
            "MalformedPolicyDocument".into(),
            "Policy statement must contain resources.".into()
        )
    );
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::{acct}:user/{}"}}]}}"#,
        "a".repeat(6100)
    );
    let err = iam
        .create_policy()
        .policy_name("Big")
        .policy_document(big)
        .send()
        .await
        .expect_err("too big");
    assert_eq!(
        error_of(&err),
        (
            "LimitExceeded".into(),
            "Cannot exceed quota for PolicySize: 6144".into()
        )
    );

    let got = iam.get_policy().policy_arn(&arn).send().await.expect("get");
    let got = got.policy().expect("policy");
    assert_eq!(got.description(), Some("lists users"));
    assert_eq!(
        got.tags.as_deref(),
        Some(&[][..]),
        "GetPolicy shows empty Tags"
    );
    let aws = iam
        .get_policy()
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .expect("get aws managed");
    assert_eq!(
        aws.policy().expect("policy").attachment_count(),
        Some(1),
        "the admin user has it"
    );
    let gone = iam
        .get_policy()
        .policy_arn(format!("arn:aws:iam::{acct}:policy/Nope"))
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(
        error_of(&gone),
        (
            "NoSuchEntity".into(),
            format!("Policy arn:aws:iam::{acct}:policy/Nope was not found.")
        )
    );

    let local = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .send()
        .await
        .expect("list local");
    let names: Vec<_> = local
        .policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    assert_eq!(names, ["ListUsers"]);
    let aws_list = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .only_attached(true)
        .send()
        .await
        .expect("list aws attached");
    let names: Vec<_> = aws_list
        .policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    assert_eq!(names, ["AdministratorAccess"]);

    // Versions: up to five; the document comes back as submitted.
    for i in 2..=5 {
        let v = iam
            .create_policy_version()
            .policy_arn(&arn)
            .policy_document(LIST_USERS)
            .set_as_default(i == 3)
            .send()
            .await
            .expect("version");
        assert_eq!(
            v.policy_version().and_then(|v| v.version_id()),
            Some(format!("v{i}").as_str())
        );
    }
    let err = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(LIST_USERS)
        .send()
        .await
        .expect_err("sixth");
    assert_eq!(
        error_of(&err),
        (
            "LimitExceeded".into(),
            "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.".into()
        )
    );
    let v1 = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .expect("get v1");
    let v1 = v1.policy_version().expect("version");
    assert_eq!(url_decode(v1.document().expect("doc")), LIST_USERS);
    assert!(!v1.is_default_version());
    let versions = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .expect("list versions");
    let ids: Vec<_> = versions
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    assert_eq!(ids, ["v5", "v4", "v3", "v2", "v1"]);
    assert!(versions.versions()[2].is_default_version());
    let err = iam
        .delete_policy_version()
        .policy_arn(&arn)
        .version_id("v3")
        .send()
        .await
        .expect_err("default");
    assert_eq!(
        error_of(&err),
        (
            "DeleteConflict".into(),
            "Cannot delete the default version of a policy.".into()
        )
    );
    iam.set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .expect("set default");
    let err = iam
        .delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect_err("versions remain");
    assert_eq!(error_of(&err).0, "DeleteConflict");
    assert!(
        error_of(&err)
            .1
            .starts_with("This policy has more than one version.")
    );
    for v in ["v2", "v3", "v4", "v5"] {
        iam.delete_policy_version()
            .policy_arn(&arn)
            .version_id(v)
            .send()
            .await
            .expect("delete version");
    }

    // Attachments: unknown policies, non-ARNs, quota, conflicts.
    iam.create_user()
        .user_name("bob")
        .send()
        .await
        .expect("bob");
    iam.attach_user_policy()
        .user_name("bob")
        .policy_arn(&arn)
        .send()
        .await
        .expect("attach customer policy");
    let entities = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect("entities");
    assert_eq!(entities.policy_users().len(), 1);
    assert_eq!(entities.policy_users()[0].user_name(), Some("bob"));
    let err = iam
        .delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect_err("attached");
    assert_eq!(
        error_of(&err),
        (
            "DeleteConflict".into(),
            "Cannot delete a policy attached to entities.".into()
        )
    );
    let unknown = format!("arn:aws:iam::{acct}:policy/Nope");
    let err = iam
        .attach_user_policy()
        .user_name("bob")
        .policy_arn(&unknown)
        .send()
        .await
        .expect_err("unknown policy");
    assert_eq!(
        error_of(&err),
        (
            "NoSuchEntity".into(),
            format!("Policy {unknown} does not exist or is not attachable.")
        )
    );
    let err = iam
        .attach_user_policy()
        .user_name("bob")
        .policy_arn("a-policy-name-but-not-an-arn")
        .send()
        .await
        .expect_err("not an arn");
    assert_eq!(
        error_of(&err),
        (
            "ValidationError".into(),
            "Invalid ARN:  Could not be parsed!".into()
        )
    );
    for i in 0..9 {
        let p = iam
            .create_policy()
            .policy_name(format!("P{i}"))
            .policy_document(LIST_USERS)
            .send()
            .await
            .expect("create");
        iam.attach_user_policy()
            .user_name("bob")
            .policy_arn(p.policy().and_then(|p| p.arn()).expect("arn"))
            .send()
            .await
            .expect("attach up to ten");
    }
    let err = iam
        .attach_user_policy()
        .user_name("bob")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .expect_err("eleventh");
    assert_eq!(
        error_of(&err),
        (
            "LimitExceeded".into(),
            "Cannot exceed quota for PoliciesPerUser: 10".into()
        )
    );
    let attached = iam
        .list_attached_user_policies()
        .user_name("bob")
        .send()
        .await
        .expect("list attached");
    assert_eq!(attached.attached_policies().len(), 10);
    iam.detach_user_policy()
        .user_name("bob")
        .policy_arn(&arn)
        .send()
        .await
        .expect("detach");
    iam.delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect("delete policy");
    let err = iam
        .delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(
        error_of(&err),
        (
            "NoSuchEntity".into(),
            format!("Policy {arn} was not found.")
        )
    );

    // Groups and roles that do not exist.
    let err = iam
        .attach_group_policy()
        .group_name("nogroup")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .expect_err("no group");
    assert_eq!(
        error_of(&err),
        (
            "NoSuchEntity".into(),
            "The group with name nogroup cannot be found.".into()
        )
    );
    let err = iam
        .put_role_policy()
        .role_name("norole")
        .policy_name("p")
        .policy_document(LIST_USERS)
        .send()
        .await
        .expect_err("no role");
    assert_eq!(
        error_of(&err),
        (
            "NoSuchEntity".into(),
            "The role with name norole cannot be found.".into()
        )
    );

    // Tags on a customer policy.
    let p0 = format!("arn:aws:iam::{acct}:policy/P0");
    iam.tag_policy()
        .policy_arn(&p0)
        .tags(
            Tag::builder()
                .key("team")
                .value("core")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag");
    let tags = iam
        .list_policy_tags()
        .policy_arn(&p0)
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tags().len(), 1);
    iam.untag_policy()
        .policy_arn(&p0)
        .tag_keys("TEAM")
        .send()
        .await
        .expect("untag");
    let tags = iam
        .list_policy_tags()
        .policy_arn(&p0)
        .send()
        .await
        .expect("tags");
    assert!(tags.tags().is_empty());
}

pub async fn inline_policies(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    iam.create_user()
        .user_name("carol")
        .send()
        .await
        .expect("carol");
    iam.put_user_policy()
        .user_name("carol")
        .policy_name("list")
        .policy_document(LIST_USERS)
        .send()
        .await
        .expect("put");
    let got = iam
        .get_user_policy()
        .user_name("CAROL")
        .policy_name("list")
        .send()
        .await
        .expect("get");
    assert_eq!(got.user_name(), "carol");
    assert_eq!(url_decode(got.policy_document()), LIST_USERS);
    let names = iam
        .list_user_policies()
        .user_name("carol")
        .send()
        .await
        .expect("list");
    assert_eq!(names.policy_names(), ["list"]);
    let err = iam
        .put_user_policy()
        .user_name("carol")
        .policy_name("bad")
        .policy_document("{")
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(error_of(&err).0, "MalformedPolicyDocument");
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/{}"}}]}}"#,
        "a".repeat(1950)
    );
    let err = iam
        .put_user_policy()
        .user_name("carol")
        .policy_name("big")
        .policy_document(big)
        .send()
        .await
        .expect_err("aggregate too big");
    assert_eq!(
        error_of(&err),
        (
            "LimitExceeded".into(),
            "Maximum policy size of 2048 bytes exceeded for user carol".into()
        )
    );
    let err = iam
        .delete_user()
        .user_name("carol")
        .send()
        .await
        .expect_err("inline policy remains");
    assert_eq!(error_of(&err).0, "DeleteConflict");
    let err = iam
        .get_user_policy()
        .user_name("carol")
        .policy_name("nope")
        .send()
        .await
        .expect_err("unknown inline");
    assert_eq!(
        error_of(&err),
        (
            "NoSuchEntity".into(),
            "The user policy with name nope cannot be found.".into()
        )
    );
    iam.delete_user_policy()
        .user_name("carol")
        .policy_name("list")
        .send()
        .await
        .expect("delete inline");
    iam.delete_user()
        .user_name("carol")
        .send()
        .await
        .expect("delete user");
}

pub async fn enforcement(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let acct = account.account_id.clone();
    let server = Server::start(&store, &[]).await;
    let admin = server.iam(&account.admin_key);
    let dave = server.iam(&user_with_key(&admin, "dave").await);
    for n in ["alice", "bob"] {
        admin.create_user().user_name(n).send().await.expect("user");
    }

    // A customer policy on one resource.
    let p = admin
        .create_policy()
        .policy_name("GetAlice")
        .policy_document(GET_ALICE.replace("ACCT", &acct))
        .send()
        .await
        .expect("policy");
    let arn = p.policy().and_then(|p| p.arn()).expect("arn").to_owned();
    admin
        .attach_user_policy()
        .user_name("dave")
        .policy_arn(&arn)
        .send()
        .await
        .expect("attach");
    dave.get_user()
        .user_name("alice")
        .send()
        .await
        .expect("alice allowed");
    let err = dave
        .get_user()
        .user_name("bob")
        .send()
        .await
        .expect_err("bob denied");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".into(),
            format!(
                "User: arn:aws:iam::{acct}:user/dave is not authorized to perform: iam:GetUser on resource: arn:aws:iam::{acct}:user/bob because no identity-based policy allows the iam:GetUser action"
            )
        )
    );

    // A new default version is enforced on the next request.
    admin
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(GET_ALICE.replace("ACCT", &acct).replace("alice", "bob"))
        .set_as_default(true)
        .send()
        .await
        .expect("v2");
    dave.get_user()
        .user_name("bob")
        .send()
        .await
        .expect("bob now allowed");
    dave.get_user()
        .user_name("alice")
        .send()
        .await
        .expect_err("alice now denied");
    admin
        .set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .expect("back to v1");
    dave.get_user()
        .user_name("alice")
        .send()
        .await
        .expect("alice allowed again");

    // An explicit Deny in an inline policy wins over AdministratorAccess.
    admin
        .attach_user_policy()
        .user_name("dave")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .expect("admin");
    dave.create_user()
        .user_name("erin")
        .send()
        .await
        .expect("admin may create");
    admin
        .put_user_policy()
        .user_name("dave")
        .policy_name("no-create")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("deny");
    let err = dave
        .create_user()
        .user_name("frank")
        .send()
        .await
        .expect_err("explicit deny");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".into(),
            format!(
                "User: arn:aws:iam::{acct}:user/dave is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{acct}:user/frank with an explicit deny in an identity-based policy"
            )
        )
    );
    admin
        .delete_user_policy()
        .user_name("dave")
        .policy_name("no-create")
        .send()
        .await
        .expect("delete deny");
    dave.create_user()
        .user_name("frank")
        .send()
        .await
        .expect("allowed again at once");

    // A permissions boundary caps AdministratorAccess.
    let b = admin
        .create_policy()
        .policy_name("ReadOnlyBoundary")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("boundary policy");
    let boundary = b.policy().and_then(|p| p.arn()).expect("arn").to_owned();
    admin
        .put_user_permissions_boundary()
        .user_name("dave")
        .permissions_boundary(&boundary)
        .send()
        .await
        .expect("put boundary");
    let got = admin
        .get_user()
        .user_name("dave")
        .send()
        .await
        .expect("get dave");
    assert_eq!(
        got.user()
            .and_then(|u| u.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn()),
        Some(boundary.as_str())
    );
    dave.list_users()
        .send()
        .await
        .expect("list within boundary");
    let err = dave
        .create_user()
        .user_name("gina")
        .send()
        .await
        .expect_err("capped");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".into(),
            format!(
                "User: arn:aws:iam::{acct}:user/dave is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{acct}:user/gina because no permissions boundary allows the iam:CreateUser action"
            )
        )
    );
    let err = admin
        .delete_policy()
        .policy_arn(&boundary)
        .send()
        .await
        .expect_err("boundary in use");
    assert_eq!(error_of(&err).0, "DeleteConflict");
    admin
        .delete_user_permissions_boundary()
        .user_name("dave")
        .send()
        .await
        .expect("delete boundary");
    dave.create_user()
        .user_name("gina")
        .send()
        .await
        .expect("uncapped at once");
    let err = admin
        .put_user_permissions_boundary()
        .user_name("dave")
        .permissions_boundary(format!("arn:aws:iam::{acct}:policy/Nope"))
        .send()
        .await
        .expect_err("unknown boundary");
    assert_eq!(error_of(&err).0, "NoSuchEntity");

    // Request and principal tags reach conditions.
    admin
        .detach_user_policy()
        .user_name("dave")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .expect("detach admin");
    admin
        .put_user_policy()
        .user_name("dave")
        .policy_name("tagged-create")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"}}}]}"#,
        )
        .send()
        .await
        .expect("tag policy");
    let team = |v: &str| Tag::builder().key("team").value(v).build().expect("tag");
    dave.create_user()
        .user_name("hank")
        .tags(team("core"))
        .send()
        .await
        .expect_err("dave has no team tag yet");
    admin
        .tag_user()
        .user_name("dave")
        .tags(team("core"))
        .send()
        .await
        .expect("tag dave");
    dave.create_user()
        .user_name("hank")
        .tags(team("core"))
        .send()
        .await
        .expect("same team");
    dave.create_user()
        .user_name("ivan")
        .tags(team("other"))
        .send()
        .await
        .expect_err("other team");
}
