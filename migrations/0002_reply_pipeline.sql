-- Up Migration

ALTER TABLE autopilot_settings
  ADD COLUMN confidence_threshold double precision CHECK (confidence_threshold BETWEEN 0 AND 1),
  ADD COLUMN send_timing text NOT NULL DEFAULT 'best_time' CHECK (send_timing IN ('best_time', 'asap')),
  ADD COLUMN sending_hours_start smallint NOT NULL DEFAULT 8 CHECK (sending_hours_start BETWEEN 0 AND 23),
  ADD COLUMN sending_hours_end smallint NOT NULL DEFAULT 20 CHECK (sending_hours_end BETWEEN 1 AND 24),
  ADD COLUMN templates jsonb NOT NULL DEFAULT '{}',
  ADD CONSTRAINT autopilot_settings_sending_hours_check CHECK (sending_hours_start < sending_hours_end);

ALTER TABLE autopilot_jobs
  ADD COLUMN intent text,
  ADD COLUMN language text,
  ADD COLUMN detected_action text,
  ADD COLUMN reasoning text,
  ADD COLUMN gate_results jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN decided_by text,
  ADD COLUMN decision_reason text,
  ADD COLUMN experiment_id uuid,
  ADD COLUMN sandbox boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT autopilot_jobs_experiment_fk FOREIGN KEY (user_id, experiment_id) REFERENCES ab_test_experiments (user_id, id);
CREATE INDEX autopilot_jobs_contact_idx ON autopilot_jobs (user_id, contact_id, channel, sent_at DESC);

ALTER TABLE review_tasks
  ADD COLUMN contact_id uuid,
  ADD COLUMN channel text,
  ADD COLUMN one_click boolean NOT NULL DEFAULT false,
  ADD COLUMN planned_send_at timestamptz,
  ADD COLUMN intent text,
  ADD COLUMN gate_results jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN inbound_text text,
  ADD COLUMN decision_reason text,
  ADD CONSTRAINT review_tasks_contact_fk FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE;
-- A review is reopened (a new round) when an edited text fails the gates again: one open task per message.
ALTER TABLE review_tasks DROP CONSTRAINT review_tasks_message_event_id_key;
CREATE UNIQUE INDEX review_tasks_one_open_idx ON review_tasks (message_event_id) WHERE status = 'open';
ALTER TABLE review_tasks ADD COLUMN round integer NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX review_tasks_round_idx ON review_tasks (message_event_id, round);

-- One rate-limit reservation per reply; releasing it gives the counted slot back.
CREATE TABLE send_reservations (
  message_event_id  uuid PRIMARY KEY,
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  contact_id        uuid NOT NULL,
  channel           text NOT NULL,
  day               date NOT NULL,
  send_at           timestamptz NOT NULL,
  reserved_at       timestamptz NOT NULL DEFAULT now(),
  released_at       timestamptz,
  FOREIGN KEY (user_id, message_event_id) REFERENCES message_events (user_id, id) ON DELETE CASCADE,
  FOREIGN KEY (user_id, contact_id) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);
CREATE INDEX send_reservations_contact_idx ON send_reservations (user_id, contact_id, send_at) WHERE released_at IS NULL;

-- The sandbox transport: the exact outgoing message, once per job, for channels without a real transport.
CREATE TABLE outbox (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  job_id               uuid NOT NULL UNIQUE REFERENCES autopilot_jobs (id) ON DELETE CASCADE,
  channel              text NOT NULL,
  recipient            text NOT NULL,
  message              jsonb NOT NULL,
  provider_message_id  text NOT NULL UNIQUE,
  created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_user_idx ON outbox (user_id, created_at DESC);

-- Down Migration

DROP TABLE outbox;
DROP TABLE send_reservations;
DROP INDEX review_tasks_round_idx;
ALTER TABLE review_tasks DROP COLUMN round;
DROP INDEX review_tasks_one_open_idx;
ALTER TABLE review_tasks ADD CONSTRAINT review_tasks_message_event_id_key UNIQUE (message_event_id);
ALTER TABLE review_tasks
  DROP CONSTRAINT review_tasks_contact_fk,
  DROP COLUMN contact_id, DROP COLUMN channel, DROP COLUMN one_click, DROP COLUMN planned_send_at,
  DROP COLUMN intent, DROP COLUMN gate_results, DROP COLUMN inbound_text, DROP COLUMN decision_reason;
DROP INDEX autopilot_jobs_contact_idx;
ALTER TABLE autopilot_jobs
  DROP CONSTRAINT autopilot_jobs_experiment_fk,
  DROP COLUMN intent, DROP COLUMN language, DROP COLUMN detected_action, DROP COLUMN reasoning,
  DROP COLUMN gate_results, DROP COLUMN decided_by, DROP COLUMN decision_reason, DROP COLUMN experiment_id, DROP COLUMN sandbox;
ALTER TABLE autopilot_settings
  DROP CONSTRAINT autopilot_settings_sending_hours_check,
  DROP COLUMN confidence_threshold, DROP COLUMN send_timing, DROP COLUMN sending_hours_start,
  DROP COLUMN sending_hours_end, DROP COLUMN templates;
