-- Up Migration

-- What a key may do: admin everything, reviewer the review tasks (and reading events and contacts, stopping a
-- reply). Keys made before roles existed could do everything, so they are admin. The default then goes: a key
-- made from now on names its role, so no code path hands out admin by forgetting to choose.
ALTER TABLE api_keys ADD COLUMN role text NOT NULL DEFAULT 'admin' CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'reviewer'));
ALTER TABLE api_keys ALTER COLUMN role DROP DEFAULT;

-- Down Migration

ALTER TABLE api_keys DROP COLUMN role;
