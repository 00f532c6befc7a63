-- When the root user's password last signed in to the console (Unix
-- seconds); NULL until it has. IAM users keep theirs in users.password_last_used.

ALTER TABLE accounts ADD COLUMN root_password_last_used BIGINT;
