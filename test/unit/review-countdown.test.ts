import { formatRemaining, urgencyOf } from '../../src/review-page/countdown';

describe('the review page countdowns', () => {
  it.each([
    [0, 'expired'],
    [-5000, 'expired'],
    [999, '0m 00s'],
    [65_000, '1m 05s'],
    [59 * 60_000 + 59_000, '59m 59s'],
    [3600_000, '1h 00m 00s'],
    [47 * 3600_000 + 59 * 60_000 + 58_000, '1d 23h 59m 58s'],
    [7 * 24 * 3600_000, '7d 0h 00m 00s'],
  ])('shows %i ms left as "%s"', (ms, text) => {
    expect(formatRemaining(ms)).toBe(text);
  });

  it('calls under 15 minutes urgent and under 2 hours soon', () => {
    expect(urgencyOf(0)).toBe('expired');
    expect(urgencyOf(14 * 60_000)).toBe('urgent');
    expect(urgencyOf(15 * 60_000)).toBe('soon');
    expect(urgencyOf(2 * 3600_000 - 1)).toBe('soon');
    expect(urgencyOf(2 * 3600_000)).toBe('later');
  });
});
