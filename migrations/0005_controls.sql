-- Up Migration

-- The user's own day (for the daily caps) and how far an opt-out reaches.
ALTER TABLE autopilot_settings
  ADD COLUMN timezone text NOT NULL DEFAULT 'UTC',
  ADD COLUMN opt_out_scope text NOT NULL DEFAULT 'person' CHECK (opt_out_scope IN ('person', 'channel'));

-- One automatic reply (sent without a person) counted against max_auto_replies_per_day, taken when the reply is
-- routed, in the user's local day; released when the reply ends without being sent.
CREATE TABLE auto_reply_reservations (
  message_event_id  uuid PRIMARY KEY,
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  day               date NOT NULL,
  reserved_at       timestamptz NOT NULL DEFAULT now(),
  released_at       timestamptz,
  FOREIGN KEY (user_id, message_event_id) REFERENCES message_events (user_id, id) ON DELETE CASCADE
);
CREATE INDEX auto_reply_reservations_day_idx ON auto_reply_reservations (user_id, day) WHERE released_at IS NULL;

-- The per-user daily limit counts in the user's day, the per-contact one in the contact's.
ALTER TABLE send_reservations ADD COLUMN user_day date;

-- The same person on several channels: by the phone number or address an event carried, or linked by hand.
ALTER TABLE contacts ADD COLUMN phone text, ADD COLUMN email text;
UPDATE contacts SET phone = handle WHERE channel = 'whatsapp';
UPDATE contacts SET email = lower(handle) WHERE channel = 'email';
CREATE INDEX contacts_phone_idx ON contacts (user_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX contacts_email_idx ON contacts (user_id, email) WHERE email IS NOT NULL;

-- A link is undirected: stored once, the smaller id first.
CREATE TABLE contact_links (
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  contact_a   uuid NOT NULL,
  contact_b   uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, contact_a, contact_b),
  CHECK (contact_a < contact_b),
  FOREIGN KEY (user_id, contact_a) REFERENCES contacts (user_id, id) ON DELETE CASCADE,
  FOREIGN KEY (user_id, contact_b) REFERENCES contacts (user_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_links_b_idx ON contact_links (user_id, contact_b);

-- A task may also ask a person whether an uncertain send reached the lead.
ALTER TABLE review_tasks DROP CONSTRAINT review_tasks_kind_check;
ALTER TABLE review_tasks ADD CONSTRAINT review_tasks_kind_check CHECK (kind IN ('review', 'human_send', 'send_uncertain'));

-- The sweep finds stored inbound events whose workflow may never have started.
CREATE INDEX message_events_received_idx ON message_events (created_at) WHERE stage = 'received' AND direction = 'inbound';

-- Down Migration

DROP INDEX message_events_received_idx;
ALTER TABLE review_tasks DROP CONSTRAINT review_tasks_kind_check;
ALTER TABLE review_tasks ADD CONSTRAINT review_tasks_kind_check CHECK (kind IN ('review', 'human_send'));
DROP TABLE contact_links;
DROP INDEX contacts_email_idx;
DROP INDEX contacts_phone_idx;
ALTER TABLE contacts DROP COLUMN phone, DROP COLUMN email;
ALTER TABLE send_reservations DROP COLUMN user_day;
DROP TABLE auto_reply_reservations;
ALTER TABLE autopilot_settings DROP COLUMN timezone, DROP COLUMN opt_out_scope;
