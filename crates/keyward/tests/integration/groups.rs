//! IAM groups through aws-sdk-iam.

use crate::harness::{Backend, Server, StoreLocation, create_account, error_of};

pub async fn group_lifecycle(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    let acct = &account.account_id;

    let created = iam
        .create_group()
        .group_name("devs")
        .path("/eng/")
        .send()
        .await
        .expect("create group");
    let group = created.group().expect("group");
    assert_eq!(group.group_name(), "devs");
    assert_eq!(group.path(), "/eng/");
    assert!(group.group_id().starts_with("AGPA"), "{}", group.group_id());
    assert_eq!(group.arn(), format!("arn:aws:iam::{acct}:group/eng/devs"));

    // Names are unique ignoring case.
    let dup = iam
        .create_group()
        .group_name("DEVS")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(
        error_of(&dup),
        (
            "EntityAlreadyExists".into(),
            "Group with name DEVS already exists.".into()
        )
    );
    assert_eq!(dup.raw_response().map(|r| r.status().as_u16()), Some(409));

    let missing = iam
        .get_group()
        .group_name("nope")
        .send()
        .await
        .expect_err("unknown group");
    assert_eq!(
        error_of(&missing),
        (
            "NoSuchEntity".into(),
            "The group with name nope cannot be found.".into()
        )
    );
    assert_eq!(
        missing.raw_response().map(|r| r.status().as_u16()),
        Some(404)
    );

    for name in ["alice", "bob"] {
        iam.create_user()
            .user_name(name)
            .send()
            .await
            .expect("create user");
        iam.add_user_to_group()
            .group_name("devs")
            .user_name(name)
            .send()
            .await
            .expect("add user");
    }
    // Adding a member again changes nothing.
    iam.add_user_to_group()
        .group_name("Devs")
        .user_name("alice")
        .send()
        .await
        .expect("add again");
    let unknown_user = iam
        .add_user_to_group()
        .group_name("devs")
        .user_name("carol")
        .send()
        .await
        .expect_err("unknown user");
    assert_eq!(
        error_of(&unknown_user),
        (
            "NoSuchEntity".into(),
            "The user with name carol cannot be found.".into()
        )
    );

    let got = iam
        .get_group()
        .group_name("devs")
        .send()
        .await
        .expect("get group");
    assert_eq!(got.group().expect("group").group_name(), "devs");
    let names: Vec<&str> = got.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(names, ["alice", "bob"]);
    assert!(!got.is_truncated());

    // Members page.
    let first = iam
        .get_group()
        .group_name("devs")
        .max_items(1)
        .send()
        .await
        .expect("page 1");
    assert_eq!(first.users().len(), 1);
    assert!(first.is_truncated());
    let second = iam
        .get_group()
        .group_name("devs")
        .marker(first.marker().expect("marker"))
        .send()
        .await
        .expect("page 2");
    assert_eq!(second.users()[0].user_name(), "bob");
    assert!(!second.is_truncated());

    let for_user = iam
        .list_groups_for_user()
        .user_name("alice")
        .send()
        .await
        .expect("groups for user");
    let names: Vec<&str> = for_user.groups().iter().map(|g| g.group_name()).collect();
    assert_eq!(names, ["devs"]);

    let listed = iam
        .list_groups()
        .path_prefix("/eng/")
        .send()
        .await
        .expect("list groups");
    assert_eq!(listed.groups().len(), 1);
    let listed = iam
        .list_groups()
        .path_prefix("/ops/")
        .send()
        .await
        .expect("list groups");
    assert!(listed.groups().is_empty());

    // Members block deleting the group, and membership blocks deleting the user.
    let conflict = iam
        .delete_group()
        .group_name("devs")
        .send()
        .await
        .expect_err("members remain");
    assert_eq!(
        error_of(&conflict),
        (
            "DeleteConflict".into(),
            "Cannot delete entity, must remove users from group first.".into()
        )
    );
    assert_eq!(
        conflict.raw_response().map(|r| r.status().as_u16()),
        Some(409)
    );
    let conflict = iam
        .delete_user()
        .user_name("alice")
        .send()
        .await
        .expect_err("user in a group");
    assert_eq!(error_of(&conflict).0, "DeleteConflict");

    for name in ["alice", "bob"] {
        iam.remove_user_from_group()
            .group_name("devs")
            .user_name(name)
            .send()
            .await
            .expect("remove user");
    }
    let not_member = iam
        .remove_user_from_group()
        .group_name("devs")
        .user_name("alice")
        .send()
        .await
        .expect_err("not a member");
    assert_eq!(error_of(&not_member).0, "NoSuchEntity");
    let for_user = iam
        .list_groups_for_user()
        .user_name("alice")
        .send()
        .await
        .expect("groups for user");
    assert!(for_user.groups().is_empty());
    iam.delete_user()
        .user_name("alice")
        .send()
        .await
        .expect("delete user out of groups");

    iam.update_group()
        .group_name("devs")
        .new_group_name("developers")
        .new_path("/ops/")
        .send()
        .await
        .expect("update group");
    let got = iam
        .get_group()
        .group_name("developers")
        .send()
        .await
        .expect("renamed");
    assert_eq!(
        got.group().expect("group").arn(),
        format!("arn:aws:iam::{acct}:group/ops/developers")
    );
    assert!(got.users().is_empty());
    iam.create_group()
        .group_name("admins")
        .send()
        .await
        .expect("create admins");
    let taken = iam
        .update_group()
        .group_name("admins")
        .new_group_name("Developers")
        .send()
        .await
        .expect_err("rename onto a taken name");
    assert_eq!(error_of(&taken).0, "EntityAlreadyExists");

    iam.delete_group()
        .group_name("developers")
        .send()
        .await
        .expect("delete group");
    let gone = iam
        .get_group()
        .group_name("developers")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(error_of(&gone).0, "NoSuchEntity");
}

pub async fn group_quotas_and_bad_input(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);

    let bad = iam
        .create_group()
        .group_name("no spaces")
        .send()
        .await
        .expect_err("bad name");
    assert_eq!(
        error_of(&bad),
        (
            "ValidationError".into(),
            r"1 validation error detected: Value 'no spaces' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+".into()
        )
    );
    assert_eq!(bad.raw_response().map(|r| r.status().as_u16()), Some(400));
    let bad = iam
        .create_group()
        .group_name("g")
        .path("nope")
        .send()
        .await
        .expect_err("bad path");
    assert_eq!(error_of(&bad).0, "ValidationError");
    assert!(
        iam.list_groups()
            .send()
            .await
            .expect("list")
            .groups()
            .is_empty()
    );

    // A user may be in at most 10 groups.
    iam.create_user()
        .user_name("busy")
        .send()
        .await
        .expect("user");
    for i in 0..11 {
        iam.create_group()
            .group_name(format!("g{i:02}"))
            .send()
            .await
            .expect("create group");
    }
    for i in 0..10 {
        iam.add_user_to_group()
            .group_name(format!("g{i:02}"))
            .user_name("busy")
            .send()
            .await
            .expect("add");
    }
    let over = iam
        .add_user_to_group()
        .group_name("g10")
        .user_name("busy")
        .send()
        .await
        .expect_err("eleventh group");
    assert_eq!(
        error_of(&over),
        (
            "LimitExceeded".into(),
            "Cannot exceed quota for GroupsPerUser: 10".into()
        )
    );
    assert_eq!(over.raw_response().map(|r| r.status().as_u16()), Some(409));

    // ListGroups pages in name order.
    let first = iam.list_groups().max_items(4).send().await.expect("page");
    let names: Vec<&str> = first.groups().iter().map(|g| g.group_name()).collect();
    assert_eq!(names, ["g00", "g01", "g02", "g03"]);
    assert!(first.is_truncated());
    let rest = iam
        .list_groups()
        .marker(first.marker().expect("marker"))
        .send()
        .await
        .expect("rest");
    assert_eq!(rest.groups().len(), 7);
    assert!(!rest.is_truncated());
}
