import type { GateResult } from './quality-gates';
import type { Mode } from './settings';

/**
 * Who sends (seed 2.4): without a human only in `auto` mode, with confidence at or above the threshold, every
 * gate passed, the sender verified (email), every claim backed, and the daily auto-reply allowance not used up
 * (that last one is taken atomically by the caller once everything else says auto). In `one_click` such a reply is
 * fully prepared and waits for a single approve; in `assist` every reply waits for review.
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
  | 'channel_not_connected'
  | 'connection_broken'
  | 'sender_unverified'
  | 'unverified_claim'
  | 'model_output_problem'
  | 'autonomy_not_earned'
  | 'send_uncertain';

export function decideRoute(input: {
  mode: Mode;
  confidence: number;
  threshold: number;
  gates: GateResult[];
  /** Only the first pipeline passes a count; the second takes an atomic reservation after routing. */
  autoRepliesToday?: number;
  maxAutoRepliesPerDay: number;
  modelError?: boolean;
  /** false when the user has no working connection on the channel (undefined counts as connected). */
  channelConnected?: boolean;
  /** false when an inbound email's sender failed authentication (undefined: not email, or not known). */
  senderVerified?: boolean;
  /** false when the reply states a price, discount, percentage or date found in no template or fact. */
  claimsVerified?: boolean;
  /** The model's text came with a broken label or confidence: a person reads it. */
  modelIssues?: boolean;
  /**
   * With a learned threshold: whether reviewers' decisions earned this intent and channel autonomy (replaces the
   * numeric threshold); undefined with a numeric threshold.
   */
  autonomyEarned?: boolean;
}): Decision {
  if (input.modelError) return { route: 'review', reason: 'model_error', oneClick: false };
  if (input.modelIssues) return { route: 'review', reason: 'model_output_problem', oneClick: false };
  if (input.channelConnected === false) return { route: 'review', reason: 'channel_not_connected', oneClick: false };
  if (input.gates.some((g) => !g.passed)) return { route: 'review', reason: 'gate_failed', oneClick: false };
  if (input.autonomyEarned === false) return { route: 'review', reason: 'autonomy_not_earned', oneClick: false };
  if (input.autonomyEarned === undefined && input.confidence < input.threshold) return { route: 'review', reason: 'low_confidence', oneClick: false };
  if (input.mode === 'assist') return { route: 'review', reason: 'assist_mode', oneClick: false };
  if (input.senderVerified === false) return { route: 'review', reason: 'sender_unverified', oneClick: false };
  if (input.claimsVerified === false) return { route: 'review', reason: 'unverified_claim', oneClick: false };
  if (input.mode === 'one_click') return { route: 'review', reason: 'one_click_mode', oneClick: true };
  if (input.autoRepliesToday !== undefined && input.autoRepliesToday >= input.maxAutoRepliesPerDay) {
    return { route: 'review', reason: 'daily_auto_limit', oneClick: true };
  }
  return { route: 'auto_send' };
}
