import type { Pool, PoolClient } from 'pg';
import type { Variant, VariantStats } from '../domain/ab';

export type Metric = 'sent' | 'opened' | 'replied' | 'converted';

export interface ExperimentRow {
  id: string;
  name: string;
  context: string | null;
  status: 'active' | 'paused' | 'completed';
  algorithm: 'weighted' | 'thompson';
  targetMetric: Exclude<Metric, 'sent'>;
  minSampleSize: number;
  variants: Variant[];
  createdAt: Date;
}

const COLUMNS = 'id, name, context, status, algorithm, target_metric, min_sample_size, variants, created_at';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const toExperiment = (r: any): ExperimentRow => ({
  id: r.id,
  name: r.name,
  context: r.context,
  status: r.status,
  algorithm: r.algorithm,
  targetMetric: r.target_metric,
  minSampleSize: r.min_sample_size,
  variants: r.variants,
  createdAt: r.created_at,
});

export async function createExperiment(
  db: Pool,
  userId: string,
  e: Omit<ExperimentRow, 'id' | 'status' | 'createdAt'>,
): Promise<ExperimentRow> {
  const { rows } = await db.query(
    `INSERT INTO ab_test_experiments (user_id, name, context, algorithm, target_metric, min_sample_size, variants)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [userId, e.name, e.context, e.algorithm, e.targetMetric, e.minSampleSize, JSON.stringify(e.variants)],
  );
  return toExperiment(rows[0]);
}

export async function findExperiment(db: Pool | PoolClient, userId: string, id: string): Promise<ExperimentRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM ab_test_experiments WHERE user_id = $1 AND id = $2`, [userId, id]);
  return rows[0] && toExperiment(rows[0]);
}

export async function listExperiments(db: Pool, userId: string): Promise<ExperimentRow[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM ab_test_experiments WHERE user_id = $1 ORDER BY created_at DESC`, [userId]);
  return rows.map(toExperiment);
}

export async function setExperimentStatus(db: Pool, userId: string, id: string, status: ExperimentRow['status']): Promise<ExperimentRow | undefined> {
  const { rows } = await db.query(
    `UPDATE ab_test_experiments SET status = $3, updated_at = now() WHERE user_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [userId, id, status],
  );
  return rows[0] && toExperiment(rows[0]);
}

/** The newest active experiment for the intent (or for every intent, when its context is empty). */
export async function findActiveExperiment(db: Pool | PoolClient, userId: string, intent: string): Promise<ExperimentRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM ab_test_experiments
      WHERE user_id = $1 AND status = 'active' AND (context = $2 OR context IS NULL)
      ORDER BY (context IS NULL), created_at DESC LIMIT 1`,
    [userId, intent],
  );
  return rows[0] && toExperiment(rows[0]);
}

export async function variantStats(db: Pool | PoolClient, experimentId: string, metric: Metric): Promise<VariantStats[]> {
  const { rows } = await db.query<{ variant_id: string; sent: number; successes: number }>(
    `SELECT variant_id,
            count(*) FILTER (WHERE metric = 'sent')::int AS sent,
            count(*) FILTER (WHERE metric = $2)::int AS successes
       FROM ab_test_results WHERE experiment_id = $1 GROUP BY variant_id`,
    [experimentId, metric],
  );
  return rows.map((r) => ({ variantId: r.variant_id, sent: r.sent, successes: r.successes }));
}

export async function metricCounts(db: Pool, experimentId: string): Promise<Record<string, Record<Metric, number>>> {
  const { rows } = await db.query<{ variant_id: string; metric: Metric; n: number }>(
    `SELECT variant_id, metric, count(*)::int AS n FROM ab_test_results WHERE experiment_id = $1 GROUP BY variant_id, metric`,
    [experimentId],
  );
  const counts: Record<string, Record<Metric, number>> = {};
  for (const r of rows) {
    counts[r.variant_id] ??= { sent: 0, opened: 0, replied: 0, converted: 0 };
    counts[r.variant_id]![r.metric] = r.n;
  }
  return counts;
}

/** Counts a metric once per reply (unique experiment, message, metric). */
export async function trackResult(
  db: Pool | PoolClient,
  r: { userId: string; experimentId: string; variantId: string; eventId: string; metric: Metric },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO ab_test_results (user_id, experiment_id, variant_id, message_event_id, metric) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (experiment_id, message_event_id, metric) DO NOTHING`,
    [r.userId, r.experimentId, r.variantId, r.eventId, r.metric],
  );
  return (rowCount ?? 0) > 0;
}

/** The variant of the last reply sent to this contact on this channel, which the lead's next message answers. */
export async function lastSentVariant(
  db: Pool | PoolClient,
  userId: string,
  contactId: string,
  channel: string,
  before: Date,
): Promise<{ experimentId: string; variantId: string; eventId: string } | undefined> {
  const { rows } = await db.query<{ experiment_id: string; variant_id: string; message_event_id: string }>(
    `SELECT experiment_id, variant_id, message_event_id FROM autopilot_jobs
      WHERE user_id = $1 AND contact_id = $2 AND channel = $3 AND status = 'sent' AND experiment_id IS NOT NULL AND sent_at <= $4
      ORDER BY sent_at DESC LIMIT 1`,
    [userId, contactId, channel, before],
  );
  const row = rows[0];
  return row && { experimentId: row.experiment_id, variantId: row.variant_id, eventId: row.message_event_id };
}
