import { decideRoute } from '../../src/domain/gating';

const passed = [{ gate: 'compliance' as const, passed: true }];
const base = { mode: 'auto' as const, confidence: 0.9, threshold: 0.85, gates: passed, autoRepliesToday: 0, maxAutoRepliesPerDay: 20 };

describe('decideRoute', () => {
  it('sends without a human only in auto mode, above the threshold, with every gate passed', () => {
    expect(decideRoute(base)).toEqual({ route: 'auto_send' });
    expect(decideRoute({ ...base, confidence: 0.85 })).toEqual({ route: 'auto_send' });
  });
  it('sends to review below the threshold', () => {
    expect(decideRoute({ ...base, confidence: 0.84 })).toEqual({ route: 'review', reason: 'low_confidence', oneClick: false });
  });
  it('sends to review when a gate fails, whatever the confidence', () => {
    expect(decideRoute({ ...base, confidence: 1, gates: [{ gate: 'compliance', passed: false }] })).toMatchObject({ reason: 'gate_failed' });
  });
  it('prepares a one-click approval in one_click mode', () => {
    expect(decideRoute({ ...base, mode: 'one_click' })).toEqual({ route: 'review', reason: 'one_click_mode', oneClick: true });
  });
  it('always asks in assist mode', () => {
    expect(decideRoute({ ...base, mode: 'assist', confidence: 1 })).toEqual({ route: 'review', reason: 'assist_mode', oneClick: false });
  });
  it('asks once the daily auto-reply allowance is used up', () => {
    expect(decideRoute({ ...base, autoRepliesToday: 20 })).toMatchObject({ route: 'review', reason: 'daily_auto_limit' });
  });
  it('asks when the model failed', () => {
    expect(decideRoute({ ...base, modelError: true })).toMatchObject({ route: 'review', reason: 'model_error' });
  });
});
