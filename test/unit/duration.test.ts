import { parseDuration } from '../../src/domain/duration';

describe('parseDuration', () => {
  it.each([
    ['48h', 48 * 3_600_000],
    ['5m', 300_000],
    ['90s', 90_000],
    ['2d', 172_800_000],
    ['1500ms', 1500],
    ['250', 250],
    ['1.5h', 5_400_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([['soon'], ['5 minutes'], ['-5m'], ['']])('cannot read %p', (text) => expect(parseDuration(text)).toBeUndefined());
});
