"""The web console in a real browser (Playwright driving Debian's Chromium):
root and IAM-user sign-in, virtual MFA with codes computed here, access keys
(created, downloaded, made inactive and refused by the API, deleted), the
root password reset through the mail outbox, root-only settings refused to
IAM users, security keys (and the IAM API listing them as MFA devices), and
an axe-core accessibility check of every main page."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import time
import urllib.parse
import urllib.request
import http.cookiejar

import pytest
from botocore.exceptions import ClientError

import browser as br
import kw

SIGN_IN_FAILED = "Your authentication information is incorrect. Please try again."
NEW_PASSWORD = "N3w-Root-Passw0rd!"


def sign_in_root(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/signin")
    page.get_by_label("Root user email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_user(page, base: str, account: str, user: str, password: str) -> None:
    page.goto(base + "/signin/iam")
    page.get_by_label("Account ID (12 digits) or account alias").fill(account)
    page.get_by_label("IAM user name").fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def open_credentials(page, base: str) -> None:
    """The security credentials page, through root's warning when shown."""
    page.goto(base + "/console/security-credentials")
    cont = page.get_by_role("link", name="Continue to Security credentials")
    if cont.count():
        cont.click()
    page.get_by_role("heading", name="Access keys").wait_for()


def sign_in_events(data_dir, account_id: str) -> list[dict]:
    db = sqlite3.connect(str(data_dir / "keyward.db"))
    try:
        rows = db.execute(
            "SELECT actor, detail FROM audit_events WHERE account_id = ? AND action = 'signin:ConsoleLogin' ORDER BY seq",
            (account_id,),
        ).fetchall()
    finally:
        db.close()
    return [{"actor": a, **json.loads(d)} for a, d in rows]


# ---------------------------------------------------------------------------


def test_root_sign_in_dashboard_and_sign_out(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    page.goto(base + "/console")
    assert page.url.endswith("/signin"), "signed-out visitors go to the sign-in page"
    br.assert_accessible(page, "root sign-in")
    br.screenshot(page, "signin-root")

    # A wrong password and an unknown email read the same.
    sign_in_root(page, base, acct.email, "Wrong-Passw0rd!")
    assert page.get_by_role("alert").inner_text() == SIGN_IN_FAILED
    sign_in_root(page, base, kw.unique("nobody") + "@example.com", "Wrong-Passw0rd!")
    assert page.get_by_role("alert").inner_text() == SIGN_IN_FAILED

    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert acct.account_id in page.content()
    recs = page.locator(".recs li")
    text = recs.all_inner_texts()
    assert any("Action needed: Add MFA for the root user" in t for t in text), text
    assert any("Done: Remove root user access keys" in t for t in text), text
    assert any("Action needed: Set a strong password policy" in t for t in text), text
    br.assert_accessible(page, "dashboard")
    br.screenshot(page, "dashboard")

    # The session cookie is HttpOnly and SameSite=Strict.
    cookie = next(c for c in page.context.cookies() if c["name"].endswith("kw_console"))
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    sign_out(page)
    page.wait_for_url(base + "/signin")
    page.goto(base + "/console")
    assert page.url.endswith("/signin")

    events = sign_in_events(strict.data_dir, acct.account_id)
    root_arn = f"arn:aws:iam::{acct.account_id}:root"
    assert [(e["actor"], e["ConsoleLogin"], e["MFAUsed"]) for e in events] == [
        (root_arn, "Failure", "No"), (root_arn, "Success", "No")], events


def test_security_headers_and_csrf(strict):
    base = strict.endpoint
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/signin") as r:
        h = r.headers
        assert "default-src 'none'" in h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert h["X-Frame-Options"] == "DENY"
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "no-referrer"
    data = urllib.parse.urlencode({"email": "x@example.com", "password": "x", "csrf": "forged"}).encode()
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(base + "/signin", data=data)
    assert e.value.code == 403


def test_growing_delays_after_failed_sign_ins(start_server, tmp_path, page):
    """Per name typed: after 3 failures the 4th attempt must wait, whether the
    account exists or not; another name from the same address still works."""
    data = tmp_path / "data"
    acct = kw.create_account(data, admin_user=None)
    server = start_server("strict", data_dir=data)
    for email in (acct.email, kw.unique("ghost") + "@example.com"):
        for _ in range(3):
            sign_in_root(page, server.endpoint, email, "Wrong-Passw0rd!")
            assert page.get_by_role("alert").inner_text() == SIGN_IN_FAILED
        sign_in_root(page, server.endpoint, email, acct.password if email == acct.email else "x")
        assert "Too many failed sign-in attempts" in page.get_by_role("alert").inner_text()
    other = kw.create_account(data, admin_user=None)
    sign_in_root(page, server.endpoint, other.email, other.password)
    page.wait_for_url(server.endpoint + "/console")


def test_virtual_mfa_then_sign_in_with_mfa(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")

    page.goto(base + "/console/security-credentials")
    assert "don't use the root user credentials for everyday tasks" in page.content()
    assert page.get_by_role("link", name="Create an IAM user instead").is_visible()
    br.assert_accessible(page, "root warning")
    br.screenshot(page, "root-warning")
    page.get_by_role("link", name="Continue to Security credentials").click()
    br.assert_accessible(page, "security credentials")

    page.get_by_label("Device name").fill("root-phone")
    page.get_by_role("button", name="Assign virtual MFA device").click()
    seed = page.locator("#seed").inner_text().strip()
    assert len(seed) == 64
    qr = page.get_by_role("img", name="QR code of the virtual MFA device's secret")
    assert qr.get_attribute("src").startswith("data:image/png;base64,iVBOR")
    br.assert_accessible(page, "assign MFA")
    br.screenshot(page, "mfa-assign", mask=[page.locator("#seed"), qr])

    # Two codes that are not consecutive are refused.
    now = br.steady_now()
    page.get_by_label("MFA code 1").fill(br.totp(seed, now))
    page.get_by_label("MFA code 2").fill(br.totp(seed, now))
    page.get_by_role("button", name="Add MFA").click()
    assert "not valid" in page.get_by_role("alert").inner_text()
    now = br.steady_now()
    page.get_by_label("MFA code 1").fill(br.totp(seed, now - 30))
    page.get_by_label("MFA code 2").fill(br.totp(seed, now))
    page.get_by_role("button", name="Add MFA").click()
    assert "virtual MFA device is assigned" in page.get_by_role("status").inner_text()
    assert page.get_by_role("cell", name="root-phone", exact=True).is_visible()

    sign_out(page)
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/signin/mfa")
    br.assert_accessible(page, "MFA sign-in")
    br.screenshot(page, "signin-mfa")
    now = br.steady_now()
    page.get_by_label("MFA code").fill("000000" if br.totp(seed, now + 30) != "000000" else "111111")
    page.get_by_role("button", name="Submit").click()
    assert "MFA code is not valid" in page.get_by_role("alert").inner_text()
    # The codes of steps already used are spent: the next step's code works.
    page.get_by_label("MFA code").fill(br.totp(seed, br.steady_now() + 30))
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(base + "/console")
    text = page.locator(".recs li").all_inner_texts()
    assert any("Done: Add MFA for the root user" in t for t in text), text

    events = sign_in_events(strict.data_dir, acct.account_id)
    assert [(e["ConsoleLogin"], e["MFAUsed"]) for e in events] == [
        ("Success", "No"), ("Failure", "Yes"), ("Success", "Yes")], events

    # Removing the device: the next sign-in asks for no code.
    open_credentials(page, base)
    page.get_by_role("button", name="Remove MFA device root-phone").click()
    assert "MFA device is removed" in page.get_by_role("status").inner_text()
    sign_out(page)
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")


def test_root_access_key_download_inactive_delete(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    sign_in_root(page, base, acct.email, acct.password)
    open_credentials(page, base)
    assert "Root user access keys give unrestricted access" in page.content()

    # Root must acknowledge the warning.
    page.get_by_label("I understand that creating a root access key is not a best practice").check()
    page.get_by_role("button", name="Create access key").click()
    page.wait_for_url("**/keys/created")
    key_id = page.locator("#access-key-id").inner_text().strip()
    secret = page.locator("#secret-access-key").inner_text().strip()
    assert key_id.startswith("AKIA") and len(secret) == 40
    br.assert_accessible(page, "access key created")
    br.screenshot(page, "access-key-created", mask=[page.locator("#secret-access-key"), page.locator("#access-key-id")])

    with page.expect_download() as dl:
        page.get_by_role("link", name="Download .csv file").click()
    download = dl.value
    assert download.suggested_filename == "rootkey.csv"
    content = open(download.path(), newline="").read()
    assert content == f"Access key ID,Secret access key\r\n{key_id},{secret}\r\n"
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows == [{"Access key ID": key_id, "Secret access key": secret}]

    creds = kw.Creds(key_id, secret)
    ident = strict.server.sts(creds).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::{acct.account_id}:root"

    page.get_by_role("button", name="Done").click()
    page.wait_for_url(base + "/console/security-credentials")
    # Shown once: the secret is gone from the session.
    page.goto(base + "/console/security-credentials/keys/download")
    assert secret not in page.content()
    open_credentials(page, base)
    row = page.get_by_role("row").filter(has_text=key_id)
    assert "Active" in row.inner_text()
    assert "Never" not in row.inner_text(), "the API call above is the key's last use"
    br.screenshot(page, "security-credentials", mask=[page.locator("code")])

    row.get_by_role("button", name=f"Make {key_id} inactive").click()
    assert f"Access key {key_id} is now inactive." in page.get_by_role("status").inner_text()
    with pytest.raises(ClientError) as e:
        strict.server.sts(creds).get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"

    page.get_by_role("button", name=f"Make {key_id} active").click()
    assert strict.server.sts(creds).get_caller_identity()["Account"] == acct.account_id
    page.get_by_role("button", name=f"Make {key_id} inactive").click()

    page.get_by_role("link", name=f"Delete {key_id}").click()
    br.assert_accessible(page, "delete access key")
    page.get_by_label("To confirm deletion, enter the access key ID").fill("not-the-id")
    page.get_by_role("button", name="Delete").click()
    assert "does not match" in page.get_by_role("alert").inner_text()
    page.get_by_label("To confirm deletion, enter the access key ID").fill(key_id)
    page.get_by_role("button", name="Delete").click()
    assert f"Access key {key_id} is deleted." in page.get_by_role("status").inner_text()
    assert page.get_by_role("row").filter(has_text=key_id).count() == 0
    with pytest.raises(ClientError) as e:
        strict.server.sts(creds).get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_root_password_change_needs_the_current_password(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    sign_in_root(page, base, acct.email, acct.password)
    open_credentials(page, base)
    page.get_by_label("Current password").fill("Not-The-Passw0rd")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    assert "current password is incorrect" in page.get_by_role("alert").inner_text()
    page.get_by_label("Current password").fill(acct.password)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    assert "password has been changed" in page.get_by_role("status").inner_text()
    sign_out(page)
    sign_in_root(page, base, acct.email, acct.password)
    assert page.get_by_role("alert").inner_text() == SIGN_IN_FAILED
    sign_in_root(page, base, acct.email, NEW_PASSWORD)
    page.wait_for_url(base + "/console")


def test_root_password_reset_through_the_outbox(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    page.goto(base + "/signin")
    page.get_by_role("link", name="Forgot password?").click()
    br.assert_accessible(page, "reset request")
    page.get_by_label("Root user email address").fill(acct.email)
    page.get_by_role("button", name="Send reset link").click()
    assert "we sent it a link" in page.content()

    link = br.outbox_link(strict.data_dir / "outbox", acct.email)
    assert link.startswith(base + "/signin/reset/confirm?token=")
    page.goto(link)
    br.assert_accessible(page, "reset confirm")
    br.screenshot(page, "password-reset")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Reset password").click()
    page.wait_for_url(base + "/signin")
    assert "password has been reset" in page.get_by_role("status").inner_text()

    sign_in_root(page, base, acct.email, NEW_PASSWORD)
    page.wait_for_url(base + "/console")
    sign_out(page)

    # The link works once.
    page.goto(link)
    assert "invalid or has expired" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("New password", exact=True).count() == 0


def test_reset_request_does_not_reveal_accounts(strict, page):
    page.goto(strict.endpoint + "/signin/reset")
    page.get_by_label("Root user email address").fill(kw.unique("nobody") + "@example.com")
    page.get_by_role("button", name="Send reset link").click()
    assert "we sent it a link" in page.content()


def test_iam_user_signs_in_and_is_refused_root_only_settings(strict, admin_iam, page):
    base = strict.endpoint
    name = kw.unique("console")
    password = "Us3r-Console-Pass!"
    admin_iam.create_user(UserName=name)
    admin_iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    admin_iam.create_login_profile(UserName=name, Password=password)

    page.goto(base + "/signin/iam")
    br.assert_accessible(page, "IAM user sign-in")
    br.screenshot(page, "signin-iam")
    sign_in_user(page, base, strict.account_id, name, "Wrong-Passw0rd!")
    assert page.get_by_role("alert").inner_text() == SIGN_IN_FAILED
    sign_in_user(page, base, strict.account_id, kw.unique("nouser"), "Wrong-Passw0rd!")
    assert page.get_by_role("alert").inner_text() == SIGN_IN_FAILED
    sign_in_user(page, base, strict.account_id, name, password)
    page.wait_for_url(base + "/console")
    assert f"{name} @ {strict.account_id}" in page.locator("header").inner_text()
    assert page.get_by_role("link", name="Account").count() == 0

    # Root-only, whatever the user's policies (AdministratorAccess here).
    resp = page.goto(base + "/console/account")
    assert resp.status == 403
    alert = page.get_by_role("alert").inner_text()
    assert f"User: arn:aws:iam::{strict.account_id}:user/{name} is not authorized" in alert
    assert "requires the root user's credentials" in alert
    br.assert_accessible(page, "access denied")

    # An IAM user's own credentials: no root warning; its key file is named for it.
    page.goto(base + "/console/security-credentials")
    assert "accessing the security credentials page for the root user" not in page.content()
    page.get_by_role("button", name="Create access key").click()
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download .csv file").click()
    assert dl.value.suggested_filename == f"{name}_accessKeys.csv"
    keys = admin_iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert len(keys) == 1

    events = sign_in_events(strict.data_dir, strict.account_id)
    mine = [e for e in events if e["actor"].endswith(f":user/{name}")]
    assert [(e["ConsoleLogin"], e["MFAUsed"]) for e in mine] == [("Failure", "No"), ("Success", "No")]
    assert any(e["actor"].endswith(":user/HIDDEN_DUE_TO_SECURITY_REASONS") for e in events)


def test_root_account_settings_alias(strict, fresh_account, page):
    base = strict.endpoint
    acct = fresh_account
    sign_in_root(page, base, acct.email, acct.password)
    page.get_by_role("link", name="Account").click()
    assert acct.email in page.content()
    br.assert_accessible(page, "account settings")
    br.screenshot(page, "account-settings")
    page.get_by_label("Account name", exact=True).fill("Payments production")
    page.get_by_label("Contact email address").fill("ops@example.com")
    page.get_by_role("button", name="Save contact information").click()
    assert "account name and contact email are saved" in page.get_by_role("status").inner_text()
    page.reload()
    assert page.get_by_label("Account name", exact=True).input_value() == "Payments production"
    assert page.get_by_label("Contact email address").input_value() == "ops@example.com"
    alias = kw.unique("alias").lower().replace("_", "-")[:40]
    page.get_by_role("textbox", name="Account alias").fill(alias)
    page.get_by_role("button", name="Save alias").click()
    assert f"The account alias is now {alias}." in page.get_by_role("status").inner_text()
    # IAM users can sign in with the alias.
    iam = strict.server.iam(kw.Creds(*_root_key(strict, acct)))
    assert iam.list_account_aliases()["AccountAliases"] == [alias]


def _root_key(strict, acct) -> tuple[str, str]:
    p = kw.root_create_access_key(strict.data_dir, acct.email, acct.password)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    return out["AccessKeyId"], out["SecretAccessKey"]


def test_root_creates_an_iam_user_instead(strict, fresh_account, admin_iam, page):
    """Root's warning leads to the users page; the user made there signs in."""
    base = strict.endpoint
    acct = fresh_account
    sign_in_root(page, base, acct.email, acct.password)
    page.goto(base + "/console/security-credentials")
    page.get_by_role("link", name="Create an IAM user instead").click()
    page.wait_for_url(base + "/console/iam/users")
    name = kw.unique("daily")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Console password (optional)").fill("Da1ly-User-Pass!")
    page.get_by_label("ReadOnlyAccess", exact=True).check()
    page.get_by_role("button", name="Create user").click()
    assert f"User {name} is created." in page.get_by_role("status").inner_text()
    assert page.get_by_role("cell", name=name, exact=True).is_visible()
    br.assert_accessible(page, "IAM users")
    br.screenshot(page, "iam-users")
    sign_out(page)
    sign_in_user(page, base, acct.account_id, name, "Da1ly-User-Pass!")
    page.wait_for_url(base + "/console")
    # ReadOnlyAccess lists users but may not create them.
    page.goto(base + "/console/iam/users")
    page.get_by_label("User name").fill(kw.unique("nope"))
    page.get_by_role("button", name="Create user").click()
    alert = page.get_by_role("alert").inner_text()
    assert f"User: arn:aws:iam::{acct.account_id}:user/{name} is not authorized to perform: iam:CreateUser" in alert


def test_security_key_through_chromiums_virtual_authenticator(strict, fresh_account, page):
    """WebAuthn needs a host name as relying party: the browser uses
    localhost. Chromium's virtual authenticator (DevTools protocol) plays the
    security key for registration and for the sign-in's MFA step."""
    base = strict.endpoint.replace("127.0.0.1", "localhost")
    acct = fresh_account
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})["authenticatorId"]

    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")
    open_credentials(page, base)
    page.get_by_label("Security key name").fill("usb-key")
    page.get_by_role("button", name="Register security key").click()
    page.locator("p.flash").wait_for()
    assert "Security key usb-key is registered" in page.locator("p.flash").inner_text()
    assert page.get_by_role("cell", name="usb-key", exact=True).is_visible()
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1

    sign_out(page)
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/signin/mfa")
    assert page.get_by_label("MFA code").count() == 0, "no TOTP device: only the security key is offered"
    br.assert_accessible(page, "MFA sign-in with a security key")
    page.get_by_role("button", name="Use security key").click()
    page.wait_for_url(base + "/console")
    events = sign_in_events(strict.data_dir, acct.account_id)
    assert (events[-1]["ConsoleLogin"], events[-1]["MFAUsed"]) == ("Success", "Yes"), events
    text = page.locator(".recs li").all_inner_texts()
    assert any("Done: Add MFA for the root user" in t for t in text), text

    open_credentials(page, base)
    page.get_by_role("button", name="Remove security key usb-key").click()
    assert "security key is removed" in page.locator("p.flash").inner_text()
    sign_out(page)
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")


def _root_creds(strict, account) -> kw.Creds:
    p = kw.root_create_access_key(strict.data_dir, account.email)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    return kw.Creds(out["AccessKeyId"], out["SecretAccessKey"])


def test_console_security_key_is_listed_by_boto3(strict, fresh_account, page):
    """A security key registered here is an MFA device to the IAM API: boto3
    lists it with AWS's u2f serial, the credential report and the account
    summary count it, and DeactivateMFADevice removes it."""
    base = strict.endpoint.replace("127.0.0.1", "localhost")
    acct = fresh_account
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    sign_in_root(page, base, acct.email, acct.password)
    page.wait_for_url(base + "/console")
    open_credentials(page, base)
    page.get_by_label("Security key name").fill("usb-key")
    page.get_by_role("button", name="Register security key").click()
    page.locator("p.flash").wait_for()
    assert "Security key usb-key is registered" in page.locator("p.flash").inner_text()

    iam = strict.server.iam(_root_creds(strict, acct))
    devices = iam.list_mfa_devices()["MFADevices"]
    assert len(devices) == 1, devices
    serial = devices[0]["SerialNumber"]
    assert re.fullmatch(rf"arn:aws:iam::{acct.account_id}:u2f/root/usb-key-[A-Z2-7]{{26}}", serial), serial
    assert "EnableDate" in devices[0]
    got = iam.get_mfa_device(SerialNumber=serial)
    assert got["SerialNumber"] == serial and "EnableDate" in got and "UserName" not in got

    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode()
    rows = {r["user"]: r for r in csv.DictReader(io.StringIO(report))}
    assert rows["<root_account>"]["mfa_active"] == "true"
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1

    iam.deactivate_mfa_device(SerialNumber=serial)
    assert iam.list_mfa_devices()["MFADevices"] == []
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0
