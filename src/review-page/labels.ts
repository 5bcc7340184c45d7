import type { Channel } from '../domain/channels';
import type { ReviewReason } from '../domain/gating';
import type { GateName } from '../domain/quality-gates';
import type { ReviewView } from '../api/reviews';

/** What the page calls things; each table covers every value its type has. */

export const CHANNEL_LABEL: Record<Channel, string> = { whatsapp: 'WhatsApp', email: 'Email', linkedin: 'LinkedIn', instagram: 'Instagram' };

export const KIND_LABEL: Record<ReviewView['kind'], string> = {
  review: 'Review',
  human_send: 'Send by hand',
  send_uncertain: 'Did it arrive?',
};

const REASON_LABEL: Record<ReviewReason | 'human_send' | 'empty_reply', string> = {
  assist_mode: 'Assist mode',
  one_click_mode: 'Ready for one click',
  low_confidence: 'Low confidence',
  gate_failed: 'A gate failed',
  daily_auto_limit: 'Daily automatic limit reached',
  model_error: 'The model failed',
  outside_window: 'Outside the reply window',
  channel_not_connected: 'Channel not connected',
  connection_broken: 'Connection broken',
  sender_unverified: 'Sender not verified',
  unverified_claim: 'Claim not backed by a template or fact',
  model_output_problem: 'Model answer repaired',
  autonomy_not_earned: 'Autonomy not earned yet',
  send_uncertain: 'A send may have arrived',
  human_send: 'Send it yourself',
  empty_reply: 'Empty reply',
};

export const GATE_LABEL: Record<GateName, string> = {
  moderation: 'Moderation',
  compliance: 'Compliance',
  spam: 'Spam',
  channel_rules: 'Channel rules',
  opt_out: 'Opt-out',
  claims: 'Claims',
};

/** "gate_failed:compliance_phrase" reads "A gate failed: compliance phrase". */
export function reasonLabel(reason: string): string {
  const [code = '', ...rest] = reason.split(':');
  const base = (REASON_LABEL as Record<string, string>)[code] ?? code.replace(/_/g, ' ');
  return rest.length > 0 ? `${base}: ${rest.join(':').replace(/_/g, ' ')}` : base;
}

export function gateLabel(gate: string): string {
  return (GATE_LABEL as Record<string, string>)[gate] ?? gate.replace(/_/g, ' ');
}

export function channelLabel(channel: string | null): string {
  return channel ? ((CHANNEL_LABEL as Record<string, string>)[channel] ?? channel) : 'unknown channel';
}
