//! The policy simulator, context keys and the account's authorization details.

use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType};

use crate::harness::{Backend, Server, StoreLocation, create_account, error_of};

/// Statement 1 spans lines 4–8 (its `{` at column 5).
const GET_BOB: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "iam:GetUser",
      "Resource": "arn:aws:iam::ACCT:user/bob"
    }
  ]
}"#;
const DENY_GET_CAROL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:GetUser","Resource":"arn:aws:iam::ACCT:user/carol"}]}"#;
const ALLOW_ALL_IAM: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#;
const BOUNDARY_LIST_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}"#;
const FROM_OFFICE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;

pub async fn simulate_principal_policy(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let acct = account.account_id.clone();
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    for u in ["alice", "bob", "carol"] {
        iam.create_user().user_name(u).send().await.expect("user");
    }
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("GetBob")
        .policy_document(GET_BOB.replace("ACCT", &acct))
        .send()
        .await
        .expect("put policy");
    let alice = format!("arn:aws:iam::{acct}:user/alice");
    let bob = format!("arn:aws:iam::{acct}:user/bob");
    let carol = format!("arn:aws:iam::{acct}:user/carol");

    // Allowed on bob, implicitly denied on carol.
    let out = iam
        .simulate_principal_policy()
        .policy_source_arn(&alice)
        .action_names("iam:GetUser")
        .resource_arns(&bob)
        .resource_arns(&carol)
        .send()
        .await
        .expect("simulate");
    let results = out.evaluation_results();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].eval_action_name(), "iam:GetUser");
    assert_eq!(results[0].eval_resource_name(), Some(bob.as_str()));
    assert_eq!(
        results[0].eval_decision(),
        &PolicyEvaluationDecisionType::Allowed
    );
    let m = &results[0].matched_statements()[0];
    assert_eq!(m.source_policy_id(), Some("GetBob"));
    assert_eq!(m.source_policy_type().map(|t| t.as_str()), Some("user"));
    let start = m.start_position().expect("start");
    assert_eq!((start.line(), start.column()), (4, 5));
    assert_eq!(m.end_position().expect("end").line(), 8);
    assert_eq!(results[1].eval_resource_name(), Some(carol.as_str()));
    assert_eq!(
        results[1].eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );
    assert!(results[1].matched_statements().is_empty());
    assert!(results[0].permissions_boundary_decision_detail().is_none());

    // An explicit deny, from a group's managed policy.
    iam.create_group()
        .group_name("staff")
        .send()
        .await
        .expect("group");
    iam.add_user_to_group()
        .group_name("staff")
        .user_name("alice")
        .send()
        .await
        .expect("add");
    let deny = iam
        .create_policy()
        .policy_name("DenyCarol")
        .policy_document(DENY_GET_CAROL.replace("ACCT", &acct))
        .send()
        .await
        .expect("create policy");
    let deny_arn = deny.policy().and_then(|p| p.arn()).expect("arn").to_owned();
    iam.attach_group_policy()
        .group_name("staff")
        .policy_arn(&deny_arn)
        .send()
        .await
        .expect("attach");
    let out = iam
        .simulate_principal_policy()
        .policy_source_arn(&alice)
        .action_names("iam:GetUser")
        .resource_arns(&carol)
        .policy_input_list(ALLOW_ALL_IAM)
        .send()
        .await
        .expect("simulate");
    let r = &out.evaluation_results()[0];
    assert_eq!(
        r.eval_decision(),
        &PolicyEvaluationDecisionType::ExplicitDeny
    );
    let ids: Vec<(Option<&str>, Option<&str>)> = r
        .matched_statements()
        .iter()
        .map(|m| {
            (
                m.source_policy_id(),
                m.source_policy_type().map(|t| t.as_str()),
            )
        })
        .collect();
    assert!(
        ids.contains(&(Some("DenyCarol"), Some("user-managed"))),
        "{ids:?}"
    );
    assert!(
        ids.contains(&(Some("PolicyInputList.1"), Some("none"))),
        "{ids:?}"
    );

    // A permissions boundary: the identity policy allows, the boundary does not.
    let out = iam
        .simulate_principal_policy()
        .policy_source_arn(&alice)
        .action_names("iam:GetUser")
        .action_names("iam:ListUsers")
        .permissions_boundary_policy_input_list(BOUNDARY_LIST_ONLY)
        .policy_input_list(ALLOW_ALL_IAM)
        .send()
        .await
        .expect("simulate");
    let rs = out.evaluation_results();
    assert_eq!(rs.len(), 2);
    assert_eq!(
        rs[0].eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );
    assert_eq!(
        rs[0]
            .permissions_boundary_decision_detail()
            .map(|d| d.allowed_by_permissions_boundary()),
        Some(false)
    );
    assert_eq!(
        rs[1].eval_decision(),
        &PolicyEvaluationDecisionType::Allowed
    );
    assert_eq!(
        rs[1]
            .permissions_boundary_decision_detail()
            .map(|d| d.allowed_by_permissions_boundary()),
        Some(true)
    );

    // The user's stored boundary applies too.
    let b = iam
        .create_policy()
        .policy_name("ListOnly")
        .policy_document(BOUNDARY_LIST_ONLY)
        .send()
        .await
        .expect("boundary policy");
    iam.put_user_permissions_boundary()
        .user_name("alice")
        .permissions_boundary(b.policy().and_then(|p| p.arn()).expect("arn"))
        .send()
        .await
        .expect("boundary");
    let out = iam
        .simulate_principal_policy()
        .policy_source_arn(&alice)
        .action_names("iam:GetUser")
        .resource_arns(&bob)
        .send()
        .await
        .expect("simulate");
    let r = &out.evaluation_results()[0];
    assert_eq!(
        r.eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );
    assert_eq!(
        r.permissions_boundary_decision_detail()
            .map(|d| d.allowed_by_permissions_boundary()),
        Some(false)
    );

    // Unknown entity, missing actions.
    let err = iam
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{acct}:user/nobody"))
        .action_names("iam:GetUser")
        .send()
        .await
        .expect_err("unknown user");
    assert_eq!(
        error_of(&err),
        (
            "NoSuchEntity".into(),
            "The user with name nobody cannot be found.".into()
        )
    );
    let err = iam
        .simulate_principal_policy()
        .policy_source_arn(&alice)
        .send()
        .await
        .expect_err("no actions");
    assert_eq!(error_of(&err).0, "ValidationError");
}

pub async fn simulate_custom_policy_and_context_keys(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);

    // Without the context entry, aws:SourceIp is missing.
    let out = iam
        .simulate_custom_policy()
        .policy_input_list(FROM_OFFICE)
        .action_names("iam:ListUsers")
        .send()
        .await
        .expect("simulate");
    let r = &out.evaluation_results()[0];
    assert_eq!(r.eval_resource_name(), Some("*"));
    assert_eq!(
        r.eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );
    assert_eq!(r.missing_context_values(), ["aws:SourceIp"]);

    let entry = |ip: &str| {
        ContextEntry::builder()
            .context_key_name("aws:SourceIp")
            .context_key_type(ContextKeyTypeEnum::Ip)
            .context_key_values(ip)
            .build()
    };
    let out = iam
        .simulate_custom_policy()
        .policy_input_list(FROM_OFFICE)
        .action_names("iam:ListUsers")
        .context_entries(entry("203.0.113.7"))
        .send()
        .await
        .expect("simulate");
    let r = &out.evaluation_results()[0];
    assert_eq!(r.eval_decision(), &PolicyEvaluationDecisionType::Allowed);
    assert!(r.missing_context_values().is_empty());
    let out = iam
        .simulate_custom_policy()
        .policy_input_list(FROM_OFFICE)
        .action_names("iam:ListUsers")
        .context_entries(entry("198.51.100.1"))
        .send()
        .await
        .expect("simulate");
    assert_eq!(
        out.evaluation_results()[0].eval_decision(),
        &PolicyEvaluationDecisionType::ImplicitDeny
    );

    // Two policies: the second one's deny wins over the first one's allow.
    let out = iam
        .simulate_custom_policy()
        .policy_input_list(ALLOW_ALL_IAM)
        .policy_input_list(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}"#,
        )
        .action_names("iam:DeleteUser")
        .action_names("iam:CreateUser")
        .send()
        .await
        .expect("simulate");
    let rs = out.evaluation_results();
    assert_eq!(
        rs[0].eval_decision(),
        &PolicyEvaluationDecisionType::ExplicitDeny
    );
    assert!(
        rs[0]
            .matched_statements()
            .iter()
            .any(|m| m.source_policy_id() == Some("PolicyInputList.2"))
    );
    assert_eq!(
        rs[1].eval_decision(),
        &PolicyEvaluationDecisionType::Allowed
    );
    assert_eq!(
        rs[1].matched_statements()[0].source_policy_id(),
        Some("PolicyInputList.1")
    );

    // A resource policy naming the simulated caller allows on its own.
    let acct = account.account_id.clone();
    let caller = format!("arn:aws:iam::{acct}:user/erin");
    let out = iam
        .simulate_custom_policy()
        .policy_input_list(FROM_OFFICE)
        .resource_policy(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{caller}"}},"Action":"iam:GetUser","Resource":"*"}}]}}"#
        ))
        .caller_arn(&caller)
        .action_names("iam:GetUser")
        .send()
        .await
        .expect("simulate");
    let r = &out.evaluation_results()[0];
    assert_eq!(r.eval_decision(), &PolicyEvaluationDecisionType::Allowed);
    assert_eq!(
        r.matched_statements()[0]
            .source_policy_type()
            .map(|t| t.as_str()),
        Some("resource")
    );

    // Pagination over results.
    let page = iam
        .simulate_custom_policy()
        .policy_input_list(ALLOW_ALL_IAM)
        .action_names("iam:GetUser")
        .action_names("iam:ListUsers")
        .action_names("iam:CreateUser")
        .max_items(2)
        .send()
        .await
        .expect("page 1");
    assert_eq!(page.evaluation_results().len(), 2);
    assert!(page.is_truncated());
    let rest = iam
        .simulate_custom_policy()
        .policy_input_list(ALLOW_ALL_IAM)
        .action_names("iam:GetUser")
        .action_names("iam:ListUsers")
        .action_names("iam:CreateUser")
        .marker(page.marker().expect("marker"))
        .send()
        .await
        .expect("page 2");
    assert_eq!(
        rest.evaluation_results()[0].eval_action_name(),
        "iam:CreateUser"
    );
    assert!(!rest.is_truncated());

    // Context keys, including a policy variable's.
    let keys = iam
        .get_context_keys_for_custom_policy()
        .policy_input_list(FROM_OFFICE)
        .policy_input_list(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}","Condition":{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
        )
        .send()
        .await
        .expect("keys");
    let mut names = keys.context_key_names().to_vec();
    names.sort();
    assert_eq!(
        names,
        ["aws:SecureTransport", "aws:SourceIp", "aws:username"]
    );

    // Bad input: malformed policy is InvalidInput (the model's documented error).
    let err = iam
        .simulate_custom_policy()
        .policy_input_list(r#"{"Version":"2012-10-17","Statement":"#)
        .action_names("iam:GetUser")
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(error_of(&err).0, "InvalidInput");
    let err = iam
        .get_context_keys_for_custom_policy()
        .policy_input_list("not json")
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(error_of(&err).0, "InvalidInput");
    let err = iam
        .simulate_custom_policy()
        .policy_input_list(ALLOW_ALL_IAM)
        .send()
        .await
        .expect_err("no actions");
    assert_eq!(error_of(&err).0, "ValidationError");
}

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

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

pub async fn account_authorization_details(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let acct = account.account_id.clone();
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    let get_bob = GET_BOB.replace("ACCT", &acct);

    iam.create_user()
        .user_name("dana")
        .send()
        .await
        .expect("user");
    iam.put_user_policy()
        .user_name("dana")
        .policy_name("GetBob")
        .policy_document(&get_bob)
        .send()
        .await
        .expect("inline");
    iam.create_group()
        .group_name("ops")
        .send()
        .await
        .expect("group");
    iam.add_user_to_group()
        .group_name("ops")
        .user_name("dana")
        .send()
        .await
        .expect("member");
    iam.put_group_policy()
        .group_name("ops")
        .policy_name("All")
        .policy_document(ALLOW_ALL_IAM)
        .send()
        .await
        .expect("group inline");
    iam.create_role()
        .role_name("worker")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("role");
    iam.put_role_policy()
        .role_name("worker")
        .policy_name("ListOnly")
        .policy_document(BOUNDARY_LIST_ONLY)
        .send()
        .await
        .expect("role inline");
    let created = iam
        .create_policy()
        .policy_name("Office")
        .policy_document(FROM_OFFICE)
        .send()
        .await
        .expect("policy");
    let policy_arn = created
        .policy()
        .and_then(|p| p.arn())
        .expect("arn")
        .to_owned();
    iam.attach_user_policy()
        .user_name("dana")
        .policy_arn(&policy_arn)
        .send()
        .await
        .expect("attach");
    iam.attach_role_policy()
        .role_name("worker")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("attach aws managed");

    let d = iam
        .get_account_authorization_details()
        .send()
        .await
        .expect("details");
    let dana = d
        .user_detail_list()
        .iter()
        .find(|u| u.user_name() == Some("dana"))
        .expect("dana");
    assert_eq!(dana.group_list(), ["ops"]);
    let inline = &dana.user_policy_list()[0];
    assert_eq!(inline.policy_name(), Some("GetBob"));
    assert_eq!(url_decode(inline.policy_document().expect("doc")), get_bob);
    assert_eq!(
        dana.attached_managed_policies()[0].policy_arn(),
        Some(policy_arn.as_str())
    );
    let ops = &d.group_detail_list()[0];
    assert_eq!(ops.group_name(), Some("ops"));
    assert_eq!(
        url_decode(ops.group_policy_list()[0].policy_document().expect("doc")),
        ALLOW_ALL_IAM
    );
    let worker = &d.role_detail_list()[0];
    assert_eq!(worker.role_name(), Some("worker"));
    assert_eq!(
        url_decode(worker.assume_role_policy_document().expect("trust")),
        TRUST
    );
    assert_eq!(
        url_decode(worker.role_policy_list()[0].policy_document().expect("doc")),
        BOUNDARY_LIST_ONLY
    );
    assert_eq!(
        worker.attached_managed_policies()[0].policy_name(),
        Some("IAMReadOnlyAccess")
    );
    let names: Vec<&str> = d
        .policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    // The admin user's AdministratorAccess and the role's IAMReadOnlyAccess
    // are attached; no other AWS managed policy is listed.
    assert_eq!(
        names,
        ["AdministratorAccess", "IAMReadOnlyAccess", "Office"],
        "only attached AWS managed policies"
    );
    let office = d
        .policies()
        .iter()
        .find(|p| p.policy_name() == Some("Office"))
        .expect("office");
    assert_eq!(office.attachment_count(), Some(1));
    let v = &office.policy_version_list()[0];
    assert_eq!(v.version_id(), Some("v1"));
    assert!(v.is_default_version());
    assert_eq!(url_decode(v.document().expect("doc")), FROM_OFFICE);

    // Filters and pagination.
    let only_roles = iam
        .get_account_authorization_details()
        .filter(aws_sdk_iam::types::EntityType::Role)
        .send()
        .await
        .expect("roles");
    assert!(only_roles.user_detail_list().is_empty());
    assert!(only_roles.policies().is_empty());
    assert_eq!(only_roles.role_detail_list().len(), 1);
    let first = iam
        .get_account_authorization_details()
        .max_items(1)
        .send()
        .await
        .expect("page");
    assert!(first.is_truncated());
    assert_eq!(first.user_detail_list().len(), 1);
    let err = iam
        .get_account_authorization_details()
        .filter(aws_sdk_iam::types::EntityType::from("Nope"))
        .send()
        .await
        .expect_err("bad filter");
    assert_eq!(error_of(&err).0, "ValidationError");

    // The principal-policy context keys cover the user's group policies.
    let keys = iam
        .get_context_keys_for_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{acct}:user/dana"))
        .send()
        .await
        .expect("keys");
    assert_eq!(keys.context_key_names(), ["aws:SourceIp"]);
}
