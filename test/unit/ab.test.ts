import { chooseVariant, pickWeighted, sampleBeta, type Variant } from '../../src/domain/ab';

/** A seeded generator (mulberry32), so statistical tests are repeatable. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const variants: Variant[] = [
  { id: 'a', weight: 3, templates: { en: 'A' } },
  { id: 'b', weight: 1, templates: { en: 'B' } },
];

describe('pickWeighted', () => {
  it('splits traffic by weight', () => {
    const random = seeded(1);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) counts[pickWeighted(variants, random).id as 'a' | 'b'] += 1;
    expect(counts.a / 10_000).toBeGreaterThan(0.72);
    expect(counts.a / 10_000).toBeLessThan(0.78);
  });
  it('never picks a variant with weight 0', () => {
    const random = seeded(2);
    for (let i = 0; i < 1000; i++) expect(pickWeighted([{ ...variants[0]!, weight: 0 }, variants[1]!], random).id).toBe('b');
  });
});

describe('sampleBeta', () => {
  it('has the mean α / (α + β)', () => {
    const random = seeded(3);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += sampleBeta(8, 2, random);
    expect(sum / 20_000).toBeCloseTo(0.8, 2);
  });
});

describe('chooseVariant', () => {
  const experiment = { algorithm: 'thompson' as const, minSampleSize: 30, variants };

  it('uses the weighted split until every variant has the minimum sample', () => {
    const stats = [
      { variantId: 'a', sent: 100, successes: 10 },
      { variantId: 'b', sent: 29, successes: 20 },
    ];
    expect(chooseVariant(experiment, stats, seeded(4)).method).toBe('weighted');
  });

  it('sends most traffic to the variant that converts better once samples suffice', () => {
    const stats = [
      { variantId: 'a', sent: 200, successes: 20 },
      { variantId: 'b', sent: 200, successes: 80 },
    ];
    const random = seeded(5);
    let b = 0;
    for (let i = 0; i < 1000; i++) {
      const choice = chooseVariant(experiment, stats, random);
      expect(choice.method).toBe('thompson');
      if (choice.variant.id === 'b') b += 1;
    }
    expect(b).toBeGreaterThan(950);
  });

  it('keeps exploring when the variants are close', () => {
    const stats = [
      { variantId: 'a', sent: 40, successes: 10 },
      { variantId: 'b', sent: 40, successes: 11 },
    ];
    const random = seeded(6);
    let a = 0;
    for (let i = 0; i < 1000; i++) if (chooseVariant(experiment, stats, random).variant.id === 'a') a += 1;
    expect(a).toBeGreaterThan(200);
    expect(a).toBeLessThan(800);
  });
});
