-- Groups, roles, instance profiles, customer managed policies and versions,
-- policy attachments and inline policies for every kind of principal, login
-- profiles and the account password policy. TEXT and BIGINT only (both
-- backends); booleans are 0/1.

CREATE TABLE iam_groups (
    group_id   TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    name       TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    path       TEXT NOT NULL,
    created    BIGINT NOT NULL,
    UNIQUE (account_id, name_lower)
);

CREATE TABLE group_members (
    group_id  TEXT NOT NULL REFERENCES iam_groups (group_id),
    user_id   TEXT NOT NULL REFERENCES users (user_id),
    added_seq BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

CREATE TABLE roles (
    role_id              TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts (account_id),
    name                 TEXT NOT NULL,
    name_lower           TEXT NOT NULL,
    path                 TEXT NOT NULL,
    created              BIGINT NOT NULL,
    description          TEXT,
    max_session_duration BIGINT NOT NULL,
    -- The trust policy exactly as submitted (AWS echoes it unchanged).
    trust_policy         TEXT NOT NULL,
    permissions_boundary TEXT,
    tags                 TEXT NOT NULL,
    last_used_at         BIGINT,
    last_used_region     TEXT,
    UNIQUE (account_id, name_lower)
);

CREATE TABLE instance_profiles (
    instance_profile_id TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts (account_id),
    name                TEXT NOT NULL,
    name_lower          TEXT NOT NULL,
    path                TEXT NOT NULL,
    created             BIGINT NOT NULL,
    tags                TEXT NOT NULL,
    UNIQUE (account_id, name_lower)
);

CREATE TABLE instance_profile_roles (
    instance_profile_id TEXT PRIMARY KEY REFERENCES instance_profiles (instance_profile_id),
    role_id             TEXT NOT NULL REFERENCES roles (role_id)
);

CREATE TABLE managed_policies (
    policy_id       TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (account_id),
    arn             TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    name_lower      TEXT NOT NULL,
    path            TEXT NOT NULL,
    description     TEXT,
    default_version TEXT NOT NULL,
    -- The number the next version gets (v1, v2, ...; never reused).
    next_version    BIGINT NOT NULL,
    created         BIGINT NOT NULL,
    updated         BIGINT NOT NULL,
    tags            TEXT NOT NULL,
    UNIQUE (account_id, name_lower)
);

CREATE TABLE policy_versions (
    policy_id  TEXT NOT NULL REFERENCES managed_policies (policy_id),
    version_id TEXT NOT NULL,
    -- The document exactly as submitted.
    document   TEXT NOT NULL,
    created    BIGINT NOT NULL,
    PRIMARY KEY (policy_id, version_id)
);

-- Managed policies (AWS or customer) attached to users, groups and roles.
-- entity_kind is 'user', 'group' or 'role'; entity_id the unique id.
CREATE TABLE policy_attachments (
    account_id   TEXT NOT NULL REFERENCES accounts (account_id),
    entity_kind  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    policy_arn   TEXT NOT NULL,
    policy_name  TEXT NOT NULL,
    attached_seq BIGINT NOT NULL,
    PRIMARY KEY (entity_kind, entity_id, policy_arn)
);
CREATE INDEX policy_attachments_by_arn ON policy_attachments (policy_arn);

INSERT INTO policy_attachments (account_id, entity_kind, entity_id, policy_arn, policy_name, attached_seq)
    SELECT account_id, 'user', user_id, policy_arn, policy_name, attached_seq FROM user_policy_attachments;
DROP TABLE user_policy_attachments;

-- Inline policies of users, groups and roles.
CREATE TABLE inline_policies (
    account_id  TEXT NOT NULL REFERENCES accounts (account_id),
    entity_kind TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (entity_kind, entity_id, policy_name)
);

CREATE TABLE login_profiles (
    user_id                 TEXT PRIMARY KEY REFERENCES users (user_id),
    account_id              TEXT NOT NULL REFERENCES accounts (account_id),
    password_hash           TEXT NOT NULL,
    created                 BIGINT NOT NULL,
    password_reset_required BIGINT NOT NULL,
    password_changed        BIGINT NOT NULL
);

-- Earlier password hashes, for PasswordReusePrevention.
CREATE TABLE password_history (
    user_id       TEXT NOT NULL REFERENCES users (user_id),
    seq           BIGINT NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
);

-- The account password policy as JSON; absent row = no custom policy.
CREATE TABLE password_policies (
    account_id TEXT PRIMARY KEY REFERENCES accounts (account_id),
    policy     TEXT NOT NULL
);
