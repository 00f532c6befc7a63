-- The account's latest credential report (one per account, replaced on regeneration).
CREATE TABLE credential_reports (
    account_id TEXT PRIMARY KEY REFERENCES accounts (account_id),
    generated  BIGINT NOT NULL,
    content    TEXT NOT NULL
);
