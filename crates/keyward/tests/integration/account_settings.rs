//! Login profiles, the password policy, the account alias and summary.

use crate::harness::{Backend, Server, StoreLocation, create_account, error_of};

pub async fn login_profiles_follow_the_password_policy(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    iam.create_user()
        .user_name("pat")
        .send()
        .await
        .expect("create");

    // Without a custom policy AWS's default rules apply.
    let weak = iam
        .create_login_profile()
        .user_name("pat")
        .password("weakpass")
        .send()
        .await
        .expect_err("weak");
    assert_eq!(
        error_of(&weak),
        (
            "PasswordPolicyViolation".into(),
            "Password does not conform to the account password policy.".into()
        )
    );
    let created = iam
        .create_login_profile()
        .user_name("pat")
        .password("Str0ng-Pass")
        .password_reset_required(true)
        .send()
        .await
        .expect("create profile");
    let lp = created.login_profile().expect("profile");
    assert_eq!(lp.user_name(), "pat");
    assert!(lp.password_reset_required());
    let dup = iam
        .create_login_profile()
        .user_name("pat")
        .password("Str0ng-Pass2")
        .send()
        .await
        .expect_err("dup");
    assert_eq!(
        error_of(&dup),
        (
            "EntityAlreadyExists".into(),
            "Login Profile for user pat already exists.".into()
        )
    );

    let none = iam
        .get_account_password_policy()
        .send()
        .await
        .expect_err("no policy");
    assert_eq!(
        error_of(&none),
        (
            "NoSuchEntity".into(),
            format!(
                "The Password Policy with domain name {} cannot be found.",
                account.account_id
            )
        )
    );
    iam.update_account_password_policy()
        .minimum_password_length(10)
        .require_numbers(true)
        .password_reuse_prevention(1)
        .send()
        .await
        .expect("set policy");
    let pol = iam
        .get_account_password_policy()
        .send()
        .await
        .expect("policy");
    let pol = pol.password_policy().expect("policy");
    assert_eq!(pol.minimum_password_length(), Some(10));
    assert!(pol.require_numbers());
    assert!(
        !pol.require_symbols(),
        "omitted settings revert to defaults"
    );
    assert_eq!(pol.password_reuse_prevention(), Some(1));

    let short = iam
        .update_login_profile()
        .user_name("pat")
        .password("Sh0rt-pw1")
        .send()
        .await
        .expect_err("short");
    assert_eq!(error_of(&short).0, "PasswordPolicyViolation");
    let reused = iam
        .update_login_profile()
        .user_name("pat")
        .password("Str0ng-Pass")
        .send()
        .await
        .expect_err("reuses the current password");
    assert_eq!(error_of(&reused).0, "PasswordPolicyViolation");
    iam.update_login_profile()
        .user_name("pat")
        .password("L0nger-password")
        .password_reset_required(false)
        .send()
        .await
        .expect("update");
    let got = iam
        .get_login_profile()
        .user_name("pat")
        .send()
        .await
        .expect("get");
    assert!(
        !got.login_profile()
            .expect("profile")
            .password_reset_required()
    );

    // A login profile blocks deleting the user.
    let conflict = iam
        .delete_user()
        .user_name("pat")
        .send()
        .await
        .expect_err("conflict");
    assert_eq!(error_of(&conflict).0, "DeleteConflict");
    iam.delete_login_profile()
        .user_name("pat")
        .send()
        .await
        .expect("delete profile");
    let gone = iam
        .get_login_profile()
        .user_name("pat")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(
        error_of(&gone),
        (
            "NoSuchEntity".into(),
            "Login Profile for User pat cannot be found.".into()
        )
    );
    iam.delete_account_password_policy()
        .send()
        .await
        .expect("delete policy");
    iam.delete_user()
        .user_name("pat")
        .send()
        .await
        .expect("delete user");
}

pub async fn alias_and_summary(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    let bad = iam
        .create_account_alias()
        .account_alias("Not-Valid")
        .send()
        .await
        .expect_err("bad alias");
    assert_eq!(error_of(&bad).0, "ValidationError");
    iam.create_account_alias()
        .account_alias("acme-prod")
        .send()
        .await
        .expect("alias");
    let aliases = iam.list_account_aliases().send().await.expect("list");
    assert_eq!(aliases.account_aliases(), ["acme-prod".to_owned()]);
    let second = iam
        .create_account_alias()
        .account_alias("acme-two")
        .send()
        .await
        .expect_err("one alias per account");
    assert_eq!(error_of(&second).0, "LimitExceeded");
    let missing = iam
        .delete_account_alias()
        .account_alias("acme-two")
        .send()
        .await
        .expect_err("not ours");
    assert_eq!(error_of(&missing).0, "NoSuchEntity");
    iam.delete_account_alias()
        .account_alias("acme-prod")
        .send()
        .await
        .expect("delete alias");
    assert!(
        iam.list_account_aliases()
            .send()
            .await
            .expect("list")
            .account_aliases()
            .is_empty()
    );

    iam.create_user()
        .user_name("u1")
        .send()
        .await
        .expect("user");
    let summary = iam.get_account_summary().send().await.expect("summary");
    let map = summary.summary_map().expect("map");
    let get = |k: &str| {
        map.iter()
            .find(|(key, _)| key.as_str() == k)
            .map(|(_, v)| *v)
    };
    assert_eq!(get("Users"), Some(2));
    assert_eq!(get("UsersQuota"), Some(5000));
    assert_eq!(get("AccountAccessKeysPresent"), Some(0));
}
