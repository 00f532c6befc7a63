-- The account's name and contact email address (console account settings),
-- kept apart from the root user's sign-in email.

CREATE TABLE account_contacts (
    account_id     TEXT PRIMARY KEY REFERENCES accounts (account_id),
    name           TEXT NOT NULL,
    contact_email  TEXT NOT NULL
);
