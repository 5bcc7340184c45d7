import type { GateResult } from './quality-gates';
import type { Mode } from './settings';

/**
 * Who sends (seed 2.4): without a human only in `auto` mode, with confidence at or above the threshold, every
 * gate passed and the daily auto-reply allowance not used up. In `one_click` such a reply is fully prepared
 * and waits for a single approve; in `assist` every reply waits for review.
 */
export type Decision =
  | { route: 'auto_send' }
  | { route: 'review'; reason: ReviewReason; oneClick: boolean };

export type ReviewReason =
  | 'assist_mode'
  | 'one_click_mode'
  | 'low_confidence'
  | 'gate_failed'
  | 'daily_auto_limit'
  | 'model_error'
  | 'outside_window'
  | 'channel_not_connected';

export function decideRoute(input: {
  mode: Mode;
  confidence: number;
  threshold: number;
  gates: GateResult[];
  autoRepliesToday: number;
  maxAutoRepliesPerDay: number;
  modelError?: boolean;
  /** false when the user has no working connection on the channel (undefined counts as connected). */
  channelConnected?: boolean;
}): Decision {
  if (input.modelError) return { route: 'review', reason: 'model_error', oneClick: false };
  if (input.channelConnected === false) return { route: 'review', reason: 'channel_not_connected', oneClick: false };
  if (input.gates.some((g) => !g.passed)) return { route: 'review', reason: 'gate_failed', oneClick: false };
  if (input.confidence < input.threshold) return { route: 'review', reason: 'low_confidence', oneClick: false };
  if (input.mode === 'assist') return { route: 'review', reason: 'assist_mode', oneClick: false };
  if (input.mode === 'one_click') return { route: 'review', reason: 'one_click_mode', oneClick: true };
  if (input.autoRepliesToday >= input.maxAutoRepliesPerDay) return { route: 'review', reason: 'daily_auto_limit', oneClick: true };
  return { route: 'auto_send' };
}
