import type { Pool } from 'pg';
import { expectedSends, findExperiment, lockExperiment, metricCounts, saveEvaluation, type ExperimentRow, type Metric } from '../db/experiments';
import { withTransaction } from '../db/transaction';
import {
  allocationDue,
  allocationFor,
  analyzeExperiment,
  decideWinner,
  optOutGuardrail,
  sampleRatioMismatch,
  type CredibleInterval,
  type VariantWeight,
} from '../domain/experiment-stats';

/**
 * An experiment as its owner reads it and as the next reply draws from it: per variant the counts, the Bayesian
 * beta-binomial statistics on the target metric (chance to win, expected loss, lift against the first variant with
 * its 95 % credible interval), the sample-ratio check, the winner once declared, the traffic split in force and the
 * variants the opt-out guardrail paused.
 */
export interface ExperimentReport {
  variants: {
    variantId: string;
    counts: Record<Metric, number>;
    rate: number;
    chanceToWin: number;
    expectedLoss: number;
    lift: CredibleInterval | null;
    optOutRate: number;
    paused: { reason: string; at: string } | null;
    weight: number;
  }[];
  srm: { pValue: number; ok: boolean };
  winner: { variantId: string; decidedAt: string; reason: string } | null;
  decision: string;
  allocation: { method: string; weights: VariantWeight[]; computedAt: string | null };
}

/** The configured weights, for sends recorded before splits were kept. */
function configuredShares(experiment: ExperimentRow): Record<string, number> {
  return Object.fromEntries(experiment.variants.map((v) => [v.id, v.weight]));
}

// A variant is paused for opt-outs only with some data on both sides: a handful of sends proves nothing either way.
const GUARDRAIL_MIN_SENT = 10;

function evaluate(experiment: ExperimentRow, counts: Record<string, Record<Metric, number>>, expected: Record<string, number>, now: Date) {
  const empty = (): Record<Metric, number> => ({ sent: 0, opened: 0, replied: 0, converted: 0, opted_out: 0 });
  const countsOf = (id: string) => counts[id] ?? empty();
  const metric = experiment.targetMetric;
  const ids = experiment.variants.map((v) => v.id);

  // Guardrail: a variant credibly making more leads opt out than the first pauses itself.
  const paused = { ...experiment.pausedVariants };
  const first = ids[0]!;
  const newlyPaused: Record<string, { reason: string; at: string }> = {};
  for (const id of ids.slice(1)) {
    if (paused[id]) continue;
    const a = countsOf(first);
    const b = countsOf(id);
    if (a.sent < GUARDRAIL_MIN_SENT || b.sent < GUARDRAIL_MIN_SENT) continue;
    const guard = optOutGuardrail({ trials: a.sent, optOuts: a.opted_out }, { trials: b.sent, optOuts: b.opted_out });
    if (guard.pause) {
      const reason = `opt-outs: ${b.opted_out} of ${b.sent} against ${a.opted_out} of ${a.sent} for ${first}; ${(guard.probabilityWorse * 100).toFixed(1)} % likely higher`;
      newlyPaused[id] = paused[id] = { reason, at: now.toISOString() };
    }
  }

  const stats = ids.map((id) => ({ id, trials: countsOf(id).sent, successes: Math.min(countsOf(id).sent, countsOf(id)[metric]) }));
  const results = analyzeExperiment(stats);
  const live = experiment.variants.map((v) => ({ id: v.id, weight: paused[v.id] ? 0 : v.weight }));
  // Against the splits each send was drawn from (they change over time: burn-in, Thompson batches, a pause).
  const srm = sampleRatioMismatch(
    ids.map((id) => countsOf(id).sent),
    ids.map((id) => expected[id] ?? 0),
  );

  let winner = experiment.winner ? { variantId: experiment.winner.variantId, reason: experiment.winner.reason } : undefined;
  let decision = winner ? `winner: ${winner.reason}` : '';
  if (!winner) {
    // Every variant is evidence, a paused one too; a paused variant cannot win.
    const decided = decideWinner({
      variants: results,
      minSampleSize: experiment.minSampleSize,
      minRunningHours: experiment.minRunningHours,
      startedAt: experiment.createdAt,
      now,
    });
    if ('variantId' in decided && paused[decided.variantId]) decision = `no winner: the leader ${decided.variantId} is paused (${paused[decided.variantId]!.reason})`;
    else if ('variantId' in decided && !srm.ok) decision = `no winner while the split is off (sample ratio mismatch, p = ${srm.pValue.toExponential(2)})`;
    else if ('variantId' in decided) {
      winner = decided;
      decision = `winner: ${decided.reason}`;
    } else decision = `${decided.undecided}: ${decided.detail}`;
  }
  // Once a winner is declared, every reply gets it.
  const allocation = winner
    ? { method: 'winner', weights: ids.map((id) => ({ variantId: id, weight: id === winner!.variantId ? 1 : 0 })) }
    : allocationFor({ algorithm: experiment.algorithm, variants: live, stats, minSampleSize: experiment.minSampleSize });
  return { results, paused, newlyPaused, srm, winner, decision, allocation, countsOf };
}

/**
 * Re-evaluates the experiment and stores what changed. The traffic split is recomputed only when due (Thompson
 * sampling updates in batches, at most every 15 minutes), or when a winner or a paused variant changes it; with
 * `decisions`, the winner rule and the opt-out guardrail are checked now (a read of the experiment, an opt-out), so
 * a winner is declared as soon as the evidence holds and a harmful variant stops at once. Serialised per experiment;
 * returns the experiment as stored afterwards.
 */
export async function refreshExperiment(
  db: Pool,
  userId: string,
  experiment: ExperimentRow,
  now: Date,
  mode: 'when_due' | 'decisions' = 'when_due',
): Promise<ExperimentRow> {
  const due = (e: ExperimentRow) => allocationDue(e.allocation?.computedAt, now);
  if (mode === 'when_due' && !due(experiment)) return experiment;
  return withTransaction(db, async (client) => {
    await lockExperiment(client, experiment.id);
    const current = (await findExperiment(client, userId, experiment.id)) ?? experiment;
    if (mode === 'when_due' && !due(current)) return current;
    const evaluated = evaluate(current, await metricCounts(client, current.id), await expectedSends(client, current.id, configuredShares(current)), now);
    const decided = (!current.winner && evaluated.winner !== undefined) || Object.keys(evaluated.newlyPaused).length > 0;
    if (!due(current) && !decided) return current;
    await saveEvaluation(client, userId, current.id, {
      allocation: evaluated.allocation,
      computedAt: now,
      winner: current.winner ? undefined : evaluated.winner,
      pausedVariants: evaluated.newlyPaused,
    });
    return (await findExperiment(client, userId, current.id))!;
  });
}

/** The report for GET /v1/experiments/:id (after refreshing a due evaluation). */
export async function experimentReport(db: Pool, userId: string, experiment: ExperimentRow, now: Date): Promise<ExperimentReport> {
  const current = await refreshExperiment(db, userId, experiment, now, 'decisions');
  const evaluated = evaluate(current, await metricCounts(db, current.id), await expectedSends(db, current.id, configuredShares(current)), now);
  const weights = current.allocation?.weights ?? evaluated.allocation.weights;
  return {
    variants: current.variants.map((v, i) => {
      const r = evaluated.results[i]!;
      const counts = evaluated.countsOf(v.id);
      return {
        variantId: v.id,
        counts,
        rate: r.rate,
        chanceToWin: r.chanceToWin,
        expectedLoss: r.expectedLoss,
        lift: r.lift ?? null,
        optOutRate: counts.sent ? counts.opted_out / counts.sent : 0,
        paused: evaluated.paused[v.id] ?? null,
        weight: weights.find((w) => w.variantId === v.id)?.weight ?? 0,
      };
    }),
    srm: evaluated.srm,
    winner: current.winner ? { variantId: current.winner.variantId, decidedAt: current.winner.decidedAt.toISOString(), reason: current.winner.reason } : null,
    decision: evaluated.decision,
    allocation: { method: current.allocation?.method ?? evaluated.allocation.method, weights, computedAt: current.allocation?.computedAt.toISOString() ?? null },
  };
}
