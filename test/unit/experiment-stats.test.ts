import { chooseVariant, sampleBeta, type Variant } from '../../src/domain/ab';
import {
  allocationDue,
  allocationFor,
  analyzeExperiment,
  decideWinner,
  optOutGuardrail,
  pickByWeights,
  sampleRatioMismatch,
  type VariantCounts,
} from '../../src/domain/experiment-stats';
import {
  chiSquareSurvival,
  digamma,
  logBeta,
  logGamma,
  regularizedIncompleteBeta,
  regularizedUpperGamma,
  trigamma,
} from '../../src/domain/special-functions';
import { seededRandom } from '../helpers/seeded-random';

const counts = (id: string, trials: number, successes: number): VariantCounts => ({ id, trials, successes });
const byId = <T extends { id: string }>(rows: T[], id: string): T => rows.find((r) => r.id === id)!;

/**
 * P(p_B > p_A) for p_A ~ Beta(αA, βA), p_B ~ Beta(αB, βB) with integer αB, as a finite sum of positive terms
 * (Evan Miller, "Formulas for Bayesian A/B testing", 2015): an independent route to the integral under test.
 */
function probabilityBGreater(aA: number, bA: number, aB: number, bB: number): number {
  let total = 0;
  for (let i = 0; i < aB; i++) total += Math.exp(logBeta(aA + i, bA + bB) - Math.log(bB + i) - logBeta(1 + i, bB) - logBeta(aA, bA));
  return total;
}

function binomialUpperTail(n: number, p: number, k: number): number {
  let total = 0;
  for (let j = k; j <= n; j++) total += Math.exp(logGamma(n + 1) - logGamma(j + 1) - logGamma(n - j + 1) + j * Math.log(p) + (n - j) * Math.log1p(-p));
  return total;
}

describe('special functions', () => {
  it('log-gamma agrees with factorials and Γ(1/2) = √π', () => {
    let factorial = 1;
    for (let n = 1; n <= 20; n++) {
      expect(logGamma(n)).toBeCloseTo(Math.log(factorial), 12);
      factorial *= n;
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });

  it('the incomplete beta matches its closed forms, also for large parameters', () => {
    for (const x of [0.001, 0.2, 0.5, 0.9, 0.999]) {
      expect(regularizedIncompleteBeta(x, 1, 7)).toBeCloseTo(1 - (1 - x) ** 7, 13);
      expect(regularizedIncompleteBeta(x, 4, 1)).toBeCloseTo(x ** 4, 13);
    }
    for (const a of [3, 250, 2500]) expect(regularizedIncompleteBeta(0.5, a, a)).toBeCloseTo(0.5, 9);
    // I_p(k, n − k + 1) = P(Binomial(n, p) ≥ k)
    for (const [n, k, p] of [[20, 7, 0.3], [50, 45, 0.8], [5000, 2550, 0.5]] as const) {
      expect(regularizedIncompleteBeta(p, k, n - k + 1)).toBeCloseTo(binomialUpperTail(n, p, k), 9);
    }
  });

  it('digamma and trigamma hit their known values and recurrences', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 12);
    expect(trigamma(1)).toBeCloseTo(Math.PI ** 2 / 6, 12);
    for (const x of [0.3, 2.5, 9.7, 40]) {
      expect(digamma(x + 1) - digamma(x)).toBeCloseTo(1 / x, 12);
      expect(trigamma(x) - trigamma(x + 1)).toBeCloseTo(1 / (x * x), 12);
    }
  });

  it('gives chi-square tail probabilities from the statistical tables', () => {
    expect(chiSquareSurvival(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(6.635, 1)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(5.991, 2)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(7.815, 3)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(11.345, 3)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(18.307, 10)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(0, 4)).toBe(1);
    // df = 2 is the exponential distribution: P(X ≥ x) = e^(−x/2)
    for (const x of [0.5, 3, 40]) expect(chiSquareSurvival(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 10);
    expect(regularizedUpperGamma(1, 2.5)).toBeCloseTo(Math.exp(-2.5), 14);
  });
});

describe('analyzeExperiment', () => {
  it('gives two variants without data an even chance and the uniform expected loss of 1/6', () => {
    const [a, b] = analyzeExperiment([counts('a', 0, 0), counts('b', 0, 0)]);
    expect(a!.chanceToWin).toBeCloseTo(0.5, 10);
    expect(b!.chanceToWin).toBeCloseTo(0.5, 10);
    // E[max(U1, U2)] − E[U] = 2/3 − 1/2
    expect(a!.expectedLoss).toBeCloseTo(1 / 6, 10);
    expect(a!.rate).toBe(0.5);
    expect(a!.lift).toBeUndefined();
    expect(b!.lift!.mean).toBeCloseTo(0, 12);
  });

  it('matches P(Beta(a, 1) > Beta(1, 1)) = a / (a + 1) and its expected losses', () => {
    for (const a of [2, 5, 50]) {
      const [uniform, skewed] = analyzeExperiment([counts('uniform', 0, 0), counts('skewed', a - 1, a - 1)]);
      expect(skewed!.chanceToWin).toBeCloseTo(a / (a + 1), 9);
      expect(uniform!.chanceToWin).toBeCloseTo(1 / (a + 1), 9);
      // E[max] = ∫ (1 − x^a · x) dx = 1 − 1/(a + 2)
      const expectedMax = 1 - 1 / (a + 2);
      expect(skewed!.expectedLoss).toBeCloseTo(expectedMax - a / (a + 1), 9);
      expect(uniform!.expectedLoss).toBeCloseTo(expectedMax - 1 / 2, 9);
    }
  });

  it('agrees with the closed-form sum for two variants, lopsided and with 5000 trials', () => {
    const cases: [VariantCounts, VariantCounts][] = [
      [counts('a', 80, 36), counts('b', 80, 6)],
      [counts('a', 5000, 500), counts('b', 5000, 530)],
      [counts('a', 5000, 2500), counts('b', 4800, 2450)],
      [counts('a', 5000, 3), counts('b', 40, 1)],
      [counts('a', 5000, 0), counts('b', 3, 0)],
      [counts('a', 12, 11), counts('b', 5000, 4990)],
    ];
    for (const [a, b] of cases) {
      const [, result] = analyzeExperiment([a, b]);
      const exact = probabilityBGreater(a.successes + 1, a.trials - a.successes + 1, b.successes + 1, b.trials - b.successes + 1);
      expect(Math.abs(result!.chanceToWin - exact)).toBeLessThan(1e-6);
    }
  });

  it('agrees with a seeded Monte Carlo for three variants: chance to win, expected loss and lift interval', () => {
    const variants = [counts('a', 200, 40), counts('b', 200, 55), counts('c', 150, 38)];
    const results = analyzeExperiment(variants);
    const random = seededRandom(11);
    const draws = 100_000;
    const wins = [0, 0, 0];
    const losses = [0, 0, 0];
    const lifts: number[] = [];
    for (let k = 0; k < draws; k++) {
      const p = variants.map((v) => sampleBeta(v.successes + 1, v.trials - v.successes + 1, random));
      const best = Math.max(...p);
      wins[p.indexOf(best)]! += 1;
      p.forEach((x, i) => (losses[i]! += best - x));
      lifts.push(p[1]! / p[0]! - 1);
    }
    lifts.sort((x, y) => x - y);
    results.forEach((r, i) => {
      // Monte Carlo standard error is at most √(0.25 / 100 000) ≈ 0.0016
      expect(Math.abs(r.chanceToWin - wins[i]! / draws)).toBeLessThan(0.006);
      expect(Math.abs(r.expectedLoss - losses[i]! / draws)).toBeLessThan(0.001);
    });
    // The interval is GrowthBook's lognormal approximation, so it agrees with the sampled quantiles to a few points.
    const lift = results[1]!.lift!;
    expect(Math.abs(lift.lower - lifts[Math.floor(draws * 0.025)]!)).toBeLessThan(0.02);
    expect(Math.abs(lift.mean - lifts[draws / 2]!)).toBeLessThan(0.02);
    expect(Math.abs(lift.upper - lifts[Math.floor(draws * 0.975)]!)).toBeLessThan(0.03);
  });

  it('gives chances to win that sum to 1, and identical variants the same share', () => {
    const results = analyzeExperiment([counts('a', 300, 30), counts('b', 40, 9), counts('c', 5000, 480), counts('d', 0, 0)]);
    expect(results.reduce((sum, r) => sum + r.chanceToWin, 0)).toBeCloseTo(1, 8);
    for (const r of analyzeExperiment([counts('a', 60, 12), counts('b', 60, 12), counts('c', 60, 12)])) {
      expect(r.chanceToWin).toBeCloseTo(1 / 3, 8);
    }
  });

  it('is symmetric: reordering the variants reorders the results', () => {
    const forward = analyzeExperiment([counts('a', 90, 20), counts('b', 110, 31), counts('c', 70, 15)]);
    const backward = analyzeExperiment([counts('c', 70, 15), counts('b', 110, 31), counts('a', 90, 20)]);
    for (const id of ['a', 'b', 'c']) {
      expect(byId(backward, id).chanceToWin).toBeCloseTo(byId(forward, id).chanceToWin, 10);
      expect(byId(backward, id).expectedLoss).toBeCloseTo(byId(forward, id).expectedLoss, 10);
    }
  });

  it('raises a variant’s chance to win and lowers its expected loss as its successes grow', () => {
    let previous = analyzeExperiment([counts('a', 100, 20), counts('b', 100, 0)])[1]!;
    for (let successes = 1; successes <= 50; successes++) {
      const current = analyzeExperiment([counts('a', 100, 20), counts('b', 100, successes)])[1]!;
      expect(current.chanceToWin).toBeGreaterThan(previous.chanceToWin);
      // once the loss is ~0 only integration noise (~1e-14) remains
      expect(current.expectedLoss).toBeLessThan(previous.expectedLoss + 1e-12);
      expect(current.lift!.mean).toBeGreaterThan(previous.lift!.mean);
      previous = current;
    }
  });

  it('reports the posterior mean rate and a lift interval around the observed ratio', () => {
    const [a, b] = analyzeExperiment([counts('a', 1000, 100), counts('b', 1000, 150)]);
    expect(a!.rate).toBeCloseTo(101 / 1002, 12);
    expect(b!.lift!.mean).toBeCloseTo(151 / 101 - 1, 2);
    // 151 vs 101 successes in 1000: clearly better, by somewhere between about a fifth and nine tenths
    expect(b!.lift!.lower).toBeGreaterThan(0.15);
    expect(b!.lift!.lower).toBeLessThan(0.25);
    expect(b!.lift!.upper).toBeGreaterThan(0.8);
    expect(b!.lift!.upper).toBeLessThan(0.95);
  });

  it('rejects counts no experiment can produce', () => {
    expect(() => analyzeExperiment([counts('a', 10, 11)])).toThrow(RangeError);
    expect(() => analyzeExperiment([counts('a', -1, 0)])).toThrow(RangeError);
    expect(() => analyzeExperiment([counts('a', 10, 1), counts('a', 10, 2)])).toThrow(RangeError);
  });
});

describe('sampleRatioMismatch', () => {
  it('passes a split that matches its weights', () => {
    expect(sampleRatioMismatch([5000, 5000], [1, 1])).toEqual({ pValue: 1, ok: true });
    expect(sampleRatioMismatch([7500, 2500], [3, 1]).pValue).toBeCloseTo(1, 12);
    expect(sampleRatioMismatch([5050, 4950], [0.5, 0.5]).ok).toBe(true);
  });

  it('flags a 52/48 split over 10 000 sends expected at 50/50 (χ² = 16)', () => {
    const srm = sampleRatioMismatch([5200, 4800], [50, 50]);
    expect(srm.pValue).toBeCloseTo(6.334e-5, 7);
    expect(srm.ok).toBe(false);
  });

  it('uses k − 1 degrees of freedom for k variants', () => {
    // expected 100 each: χ² = (100 + 0 + 100) / 100 = 2, and with df = 2 the tail is e^(−1)
    expect(sampleRatioMismatch([110, 100, 90], [1, 1, 1]).pValue).toBeCloseTo(Math.exp(-1), 10);
  });

  it('has nothing to test without sends or with a single variant', () => {
    expect(sampleRatioMismatch([0, 0], [1, 1])).toEqual({ pValue: 1, ok: true });
    expect(sampleRatioMismatch([420], [1])).toEqual({ pValue: 1, ok: true });
    expect(sampleRatioMismatch([], [])).toEqual({ pValue: 1, ok: true });
  });

  it('leaves out a switched-off variant, unless it was sent', () => {
    expect(sampleRatioMismatch([100, 100, 0], [1, 1, 0])).toEqual({ pValue: 1, ok: true });
    expect(sampleRatioMismatch([100, 100, 3], [1, 1, 0])).toEqual({ pValue: 0, ok: false });
  });

  it('rejects mismatched or negative inputs', () => {
    expect(() => sampleRatioMismatch([1, 2], [1])).toThrow(RangeError);
    expect(() => sampleRatioMismatch([1, -2], [1, 1])).toThrow(RangeError);
  });
});

describe('decideWinner', () => {
  const startedAt = new Date('2025-03-03T09:00:00Z');
  const hoursLater = (h: number) => new Date(startedAt.getTime() + h * 3_600_000);
  // Over 160 leads, 80 each: A converts 36 (45 %), B 6 (7.5 %, the nearest count to 8 %).
  const scenario = analyzeExperiment([counts('A', 80, 36), counts('B', 80, 6)]);

  it('is all but certain that A is better, at no expected loss', () => {
    const a = byId(scenario, 'A');
    expect(a.chanceToWin).toBeGreaterThan(0.999);
    expect(a.expectedLoss).toBeLessThan(1e-6);
  });

  it('declares A the winner once the minimum sample and running time are met', () => {
    const decision = decideWinner({ variants: scenario, minSampleSize: 80, minRunningHours: 72, startedAt, now: hoursLater(72) });
    expect(decision).toEqual({ variantId: 'A', reason: expect.stringContaining('chance to win') });
  });

  it('does not declare a winner before the minimum running time', () => {
    const decision = decideWinner({ variants: scenario, minSampleSize: 80, minRunningHours: 72, startedAt, now: hoursLater(71.5) });
    expect(decision).toMatchObject({ undecided: 'running_time' });
  });

  it('does not declare a winner before every variant has the minimum sample', () => {
    const decision = decideWinner({ variants: scenario, minSampleSize: 81, minRunningHours: 72, startedAt, now: hoursLater(200) });
    expect(decision).toMatchObject({ undecided: 'sample_size' });
  });

  it('waits while no variant is 95 % likely to be best', () => {
    const close = analyzeExperiment([counts('A', 200, 40), counts('B', 200, 48)]);
    expect(decideWinner({ variants: close, minSampleSize: 100, minRunningHours: 0, startedAt, now: startedAt })).toMatchObject({
      undecided: 'no_likely_winner',
    });
  });

  it('waits while the likely winner still risks more than 0.25 % of its rate', () => {
    // A rare metric: B is 96.6 % likely better, but its expected loss is 0.36 % of its 2 % rate.
    const rare = analyzeExperiment([counts('A', 1000, 10), counts('B', 1000, 20)]);
    expect(byId(rare, 'B').chanceToWin).toBeGreaterThan(0.95);
    expect(decideWinner({ variants: rare, minSampleSize: 100, minRunningHours: 0, startedAt, now: startedAt })).toMatchObject({
      undecided: 'expected_loss_too_high',
    });
    const clearer = analyzeExperiment([counts('A', 1000, 10), counts('B', 1000, 22)]);
    expect(decideWinner({ variants: clearer, minSampleSize: 100, minRunningHours: 0, startedAt, now: startedAt })).toMatchObject({
      variantId: 'B',
    });
  });

  it('needs at least two variants', () => {
    const single = analyzeExperiment([counts('A', 500, 200)]);
    expect(decideWinner({ variants: single, minSampleSize: 1, minRunningHours: 0, startedAt, now: startedAt })).toMatchObject({
      undecided: 'too_few_variants',
    });
  });
});

describe('allocationFor', () => {
  const variants = [
    { id: 'a', weight: 3 },
    { id: 'b', weight: 1 },
  ];
  const weightOf = (weights: { variantId: string; weight: number }[], id: string) => weights.find((w) => w.variantId === id)!.weight;

  it('splits equally during burn-in, whatever the algorithm', () => {
    const stats = [counts('a', 100, 10), counts('b', 29, 20)];
    for (const algorithm of ['weighted', 'thompson'] as const) {
      const allocation = allocationFor({ algorithm, variants, stats, minSampleSize: 30 });
      expect(allocation.method).toBe('burn_in');
      expect(allocation.weights).toEqual([
        { variantId: 'a', weight: 0.5 },
        { variantId: 'b', weight: 0.5 },
      ]);
    }
    expect(allocationFor({ algorithm: 'thompson', variants, stats: [], minSampleSize: 1 }).method).toBe('burn_in');
  });

  it('uses the configured weights after burn-in for a weighted experiment', () => {
    const allocation = allocationFor({ algorithm: 'weighted', variants, stats: [counts('a', 30, 1), counts('b', 30, 29)], minSampleSize: 30 });
    expect(allocation).toEqual({
      method: 'weighted',
      weights: [
        { variantId: 'a', weight: 0.75 },
        { variantId: 'b', weight: 0.25 },
      ],
    });
  });

  it('gives each variant its probability of being best after burn-in for a Thompson experiment', () => {
    const stats = [counts('a', 120, 30), counts('b', 120, 36)];
    const allocation = allocationFor({ algorithm: 'thompson', variants, stats, minSampleSize: 30 });
    expect(allocation.method).toBe('thompson');
    const [a, b] = analyzeExperiment(stats);
    expect(weightOf(allocation.weights, 'a')).toBeCloseTo(a!.chanceToWin, 8);
    expect(weightOf(allocation.weights, 'b')).toBeCloseTo(b!.chanceToWin, 8);
  });

  it('matches how often per-message Thompson sampling would pick each variant', () => {
    const stats = [counts('a', 40, 10), counts('b', 40, 11), counts('c', 40, 14)];
    const three: Variant[] = ['a', 'b', 'c'].map((id) => ({ id, weight: 1, templates: {} }));
    const allocation = allocationFor({ algorithm: 'thompson', variants: three, stats, minSampleSize: 30 });
    const random = seededRandom(21);
    const picks: Record<string, number> = { a: 0, b: 0, c: 0 };
    const rounds = 40_000;
    const legacyStats = stats.map((s) => ({ variantId: s.id, sent: s.trials, successes: s.successes }));
    for (let i = 0; i < rounds; i++) picks[chooseVariant({ algorithm: 'thompson', minSampleSize: 30, variants: three }, legacyStats, random).variant.id]! += 1;
    for (const id of ['a', 'b', 'c']) expect(Math.abs(weightOf(allocation.weights, id) - picks[id]! / rounds)).toBeLessThan(0.01);
  });

  it('keeps at least 1 % of traffic on a clear loser, and the weights sum to 1', () => {
    const three = [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1 },
      { id: 'c', weight: 1 },
    ];
    const stats = [counts('a', 400, 10), counts('b', 400, 120), counts('c', 400, 118)];
    const { weights } = allocationFor({ algorithm: 'thompson', variants: three, stats, minSampleSize: 30 });
    expect(weightOf(weights, 'a')).toBeCloseTo(0.01, 12);
    expect(weightOf(weights, 'b')).toBeGreaterThan(weightOf(weights, 'c'));
    expect(weights.reduce((sum, w) => sum + w.weight, 0)).toBeCloseTo(1, 12);
  });

  it('gives a switched-off variant nothing and does not wait for its sample', () => {
    const withOff = [...variants, { id: 'off', weight: 0 }];
    const stats = [counts('a', 50, 10), counts('b', 50, 30)];
    for (const algorithm of ['weighted', 'thompson'] as const) {
      const allocation = allocationFor({ algorithm, variants: withOff, stats, minSampleSize: 30 });
      expect(allocation.method).toBe(algorithm);
      expect(weightOf(allocation.weights, 'off')).toBe(0);
    }
  });
});

describe('pickByWeights', () => {
  const weights = [
    { variantId: 'a', weight: 0.7 },
    { variantId: 'off', weight: 0 },
    { variantId: 'b', weight: 0.3 },
  ];

  it('picks each variant as often as its weight says', () => {
    const random = seededRandom(5);
    const picks: Record<string, number> = { a: 0, b: 0, off: 0 };
    for (let i = 0; i < 20_000; i++) picks[pickByWeights(weights, random)]! += 1;
    expect(picks.a! / 20_000).toBeGreaterThan(0.68);
    expect(picks.a! / 20_000).toBeLessThan(0.72);
    expect(picks.off).toBe(0);
  });

  it('maps the ends of [0, 1) to the first and last variant with weight', () => {
    expect(pickByWeights(weights, () => 0)).toBe('a');
    expect(pickByWeights(weights, () => 0.9999999999)).toBe('b');
  });

  it('refuses to pick when no variant has weight', () => {
    expect(() => pickByWeights([{ variantId: 'a', weight: 0 }], () => 0.5)).toThrow(RangeError);
  });
});

describe('allocationDue', () => {
  it('recomputes stored weights at most every 15 minutes', () => {
    const computedAt = new Date('2025-03-03T09:00:00Z');
    expect(allocationDue(undefined, computedAt)).toBe(true);
    expect(allocationDue(computedAt, new Date('2025-03-03T09:14:59Z'))).toBe(false);
    expect(allocationDue(computedAt, new Date('2025-03-03T09:15:00Z'))).toBe(true);
  });
});

describe('optOutGuardrail', () => {
  it('pauses a variant that clearly makes more leads opt out', () => {
    const guardrail = optOutGuardrail({ trials: 200, optOuts: 4 }, { trials: 200, optOuts: 15 });
    expect(guardrail.probabilityWorse).toBeGreaterThan(0.99);
    expect(guardrail.pause).toBe(true);
  });

  it('keeps a variant whose opt-outs are in line with the first', () => {
    const guardrail = optOutGuardrail({ trials: 200, optOuts: 6 }, { trials: 200, optOuts: 7 });
    expect(guardrail.probabilityWorse).toBeGreaterThan(0.5);
    expect(guardrail.pause).toBe(false);
    expect(optOutGuardrail({ trials: 0, optOuts: 0 }, { trials: 0, optOuts: 0 }).probabilityWorse).toBeCloseTo(0.5, 10);
  });

  it('pauses exactly from a 95 % probability of being worse', () => {
    // Against no data, n opt-outs in n sends is worse with probability (n + 1) / (n + 2).
    const below = optOutGuardrail({ trials: 0, optOuts: 0 }, { trials: 17, optOuts: 17 });
    expect(below.probabilityWorse).toBeCloseTo(18 / 19, 9);
    expect(below.pause).toBe(false);
    const above = optOutGuardrail({ trials: 0, optOuts: 0 }, { trials: 19, optOuts: 19 });
    expect(above.probabilityWorse).toBeCloseTo(20 / 21, 9);
    expect(above.pause).toBe(true);
  });

  it('is symmetric: swapping the two gives the complementary probability', () => {
    const first = { trials: 300, optOuts: 9 };
    const other = { trials: 250, optOuts: 11 };
    expect(optOutGuardrail(first, other).probabilityWorse + optOutGuardrail(other, first).probabilityWorse).toBeCloseTo(1, 9);
  });
});
