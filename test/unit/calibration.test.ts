import { calibrationFor, wilsonLowerBound } from '../../src/domain/calibration';

describe('wilsonLowerBound', () => {
  it('matches the published Wilson interval for 27 of 30', () => {
    // 95 % Wilson interval for 27/30: [0.7438, 0.9654]
    expect(wilsonLowerBound(27, 30)).toBeCloseTo(0.7438, 4);
  });

  it('gives n / (n + z²) when every trial succeeded', () => {
    const z = 1.959964;
    for (const n of [1, 10, 35, 200]) expect(wilsonLowerBound(n, n)).toBeCloseTo(n / (n + z * z), 12);
  });

  it('is 0 without data or without successes', () => {
    expect(wilsonLowerBound(0, 0)).toBe(0);
    expect(wilsonLowerBound(0, 50)).toBeCloseTo(0, 12);
  });

  it('tightens towards the observed rate as the sample grows', () => {
    let previous = 0;
    for (const n of [10, 100, 1000, 10_000]) {
      const bound = wilsonLowerBound(0.9 * n, n);
      expect(bound).toBeGreaterThan(previous);
      expect(bound).toBeLessThan(0.9);
      previous = bound;
    }
    expect(previous).toBeGreaterThan(0.89);
  });

  it('widens with a larger z', () => {
    expect(wilsonLowerBound(27, 30, 2.575829)).toBeLessThan(wilsonLowerBound(27, 30));
  });

  it('rejects more successes than trials', () => {
    expect(() => wilsonLowerBound(31, 30)).toThrow(RangeError);
  });
});

describe('calibrationFor', () => {
  it('counts edits and skips against the drafts', () => {
    const calibration = calibrationFor({ approvedUnedited: 27, edited: 2, skipped: 1 });
    expect(calibration.n).toBe(30);
    expect(calibration.rate).toBeCloseTo(0.9, 12);
    expect(calibration.lowerBound).toBeCloseTo(0.7438, 4);
    expect(calibration.autonomous).toBe(false);
  });

  it('earns autonomy once the lower bound reaches 90 % over at least 30 decisions', () => {
    expect(calibrationFor({ approvedUnedited: 34, edited: 0, skipped: 0 }).autonomous).toBe(false);
    const earned = calibrationFor({ approvedUnedited: 35, edited: 0, skipped: 0 });
    expect(earned.lowerBound).toBeGreaterThanOrEqual(0.9);
    expect(earned.autonomous).toBe(true);
    expect(calibrationFor({ approvedUnedited: 190, edited: 6, skipped: 4 }).autonomous).toBe(true);
  });

  it('withholds autonomy from a high rate on too few decisions', () => {
    // 29 of 29 is 100 %, but its bound is 0.88 and the history is short.
    const calibration = calibrationFor({ approvedUnedited: 29, edited: 0, skipped: 0 });
    expect(calibration.rate).toBe(1);
    expect(calibration.autonomous).toBe(false);
  });

  it('withholds autonomy when people keep editing, however long the history', () => {
    expect(calibrationFor({ approvedUnedited: 850, edited: 150, skipped: 0 }).autonomous).toBe(false);
  });

  it('starts with nothing earned', () => {
    expect(calibrationFor({ approvedUnedited: 0, edited: 0, skipped: 0 })).toEqual({ n: 0, rate: 0, lowerBound: 0, autonomous: false });
  });

  it('rejects negative or fractional counts', () => {
    expect(() => calibrationFor({ approvedUnedited: -1, edited: 0, skipped: 0 })).toThrow(RangeError);
    expect(() => calibrationFor({ approvedUnedited: 1.5, edited: 0, skipped: 0 })).toThrow(RangeError);
  });
});
