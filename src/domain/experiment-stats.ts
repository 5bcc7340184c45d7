import type { Random } from './ab';
import {
  betaDensity,
  chiSquareSurvival,
  digamma,
  logBeta,
  quadratureOverPanels,
  regularizedIncompleteBeta,
  trigamma,
} from './special-functions';

/**
 * The statistics behind reply experiments: a Bayesian beta-binomial model on the target metric (as GrowthBook's
 * Bayesian engine for binomial metrics, packages/stats/gbstats/bayesian), sample ratio mismatch, the rule that
 * declares a winner, the traffic allocation (burn-in, weighted split, Thompson sampling) and the opt-out guardrail.
 *
 * Everything here is deterministic: chance to win and expected loss are numerical integrals, not Monte Carlo, so the
 * same counts always give the same numbers (a page reload does not flip a decision) and a Temporal replay agrees.
 */

export interface VariantCounts {
  id: string;
  /** Replies sent with this variant. */
  trials: number;
  /** Of those, how many reached the target metric (opened, replied or converted). */
  successes: number;
}

export interface CredibleInterval {
  mean: number;
  lower: number;
  upper: number;
}

export interface VariantResult extends VariantCounts {
  /** Posterior mean rate, (successes + 1) / (trials + 2). */
  rate: number;
  /** Probability that this variant has the highest true rate of all variants. */
  chanceToWin: number;
  /** E[max_j p_j − p_i]: the rate (absolute, in rate units) expected to be lost by shipping this variant. */
  expectedLoss: number;
  /** Relative lift over the first variant (the baseline), with a 95 % credible interval; absent on the baseline. */
  lift?: CredibleInterval;
}

// GrowthBook: prior Beta(1, 1) for binomial metrics (gbstats/bayesian/constants.py BETA_PRIOR), so the posterior is
// Beta(successes + 1, failures + 1).
const PRIOR_SUCCESSES = 1;
const PRIOR_FAILURES = 1;
// Standard normal 97.5 % quantile, for the 95 % credible interval (GrowthBook's default ccr = 0.05).
const Z_975 = 1.959963984540054;
// Each posterior is integrated over its mean ± 20 standard deviations: the mass left outside is below 1e-9 even for
// the most skewed posterior the Beta(1, 1) prior allows (Beta(1, n), an exponential tail).
const SUPPORT_SDS = 20;
// Beside each posterior's own scale, no integration panel is wider than 1/64: keeps the rule accurate for the wide
// posteriors of variants with little data.
const GRID = 64;
// A quadrature node whose weighted density is below this is skipped (see bestArmIntegrals).
const NEGLIGIBLE = 1e-18;

interface Posterior {
  alpha: number;
  beta: number;
  lnB: number;
  mean: number;
  sd: number;
}

function posterior(v: VariantCounts): Posterior {
  const { trials, successes } = v;
  if (!Number.isInteger(trials) || !Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`variant ${v.id}: successes and trials must be integers with 0 ≤ successes ≤ trials`);
  }
  const alpha = v.successes + PRIOR_SUCCESSES;
  const beta = v.trials - v.successes + PRIOR_FAILURES;
  const n = alpha + beta;
  const sd = Math.sqrt((alpha * beta) / (n * n * (n + 1)));
  return { alpha, beta, lnB: logBeta(alpha, beta), mean: alpha / n, sd };
}

function density(p: Posterior, x: number): number {
  return betaDensity(x, p.alpha, p.beta, p.lnB);
}

function cdf(p: Posterior, x: number): number {
  // Beyond its 20-sd window a posterior's distribution function is 0 or 1 to within 1e-9.
  if (x <= p.mean - SUPPORT_SDS * p.sd) return 0;
  if (x >= p.mean + SUPPORT_SDS * p.sd) return 1;
  return regularizedIncompleteBeta(x, p.alpha, p.beta, p.lnB);
}

/**
 * For each variant i: P(i best) = ∫ f_i(x) Π_{j≠i} F_j(x) dx and E[p_i · 1{i best}] = ∫ x f_i(x) Π_{j≠i} F_j(x) dx.
 * Panels break at every standard deviation of every posterior, so each density and each distribution function is
 * resolved on its own scale, from lopsided pairs (Beta(1, 5001) against Beta(2501, 2501)) to identical ones.
 */
function bestArmIntegrals(posteriors: Posterior[]): { chance: number[]; meanIfBest: number[] } {
  const breaks = new Set<number>();
  for (let k = 0; k <= GRID; k++) breaks.add(k / GRID);
  for (const p of posteriors) for (let k = -SUPPORT_SDS; k <= SUPPORT_SDS; k++) breaks.add(p.mean + k * p.sd);
  const sorted = [...breaks].sort((a, b) => a - b);

  const chance: number[] = [];
  const meanIfBest: number[] = [];
  posteriors.forEach((own, i) => {
    const lo = Math.max(0, own.mean - SUPPORT_SDS * own.sd);
    const hi = Math.min(1, own.mean + SUPPORT_SDS * own.sd);
    const panels = [lo, ...sorted.filter((x) => x > lo && x < hi), hi];
    const others = posteriors.filter((_, j) => j !== i);
    const { nodes, weights } = quadratureOverPanels(panels);
    let probability = 0;
    let firstMoment = 0;
    nodes.forEach((x, k) => {
      let value = weights[k]! * density(own, x);
      // Nodes deep in the tail add < 1e-18 each (a few thousand nodes): not worth an incomplete beta.
      if (value < NEGLIGIBLE) return;
      for (const other of others) value *= cdf(other, x);
      probability += value;
      firstMoment += x * value;
    });
    chance.push(probability);
    meanIfBest.push(firstMoment);
  });
  return { chance, meanIfBest };
}

/**
 * Relative lift of `treatment` over `baseline`, p_T / p_C − 1, as GrowthBook's BinomialBayesianABTest does
 * (gbstats/bayesian/tests.py, docs.growthbook.io/statistics/details): the log of a Beta(α, β) rate has the exact mean
 * ψ(α) − ψ(α + β) and variance ψ′(α) − ψ′(α + β), so log(p_T / p_C) has the difference of the means and the sum of
 * the variances; taking it as normal (lognormal ratio), the interval is exp(μ ± 1.96 σ) − 1 and the centre exp(μ) − 1
 * (GrowthBook's "expected"; the posterior median of the lift under that approximation).
 */
function relativeLift(baseline: Posterior, treatment: Posterior): CredibleInterval {
  const logMean = (p: Posterior) => digamma(p.alpha) - digamma(p.alpha + p.beta);
  const logVariance = (p: Posterior) => trigamma(p.alpha) - trigamma(p.alpha + p.beta);
  const mu = logMean(treatment) - logMean(baseline);
  const sigma = Math.sqrt(logVariance(treatment) + logVariance(baseline));
  return { mean: Math.expm1(mu), lower: Math.expm1(mu - Z_975 * sigma), upper: Math.expm1(mu + Z_975 * sigma) };
}

/**
 * The posterior of every variant's rate under a Beta(1, 1) prior; the first variant is the baseline for `lift`.
 *
 * `chanceToWin` is the probability of being the best of all variants (GrowthBook's "probability to be best" for
 * bandits; for two variants it equals its "chance to win", docs.growthbook.io/statistics/overview: "the probability
 * that a variation is better"). GrowthBook approximates it from the lognormal ratio; here it is integrated exactly,
 * which matters for the small, lopsided samples reply experiments have.
 *
 * `expectedLoss` is GrowthBook's "risk": "If I stop the test now and choose X and it's actually worse, how much am I
 * expected to lose?" (statistics/overview), E[max_j p_j − p_i], here over all variants, in rate units.
 */
export function analyzeExperiment(variants: VariantCounts[]): VariantResult[] {
  if (new Set(variants.map((v) => v.id)).size !== variants.length) throw new RangeError('variant ids must be unique');
  const posteriors = variants.map(posterior);
  if (posteriors.length === 0) return [];
  const { chance, meanIfBest } = bestArmIntegrals(posteriors);
  const expectedMax = meanIfBest.reduce((sum, m) => sum + m, 0);
  const baseline = posteriors[0]!;
  return variants.map((v, i) => {
    const p = posteriors[i]!;
    const result: VariantResult = {
      id: v.id,
      trials: v.trials,
      successes: v.successes,
      rate: p.mean,
      chanceToWin: clamp01(chance[i]!),
      // The integration error (~1e-12) can make a sure winner's loss a hair negative.
      expectedLoss: Math.max(0, expectedMax - p.mean),
    };
    if (i > 0) result.lift = relativeLift(baseline, p);
    return result;
  });
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

// ---------------------------------------------------------------------------------------------------------------
// Sample ratio mismatch

// GrowthBook flags SRM below p = 0.001, not 0.05: true mismatches are rare, so at 0.05 about half the warnings would
// be false alarms (docs.growthbook.io/statistics/srm, "The default SRM threshold is 0.001").
export const SRM_P_VALUE_THRESHOLD = 0.001;

/**
 * Chi-square goodness-of-fit test of the observed sends per variant against the split the weights promise
 * (GrowthBook's default SRM check). `expectedWeights` need not sum to 1; when the split changed over time (Thompson
 * allocation) pass the expected counts, Σ over periods of sends × that period's weight.
 *
 * A variant with weight 0 takes no part, unless it received sends, which no split explains (p = 0). With fewer than
 * two weighted variants or no sends there is nothing to test (p = 1).
 */
export function sampleRatioMismatch(observedCounts: number[], expectedWeights: number[]): { pValue: number; ok: boolean } {
  if (observedCounts.length !== expectedWeights.length) throw new RangeError('one expected weight per observed count');
  const valid = (x: number) => Number.isFinite(x) && x >= 0;
  if (!observedCounts.every(valid) || !expectedWeights.every(valid)) {
    throw new RangeError('counts and weights must be finite and non-negative');
  }
  const total = observedCounts.reduce((sum, c) => sum + c, 0);
  const totalWeight = expectedWeights.reduce((sum, w) => sum + w, 0);
  const verdict = (pValue: number) => ({ pValue, ok: pValue >= SRM_P_VALUE_THRESHOLD });
  if (total === 0) return verdict(1);
  if (totalWeight === 0 || observedCounts.some((c, i) => c > 0 && expectedWeights[i] === 0)) return verdict(0);
  let statistic = 0;
  let categories = 0;
  observedCounts.forEach((observed, i) => {
    const weight = expectedWeights[i]!;
    if (weight === 0) return;
    const expected = (total * weight) / totalWeight;
    statistic += ((observed - expected) * (observed - expected)) / expected;
    categories += 1;
  });
  if (categories < 2) return verdict(1);
  return verdict(chiSquareSurvival(statistic, categories - 1));
}

// ---------------------------------------------------------------------------------------------------------------
// Declaring a winner

// GrowthBook: "You typically want to wait until [chance to win] reaches 95%" (statistics/overview); its bandits take
// the same 95 % as the default success criterion (statistics/bandits, FAQ 2).
export const WIN_PROBABILITY_THRESHOLD = 0.95;
/**
 * GrowthBook's default metric "win risk", 0.25 % (winRisk: 0.0025, beside loseRisk: 0.0125). GrowthBook compares it
 * with the *relative* risk: the risk "is shown as a relative percent change — so if your baseline metric value is
 * $5/user, a 10% risk equates to losing $0.50" (statistics/overview), computed as risk / the variation's mean
 * (gbstats/bayesian/tests.py relative_risk). So a variant may win when its expected loss is at most 0.25 % *of its
 * rate*: for a 45 % reply rate, 0.1125 rate points. We divide by the posterior mean rather than the observed rate,
 * which is never 0 and differs negligibly once the minimum sample is reached.
 */
export const WIN_RISK_THRESHOLD = 0.0025;

export type UndecidedReason = 'too_few_variants' | 'running_time' | 'sample_size' | 'no_likely_winner' | 'expected_loss_too_high';

export type WinnerDecision =
  | { variantId: string; reason: string }
  | { undecided: UndecidedReason; detail: string };

const HOUR_MS = 3_600_000;

const percent = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;

/**
 * A variant wins when the experiment has run `minRunningHours`, every variant has `minSampleSize` trials, its chance
 * to win is at least 95 % and its expected loss at most 0.25 % of its rate. The time floor covers weekly and daily
 * rhythms in how leads answer; the sample floor keeps a lucky first dozen replies from deciding.
 */
export function decideWinner(input: {
  variants: VariantResult[];
  minSampleSize: number;
  minRunningHours: number;
  startedAt: Date;
  now: Date;
}): WinnerDecision {
  const { variants, minSampleSize, minRunningHours, startedAt, now } = input;
  if (variants.length < 2) return { undecided: 'too_few_variants', detail: 'an experiment needs at least two variants' };
  const runningHours = (now.getTime() - startedAt.getTime()) / HOUR_MS;
  if (runningHours < minRunningHours) {
    const detail = `running ${runningHours.toFixed(1)} h of the ${minRunningHours} h minimum`;
    return { undecided: 'running_time', detail };
  }
  const short = variants.filter((v) => v.trials < minSampleSize);
  if (short.length > 0) {
    const fewest = Math.min(...short.map((v) => v.trials));
    const detail = `${short.length} variant(s) below ${minSampleSize} trials (fewest: ${fewest})`;
    return { undecided: 'sample_size', detail };
  }
  const leader = variants.reduce((best, v) => (v.chanceToWin > best.chanceToWin ? v : best));
  const chance = `chance to win ${percent(leader.chanceToWin)}`;
  if (leader.chanceToWin < WIN_PROBABILITY_THRESHOLD) {
    return { undecided: 'no_likely_winner', detail: `the leader's ${chance}, below ${percent(WIN_PROBABILITY_THRESHOLD, 0)}` };
  }
  const relativeLoss = leader.expectedLoss / leader.rate;
  const loss = `expected loss ${percent(relativeLoss, 3)} of its rate`;
  if (relativeLoss > WIN_RISK_THRESHOLD) {
    return { undecided: 'expected_loss_too_high', detail: `the leader's ${loss}, above ${percent(WIN_RISK_THRESHOLD, 2)}` };
  }
  return {
    variantId: leader.id,
    reason: `${chance} ≥ ${percent(WIN_PROBABILITY_THRESHOLD, 0)}, ${loss} ≤ ${percent(WIN_RISK_THRESHOLD, 2)}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Traffic allocation

export interface VariantWeight {
  variantId: string;
  weight: number;
}

export type AllocationMethod = 'burn_in' | 'weighted' | 'thompson';

// GrowthBook bandits keep "each variation [at] at least 1% of traffic (roughly), in case user behavior changes over
// time" (statistics/bandits; gbstats BanditConfig.min_variation_weight = 0.01).
export const MIN_THOMPSON_WEIGHT = 0.01;
// GrowthBook's shortest bandit update cadence is 15 minutes (statistics/bandits, "What should my update cadence be?").
export const ALLOCATION_REFRESH_MS = 15 * 60_000;

/** Whether stored allocation weights are due for recomputation. */
export function allocationDue(computedAt: Date | undefined, now: Date): boolean {
  return computedAt === undefined || now.getTime() - computedAt.getTime() >= ALLOCATION_REFRESH_MS;
}

/**
 * Traffic weights per variant, computed in a batch; per message the caller only draws from them (`pickByWeights`).
 * Variants with weight ≤ 0 are switched off and get none. Until every other variant has `minSampleSize` trials
 * (burn-in) the split is equal, so each variant is measured; after it, the configured weights (weighted) or each
 * variant's probability of being best (Thompson sampling, as GrowthBook bandits: "allocates traffic proportionally
 * to the probability that an arm yields the largest" metric), floored at `minWeight`.
 */
export function allocationFor(input: {
  algorithm: 'weighted' | 'thompson';
  variants: { id: string; weight: number }[];
  stats: VariantCounts[];
  minSampleSize: number;
  minWeight?: number;
}): { method: AllocationMethod; weights: VariantWeight[] } {
  const { algorithm, variants, stats, minSampleSize, minWeight = MIN_THOMPSON_WEIGHT } = input;
  const active = variants.filter((v) => v.weight > 0);
  const byId = new Map(stats.map((s) => [s.id, s]));
  const countsOf = (id: string): VariantCounts => byId.get(id) ?? { id, trials: 0, successes: 0 };
  const weights = (weightOf: (id: string) => number) =>
    variants.map((v) => ({ variantId: v.id, weight: v.weight > 0 ? weightOf(v.id) : 0 }));

  if (active.length === 0) return { method: 'weighted', weights: weights(() => 0) };
  if (active.some((v) => countsOf(v.id).trials < minSampleSize)) {
    return { method: 'burn_in', weights: weights(() => 1 / active.length) };
  }
  if (algorithm === 'weighted') {
    const total = active.reduce((sum, v) => sum + v.weight, 0);
    const configured = new Map(active.map((v) => [v.id, v.weight / total]));
    return { method: 'weighted', weights: weights((id) => configured.get(id)!) };
  }
  const results = analyzeExperiment(active.map((v) => ({ ...countsOf(v.id), id: v.id })));
  const floored = withFloor(
    results.map((r) => r.chanceToWin),
    minWeight,
  );
  const thompson = new Map(results.map((r, i) => [r.id, floored[i]!]));
  return { method: 'thompson', weights: weights((id) => thompson.get(id)!) };
}

/** Normalizes `probabilities` to sum 1 with none below `floor`; the mass above the floor keeps its proportions. */
function withFloor(probabilities: number[], floor: number): number[] {
  const n = probabilities.length;
  if (floor * n >= 1) return probabilities.map(() => 1 / n);
  const total = probabilities.reduce((sum, p) => sum + p, 0);
  const p = probabilities.map((x) => x / total);
  const floored = new Set<number>();
  // Raising one variant to the floor takes mass from the rest, which can push another below it: repeat until stable.
  for (;;) {
    const freeMass = 1 - floor * floored.size;
    const freeTotal = p.reduce((sum, x, i) => (floored.has(i) ? sum : sum + x), 0);
    const next = p.findIndex((x, i) => !floored.has(i) && (x / freeTotal) * freeMass < floor);
    if (next === -1) return p.map((x, i) => (floored.has(i) ? floor : (x / freeTotal) * freeMass));
    floored.add(next);
  }
}

/** The variant a `random()` in [0, 1) lands on, each with probability weight / total; weights ≤ 0 never win. */
export function pickByWeights(weights: VariantWeight[], random: Random): string {
  const total = weights.reduce((sum, w) => sum + Math.max(0, w.weight), 0);
  if (!(total > 0)) throw new RangeError('no variant has a positive weight');
  let point = random() * total;
  let last: string | undefined;
  for (const w of weights) {
    if (!(w.weight > 0)) continue;
    last = w.variantId;
    point -= w.weight;
    if (point < 0) return w.variantId;
  }
  // Rounding can leave point a hair above 0 after the last variant.
  return last!;
}

// ---------------------------------------------------------------------------------------------------------------
// Guardrail

// The same 95 % as a win: a variant that is 95 % likely to make more leads opt out is paused.
export const OPT_OUT_PAUSE_PROBABILITY = 0.95;

/**
 * Whether `other` makes more leads opt out than `first` (the baseline): P(opt-out rate of other > first) under the
 * same Beta(1, 1) model, exact. A guardrail metric in GrowthBook's sense (statistics/overview, "Guardrail Metrics help
 * ensure an experiment isn't inadvertently hurting core metrics"); opt-outs are the one a sales sequence cannot undo.
 */
export function optOutGuardrail(
  first: { trials: number; optOuts: number },
  other: { trials: number; optOuts: number },
): { probabilityWorse: number; pause: boolean } {
  const [, worse] = analyzeExperiment([
    { id: 'first', trials: first.trials, successes: first.optOuts },
    { id: 'other', trials: other.trials, successes: other.optOuts },
  ]);
  const probabilityWorse = worse!.chanceToWin;
  return { probabilityWorse, pause: probabilityWorse >= OPT_OUT_PAUSE_PROBABILITY };
}
