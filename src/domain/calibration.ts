/**
 * Autonomy earned per intent. Autopilot sends a reply for an intent without review only once people have approved
 * its drafts unedited often enough that, with 95 % confidence, at least 90 % of its drafts are good: the lower
 * bound of the Wilson score interval, not the raw rate, so 3 approvals out of 3 earn nothing.
 *
 * The Wilson interval keeps its coverage for small n and rates near 1, where the normal (Wald) interval collapses to
 * zero width (Brown, Cai & DasGupta, "Interval Estimation for a Binomial Proportion", Statistical Science 16(2),
 * 2001). Pass a recent window of decisions (say the last 100 for the intent), so autonomy can also be lost again.
 */

// Standard normal 97.5 % quantile: the two-sided 95 % interval.
const Z_95 = 1.959964;

export const AUTONOMY_MIN_LOWER_BOUND = 0.9;
// With every draft approved the bound first reaches 0.9 at n = 35 (n / (n + z²) ≥ 0.9); the floor of 30 decisions
// states the intent of "enough history" on its own, should the threshold or z be lowered.
export const AUTONOMY_MIN_DECISIONS = 30;
/** The newest reviewer decisions per intent and channel that count: autonomy follows how drafts are doing now. */
export const CALIBRATION_WINDOW = 100;

/** Lower bound of the Wilson score interval for `successes` out of `n`; 0 without data. */
export function wilsonLowerBound(successes: number, n: number, z = Z_95): number {
  if (!(n >= 0 && successes >= 0 && successes <= n)) throw new RangeError('need 0 ≤ successes ≤ n');
  if (n === 0) return 0;
  const p = successes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}

export interface ReviewDecisions {
  /** Drafts a person approved as written. */
  approvedUnedited: number;
  /** Drafts a person changed before sending. */
  edited: number;
  /** Drafts a person chose not to send. */
  skipped: number;
}

export interface Calibration {
  n: number;
  rate: number;
  lowerBound: number;
  autonomous: boolean;
}

/** Edits and skips both count against the draft: either way a person had to step in. */
export function calibrationFor(decisions: ReviewDecisions): Calibration {
  const { approvedUnedited, edited, skipped } = decisions;
  if ([approvedUnedited, edited, skipped].some((c) => !Number.isInteger(c) || c < 0)) {
    throw new RangeError('decision counts must be non-negative integers');
  }
  const n = approvedUnedited + edited + skipped;
  const lowerBound = wilsonLowerBound(approvedUnedited, n);
  return {
    n,
    rate: n === 0 ? 0 : approvedUnedited / n,
    lowerBound,
    autonomous: lowerBound >= AUTONOMY_MIN_LOWER_BOUND && n >= AUTONOMY_MIN_DECISIONS,
  };
}
