/**
 * The special functions behind the experiment statistics: log-gamma, the regularized incomplete beta and gamma
 * functions, digamma and trigamma, and Gauss–Legendre quadrature. Plain double-precision code, so results are the
 * same on every machine and in Temporal's sandbox; the algorithms are the textbook ones (Numerical Recipes, 3rd ed.,
 * §6.1–6.4 and §4.6; Abramowitz & Stegun 6.3.18 and 6.4.12 for the asymptotic series).
 */

// Lanczos approximation, g = 7, n = 9: relative error below 1e-15 for x ≥ 0.5.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  // Reflection keeps the Lanczos series in its accurate range.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** k · ln(y), taken as 0 when k = 0 (so the Beta(1, b) density is finite at 0). */
function xlogy(k: number, y: number): number {
  return k === 0 ? 0 : k * Math.log(y);
}

/** The Beta(a, b) density at x; pass ln B(a, b) when evaluating many points. */
export function betaDensity(x: number, a: number, b: number, lnB = logBeta(a, b)): number {
  if (x < 0 || x > 1) return 0;
  return Math.exp(xlogy(a - 1, x) + (b === 1 ? 0 : (b - 1) * Math.log1p(-x)) - lnB);
}

const TINY = 1e-300;
const EPSILON = 1e-15;
const MAX_ITERATIONS = 100_000;

/** Continued fraction for the incomplete beta function by the modified Lentz method (Numerical Recipes §6.4). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPSILON) return h;
  }
  throw new Error(`incomplete beta did not converge for a=${a}, b=${b}, x=${x}`);
}

/**
 * The regularized incomplete beta function I_x(a, b), i.e. the Beta(a, b) distribution function at x; pass
 * ln B(a, b) when evaluating many points.
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number, lnB = logBeta(a, b)): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incomplete beta needs a, b > 0, got a=${a}, b=${b}`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - lnB;
  // The continued fraction converges fast only left of the mean; right of it use I_x(a, b) = 1 − I_{1−x}(b, a).
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** The regularized lower incomplete gamma function P(a, x) by its series (Numerical Recipes §6.2), for x < a + 1. */
function gammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  throw new Error(`incomplete gamma series did not converge for a=${a}, x=${x}`);
}

/** The regularized upper incomplete gamma function Q(a, x) by its continued fraction (modified Lentz), for x ≥ a + 1. */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPSILON) return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
  }
  throw new Error(`incomplete gamma fraction did not converge for a=${a}, x=${x}`);
}

/** The regularized upper incomplete gamma function Q(a, x) = 1 − P(a, x). */
export function regularizedUpperGamma(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`incomplete gamma needs a > 0, got ${a}`);
  if (x <= 0) return 1;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/** P(X ≥ x) for X chi-square distributed with `degreesOfFreedom`: Q(k/2, x/2). */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) throw new RangeError(`chi-square needs degrees of freedom > 0, got ${degreesOfFreedom}`);
  return regularizedUpperGamma(degreesOfFreedom / 2, x / 2);
}

// The asymptotic series are accurate to ~1e-15 from x = 10; smaller arguments are shifted up by recurrence.
const ASYMPTOTIC_FROM = 10;

/** ψ(x), the derivative of ln Γ, for x > 0 (A&S 6.3.5 recurrence, 6.3.18 series). */
export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`digamma needs x > 0, got ${x}`);
  let shift = 0;
  while (x < ASYMPTOTIC_FROM) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  const series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))));
  return shift + Math.log(x) - 0.5 / x - series;
}

/** ψ′(x), for x > 0 (A&S 6.4.6 recurrence, 6.4.12 series). */
export function trigamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`trigamma needs x > 0, got ${x}`);
  let shift = 0;
  while (x < ASYMPTOTIC_FROM) {
    shift += 1 / (x * x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv + inv2 / 2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 * (1 / 30 - inv2 * (5 / 66)))));
  return shift + series;
}

/** Nodes and weights of n-point Gauss–Legendre quadrature on [−1, 1], by Newton's method on P_n (Numerical Recipes §4.6). */
function gaussLegendre(n: number): { nodes: number[]; weights: number[] } {
  const nodes = new Array<number>(n);
  const weights = new Array<number>(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      derivative = (n * (z * p1 - p2)) / (z * z - 1);
      const previous = z;
      z = previous - p1 / derivative;
      if (Math.abs(z - previous) < 1e-15) break;
    }
    nodes[i] = -z;
    nodes[n - 1 - i] = z;
    weights[i] = weights[n - 1 - i] = 2 / ((1 - z * z) * derivative * derivative);
  }
  return { nodes, weights };
}

const RULE = gaussLegendre(16);

/**
 * Quadrature nodes and weights over [breakpoints[0], breakpoints[last]]: 16-point Gauss–Legendre on each panel
 * between consecutive breakpoints. Exact for polynomials of degree 31 per panel, so ∫ f ≈ Σ weights·f(nodes) is
 * accurate to ~1e-12 when no panel is wider than the scale on which f changes.
 */
export function quadratureOverPanels(breakpoints: number[]): { nodes: number[]; weights: number[] } {
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let k = 1; k < breakpoints.length; k++) {
    const half = (breakpoints[k]! - breakpoints[k - 1]!) / 2;
    const mid = (breakpoints[k]! + breakpoints[k - 1]!) / 2;
    for (let i = 0; i < RULE.nodes.length; i++) {
      nodes.push(mid + half * RULE.nodes[i]!);
      weights.push(half * RULE.weights[i]!);
    }
  }
  return { nodes, weights };
}
