-- One schema for SQLite and PostgreSQL: only TEXT and BIGINT columns, no
-- backend-specific types or defaults, so the same file serves both.

CREATE TABLE accounts (
    account_id         TEXT PRIMARY KEY,
    email              TEXT NOT NULL,
    email_lower        TEXT NOT NULL UNIQUE,
    alias              TEXT UNIQUE,
    root_password_hash TEXT NOT NULL,
    created            BIGINT NOT NULL,
    -- Bumped by every write transaction of the account: serializes writers
    -- per account and numbers its audit events.
    change_seq         BIGINT NOT NULL
);

CREATE TABLE users (
    user_id              TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts (account_id),
    name                 TEXT NOT NULL,
    name_lower           TEXT NOT NULL,
    path                 TEXT NOT NULL,
    created              BIGINT NOT NULL,
    password_last_used   BIGINT,
    permissions_boundary TEXT,
    tags                 TEXT NOT NULL,
    UNIQUE (account_id, name_lower)
);

CREATE TABLE access_keys (
    access_key_id     TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts (account_id),
    -- The owning user's id, or '' for the root user.
    owner_user_id     TEXT NOT NULL,
    sealed_secret     TEXT NOT NULL,
    status            TEXT NOT NULL,
    created           BIGINT NOT NULL,
    last_used_at      BIGINT,
    last_used_service TEXT,
    last_used_region  TEXT
);
CREATE INDEX access_keys_by_owner ON access_keys (account_id, owner_user_id);

CREATE TABLE user_policy_attachments (
    account_id  TEXT NOT NULL REFERENCES accounts (account_id),
    user_id     TEXT NOT NULL REFERENCES users (user_id),
    policy_arn  TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    attached_seq BIGINT NOT NULL,
    PRIMARY KEY (user_id, policy_arn)
);

CREATE TABLE audit_events (
    account_id TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    resource   TEXT NOT NULL,
    detail     TEXT NOT NULL,
    PRIMARY KEY (account_id, seq)
);
