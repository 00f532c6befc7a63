-- Indexes for look-ups that run without the account id as the leading key,
-- so they stay index seeks at AWS's quotas (5,000 users, 1,000 roles,
-- 1,500 policies) and beyond.

-- A user's policies and its groups' policies, by entity id alone (authorization load).
CREATE INDEX policy_attachments_by_entity ON policy_attachments (entity_id);
-- DeleteUser's reference check.
CREATE INDEX access_keys_by_owner_user ON access_keys (owner_user_id);
CREATE INDEX mfa_devices_by_owner_user ON mfa_devices (owner_user_id);
-- DeleteRole's reference check.
CREATE INDEX instance_profile_roles_by_role ON instance_profile_roles (role_id);
-- DeletePolicy's "in use as a permissions boundary" check.
CREATE INDEX users_by_boundary ON users (account_id, permissions_boundary);
CREATE INDEX roles_by_boundary ON roles (account_id, permissions_boundary);
