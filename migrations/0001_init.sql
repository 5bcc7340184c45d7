-- Up Migration

CREATE TABLE users (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        text NOT NULL UNIQUE,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Keys are random 256-bit secrets, so a plain SHA-256 is enough to store them (as unkey does); the prefix
-- lets a user tell their keys apart.
CREATE TABLE api_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          text NOT NULL,
  prefix        text NOT NULL,
  key_hash      text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

CREATE TABLE contacts (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                 uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  channel                 text NOT NULL CHECK (channel IN ('whatsapp', 'email', 'linkedin', 'instagram')),
  handle                  text NOT NULL,
  name                    text,
  timezone                text,
  preferred_contact_hour  smallint CHECK (preferred_contact_hour BETWEEN 0 AND 23),
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, channel, handle),
  UNIQUE (user_id, id)
);

CREATE TABLE contact_opt_outs (
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  contact_id        uuid NOT NULL,
  channel           text NOT NULL CHECK (channel IN ('whatsapp', 'email', 'linkedin', 'instagram')),
  opted_out_at      timestamptz NOT NULL DEFAULT now(),
  source            text NOT NULL,          -- inbound_message | unsubscribe_link | api | ...
  detail            text,                   -- e.g. the words that matched
  message_event_id  uuid,
  PRIMARY KEY (contact_id, channel),
  FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

CREATE TABLE message_events (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  contact_id        uuid,
  channel           text NOT NULL CHECK (channel IN ('whatsapp', 'email', 'linkedin', 'instagram')),
  direction         text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  external_id       text NOT NULL,
  content           text NOT NULL,
  contact_payload   jsonb NOT NULL DEFAULT '{}',   -- the handle, name and time zone as the event carried them
  metadata          jsonb NOT NULL DEFAULT '{}',
  occurred_at       timestamptz NOT NULL,
  workflow_id       text,
  stage             text NOT NULL DEFAULT 'received',
  stage_reason      text,
  reply_text        text,
  reply_confidence  double precision CHECK (reply_confidence BETWEEN 0 AND 1),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  -- one row per provider message: a duplicate webhook delivery finds this row
  UNIQUE (user_id, channel, direction, external_id),
  UNIQUE (user_id, id),
  FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);
CREATE INDEX message_events_contact_idx ON message_events (user_id, contact_id, occurred_at DESC);
CREATE INDEX message_events_stage_idx ON message_events (user_id, stage, created_at DESC);
CREATE UNIQUE INDEX message_events_workflow_idx ON message_events (workflow_id);

-- A row with contact_id NULL is the user's default; a row with a contact_id overrides it for that contact.
CREATE TABLE autopilot_settings (
  id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  contact_id                 uuid,
  mode                       text NOT NULL DEFAULT 'assist' CHECK (mode IN ('assist', 'one_click', 'auto')),
  channels                   text[] NOT NULL DEFAULT ARRAY['whatsapp', 'email', 'linkedin', 'instagram'],
  max_auto_replies_per_day   integer NOT NULL DEFAULT 20 CHECK (max_auto_replies_per_day >= 0),
  is_active                  boolean NOT NULL DEFAULT true,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE,
  CHECK (channels <@ ARRAY['whatsapp', 'email', 'linkedin', 'instagram'])
);
CREATE UNIQUE INDEX autopilot_settings_user_default_idx ON autopilot_settings (user_id) WHERE contact_id IS NULL;
CREATE UNIQUE INDEX autopilot_settings_contact_idx ON autopilot_settings (user_id, contact_id) WHERE contact_id IS NOT NULL;

CREATE TABLE autopilot_jobs (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  message_event_id     uuid NOT NULL UNIQUE,
  contact_id           uuid NOT NULL,
  channel              text NOT NULL CHECK (channel IN ('whatsapp', 'email', 'linkedin', 'instagram')),
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
  reply_text           text,
  confidence           double precision,
  variant_id           text,
  scheduled_for        timestamptz,
  sent_at              timestamptz,
  provider_message_id  text,
  attempts             integer NOT NULL DEFAULT 0,
  last_error           text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, provider_message_id),
  FOREIGN KEY (user_id, message_event_id) REFERENCES message_events (user_id, id) ON DELETE CASCADE,
  FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);
CREATE INDEX autopilot_jobs_status_idx ON autopilot_jobs (user_id, status, scheduled_for);

-- contact_id and channel are NULL on the per-user counter; NULLS NOT DISTINCT keeps one row per key and day.
CREATE TABLE rate_limit_counters (
  id          bigserial PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  contact_id  uuid,
  channel     text,
  day         date NOT NULL,
  count       integer NOT NULL DEFAULT 0 CHECK (count >= 0),
  last_sent_at timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (user_id, contact_id, channel, day),
  FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);

CREATE TABLE ab_test_experiments (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name             text NOT NULL,
  context          text,                        -- the detected intent the experiment applies to
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed')),
  algorithm        text NOT NULL DEFAULT 'weighted' CHECK (algorithm IN ('weighted', 'thompson')),
  target_metric    text NOT NULL DEFAULT 'replied' CHECK (target_metric IN ('opened', 'replied', 'converted')),
  min_sample_size  integer NOT NULL DEFAULT 30 CHECK (min_sample_size >= 0),
  variants         jsonb NOT NULL,              -- [{ id, template, weight }]
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, id)
);
CREATE INDEX ab_test_experiments_active_idx ON ab_test_experiments (user_id, status, context);

CREATE TABLE ab_test_results (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  experiment_id     uuid NOT NULL,
  variant_id        text NOT NULL,
  message_event_id  uuid NOT NULL,
  metric            text NOT NULL CHECK (metric IN ('sent', 'opened', 'replied', 'converted')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (experiment_id, message_event_id, metric),
  FOREIGN KEY (user_id, experiment_id) REFERENCES ab_test_experiments (user_id, id) ON DELETE CASCADE,
  FOREIGN KEY (user_id, message_event_id) REFERENCES message_events (user_id, id) ON DELETE CASCADE
);
CREATE INDEX ab_test_results_variant_idx ON ab_test_results (experiment_id, variant_id, metric);

CREATE TABLE review_tasks (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  message_event_id  uuid NOT NULL UNIQUE,
  workflow_id       text NOT NULL,
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'skipped', 'expired', 'cancelled')),
  reason            text NOT NULL,
  draft_text        text,
  final_text        text,
  confidence        double precision,
  deadline          timestamptz NOT NULL,
  decided_by        text,
  decided_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (user_id, message_event_id) REFERENCES message_events (user_id, id) ON DELETE CASCADE
);
CREATE INDEX review_tasks_open_idx ON review_tasks (user_id, deadline) WHERE status = 'open';

-- Every decision: who or what decided, what, and why.
CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  actor         text NOT NULL,            -- system | workflow | api_key:<id> | reviewer:<id>
  action        text NOT NULL,
  subject_type  text NOT NULL,
  subject_id    text NOT NULL,
  details       jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_subject_idx ON audit_log (user_id, subject_type, subject_id, created_at);

-- Down Migration

DROP TABLE audit_log;
DROP TABLE review_tasks;
DROP TABLE ab_test_results;
DROP TABLE ab_test_experiments;
DROP TABLE rate_limit_counters;
DROP TABLE autopilot_jobs;
DROP TABLE autopilot_settings;
DROP TABLE message_events;
DROP TABLE contact_opt_outs;
DROP TABLE contacts;
DROP TABLE api_keys;
DROP TABLE users;
