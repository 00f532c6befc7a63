-- When the root user closed the account (Unix seconds); NULL while open.
-- A closed account's keys and sessions are refused and nobody signs in.

ALTER TABLE accounts ADD COLUMN closed_at BIGINT;
