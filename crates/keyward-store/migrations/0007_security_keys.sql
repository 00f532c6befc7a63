-- FIDO2 security keys and passkeys registered as an MFA factor through the
-- console (WebAuthn). `data` is the verifier's credential record (public key,
-- counter) as JSON: nothing in it is secret. `owner_user_id` is the user's id,
-- '' for the root user.

CREATE TABLE security_keys (
    credential_id  TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (account_id),
    owner_user_id  TEXT NOT NULL,
    name           TEXT NOT NULL,
    data           TEXT NOT NULL,
    created        BIGINT NOT NULL
);
CREATE INDEX security_keys_by_owner ON security_keys (account_id, owner_user_id);
