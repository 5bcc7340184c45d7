import type { Language } from './intent';

/**
 * A/B variants (seed 2.5). A variant's template replaces the default reply for the intent its experiment
 * covers. The choice is a traffic split by weight, or — once every variant has `minSampleSize` sends —
 * Thompson sampling on the target metric: each variant's rate is drawn from Beta(successes + 1, failures + 1)
 * and the highest draw wins, so better variants get more traffic while the others keep being explored.
 */

export interface Variant {
  id: string;
  weight: number;
  templates: Partial<Record<Language, string>>;
}

export interface VariantStats {
  variantId: string;
  sent: number;
  successes: number;
}

export type Random = () => number;

export function pickWeighted(variants: Variant[], random: Random): Variant {
  const total = variants.reduce((sum, v) => sum + Math.max(0, v.weight), 0);
  let point = random() * total;
  for (const variant of variants) {
    point -= Math.max(0, variant.weight);
    if (point < 0) return variant;
  }
  return variants[variants.length - 1]!;
}

function standardNormal(random: Random): number {
  // Box–Muller
  const u = Math.max(random(), Number.EPSILON);
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000); shape ≥ 1 here, as Beta(s + 1, f + 1) needs. */
function sampleGamma(shape: number, random: Random): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(alpha: number, beta: number, random: Random): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  return x / (x + y);
}

export function chooseVariant(
  experiment: { algorithm: 'weighted' | 'thompson'; minSampleSize: number; variants: Variant[] },
  stats: VariantStats[],
  random: Random,
): { variant: Variant; method: 'weighted' | 'thompson' } {
  const byId = new Map(stats.map((s) => [s.variantId, s]));
  const ready =
    experiment.algorithm === 'thompson' && experiment.variants.every((v) => (byId.get(v.id)?.sent ?? 0) >= experiment.minSampleSize);
  if (!ready) return { variant: pickWeighted(experiment.variants, random), method: 'weighted' };
  let best = experiment.variants[0]!;
  let bestDraw = -1;
  for (const variant of experiment.variants) {
    const s = byId.get(variant.id)!;
    const draw = sampleBeta(s.successes + 1, Math.max(0, s.sent - s.successes) + 1, random);
    if (draw > bestDraw) {
      bestDraw = draw;
      best = variant;
    }
  }
  return { variant: best, method: 'thompson' };
}
