import { CHANNELS, type Channel } from './channels';
import { CHANNEL_RULES } from './channel-rules';

const HOUR_MS = 60 * 60 * 1000;

/**
 * How long after the lead's last inbound message a platform takes a free-form reply, or null when it sets no
 * limit (email, LinkedIn). WhatsApp: 24 h, the customer-service window (Cloud API error 131047 outside it).
 * Instagram: 24 h, or 7 days for a message a person wrote or approved, sent with the HUMAN_AGENT tag (Meta's
 * Messenger Platform messaging policy, "Human Agent" tag).
 */
export function replyWindowMs(channel: Channel, humanApproved: boolean): number | null {
  if (!CHANNEL_RULES[channel].window24h) return null;
  return channel === 'instagram' && humanApproved ? 7 * 24 * HOUR_MS : 24 * HOUR_MS;
}

/** When the platform stops taking a free-form reply to a message received at `lastInboundAt`; null when never. */
export function replyWindowClosesAt(channel: Channel, lastInboundAt: Date, humanApproved: boolean): Date | null {
  const windowMs = replyWindowMs(channel, humanApproved);
  return windowMs === null ? null : new Date(lastInboundAt.getTime() + windowMs);
}

/** Each channel's window in milliseconds, for a reply a person approved and for one the autopilot decided. */
export type ReplyWindows = Record<Channel, { humanApproved: number | null; automatic: number | null }>;

export const REPLY_WINDOWS: ReplyWindows = Object.fromEntries(
  CHANNELS.map((channel) => [channel, { humanApproved: replyWindowMs(channel, true), automatic: replyWindowMs(channel, false) }]),
) as ReplyWindows;
