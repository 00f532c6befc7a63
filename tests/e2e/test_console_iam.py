"""The web console's account closing and IAM pages in a real browser
(Playwright driving Debian's Chromium), each page checked with axe-core."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

import browser as br
import kw
from test_console import SIGN_IN_FAILED, _root_key, sign_in_root, sign_in_user

CLOSED = ("OptInRequired", "The AWS Access Key Id needs a subscription for the service", 403)


def expect_closed(call) -> None:
    with pytest.raises(ClientError) as ei:
        call()
    assert kw.err(ei.value) == CLOSED, ei.value.response


def test_root_closes_the_account(strict, fresh_account, chromium, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    root = kw.Creds(*_root_key(strict, acct))
    sess = strict.server.sts(acct.admin).get_session_token()["Credentials"]
    session = boto3.client("sts", endpoint_url=base, region_name=kw.REGION,
                           aws_access_key_id=sess["AccessKeyId"], aws_secret_access_key=sess["SecretAccessKey"],
                           aws_session_token=sess["SessionToken"])
    assert session.get_caller_identity()["Account"] == acct.account_id
    name, password = kw.unique("closer"), "Us3r-Console-Pass!"
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_login_profile(UserName=name, Password=password)

    # An IAM user, even an administrator, may not close the account.
    other = chromium.new_context()
    user_page = other.new_page()
    sign_in_user(user_page, base, acct.account_id, name, password)
    user_page.wait_for_url(base + "/console")
    resp = user_page.goto(base + "/console/account/close")
    assert resp.status == 403
    alert = user_page.get_by_role("alert").inner_text()
    assert f"user/{name} is not authorized to perform: account:CloseAccount" in alert

    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")
    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Close account…").click()
    page.wait_for_url(base + "/console/account/close")
    br.assert_accessible(page, "close account")
    br.screenshot(page, "close-account")

    # The typed confirmation and the password are both checked; nothing closes.
    page.get_by_label("Type the account ID").fill("000000000000")
    page.get_by_label("Root user password").fill(acct.password)
    page.get_by_role("button", name="Close account").click()
    assert f"Type the account ID {acct.account_id}" in page.get_by_role("alert").inner_text()
    page.get_by_label("Type the account ID").fill(acct.account_id)
    page.get_by_label("Root user password").fill("Wrong-Passw0rd!")
    page.get_by_role("button", name="Close account").click()
    assert page.get_by_role("alert").inner_text() == "The password is incorrect."
    assert iam.get_user(UserName=name)["User"]["UserName"] == name

    page.get_by_label("Type the account ID").fill(acct.account_id)
    page.get_by_label("Root user password").fill(acct.password)
    page.get_by_role("button", name="Close account").click()
    assert f"Account {acct.account_id} is closed." in page.get_by_role("status").inner_text()
    br.assert_accessible(page, "account closed")

    # Every credential of the account is refused: IAM user key, root key, session.
    expect_closed(lambda: iam.get_user(UserName=name))
    expect_closed(lambda: strict.server.iam(root).list_users())
    expect_closed(session.get_caller_identity)
    # Console sessions of the account end; nobody signs in again.
    user_page.goto(base + "/console")
    assert user_page.url.endswith("/signin")
    other.close()
    sign_in_root(page, base, acct.email, acct.password)
    assert page.get_by_role("alert").inner_text() == SIGN_IN_FAILED
    sign_in_user(page, base, acct.account_id, name, password)
    assert page.get_by_role("alert").inner_text() == SIGN_IN_FAILED
    # Other accounts go on.
    assert strict.server.iam(strict.admin).get_user()["User"]["Arn"]


ALLOW_GET_USER = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}'


def test_policies_page_validates_as_you_type(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")
    page.get_by_role("link", name="Policies").click()
    page.wait_for_url(base + "/console/iam/policies")
    br.assert_accessible(page, "policies")

    # As you type: the API's own MalformedPolicyDocument message.
    editor = page.get_by_label("Policy document (JSON)")
    editor.fill('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}')
    check = page.locator("#document-check")
    with pytest.raises(ClientError) as ei:
        iam.create_policy(PolicyName=kw.unique("bad"),
                          PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}')
    api_code, api_message, _ = kw.err(ei.value)
    assert api_code == "MalformedPolicyDocument"
    page.wait_for_function("m => document.getElementById('document-check').textContent === m", arg=api_message)
    assert editor.get_attribute("aria-invalid") == "true"
    editor.fill(ALLOW_GET_USER)
    page.wait_for_function("() => document.getElementById('document-check').textContent === 'The policy document is valid.'")

    # The submit checks it too (the form without its script), and writes nothing.
    name = kw.unique("pol")
    page.get_by_label("Policy name").fill(name)
    editor.fill('{"Version": "2012-10-17", "Statement": []}')
    page.get_by_role("button", name="Create policy").click()
    assert page.get_by_role("alert").inner_text()
    names = [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
    assert name not in names
    page.get_by_label("Policy document (JSON)").fill(ALLOW_GET_USER)
    page.get_by_role("button", name="Create policy").click()
    assert f"Policy {name} is created." in page.get_by_role("status").inner_text()
    assert page.get_by_role("cell", name=name, exact=True).is_visible()
    arn = f"arn:aws:iam::{acct.account_id}:policy/{name}"
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["PolicyName"] == name

    # Editing saves a new default version, checked the same way.
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=f"Edit policy {name}").wait_for()
    br.assert_accessible(page, "edit policy")
    editor = page.get_by_label("Policy document (JSON)")
    assert '"iam:GetUser"' in editor.input_value()
    editor.fill('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser"}]}')
    page.wait_for_function("() => document.getElementById('document-check').className === 'error'")
    page.get_by_role("button", name="Save as new default version").click()
    assert page.get_by_role("alert").inner_text()
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    editor = page.get_by_label("Policy document (JSON)")
    editor.fill(ALLOW_GET_USER.replace("iam:GetUser", "iam:ListUsers"))
    page.get_by_role("button", name="Save as new default version").click()
    assert f"Version v2 is now the default of {arn}." in page.get_by_role("status").inner_text()
    v = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]
    assert v["IsDefaultVersion"] and "iam:ListUsers" in json.dumps(v["Document"])


def test_policies_page_follows_the_users_permissions(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    name, password = kw.unique("reader"), "Us3r-Console-Pass!"
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=password)
    sign_in_user(page, base, acct.account_id, name, password)
    page.wait_for_url(base + "/console")
    resp = page.goto(base + "/console/iam/policies")
    assert resp.status == 403
    assert "is not authorized to perform: iam:ListPolicies" in page.get_by_role("alert").inner_text()
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    page.goto(base + "/console/iam/policies")
    page.get_by_label("Policy name").fill(kw.unique("nope"))
    page.get_by_label("Policy document (JSON)").fill(ALLOW_GET_USER)
    page.get_by_role("button", name="Create policy").click()
    assert "is not authorized to perform: iam:CreatePolicy" in page.get_by_role("alert").inner_text()
    arn = iam.create_policy(PolicyName=kw.unique("theirs"), PolicyDocument=ALLOW_GET_USER)["Policy"]["Arn"]
    page.goto(base + "/console/iam/policies")
    page.get_by_role("link", name=arn.rsplit("/", 1)[1], exact=True).click()
    page.get_by_label("Policy document (JSON)").fill(ALLOW_GET_USER.replace("GetUser", "ListUsers"))
    page.get_by_role("button", name="Save as new default version").click()
    assert "is not authorized to perform: iam:CreatePolicyVersion" in page.get_by_role("alert").inner_text()
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"


def test_groups_page_creates_and_attaches(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    mine = iam.create_policy(PolicyName=kw.unique("own"), PolicyDocument=ALLOW_GET_USER)["Policy"]
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")
    page.get_by_role("link", name="Groups").click()
    page.wait_for_url(base + "/console/iam/groups")
    br.assert_accessible(page, "IAM groups")
    name = kw.unique("team")
    page.get_by_label("Group name").fill(name)
    page.get_by_label("Attach a managed policy").select_option(label=mine["PolicyName"])
    page.get_by_role("button", name="Create group").click()
    assert f"Group {name} is created." in page.get_by_role("status").inner_text()
    assert page.get_by_role("cell", name=name, exact=True).is_visible()
    attached = iam.list_attached_group_policies(GroupName=name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [mine["Arn"]]
    # A name taken: the API's message, nothing else made.
    page.get_by_label("Group name").fill(name)
    page.get_by_role("button", name="Create group").click()
    assert "already exists" in page.get_by_role("alert").inner_text()

    # An IAM user: ReadOnlyAccess lists groups but may not create them.
    user, password = kw.unique("reader"), "Us3r-Console-Pass!"
    iam.create_user(UserName=user)
    iam.create_login_profile(UserName=user, Password=password)
    page.get_by_role("button", name="Sign out").click()
    sign_in_user(page, base, acct.account_id, user, password)
    page.wait_for_url(base + "/console")
    assert page.goto(base + "/console/iam/groups").status == 403
    iam.attach_user_policy(UserName=user, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    page.goto(base + "/console/iam/groups")
    page.get_by_label("Group name").fill(kw.unique("nope"))
    page.get_by_role("button", name="Create group").click()
    assert "is not authorized to perform: iam:CreateGroup" in page.get_by_role("alert").inner_text()


def test_roles_page_creates_and_attaches(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")
    page.get_by_role("link", name="Roles").click()
    page.wait_for_url(base + "/console/iam/roles")
    br.assert_accessible(page, "IAM roles")
    name = kw.unique("deployer")
    page.get_by_label("Role name").fill(name)
    page.get_by_label("Attach a managed policy").select_option(label="ReadOnlyAccess")
    page.get_by_role("button", name="Create role").click()
    assert f"Role {name} is created." in page.get_by_role("status").inner_text()
    assert page.get_by_role("cell", name=name, exact=True).is_visible()
    role = iam.get_role(RoleName=name)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(trust)
    assert trust["Statement"][0]["Principal"]["AWS"] == f"arn:aws:iam::{acct.account_id}:root"
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["ReadOnlyAccess"]
    # The admin of the account may assume it.
    creds = strict.server.sts(acct.admin).assume_role(RoleArn=role["Arn"], RoleSessionName="console")["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")

    # A malformed trust policy: the API's message, no role.
    bad = kw.unique("bad")
    page.get_by_label("Role name").fill(bad)
    page.get_by_label("Trust policy (JSON)").fill('{"Version": "2012-10-17", "Statement": []}')
    page.get_by_role("button", name="Create role").click()
    assert page.get_by_role("alert").inner_text()
    with pytest.raises(ClientError):
        iam.get_role(RoleName=bad)

    # An IAM user: ReadOnlyAccess lists roles but may not create them.
    user, password = kw.unique("reader"), "Us3r-Console-Pass!"
    iam.create_user(UserName=user)
    iam.create_login_profile(UserName=user, Password=password)
    page.get_by_role("button", name="Sign out").click()
    sign_in_user(page, base, acct.account_id, user, password)
    page.wait_for_url(base + "/console")
    assert page.goto(base + "/console/iam/roles").status == 403
    iam.attach_user_policy(UserName=user, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    page.goto(base + "/console/iam/roles")
    page.get_by_label("Role name").fill(kw.unique("nope"))
    page.get_by_role("button", name="Create role").click()
    assert "is not authorized to perform: iam:CreateRole" in page.get_by_role("alert").inner_text()


def test_policy_simulator_page(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    user = kw.unique("simmed")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"},
                      {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}]}))
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")
    page.get_by_role("link", name="Simulator").click()
    page.wait_for_url(base + "/console/iam/simulator")
    br.assert_accessible(page, "policy simulator")
    page.get_by_label("User").select_option(label=user)
    page.get_by_label("Actions (comma separated)").fill("iam:GetUser, iam:DeleteUser, iam:ListUsers")
    page.get_by_role("button", name="Run simulation").click()
    rows = page.locator("tbody tr").all_inner_texts()
    got = {r.split("\t")[0]: r.split("\t")[-1] for r in rows}
    api = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{acct.account_id}:user/{user}",
        ActionNames=["iam:GetUser", "iam:DeleteUser", "iam:ListUsers"])["EvaluationResults"]
    assert got == {r["EvalActionName"]: r["EvalDecision"] for r in api}
    assert got == {"iam:GetUser": "allowed", "iam:DeleteUser": "explicitDeny", "iam:ListUsers": "implicitDeny"}
    br.assert_accessible(page, "simulation results")

    # An IAM user may list users but not simulate: refused like the API.
    viewer, password = kw.unique("viewer"), "Us3r-Console-Pass!"
    iam.create_user(UserName=viewer)
    iam.create_login_profile(UserName=viewer, Password=password)
    iam.put_user_policy(UserName=viewer, PolicyName="list", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))
    page.get_by_role("button", name="Sign out").click()
    sign_in_user(page, base, acct.account_id, viewer, password)
    page.wait_for_url(base + "/console")
    page.goto(base + "/console/iam/simulator")
    page.get_by_label("User").select_option(label=user)
    page.get_by_label("Actions (comma separated)").fill("iam:GetUser")
    page.get_by_role("button", name="Run simulation").click()
    assert "is not authorized to perform: iam:SimulatePrincipalPolicy" in page.get_by_role("alert").inner_text()
