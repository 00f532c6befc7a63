"""STS GetAccessKeyInfo: the account of any access key id, read from the id
as AWS does (the key need not exist, be active or belong to the caller)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

import kw


def test_get_access_key_info(strict, fresh_account):
    sts = strict.server.sts(fresh_account.admin)
    own = sts.get_access_key_info(AccessKeyId=fresh_account.admin.access_key_id)
    assert own["Account"] == fresh_account.account_id
    # Another account's key: its account, although the caller cannot see it.
    other = strict.server.sts(strict.admin).get_access_key_info(AccessKeyId=fresh_account.admin.access_key_id)
    assert other["Account"] == fresh_account.account_id
    # AWS's own published example decodes the same way.
    assert sts.get_access_key_info(AccessKeyId="ASIAY34FZKBOKMUTVV7A")["Account"] == "609629065308"
    # Session keys carry their account too.
    creds = sts.get_session_token()["Credentials"]
    assert sts.get_access_key_info(AccessKeyId=creds["AccessKeyId"])["Account"] == fresh_account.account_id


def test_get_access_key_info_bad_input(strict):
    raw = kw.client("sts", strict.endpoint, strict.admin, validate=False)
    with pytest.raises(ClientError) as e:
        raw.get_access_key_info(AccessKeyId="short")
    assert kw.err(e.value)[:1] == ("ValidationError",)
