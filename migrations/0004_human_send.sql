-- Up Migration

-- A task is either a review (approve or skip a draft) or a human send (a platform that forbids automated
-- messages: a person sends the ready text and confirms).
ALTER TABLE review_tasks
  ADD COLUMN kind text NOT NULL DEFAULT 'review' CHECK (kind IN ('review', 'human_send')),
  ADD COLUMN action_url text;
ALTER TABLE review_tasks DROP CONSTRAINT review_tasks_status_check;
ALTER TABLE review_tasks ADD CONSTRAINT review_tasks_status_check
  CHECK (status IN ('open', 'approved', 'skipped', 'expired', 'cancelled', 'sent'));

-- Down Migration

ALTER TABLE review_tasks DROP CONSTRAINT review_tasks_status_check;
ALTER TABLE review_tasks ADD CONSTRAINT review_tasks_status_check
  CHECK (status IN ('open', 'approved', 'skipped', 'expired', 'cancelled'));
ALTER TABLE review_tasks DROP COLUMN kind, DROP COLUMN action_url;
