-- MFA device kinds: 'virtual' (CreateVirtualMFADevice) and 'hardware' (a TOTP
-- token imported by an operator with its serial number and seed). FIDO
-- security keys live in security_keys (0007), not here.

ALTER TABLE mfa_devices ADD COLUMN kind TEXT NOT NULL DEFAULT 'virtual';
