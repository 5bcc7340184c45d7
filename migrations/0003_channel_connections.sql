-- Up Migration

-- A user's account on a channel: the platform's account id and the credentials, encrypted at rest
-- (AES-256-GCM, key from AUTOPILOT_SECRET_KEY). Secrets are write-only through the API.
CREATE TABLE channel_connections (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  channel           text NOT NULL CHECK (channel IN ('whatsapp', 'email', 'linkedin', 'instagram')),
  account_id        text NOT NULL,
  credentials       text NOT NULL,
  settings          jsonb NOT NULL DEFAULT '{}',
  token_expires_at  timestamptz,
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'broken')),
  broken_reason     text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, channel),
  -- an inbound webhook names the account; the account names the user
  UNIQUE (channel, account_id)
);

-- What the platform said about a sent reply (sent, delivered, read, failed), apart from the job's own state.
ALTER TABLE autopilot_jobs
  ADD COLUMN delivery_status text CHECK (delivery_status IN ('sent', 'delivered', 'read', 'failed')),
  ADD COLUMN delivery_error text,
  ADD COLUMN delivery_updated_at timestamptz;

-- Down Migration

ALTER TABLE autopilot_jobs DROP COLUMN delivery_status, DROP COLUMN delivery_error, DROP COLUMN delivery_updated_at;
DROP TABLE channel_connections;
