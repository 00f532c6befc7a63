-- Virtual MFA devices (TOTP). TEXT and BIGINT only (both backends).
-- The seed is sealed under the KEK, bound to the serial number; it is never
-- stored in clear. `owner_user_id` is the assigned user's id, '' for the root
-- user, NULL while the device is unassigned.

CREATE TABLE mfa_devices (
    serial_number  TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (account_id),
    path           TEXT NOT NULL,
    name           TEXT NOT NULL,
    name_lower     TEXT NOT NULL,
    sealed_seed    TEXT NOT NULL,
    created        BIGINT NOT NULL,
    enable_date    BIGINT,
    owner_user_id  TEXT,
    tags           TEXT NOT NULL,
    -- The last TOTP step accepted (replay guard): codes for steps at or
    -- before it are refused.
    last_step      BIGINT,
    -- Wrong codes since `failures_since` (throttling).
    failures       BIGINT NOT NULL,
    failures_since BIGINT,
    UNIQUE (account_id, name_lower)
);
CREATE INDEX mfa_devices_by_owner ON mfa_devices (account_id, owner_user_id);
