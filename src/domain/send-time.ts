import { DateTime } from 'luxon';
import type { Channel } from './channels';
import { CHANNEL_DEFAULT_HOUR } from './channel-rules';
import { replyWindowMs } from './reply-window';

/**
 * When to send a reply, in the contact's own time zone (DST handled by luxon: a wall-clock hour that does not
 * exist on a spring-forward day moves forward, as the contact's clock does).
 *
 * best_time: the contact's preferred hour; else the hour they have historically replied at; else the channel's
 * default hour. Today if that hour is still ahead, else tomorrow.
 * asap: a short, human-like delay when the contact's local time is inside the sending hours; else the start of
 * the next sending window.
 *
 * WhatsApp and Instagram accept free-form replies only within 24 h of the lead's last message (WhatsApp Cloud
 * API error 131047; Instagram's messaging window): a planned time past that window moves earlier, to the first
 * moment inside the sending hours that is still inside the window; when there is none the reply goes to review
 * with reason `outside_window`.
 */

export type SendTiming = 'best_time' | 'asap';

export interface SendingHours {
  /** Local hour the window opens (inclusive), 0–23. */
  start: number;
  /** Local hour the window closes (exclusive), 1–24. */
  end: number;
}

export const DEFAULT_SENDING_HOURS: SendingHours = { start: 8, end: 20 };
/** Replies planned this close to the end of a 24-hour window risk arriving after it. */
export const WINDOW_SAFETY_MARGIN_MS = 10 * 60 * 1000;

export interface SendTimeInput {
  now: Date;
  channel: Channel;
  timezone: string | null | undefined;
  preferredHour?: number | null;
  historyHour?: number | null;
  timing: SendTiming;
  sendingHours: SendingHours;
  /** The lead's last inbound message, for the 24-hour window. */
  lastInboundAt: Date;
  /** The asap delay, 60–120 s, drawn by the caller (an activity) so the plan is reproducible. */
  asapDelaySeconds: number;
  /** Plan no earlier than this (a deferral to the next day passes the start of that day). */
  notBefore?: Date;
  /** The reply was written or approved by a person: on Instagram the HUMAN_AGENT tag allows 7 days. */
  humanApproved?: boolean;
}

export type SendBasis = 'preference' | 'history' | 'channel_default' | 'asap' | 'next_window' | 'moved_into_window';

export type SendPlan =
  | { ok: true; sendAt: Date; zone: string; basis: SendBasis; localTime: string; warnings: string[] }
  | { ok: false; reason: 'outside_window'; zone: string; warnings: string[] };

export function resolveZone(timezone: string | null | undefined): { zone: string; warnings: string[] } {
  if (!timezone) return { zone: 'UTC', warnings: [] };
  const probe = DateTime.now().setZone(timezone);
  return probe.isValid ? { zone: timezone, warnings: [] } : { zone: 'UTC', warnings: [`invalid time zone "${timezone}", using UTC`] };
}

function insideSendingHours(local: DateTime, hours: SendingHours): boolean {
  const hour = local.hour + local.minute / 60;
  return hour >= hours.start && hour < hours.end;
}

/** The first moment at or after `from` inside the sending hours. */
export function nextSendingWindowStart(from: DateTime, hours: SendingHours): DateTime {
  if (insideSendingHours(from, hours)) return from;
  const todayStart = from.set({ hour: hours.start, minute: 0, second: 0, millisecond: 0 });
  return from < todayStart ? todayStart : todayStart.plus({ days: 1 });
}

function atHour(day: DateTime, hour: number): DateTime {
  return day.set({ hour, minute: 0, second: 0, millisecond: 0 });
}

export function planSendTime(input: SendTimeInput): SendPlan {
  const { zone, warnings } = resolveZone(input.timezone);
  const now = DateTime.fromJSDate(input.now, { zone });
  const earliest = input.notBefore && input.notBefore > input.now ? DateTime.fromJSDate(input.notBefore, { zone }) : now;
  const afterDelay = earliest.plus({ seconds: input.asapDelaySeconds });

  let candidate: DateTime;
  let basis: SendBasis;
  if (input.timing === 'asap') {
    candidate = nextSendingWindowStart(afterDelay, input.sendingHours);
    basis = candidate.equals(afterDelay) ? 'asap' : 'next_window';
  } else {
    const [hour, chosen]: [number, SendBasis] =
      input.preferredHour != null
        ? [input.preferredHour, 'preference']
        : input.historyHour != null
          ? [input.historyHour, 'history']
          : [CHANNEL_DEFAULT_HOUR[input.channel], 'channel_default'];
    candidate = atHour(earliest, hour);
    if (candidate <= earliest) candidate = atHour(earliest.plus({ days: 1 }), hour);
    basis = chosen;
  }

  const windowMs = replyWindowMs(input.channel, input.humanApproved === true);
  if (windowMs !== null) {
    const windowEnd = DateTime.fromJSDate(input.lastInboundAt, { zone }).plus({ milliseconds: windowMs - WINDOW_SAFETY_MARGIN_MS });
    if (candidate > windowEnd) {
      const moved = nextSendingWindowStart(afterDelay, input.sendingHours);
      if (moved > windowEnd) return { ok: false, reason: 'outside_window', zone, warnings };
      candidate = moved;
      basis = 'moved_into_window';
    }
  }
  return { ok: true, sendAt: candidate.toJSDate(), zone, basis, localTime: candidate.toISO() ?? '', warnings };
}

/** The contact's calendar day of a moment, the key rate limits count in. */
export function localDay(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toISODate() ?? DateTime.fromJSDate(at, { zone: 'UTC' }).toISODate()!;
}

/** The start of the contact's next day after `at` (where a deferred send is planned from). */
export function startOfNextLocalDay(at: Date, zone: string): Date {
  return DateTime.fromJSDate(at, { zone }).plus({ days: 1 }).startOf('day').toJSDate();
}

/** The hour of day a contact most often replies at, from the times of their past inbound messages. */
export function mostCommonHour(times: Date[], zone: string): number | undefined {
  if (times.length < 3) return undefined; // too little history to mean anything
  const counts = new Map<number, number>();
  for (const t of times) {
    const hour = DateTime.fromJSDate(t, { zone }).hour;
    counts.set(hour, (counts.get(hour) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
}
