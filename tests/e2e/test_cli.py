"""The same flows through the real `aws` CLI (subprocess), asserting its JSON
output, and for failures the exit code and the error line on stderr."""

from __future__ import annotations

import json
import os
import stat

import pytest

import kw

IAM_RO = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


def test_get_caller_identity(strict):
    r = kw.aws(strict.endpoint, strict.admin, "sts", "get-caller-identity").ok()
    assert r.json["Account"] == strict.account_id
    assert r.json["Arn"] == f"arn:aws:iam::{strict.account_id}:user/admin"
    assert r.json["UserId"].startswith("AIDA")


def test_endpoint_from_env_only(strict):
    # AWS_ENDPOINT_URL alone (no --endpoint-url) is honoured by the CLI
    r = kw.aws(strict.endpoint, strict.admin, "iam", "get-user").ok()
    assert r.json["User"]["UserName"] == "admin"


def test_user_lifecycle(strict):
    acct = strict.account_id
    name = kw.unique("cli")
    path = f"/{kw.unique('cp')}/"

    def aws(*a):
        return kw.aws(strict.endpoint, strict.admin, *a)

    u = aws("iam", "create-user", "--user-name", name, "--path", path,
            "--tags", "Key=team,Value=red").ok().json["User"]
    assert u["UserName"] == name and u["Path"] == path
    assert u["Arn"] == f"arn:aws:iam::{acct}:user{path}{name}"
    assert u["Tags"] == [{"Key": "team", "Value": "red"}]

    g = aws("iam", "get-user", "--user-name", name).ok().json["User"]
    assert g["UserId"] == u["UserId"]

    lst = aws("iam", "list-users", "--path-prefix", path).ok().json["Users"]
    assert [x["UserName"] for x in lst] == [name]
    assert "Tags" not in lst[0]

    aws("iam", "tag-user", "--user-name", name, "--tags", "Key=env,Value=ci").ok()
    tags = aws("iam", "list-user-tags", "--user-name", name).ok().json["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "ci"), ("team", "red")]
    aws("iam", "untag-user", "--user-name", name, "--tag-keys", "team").ok()
    assert aws("iam", "list-user-tags", "--user-name", name).ok().json["Tags"] == [{"Key": "env", "Value": "ci"}]

    key = aws("iam", "create-access-key", "--user-name", name).ok().json["AccessKey"]
    assert key["Status"] == "Active" and len(key["SecretAccessKey"]) == 40
    meta = aws("iam", "list-access-keys", "--user-name", name).ok().json["AccessKeyMetadata"]
    assert [m["AccessKeyId"] for m in meta] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in meta[0]

    aws("iam", "attach-user-policy", "--user-name", name, "--policy-arn", IAM_RO).ok()
    r = aws("iam", "delete-user", "--user-name", name)
    r.error("DeleteConflict", "DeleteUser", kw.MSG_DELETE_CONFLICT)

    newname = kw.unique("cli-renamed")
    aws("iam", "update-user", "--user-name", name, "--new-user-name", newname, "--new-path", "/renamed/").ok()
    aws("iam", "get-user", "--user-name", name).error("NoSuchEntity", "GetUser", kw.no_such_user(name))
    g = aws("iam", "get-user", "--user-name", newname).ok().json["User"]
    assert g["Arn"] == f"arn:aws:iam::{acct}:user/renamed/{newname}"

    aws("iam", "detach-user-policy", "--user-name", newname, "--policy-arn", IAM_RO).ok()
    aws("iam", "delete-access-key", "--user-name", newname, "--access-key-id", key["AccessKeyId"]).ok()
    r = aws("iam", "delete-user", "--user-name", newname).ok()
    assert r.stdout.strip() == ""
    aws("iam", "get-user", "--user-name", newname).error("NoSuchEntity", "GetUser", kw.no_such_user(newname))


def test_unknown_user_error_line(strict):
    r = kw.aws(strict.endpoint, strict.admin, "iam", "get-user", "--user-name", "nobody")
    # stderr: "An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name
    # nobody cannot be found." (botocore may insert " (reached max retries: 0)" before the colon)
    r.error("NoSuchEntity", "GetUser", "The user with name nobody cannot be found.")
    assert r.stdout == ""


def test_duplicate_user(strict):
    name = kw.unique("dup")
    kw.aws(strict.endpoint, strict.admin, "iam", "create-user", "--user-name", name).ok()
    r = kw.aws(strict.endpoint, strict.admin, "iam", "create-user", "--user-name", name.upper())
    r.error("EntityAlreadyExists", "CreateUser", f"User with name {name.upper()} already exists.")


def test_bad_user_name(strict):
    r = kw.aws(strict.endpoint, strict.admin, "iam", "create-user", "--user-name", "x y")
    r.error("ValidationError", "CreateUser", kw.BAD_NAME_MSG.format(v="x y"))


def test_pagination_with_cli(strict):
    path = f"/{kw.unique('cpg')}/"
    names = sorted(kw.unique("cpg") for _ in range(3))
    iam = strict.server.iam(strict.admin)
    for n in names:
        iam.create_user(UserName=n, Path=path)
    # --page-size is the API's MaxItems: the CLI follows the markers itself
    r = kw.aws(strict.endpoint, strict.admin, "iam", "list-users", "--path-prefix", path, "--page-size", "1").ok()
    assert sorted(u["UserName"] for u in r.json["Users"]) == names
    # --max-items truncates and hands back a NextToken
    r = kw.aws(strict.endpoint, strict.admin, "iam", "list-users", "--path-prefix", path, "--max-items", "2").ok()
    assert len(r.json["Users"]) == 2 and r.json.get("NextToken")
    r2 = kw.aws(strict.endpoint, strict.admin, "iam", "list-users", "--path-prefix", path,
                "--starting-token", r.json["NextToken"]).ok()
    assert sorted(u["UserName"] for u in r.json["Users"] + r2.json["Users"]) == names


def test_access_keys_with_cli(strict):
    name = kw.unique("ckeys")

    def aws(creds, *a):
        return kw.aws(strict.endpoint, creds, *a)

    aws(strict.admin, "iam", "create-user", "--user-name", name).ok()
    aws(strict.admin, "iam", "attach-user-policy", "--user-name", name, "--policy-arn", IAM_RO).ok()
    k1 = aws(strict.admin, "iam", "create-access-key", "--user-name", name).ok().json["AccessKey"]
    aws(strict.admin, "iam", "create-access-key", "--user-name", name).ok()
    aws(strict.admin, "iam", "create-access-key", "--user-name", name).error(
        "LimitExceeded", "CreateAccessKey", kw.MSG_KEY_QUOTA)

    c1 = kw.Creds(k1["AccessKeyId"], k1["SecretAccessKey"])
    lu = aws(strict.admin, "iam", "get-access-key-last-used", "--access-key-id", c1.access_key_id).ok().json
    assert lu["UserName"] == name
    assert lu["AccessKeyLastUsed"]["ServiceName"] == "N/A" and lu["AccessKeyLastUsed"]["Region"] == "N/A"
    assert "LastUsedDate" not in lu["AccessKeyLastUsed"]

    aws(c1, "iam", "list-users", "--max-items", "1").ok()

    def used():
        j = aws(strict.admin, "iam", "get-access-key-last-used", "--access-key-id", c1.access_key_id).ok().json
        return j["AccessKeyLastUsed"] if "LastUsedDate" in j["AccessKeyLastUsed"] else None

    got = kw.wait_until(used, timeout=8, interval=0.5)
    assert got and got["ServiceName"] == "iam" and got["Region"] == "us-east-1"

    aws(strict.admin, "iam", "update-access-key", "--user-name", name, "--access-key-id", c1.access_key_id,
        "--status", "Inactive").ok()
    aws(c1, "sts", "get-caller-identity").error("InvalidClientTokenId", "GetCallerIdentity", kw.MSG_INVALID_TOKEN)
    aws(strict.admin, "iam", "update-access-key", "--user-name", name, "--access-key-id", c1.access_key_id,
        "--status", "Active").ok()
    assert aws(c1, "sts", "get-caller-identity").ok().json["Arn"].endswith(f":user/{name}")
    aws(strict.admin, "iam", "delete-access-key", "--user-name", name, "--access-key-id", c1.access_key_id).ok()
    aws(c1, "sts", "get-caller-identity").error("InvalidClientTokenId", "GetCallerIdentity", kw.MSG_INVALID_TOKEN)


def test_wrong_secret(strict):
    r = kw.aws(strict.endpoint, strict.admin.wrong_secret(), "sts", "get-caller-identity")
    msg = r.error("SignatureDoesNotMatch", "GetCallerIdentity")
    assert msg.startswith(kw.MSG_SIG_MISMATCH_PREFIX)


def test_unknown_key(strict):
    r = kw.aws(strict.endpoint, kw.Creds("AKIAIOSFODNN7EXAMPLE", "x" * 40), "iam", "list-users")
    r.error("InvalidClientTokenId", "ListUsers", kw.MSG_INVALID_TOKEN)


def test_unsigned_request(strict):
    r = kw.aws(strict.endpoint, None, "sts", "get-caller-identity", "--no-sign-request")
    r.error("MissingAuthenticationToken", "GetCallerIdentity", kw.MSG_MISSING_AUTH)


def test_policy_enforcement_with_cli(strict):
    acct = strict.account_id
    name = kw.unique("cpol")

    def aws(creds, *a):
        return kw.aws(strict.endpoint, creds, *a)

    aws(strict.admin, "iam", "create-user", "--user-name", name).ok()
    k = aws(strict.admin, "iam", "create-access-key", "--user-name", name).ok().json["AccessKey"]
    c = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])

    assert aws(c, "sts", "get-caller-identity").ok().json["Arn"] == f"arn:aws:iam::{acct}:user/{name}"
    msg = aws(c, "iam", "list-users").error("AccessDenied", "ListUsers")
    assert msg.startswith(f"User: arn:aws:iam::{acct}:user/{name} is not authorized to perform: iam:ListUsers "
                          f"on resource: arn:aws:iam::{acct}:user/ ")
    assert msg.endswith("because no identity-based policy allows the iam:ListUsers action")

    aws(strict.admin, "iam", "attach-user-policy", "--user-name", name, "--policy-arn", IAM_RO).ok()
    att = aws(strict.admin, "iam", "list-attached-user-policies", "--user-name", name).ok().json
    assert att["AttachedPolicies"] == [{"PolicyName": "IAMReadOnlyAccess", "PolicyArn": IAM_RO}]
    aws(c, "iam", "list-users").ok()
    other = kw.unique("cden")
    msg = aws(c, "iam", "create-user", "--user-name", other).error("AccessDenied", "CreateUser")
    assert msg == kw.access_denied(acct, name, "iam:CreateUser", f"arn:aws:iam::{acct}:user/{other}")

    aws(strict.admin, "iam", "detach-user-policy", "--user-name", name, "--policy-arn", IAM_RO).ok()
    aws(c, "iam", "list-users").error(
        "AccessDenied", "ListUsers", kw.access_denied(acct, name, "iam:ListUsers", f"arn:aws:iam::{acct}:user/"))


def test_partition_cn(strict):
    r = kw.aws(strict.endpoint, strict.admin, "sts", "get-caller-identity", region="cn-north-1").ok()
    assert r.json["Arn"] == f"arn:aws-cn:iam::{strict.account_id}:user/admin"


# --------------------------------------------------------------------------
# Root user: keyward CLI + aws CLI
# --------------------------------------------------------------------------

def test_root_flows(strict, fresh_account, tmp_path):
    acct = fresh_account.account_id
    csv = tmp_path / "rootkey.csv"
    p = kw.root_create_access_key(strict.data_dir, fresh_account.email, csv=csv)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out) >= {"AccountId", "AccessKeyId", "SecretAccessKey"}
    assert out["AccountId"] == acct
    assert out["AccessKeyId"].startswith("AKIA") and len(out["SecretAccessKey"]) == 40
    assert "root" in p.stderr.lower() and p.stderr.strip(), "a warning on stderr"
    assert out["SecretAccessKey"] not in p.stderr

    # rootkey.csv: the console's format, readable by the owner only
    assert stat.S_IMODE(os.stat(csv).st_mode) == 0o600
    lines = csv.read_text().splitlines()
    assert lines == ["Access key ID,Secret access key", f"{out['AccessKeyId']},{out['SecretAccessKey']}"]

    root = kw.Creds(out["AccessKeyId"], out["SecretAccessKey"])

    def aws(*a, creds=root):
        return kw.aws(strict.endpoint, creds, *a)

    me = aws("sts", "get-caller-identity").ok().json
    assert me == {"UserId": acct, "Account": acct, "Arn": f"arn:aws:iam::{acct}:root"}
    u = aws("iam", "get-user").ok().json["User"]
    assert u["UserId"] == acct and u["Arn"] == f"arn:aws:iam::{acct}:root"

    # root creates its second key through the API (no --user-name); a third is refused
    k2 = aws("iam", "create-access-key").ok().json["AccessKey"]
    assert k2["Status"] == "Active"
    aws("iam", "create-access-key").error("LimitExceeded", "CreateAccessKey", kw.MSG_KEY_QUOTA)
    # the keyward CLI is bound by the same quota
    p3 = kw.root_create_access_key(strict.data_dir, fresh_account.email)
    assert p3.returncode != 0 and p3.stdout.strip() == ""
    assert "2" in p3.stderr or "quota" in p3.stderr.lower(), p3.stderr

    ids = sorted(m["AccessKeyId"] for m in aws("iam", "list-access-keys").ok().json["AccessKeyMetadata"])
    assert ids == sorted([root.access_key_id, k2["AccessKeyId"]])

    root2 = kw.Creds(k2["AccessKeyId"], k2["SecretAccessKey"])
    assert aws("sts", "get-caller-identity", creds=root2).ok().json["Arn"] == f"arn:aws:iam::{acct}:root"
    aws("iam", "update-access-key", "--access-key-id", root2.access_key_id, "--status", "Inactive").ok()
    aws("sts", "get-caller-identity", creds=root2).error(
        "InvalidClientTokenId", "GetCallerIdentity", kw.MSG_INVALID_TOKEN)
    st = {m["AccessKeyId"]: m["Status"] for m in aws("iam", "list-access-keys").ok().json["AccessKeyMetadata"]}
    assert st[root2.access_key_id] == "Inactive"
    aws("iam", "update-access-key", "--access-key-id", root2.access_key_id, "--status", "Active").ok()
    aws("sts", "get-caller-identity", creds=root2).ok()
    aws("iam", "delete-access-key", "--access-key-id", root2.access_key_id).ok()
    aws("sts", "get-caller-identity", creds=root2).error(
        "InvalidClientTokenId", "GetCallerIdentity", kw.MSG_INVALID_TOKEN)

    # root bypasses identity policies; it is not an IAM user
    names = [x["UserName"] for x in aws("iam", "list-users").ok().json["Users"]]
    assert names == ["admin"]

    # the root key itself can be deactivated with the API, by root, and is then refused
    aws("iam", "update-access-key", "--access-key-id", root.access_key_id, "--status", "Inactive").ok()
    aws("sts", "get-caller-identity").error("InvalidClientTokenId", "GetCallerIdentity", kw.MSG_INVALID_TOKEN)


def test_root_create_access_key_wrong_password(strict, fresh_account):
    p = kw.root_create_access_key(strict.data_dir, fresh_account.email, password="Wr0ng-Password!")
    assert p.returncode != 0
    assert p.stdout.strip() == ""
    assert p.stderr.strip()
    p = kw.root_create_access_key(strict.data_dir, "nobody-" + fresh_account.email)
    assert p.returncode != 0 and p.stdout.strip() == ""


def test_root_key_created_while_server_runs_is_seen_immediately(strict, fresh_account):
    p = kw.root_create_access_key(strict.data_dir, fresh_account.email)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    r = kw.aws(strict.endpoint, kw.Creds(out["AccessKeyId"], out["SecretAccessKey"]), "sts", "get-caller-identity")
    assert r.ok().json["Arn"] == f"arn:aws:iam::{fresh_account.account_id}:root"


def test_account_create_output(tmp_path):
    data = tmp_path / "acct"
    acct_id = "4" + kw.unique("x")[-11:].translate(str.maketrans("abcdef", "123456"))
    assert len(acct_id) == 12 and acct_id.isdigit()
    email = f"{kw.unique('owner')}@example.com"
    a = kw.create_account(data, email=email, admin_user="ops", account_id=acct_id)
    assert a.raw["AccountId"] == acct_id
    assert a.raw["Email"] == email
    assert a.raw["UserName"] == "ops"
    assert a.raw["AccessKeyId"].startswith("AKIA") and len(a.raw["SecretAccessKey"]) == 40
    # without --admin-user there are no key fields
    b = kw.create_account(data, admin_user=None)
    assert set(b.raw) >= {"AccountId", "Email"}
    assert not {"UserName", "AccessKeyId", "SecretAccessKey"} & set(b.raw)
    assert len(b.raw["AccountId"]) == 12 and b.raw["AccountId"].isdigit() and b.raw["AccountId"] != acct_id
    # the same email cannot own two accounts
    p = kw.run_keyward(["account", "create", "--email", email, "--password-stdin", "--output", "json",
                        "--data-dir", str(data)], stdin=kw.ROOT_PASSWORD + "\n")
    assert p.returncode != 0 and p.stdout.strip() == "", p.stdout


@pytest.mark.parametrize("password", [
    "Sh0rt!",            # < 8 characters
    "alllowercaseletters",  # one class only
    "NoDigitsOrSymbols",    # two classes only
    "12345678!",            # two classes only
    "A1!" * 43,             # 129 characters
    "SAME-AS-EMAIL",        # replaced by the email below
])
def test_weak_root_password_refused(tmp_path, password):
    email = f"{kw.unique('weak')}@Example.com"
    if password == "SAME-AS-EMAIL":
        password = email  # 4 classes, long enough, but equal to the email
    data = tmp_path / "weak"
    p = kw.run_keyward(["account", "create", "--email", email, "--password-stdin", "--output", "json",
                        "--admin-user", "admin", "--data-dir", str(data)], stdin=password + "\n")
    assert p.returncode != 0, f"weak password {password!r} accepted: {p.stdout}"
    assert p.stdout.strip() == ""
    assert "password" in p.stderr.lower(), p.stderr
    # nothing was created: the same email works with a good password
    ok = kw.create_account(data, email=email, password="G00d-Enough-Pass")
    assert ok.account_id
