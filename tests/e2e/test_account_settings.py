"""Login profiles, ChangePassword, the account password policy, the account
alias and summary, with boto3 and the aws CLI. Each test uses a fresh account
so the account-wide password policy of one test never touches another."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import kw

CHANGE_PW = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def expect(fn, code: str, status: int, **kwargs) -> str:
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    got_code, got_msg, got_status = kw.err(ei.value)
    assert (got_code, got_status) == (code, status), ei.value.response["Error"]
    return got_msg


def test_login_profile_and_password_policy_boto3(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    user = kw.unique("pw")
    iam.create_user(UserName=user)

    msg = expect(iam.create_login_profile, "PasswordPolicyViolation", 400, UserName=user, Password="alllowercase")
    assert msg == "Password does not conform to the account password policy."
    lp = iam.create_login_profile(UserName=user, Password="Initial-Pa55", PasswordResetRequired=True)["LoginProfile"]
    assert lp["UserName"] == user and lp["PasswordResetRequired"] is True and "CreateDate" in lp
    assert "Password" not in lp, "a password is never returned"
    expect(iam.create_login_profile, "EntityAlreadyExists", 409, UserName=user, Password="Another-Pa55")
    expect(iam.get_login_profile, "NoSuchEntity", 404, UserName=kw.unique("nobody"))

    msg = expect(iam.get_account_password_policy, "NoSuchEntity", 404)
    assert msg == f"The Password Policy with domain name {fresh_account.account_id} cannot be found."
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True, AllowUsersToChangePassword=True,
                                       MaxPasswordAge=90, PasswordReusePrevention=3)
    pol = iam.get_account_password_policy()["PasswordPolicy"]
    assert pol["MinimumPasswordLength"] == 14 and pol["RequireSymbols"] is True
    assert pol["ExpirePasswords"] is True and pol["MaxPasswordAge"] == 90 and pol["PasswordReusePrevention"] == 3
    assert pol["RequireNumbers"] is False
    # Not a partial update: omitted settings revert to their defaults.
    iam.update_account_password_policy(MinimumPasswordLength=12)
    pol = iam.get_account_password_policy()["PasswordPolicy"]
    assert pol["RequireSymbols"] is False and pol["ExpirePasswords"] is False and "MaxPasswordAge" not in pol
    iam.update_account_password_policy(MinimumPasswordLength=12, PasswordReusePrevention=2)

    expect(iam.update_login_profile, "PasswordPolicyViolation", 400, UserName=user, Password="Short-1")
    iam.update_login_profile(UserName=user, Password="Second-Password-1", PasswordResetRequired=False)
    # Long enough, but the current password: reuse prevention refuses it.
    expect(iam.update_login_profile, "PasswordPolicyViolation", 400, UserName=user, Password="Second-Password-1")

    # The user changes its own password (IAMUserChangePassword grants iam:ChangePassword on itself).
    iam.attach_user_policy(UserName=user, PolicyArn=CHANGE_PW)
    k = iam.create_access_key(UserName=user)["AccessKey"]
    me = strict.server.iam(kw.Creds(k["AccessKeyId"], k["SecretAccessKey"]))
    expect(me.change_password, "PasswordPolicyViolation", 400, OldPassword="Second-Password-1", NewPassword="Second-Password-1")
    me.change_password(OldPassword="Second-Password-1", NewPassword="Third-Password-22")
    expect(me.change_password, "InvalidInput", 400, OldPassword="wrong-old-password", NewPassword="Fourth-Password-333")

    # Root cannot use ChangePassword (AWS: InvalidUserType).
    out = kw.root_create_access_key(strict.data_dir, fresh_account.email)
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)
    root = kw.Creds(made["AccessKeyId"], made["SecretAccessKey"])
    expect(strict.server.iam(root).change_password, "InvalidUserType", 400, OldPassword="x", NewPassword="y")

    # Cleanup order matters: a login profile blocks DeleteUser.
    expect(iam.delete_user, "DeleteConflict", 409, UserName=user)
    iam.delete_login_profile(UserName=user)
    expect(iam.delete_login_profile, "NoSuchEntity", 404, UserName=user)
    iam.delete_account_password_policy()
    expect(iam.delete_account_password_policy, "NoSuchEntity", 404)


def test_alias_and_summary_cli(strict, fresh_account):
    def aws(*a):
        return kw.aws(strict.endpoint, fresh_account.admin, *a)

    alias = kw.unique("al").lower().replace("_", "-")[:40]
    aws("iam", "create-account-alias", "--account-alias", alias).ok()
    assert aws("iam", "list-account-aliases").ok().json["AccountAliases"] == [alias]
    aws("iam", "create-account-alias", "--account-alias", alias + "-2").error("LimitExceeded", "CreateAccountAlias")
    aws("iam", "create-account-alias", "--account-alias", "Bad_Alias").error("ValidationError", "CreateAccountAlias")
    summary = aws("iam", "get-account-summary").ok().json["SummaryMap"]
    assert summary["Users"] == 1 and summary["AccessKeysPerUserQuota"] == 2 and summary["AccountPasswordPresent"] == 1
    aws("iam", "delete-account-alias", "--account-alias", alias).ok()
    assert aws("iam", "list-account-aliases").ok().json["AccountAliases"] == []


def test_password_policy_cli_and_unauthorized_user(strict, fresh_account, tmp_path):
    def aws(*a, creds=fresh_account.admin):
        return kw.aws(strict.endpoint, creds, *a)

    # The CLI refuses 5 itself; without client-side validation the server says the same.
    raw = kw.client("iam", strict.endpoint, fresh_account.admin, validate=False)
    msg = expect(raw.update_account_password_policy, "ValidationError", 400, MinimumPasswordLength=5)
    assert "Member must have value greater than or equal to 6" in msg
    aws("iam", "update-account-password-policy", "--minimum-password-length", "10", "--require-numbers").ok()
    pol = aws("iam", "get-account-password-policy").ok().json["PasswordPolicy"]
    assert pol["MinimumPasswordLength"] == 10 and pol["RequireNumbers"] is True
    # A user without permissions cannot read or change it.
    iam = strict.server.iam(fresh_account.admin)
    name = kw.unique("np")
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    creds = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    msg = aws("iam", "get-account-password-policy", creds=creds).error("AccessDenied", "GetAccountPasswordPolicy")
    assert "because no identity-based policy allows the iam:GetAccountPasswordPolicy action" in msg
