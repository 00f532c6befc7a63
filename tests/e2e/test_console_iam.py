"""The web console's account closing and IAM pages in a real browser
(Playwright driving Debian's Chromium), each page checked with axe-core."""

from __future__ import annotations

import json
import time

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
    page.get_by_label("User, group or role").select_option(label=user)
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
    page.get_by_label("User, group or role").select_option(label=user)
    page.get_by_label("Actions (comma separated)").fill("iam:GetUser")
    page.get_by_role("button", name="Run simulation").click()
    assert "is not authorized to perform: iam:SimulatePrincipalPolicy" in page.get_by_role("alert").inner_text()


# ---------------------------------------------------------------------------
# Users, groups and roles: create in one flow, detail pages, deletion
# ---------------------------------------------------------------------------

CONSOLE_PASSWORD = "Us3r-Console-Pass!"
NEW_PASSWORD = "N3w-Us3r-Passw0rd!"
CHANGE_PASSWORD = "arn:aws:iam::aws:policy/IAMUserChangePassword"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def submit(page, button: str) -> None:
    """Clicks a form's button and waits for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _root_console(strict, acct, page) -> None:
    sign_in_root(page, strict.endpoint, acct.email, acct.password)
    page.wait_for_url(strict.endpoint + "/console")


def _attached(iam, kind: str, name: str) -> set[str]:
    call = getattr(iam, f"list_attached_{kind}_policies")
    return {p["PolicyArn"] for p in call(**{f"{kind.capitalize()}Name": name})["AttachedPolicies"]}


def _enable_virtual_mfa(iam, user: str) -> str:
    d = iam.create_virtual_mfa_device(VirtualMFADeviceName=kw.unique("mfa"))["VirtualMFADevice"]
    seed = d["Base32StringSeed"].decode()
    now = br.steady_now()
    iam.enable_mfa_device(UserName=user, SerialNumber=d["SerialNumber"],
                          AuthenticationCode1=br.totp(seed, now - 30), AuthenticationCode2=br.totp(seed, now))
    return d["SerialNumber"]


def test_create_user_in_one_flow(strict, fresh_account, page):
    """Name, console password that must be changed, access key, two groups,
    an AWS managed and a customer managed policy: one form, and boto3 sees
    each part (the key works)."""
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    groups = [kw.unique("devs"), kw.unique("ops")]
    for g in groups:
        iam.create_group(GroupName=g)
    mine = iam.create_policy(PolicyName=kw.unique("own"), PolicyDocument=ALLOW_GET_USER)["Policy"]
    _root_console(strict, acct, page)
    page.get_by_role("link", name="Users").click()
    page.wait_for_url(base + "/console/iam/users")
    br.assert_accessible(page, "IAM users with the create form")

    name = kw.unique("alice")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Console password (optional)").fill(CONSOLE_PASSWORD)
    page.get_by_label("User must create a new password at next sign-in").check()
    page.get_by_label("Create an access key").check()
    for g in groups:
        page.get_by_label(g, exact=True).check()
    page.get_by_label("ReadOnlyAccess", exact=True).check()
    page.get_by_label(mine["PolicyName"], exact=True).check()
    submit(page, "Create user")
    page.wait_for_url(f"{base}/console/iam/users/{name}/new-key")
    assert f"User {name} is created." in page.get_by_role("status").inner_text()
    br.assert_accessible(page, "new user's access key")
    key_id = page.locator("#access-key-id").inner_text().strip()
    secret = page.locator("#secret-access-key").inner_text().strip()
    assert key_id.startswith("AKIA") and len(secret) == 40
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download .csv file").click()
    assert dl.value.suggested_filename == f"{name}_accessKeys.csv"
    content = open(dl.value.path(), newline="").read()
    assert content == f"Access key ID,Secret access key\r\n{key_id},{secret}\r\n"

    # What boto3 sees: the key works, the groups, the policies (with
    # IAMUserChangePassword for the required reset), the login profile.
    ident = strict.server.sts(kw.Creds(key_id, secret)).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::{acct.account_id}:user/{name}"
    assert {g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]} == set(groups)
    assert _attached(iam, "user", name) == {READ_ONLY, mine["Arn"], CHANGE_PASSWORD}
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is True

    # Done: the secret is gone, the user's page follows.
    submit(page, "Done")
    page.wait_for_url(f"{base}/console/iam/users/{name}")
    page.goto(f"{base}/console/iam/users/{name}/new-key/download")
    assert secret not in page.content()


def test_create_user_failure_leaves_nothing(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    doomed = kw.unique("doomed")
    iam.create_group(GroupName=doomed)
    _root_console(strict, acct, page)
    page.goto(base + "/console/iam/users")

    # A password the account's rules refuse: nothing is written.
    name = kw.unique("weak")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Console password (optional)").fill("short")
    submit(page, "Create user")
    assert "Password" in page.get_by_role("alert").inner_text()
    with pytest.raises(ClientError) as ei:
        iam.get_user(UserName=name)
    assert kw.err(ei.value)[0] == "NoSuchEntity"

    # A part refused (the group went away while the form was open): no user,
    # no password, no policy, no key.
    name = kw.unique("halfway")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Console password (optional)").fill(CONSOLE_PASSWORD)
    page.get_by_label("Create an access key").check()
    page.get_by_label(doomed, exact=True).check()
    page.get_by_label("ReadOnlyAccess", exact=True).check()
    iam.delete_group(GroupName=doomed)
    submit(page, "Create user")
    assert "cannot be found" in page.get_by_role("alert").inner_text()
    # The form comes back as sent, but for the password.
    assert page.get_by_label("User name").input_value() == name
    assert page.get_by_label("ReadOnlyAccess", exact=True).is_checked()
    assert page.get_by_label("Create an access key").is_checked()
    assert page.get_by_label("Console password (optional)").input_value() == ""
    with pytest.raises(ClientError) as ei:
        iam.get_user(UserName=name)
    assert kw.err(ei.value)[0] == "NoSuchEntity"
    assert name not in [u["UserName"] for u in iam.list_users()["Users"]]

    # An IAM user allowed to create users but not to attach policies:
    # refused before anything is written, as the API would refuse.
    creator = kw.unique("creator")
    iam.create_user(UserName=creator)
    iam.create_login_profile(UserName=creator, Password=CONSOLE_PASSWORD)
    iam.put_user_policy(UserName=creator, PolicyName="create", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "iam:ListUsers", "iam:ListGroups", "iam:ListPolicies", "iam:CreateUser", "iam:CreateLoginProfile"]}]}))
    submit(page, "Sign out")
    sign_in_user(page, base, acct.account_id, creator, CONSOLE_PASSWORD)
    page.wait_for_url(base + "/console")
    page.goto(base + "/console/iam/users")
    name = kw.unique("notyet")
    page.get_by_label("User name").fill(name)
    page.get_by_label("ReadOnlyAccess", exact=True).check()
    submit(page, "Create user")
    alert = page.get_by_role("alert").inner_text()
    assert f"user/{creator} is not authorized to perform: iam:AttachUserPolicy on resource: " \
           f"arn:aws:iam::{acct.account_id}:user/{name}" in alert
    with pytest.raises(ClientError):
        iam.get_user(UserName=name)


def test_user_detail_page(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    name, group, other = kw.unique("bob"), kw.unique("team"), kw.unique("other")
    iam.create_user(UserName=name)
    iam.create_group(GroupName=group)
    iam.create_group(GroupName=other)
    iam.add_user_to_group(GroupName=group, UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY)
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=ALLOW_GET_USER)
    iam.create_login_profile(UserName=name, Password=CONSOLE_PASSWORD)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    key_id, creds = k["AccessKeyId"], kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    strict.server.sts(creds).get_caller_identity()
    serial = _enable_virtual_mfa(iam, name)

    _root_console(strict, acct, page)
    page.goto(base + "/console/iam/users")
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(f"{base}/console/iam/users/{name}")
    page.get_by_role("heading", name=f"User {name}").wait_for()
    br.assert_accessible(page, "user detail")
    br.screenshot(page, "iam-user", mask=[page.locator("code")])
    # Every change carries the session's CSRF token: without it, nothing.
    resp = page.request.post(f"{base}/console/iam/users/{name}/delete", form={"confirm": name})
    assert resp.status == 403
    resp = page.request.post(f"{base}/console/iam/users/{name}/policies/detach", form={"policy": READ_ONLY})
    assert resp.status == 403
    assert iam.get_user(UserName=name)["User"]["UserName"] == name
    assert _attached(iam, "user", name) == {READ_ONLY}
    row = page.get_by_role("row").filter(has_text=key_id)
    assert "Active" in row.inner_text() and "Never" not in row.inner_text()

    # Groups: remove, add.
    submit(page, f"Remove from {group}")
    assert f"User {name} is removed from group {group}." in page.get_by_role("status").inner_text()
    assert iam.list_groups_for_user(UserName=name)["Groups"] == []
    page.get_by_label(f"Group to add {name} to").select_option(label=other)
    submit(page, "Add to group")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]] == [other]

    # Policies: detach, attach.
    submit(page, "Detach ReadOnlyAccess")
    assert "is detached from" in page.get_by_role("status").inner_text()
    assert _attached(iam, "user", name) == set()
    page.get_by_label("Managed policy to attach").select_option(label="IAMUserChangePassword")
    submit(page, "Attach policy")
    assert _attached(iam, "user", name) == {CHANGE_PASSWORD}

    # Access key: inactive (refused by the API), active, deleted after typing its ID.
    submit(page, f"Make {key_id} inactive")
    assert f"Access key {key_id} is now inactive." in page.get_by_role("status").inner_text()
    assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    with pytest.raises(ClientError) as ei:
        strict.server.sts(creds).get_caller_identity()
    assert kw.err(ei.value)[0] == "InvalidClientTokenId"
    submit(page, f"Make {key_id} active")
    assert strict.server.sts(creds).get_caller_identity()["Account"] == acct.account_id
    page.get_by_label(f"Type {key_id} to confirm").fill("nope")
    submit(page, f"Delete {key_id}")
    assert "type its ID" in page.get_by_role("alert").inner_text()
    assert len(iam.list_access_keys(UserName=name)["AccessKeyMetadata"]) == 1
    page.get_by_label(f"Type {key_id} to confirm").fill(key_id)
    submit(page, f"Delete {key_id}")
    assert f"Access key {key_id} is deleted." in page.get_by_role("status").inner_text()
    assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"] == []

    # Console password: set with a required reset, then removed.
    page.get_by_label("New console password").fill(NEW_PASSWORD)
    page.get_by_label("User must create a new password at next sign-in").check()
    submit(page, "Set console password")
    assert f"The console password of {name} is set." in page.get_by_role("status").inner_text()
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is True
    assert "A new password must be set at the next sign-in." in page.content()
    submit(page, "Remove console password")
    with pytest.raises(ClientError) as ei:
        iam.get_login_profile(UserName=name)
    assert kw.err(ei.value)[0] == "NoSuchEntity"
    page.get_by_label("New console password").fill(CONSOLE_PASSWORD)
    submit(page, "Set console password")
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False

    # Delete: the typed name is checked; then keys, password, MFA, inline and
    # attached policies and groups go first, and the user is gone.
    iam.create_access_key(UserName=name)
    page.goto(f"{base}/console/iam/users/{name}")
    page.get_by_label(f"Type the user name {name} to confirm").fill("someone-else")
    submit(page, "Delete user")
    assert "type its name" in page.get_by_role("alert").inner_text()
    assert iam.get_user(UserName=name)["User"]["UserName"] == name
    page.get_by_label(f"Type the user name {name} to confirm").fill(name)
    submit(page, "Delete user")
    page.wait_for_url(base + "/console/iam/users")
    assert f"User {name} is deleted." in page.get_by_role("status").inner_text()
    with pytest.raises(ClientError) as ei:
        iam.get_user(UserName=name)
    assert kw.err(ei.value)[0] == "NoSuchEntity"
    assert serial not in [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
    assert iam.get_group(GroupName=other)["Users"] == []


def test_user_detail_follows_the_users_permissions(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    target = kw.unique("target")
    iam.create_user(UserName=target)
    iam.attach_user_policy(UserName=target, PolicyArn=READ_ONLY)
    reader = kw.unique("reader")
    iam.create_user(UserName=reader)
    iam.create_login_profile(UserName=reader, Password=CONSOLE_PASSWORD)
    sign_in_user(page, base, acct.account_id, reader, CONSOLE_PASSWORD)
    page.wait_for_url(base + "/console")
    resp = page.goto(f"{base}/console/iam/users/{target}")
    assert resp.status == 403
    assert f"is not authorized to perform: iam:GetUser on resource: arn:aws:iam::{acct.account_id}:user/{target}" \
        in page.get_by_role("alert").inner_text()

    iam.attach_user_policy(UserName=reader, PolicyArn=READ_ONLY)
    page.goto(f"{base}/console/iam/users/{target}")
    submit(page, "Detach ReadOnlyAccess")
    assert "is not authorized to perform: iam:DetachUserPolicy" in page.get_by_role("alert").inner_text()
    page.get_by_label(f"Type the user name {target} to confirm").fill(target)
    submit(page, "Delete user")
    assert "is not authorized to perform: iam:DetachUserPolicy" in page.get_by_role("alert").inner_text()
    assert _attached(iam, "user", target) == {READ_ONLY}
    assert iam.get_user(UserName=target)["User"]["UserName"] == target


def _attach_and_detach(page, iam, kind: str, name: str, other: str) -> None:
    """On an entity's page: attach ReadOnlyAccess, then `other`, detach `other`."""
    page.get_by_label("Managed policy to attach").select_option(label="ReadOnlyAccess")
    submit(page, "Attach policy")
    assert _attached(iam, kind, name) == {READ_ONLY}
    page.get_by_label("Managed policy to attach").select_option(label=other)
    submit(page, "Attach policy")
    assert _attached(iam, kind, name) == {READ_ONLY, f"arn:aws:iam::aws:policy/{other}"}
    submit(page, f"Detach {other}")
    assert _attached(iam, kind, name) == {READ_ONLY}


def _delete_on_its_page(page, iam, base: str, kind: str, name: str) -> None:
    """Deletes the entity from its page after typing its name; boto3 no longer finds it."""
    page.get_by_label(f"Type the {kind} name {name} to confirm").fill(name)
    submit(page, f"Delete {kind}")
    page.wait_for_url(f"{base}/console/iam/{kind}s")
    assert f"{kind.capitalize()} {name} is deleted." in page.get_by_role("status").inner_text()
    with pytest.raises(ClientError) as ei:
        getattr(iam, f"get_{kind}")(**{f"{kind.capitalize()}Name": name})
    assert kw.err(ei.value)[0] == "NoSuchEntity"


def test_group_detail_page(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    group, alice, bob = kw.unique("crew"), kw.unique("alice"), kw.unique("bob")
    iam.create_group(GroupName=group)
    for u in (alice, bob):
        iam.create_user(UserName=u)
    iam.add_user_to_group(GroupName=group, UserName=alice)
    iam.put_group_policy(GroupName=group, PolicyName="inline", PolicyDocument=ALLOW_GET_USER)
    _root_console(strict, acct, page)
    page.goto(base + "/console/iam/groups")
    page.get_by_role("link", name=group, exact=True).click()
    page.wait_for_url(f"{base}/console/iam/groups/{group}")
    br.assert_accessible(page, "group detail")
    br.screenshot(page, "iam-group")

    page.get_by_label("User to add").select_option(label=bob)
    submit(page, "Add user")
    assert f"User {bob} is added to group {group}." in page.get_by_role("status").inner_text()
    assert {u["UserName"] for u in iam.get_group(GroupName=group)["Users"]} == {alice, bob}
    submit(page, f"Remove {alice}")
    assert [u["UserName"] for u in iam.get_group(GroupName=group)["Users"]] == [bob]

    _attach_and_detach(page, iam, "group", group, "IAMUserChangePassword")
    # Delete with a member, an inline and a managed policy: all go first.
    _delete_on_its_page(page, iam, base, "group", group)
    assert iam.list_groups_for_user(UserName=bob)["Groups"] == []


def test_role_detail_page(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    role = kw.unique("runner")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                      "Principal": {"AWS": f"arn:aws:iam::{acct.account_id}:root"}}]}
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=ALLOW_GET_USER)
    profile = kw.unique("profile")
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    _root_console(strict, acct, page)
    page.goto(base + "/console/iam/roles")
    page.get_by_role("link", name=role, exact=True).click()
    page.wait_for_url(f"{base}/console/iam/roles/{role}")
    br.assert_accessible(page, "role detail")
    assert json.loads(page.locator("#trust-policy").inner_text()) == trust

    _attach_and_detach(page, iam, "role", role, "AdministratorAccess")
    _delete_on_its_page(page, iam, base, "role", role)
    assert iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"] == []


def test_policy_simulator_for_groups_and_roles(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListRoles"], "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}]})
    group, role = kw.unique("simgroup"), kw.unique("simrole")
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="p", PolicyDocument=doc)
    iam.attach_group_policy(GroupName=group, PolicyArn=CHANGE_PASSWORD)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": f"arn:aws:iam::{acct.account_id}:root"}}]}))
    iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=doc)
    iam.attach_role_policy(RoleName=role, PolicyArn=READ_ONLY)
    _root_console(strict, acct, page)
    actions = ["iam:GetUser", "iam:DeleteUser", "iam:ListRoles", "iam:ChangePassword", "iam:CreateUser",
               "iam:ListGroups"]
    resource = f"arn:aws:iam::{acct.account_id}:user/someone"
    for kind, name in (("group", group), ("role", role)):
        page.goto(base + "/console/iam/simulator")
        page.get_by_label("User, group or role").select_option(label=name)
        page.get_by_label("Actions (comma separated)").fill(", ".join(actions))
        page.get_by_label("Resource ARN (empty: *)").fill(resource)
        submit(page, "Run simulation")
        rows = page.locator("tbody tr").all_inner_texts()
        got = {r.split("\t")[0]: r.split("\t")[-1] for r in rows}
        api = iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{acct.account_id}:{kind}/{name}",
                                            ActionNames=actions, ResourceArns=[resource])["EvaluationResults"]
        assert got == {r["EvalActionName"]: r["EvalDecision"] for r in api}, kind
        assert got["iam:DeleteUser"] == "explicitDeny" and got["iam:CreateUser"] == "implicitDeny"
        assert got["iam:GetUser"] == "allowed"
    assert got["iam:ListGroups"] == "allowed", "the role's ReadOnlyAccess"
    br.assert_accessible(page, "simulation of a role")


def test_forced_password_change_at_next_sign_in(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    _root_console(strict, acct, page)
    page.goto(base + "/console/iam/users")
    name = kw.unique("newbie")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Console password (optional)").fill(CONSOLE_PASSWORD)
    page.get_by_label("User must create a new password at next sign-in").check()
    submit(page, "Create user")
    assert f"User {name} is created." in page.get_by_role("status").inner_text()
    submit(page, "Sign out")
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireNumbers=True)

    sign_in_user(page, base, acct.account_id, name, CONSOLE_PASSWORD)
    page.wait_for_url(base + "/signin/password")
    br.assert_accessible(page, "forced password change")
    br.screenshot(page, "forced-password-change")
    assert page.get_by_role("navigation", name="Main").count() == 0
    # No other page before the change.
    for path in ("/console", "/console/iam/users", "/console/security-credentials"):
        page.goto(base + path)
        assert page.url == base + "/signin/password", path

    def change(old: str, new: str, again: str | None = None) -> None:
        page.get_by_label("Old password").fill(old)
        page.get_by_label("New password", exact=True).fill(new)
        page.get_by_label("Retype new password").fill(again or new)
        submit(page, "Confirm password change")

    change(CONSOLE_PASSWORD, NEW_PASSWORD, "Something-else-1")
    assert page.get_by_role("alert").inner_text() == "The new passwords do not match."
    change(CONSOLE_PASSWORD, "Sh0rt-Pass!")  # under the account's 14 characters
    assert "password policy" in page.get_by_role("alert").inner_text().lower()
    change("Wrong-Passw0rd!", NEW_PASSWORD)
    assert page.get_by_role("alert").inner_text() == "The old password is incorrect."
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is True

    change(CONSOLE_PASSWORD, NEW_PASSWORD)
    page.wait_for_url(base + "/console")
    assert "Your password has been changed." in page.get_by_role("status").inner_text()
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False
    submit(page, "Sign out")
    sign_in_user(page, base, acct.account_id, name, NEW_PASSWORD)
    page.wait_for_url(base + "/console")


def test_forced_password_change_after_the_mfa_step(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    iam = strict.server.iam(acct.admin)
    name = kw.unique("mfauser")
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=CONSOLE_PASSWORD, PasswordResetRequired=True)
    iam.attach_user_policy(UserName=name, PolicyArn=CHANGE_PASSWORD)
    d = iam.create_virtual_mfa_device(VirtualMFADeviceName=kw.unique("mfa"))["VirtualMFADevice"]
    seed = d["Base32StringSeed"].decode()
    now = br.steady_now()
    iam.enable_mfa_device(UserName=name, SerialNumber=d["SerialNumber"],
                          AuthenticationCode1=br.totp(seed, now - 30), AuthenticationCode2=br.totp(seed, now))

    sign_in_user(page, base, acct.account_id, name, CONSOLE_PASSWORD)
    page.wait_for_url(base + "/signin/mfa")
    time.sleep(30 - time.time() % 30 + 0.5)  # the enable used this step's code
    page.get_by_label("MFA code").fill(br.totp(seed, br.steady_now()))
    submit(page, "Submit")
    page.wait_for_url(base + "/signin/password")
    page.get_by_label("Old password").fill(CONSOLE_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Retype new password").fill(NEW_PASSWORD)
    submit(page, "Confirm password change")
    page.wait_for_url(base + "/console")
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False
