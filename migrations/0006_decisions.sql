-- Up Migration

-- Experiments that decide: a minimum running time, a declared winner, the traffic allocation computed in batches
-- (Thompson sampling at most every 15 minutes), and variants the opt-out guardrail paused, with the reason.
ALTER TABLE ab_test_experiments
  ADD COLUMN min_running_hours integer NOT NULL DEFAULT 72 CHECK (min_running_hours >= 0),
  ADD COLUMN winner_variant_id text,
  ADD COLUMN winner_decided_at timestamptz,
  ADD COLUMN winner_reason text,
  ADD COLUMN allocation jsonb,
  ADD COLUMN allocation_method text,
  ADD COLUMN allocation_computed_at timestamptz,
  ADD COLUMN paused_variants jsonb NOT NULL DEFAULT '{}';

-- The split in force when a reply's variant was drawn (variant id → share), kept with the job and its "sent" count:
-- the sample-ratio check compares the sends with what the splits over time lead one to expect.
ALTER TABLE autopilot_jobs ADD COLUMN variant_shares jsonb;
ALTER TABLE ab_test_results ADD COLUMN shares jsonb;

-- A lead's opt-out after a variant's reply is its own metric, never a reply.
ALTER TABLE ab_test_results DROP CONSTRAINT ab_test_results_metric_check;
ALTER TABLE ab_test_results ADD CONSTRAINT ab_test_results_metric_check
  CHECK (metric IN ('sent', 'opened', 'replied', 'converted', 'opted_out'));

-- What the user vouches for: every price, discount, percentage and date an automatic reply states must appear here
-- or in their templates.
CREATE TABLE user_facts (
  user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  facts       text[] NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- confidenceThreshold "learned": autonomy per intent and channel, earned from reviewers' decisions. The AI
-- disclosure line added to automatic replies on the channels chosen (EU AI Act, Art. 50).
ALTER TABLE autopilot_settings
  ADD COLUMN learned_threshold boolean NOT NULL DEFAULT false,
  ADD COLUMN disclosure_text text,
  ADD COLUMN disclosure_channels text[] NOT NULL DEFAULT '{}';

-- Reviewers' decisions by intent and channel, newest first (calibration).
CREATE INDEX review_tasks_calibration_idx ON review_tasks (user_id, intent, channel, decided_at DESC)
  WHERE kind = 'review' AND status IN ('approved', 'skipped');

-- Down Migration

DROP INDEX review_tasks_calibration_idx;
ALTER TABLE autopilot_settings DROP COLUMN learned_threshold, DROP COLUMN disclosure_text, DROP COLUMN disclosure_channels;
DROP TABLE user_facts;
ALTER TABLE ab_test_results DROP COLUMN shares;
ALTER TABLE autopilot_jobs DROP COLUMN variant_shares;
ALTER TABLE ab_test_results DROP CONSTRAINT ab_test_results_metric_check;
ALTER TABLE ab_test_results ADD CONSTRAINT ab_test_results_metric_check CHECK (metric IN ('sent', 'opened', 'replied', 'converted'));
ALTER TABLE ab_test_experiments
  DROP COLUMN min_running_hours, DROP COLUMN winner_variant_id, DROP COLUMN winner_decided_at, DROP COLUMN winner_reason,
  DROP COLUMN allocation, DROP COLUMN allocation_method, DROP COLUMN allocation_computed_at, DROP COLUMN paused_variants;
