import type { Pool, PoolClient } from 'pg';
import type { Variant } from '../domain/ab';

export type Metric = 'sent' | 'opened' | 'replied' | 'converted' | 'opted_out';
export const METRICS: Metric[] = ['sent', 'opened', 'replied', 'converted', 'opted_out'];

export interface ExperimentRow {
  id: string;
  userId: string;
  name: string;
  context: string | null;
  status: 'active' | 'paused' | 'completed';
  algorithm: 'weighted' | 'thompson';
  targetMetric: 'opened' | 'replied' | 'converted';
  minSampleSize: number;
  /** A winner is declared no sooner than this many hours after the start (daily and weekly rhythms). */
  minRunningHours: number;
  variants: Variant[];
  createdAt: Date;
  winner: { variantId: string; decidedAt: Date; reason: string } | null;
  /** The traffic split in force, computed in a batch (at most every 15 minutes). */
  allocation: { method: string; weights: { variantId: string; weight: number }[]; computedAt: Date } | null;
  /** Variants the opt-out guardrail paused: variant id → why and when. */
  pausedVariants: Record<string, { reason: string; at: string }>;
}

const COLUMNS = `id, user_id, name, context, status, algorithm, target_metric, min_sample_size, min_running_hours, variants, created_at,
  winner_variant_id, winner_decided_at, winner_reason, allocation, allocation_method, allocation_computed_at, paused_variants`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const toExperiment = (r: any): ExperimentRow => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  context: r.context,
  status: r.status,
  algorithm: r.algorithm,
  targetMetric: r.target_metric,
  minSampleSize: r.min_sample_size,
  minRunningHours: r.min_running_hours,
  variants: r.variants,
  createdAt: r.created_at,
  winner: r.winner_variant_id ? { variantId: r.winner_variant_id, decidedAt: r.winner_decided_at, reason: r.winner_reason ?? '' } : null,
  allocation: r.allocation ? { method: r.allocation_method, weights: r.allocation, computedAt: r.allocation_computed_at } : null,
  pausedVariants: r.paused_variants ?? {},
});

export async function createExperiment(
  db: Pool,
  userId: string,
  e: Pick<ExperimentRow, 'name' | 'context' | 'algorithm' | 'targetMetric' | 'minSampleSize' | 'variants'> & { minRunningHours?: number },
): Promise<ExperimentRow> {
  const { rows } = await db.query(
    `INSERT INTO ab_test_experiments (user_id, name, context, algorithm, target_metric, min_sample_size, min_running_hours, variants)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [userId, e.name, e.context, e.algorithm, e.targetMetric, e.minSampleSize, e.minRunningHours ?? 72, JSON.stringify(e.variants)],
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

export async function metricCounts(db: Pool | PoolClient, experimentId: string): Promise<Record<string, Record<Metric, number>>> {
  const { rows } = await db.query<{ variant_id: string; metric: Metric; n: number }>(
    `SELECT variant_id, metric, count(*)::int AS n FROM ab_test_results WHERE experiment_id = $1 GROUP BY variant_id, metric`,
    [experimentId],
  );
  const counts: Record<string, Record<Metric, number>> = {};
  for (const r of rows) {
    counts[r.variant_id] ??= { sent: 0, opened: 0, replied: 0, converted: 0, opted_out: 0 };
    counts[r.variant_id]![r.metric] = r.n;
  }
  return counts;
}

/** Counts a metric once per reply (unique experiment, message, metric). */
export async function trackResult(
  db: Pool | PoolClient,
  r: { userId: string; experimentId: string; variantId: string; eventId: string; metric: Metric; shares?: Record<string, number> | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO ab_test_results (user_id, experiment_id, variant_id, message_event_id, metric, shares) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (experiment_id, message_event_id, metric) DO NOTHING`,
    [r.userId, r.experimentId, r.variantId, r.eventId, r.metric, r.shares ? JSON.stringify(r.shares) : null],
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

/**
 * Stores what the last evaluation decided: the allocation, the winner (declared once: a later call never replaces
 * it), the paused variants. Only when the stored allocation is older than `staleBefore` (one batch at a time).
 */
export async function saveEvaluation(
  db: Pool | PoolClient,
  userId: string,
  id: string,
  e: {
    allocation: { method: string; weights: { variantId: string; weight: number }[] };
    computedAt: Date;
    winner?: { variantId: string; reason: string };
    pausedVariants: Record<string, { reason: string; at: string }>;
  },
): Promise<void> {
  await db.query(
    `UPDATE ab_test_experiments SET allocation = $3, allocation_method = $4, allocation_computed_at = $5::timestamptz,
            winner_variant_id = COALESCE(winner_variant_id, $6::text),
            winner_decided_at = COALESCE(winner_decided_at, CASE WHEN $6::text IS NULL THEN NULL ELSE $5::timestamptz END),
            winner_reason = COALESCE(winner_reason, $7::text), paused_variants = paused_variants || $8::jsonb, updated_at = now()
      WHERE user_id = $1 AND id = $2`,
    [userId, id, JSON.stringify(e.allocation.weights), e.allocation.method, e.computedAt, e.winner?.variantId ?? null, e.winner?.reason ?? null, JSON.stringify(e.pausedVariants)],
  );
}

/** Serialises evaluations of one experiment (an advisory lock for the caller's transaction). */
export async function lockExperiment(client: PoolClient, id: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`experiment:${id}`]);
}

/** Every variant template of the user's running experiments (sources an automatic reply's claims may come from). */
export async function activeVariantTemplates(db: Pool | PoolClient, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ variants: Variant[] }>(`SELECT variants FROM ab_test_experiments WHERE user_id = $1 AND status = 'active'`, [userId]);
  return rows.flatMap((r) => r.variants.flatMap((v) => Object.values(v.templates).filter((t): t is string => typeof t === 'string')));
}

/**
 * How many sends each variant should have had, given the split in force at each send (the sum of its shares); sends
 * recorded without a split count with `fallback` (the configured weights).
 */
export async function expectedSends(db: Pool | PoolClient, experimentId: string, fallback: Record<string, number>): Promise<Record<string, number>> {
  const { rows } = await db.query<{ shares: Record<string, number> | null; n: number }>(
    `SELECT shares, count(*)::int AS n FROM ab_test_results WHERE experiment_id = $1 AND metric = 'sent' GROUP BY shares`,
    [experimentId],
  );
  const expected: Record<string, number> = {};
  for (const { shares, n } of rows) {
    const split = shares ?? fallback;
    const total = Object.values(split).reduce((a, b) => a + b, 0) || 1;
    for (const [id, share] of Object.entries(split)) expected[id] = (expected[id] ?? 0) + (n * share) / total;
  }
  return expected;
}
