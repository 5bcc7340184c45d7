import { ApplicationFailure } from '@temporalio/activity';
import { appendAudit } from '../db/audit';
import { findContact, inboundTimes, type ContactRow } from '../db/contacts';
import { findEvent, setEventStage, type EventRow } from '../db/events';
import { upsertJob } from '../db/jobs';
import { reserveSendSlot } from '../db/rate-limits';
import { loadSettingsRows } from '../db/settings';
import { userLevelSettings } from '../domain/settings';
import type { GateResult } from '../domain/quality-gates';
import { localDay, mostCommonHour, planSendTime, resolveZone, startOfNextLocalDay, type SendBasis, type SendingHours, type SendTiming } from '../domain/send-time';
import type { ActivityDeps } from './deps';
import type { GeneratedReply } from './generate-reply';
import { activityLogger } from './logger';

export type SendPlanResult =
  | {
      ok: true;
      sendAt: string;
      /** How long to wait from now; the workflow sleeps this long (durably). */
      delayMs: number;
      basis: SendBasis;
      zone: string;
      deferredDays: number;
      warnings: string[];
      jobId: string;
    }
  | { ok: false; reason: 'outside_window'; warnings: string[] };

const MAX_DAYS_AHEAD = 14;

/**
 * Step 6 (planSend; decideReply plans too): the send time (src/domain/send-time.ts) and the rate-limit reservation, together: when the contact's
 * or the user's day is full, the send moves to the next day's planned time instead of being dropped; when
 * another reply to the contact is planned within the cooldown, this one moves behind it. The job row is
 * written (pending) with the planned time.
 */
export interface PlanInput {
  userId: string;
  eventId: string;
  contactId: string;
  timing: SendTiming;
  sendingHours: SendingHours;
  reply: GeneratedReply;
  gates: GateResult[];
  /** A person wrote or approved the reply (Instagram's HUMAN_AGENT window). */
  humanApproved?: boolean;
}

/**
 * Plans the send and reserves its slot. A reservation the reply already holds is kept while its time is still
 * ahead; one whose time has passed (a one-click reply approved late) is given back and the reply planned afresh,
 * as a new plan would be: inside the sending hours and the platform's window, counted on the right day.
 */
export async function planReplySend(
  { db, clock, random, policy, logger, metrics }: ActivityDeps,
  input: PlanInput,
  // What the caller has already read (decideReply), so it is not read again.
  known: { event?: EventRow; contact?: ContactRow; userTimezone?: string } = {},
): Promise<SendPlanResult> {
  const event = known.event ?? (await findEvent(db, input.userId, input.eventId));
  const contact = known.contact ?? (await findContact(db, input.userId, input.contactId));
  if (!event || !contact) throw ApplicationFailure.nonRetryable('event or contact not found', 'EventNotFound');
  const { zone } = resolveZone(contact.timezone);
  const userTimezone = known.userTimezone ?? userLevelSettings((await loadSettingsRows(db, input.userId, null)).user).timezone;
  const userZone = resolveZone(userTimezone).zone;
  const historyHour = mostCommonHour(await inboundTimes(db, input.userId, input.contactId), zone);
  const limits = policy.rateLimits;
  const { min, max } = policy.asapDelaySeconds;
  const asapDelaySeconds = Math.round(min + random() * (max - min));
  const now = clock.now();

  let notBefore: Date | undefined;
  let exactAt: Date | undefined;
  let deferredDays = 0;
  for (let attempt = 0; attempt < MAX_DAYS_AHEAD * 4; attempt++) {
    const plan = planSendTime({
      now,
      channel: event.channel,
      timezone: contact.timezone,
      preferredHour: contact.preferredContactHour,
      historyHour,
      timing: input.timing,
      sendingHours: input.sendingHours,
      lastInboundAt: event.occurredAt,
      asapDelaySeconds,
      notBefore,
      humanApproved: input.humanApproved,
    });
    for (const warning of plan.warnings) logger.warn({ event: 'send_time.warning', warning });
    if (!plan.ok) return { ok: false, reason: 'outside_window', warnings: plan.warnings };
    const sendAt = exactAt && exactAt > plan.sendAt ? exactAt : plan.sendAt;
    exactAt = undefined;

    const slot = await reserveSendSlot(db, {
      eventId: input.eventId,
      userId: input.userId,
      contactId: input.contactId,
      channel: event.channel,
      day: localDay(sendAt, plan.zone),
      userDay: localDay(sendAt, userZone),
      sendAt,
      staleBefore: now,
      perContactLimit: limits.perContactPerDay[event.channel],
      perUserLimit: limits.perUserPerDay,
      cooldownMs: limits.cooldownMs,
    });
    if ('cooldownUntil' in slot) {
      metrics.sendDeferred(event.channel, 'cooldown');
      notBefore = slot.cooldownUntil;
      exactAt = slot.cooldownUntil;
      continue;
    }
    if (!slot.reserved) {
      metrics.sendDeferred(event.channel, slot.full === 'user' ? 'user_day_full' : 'contact_day_full');
      deferredDays += 1;
      if (deferredDays > MAX_DAYS_AHEAD) break;
      notBefore = startOfNextLocalDay(sendAt, slot.full === 'user' ? userZone : plan.zone);
      continue;
    }

    const job = await upsertJob(db, {
      userId: input.userId,
      eventId: input.eventId,
      contactId: input.contactId,
      channel: event.channel,
      replyText: input.reply.text,
      confidence: input.reply.confidence,
      intent: input.reply.intent,
      language: input.reply.language,
      detectedAction: input.reply.detectedAction,
      reasoning: input.reply.reasoning,
      gateResults: input.gates,
      scheduledFor: slot.sendAt,
      experimentId: input.reply.experiment?.experimentId ?? null,
      variantId: input.reply.experiment?.variantId ?? null,
      variantShares: input.reply.experiment?.shares ?? null,
    });
    await setEventStage(db, input.userId, input.eventId, 'scheduled', null);
    await appendAudit(db, {
      userId: input.userId,
      actor: 'workflow',
      action: 'reply.scheduled',
      subjectType: 'message_event',
      subjectId: input.eventId,
      details: { sendAt: slot.sendAt.toISOString(), basis: plan.basis, zone: plan.zone, deferredDays, warnings: plan.warnings },
    });
    logger.info({ event: 'reply.scheduled', sendAt: slot.sendAt.toISOString(), basis: plan.basis, deferredDays });
    return {
      ok: true,
      sendAt: slot.sendAt.toISOString(),
      delayMs: Math.max(0, slot.sendAt.getTime() - clock.now().getTime()),
      basis: plan.basis,
      zone: plan.zone,
      deferredDays,
      warnings: plan.warnings,
      jobId: job.id,
    };
  }
  throw ApplicationFailure.nonRetryable(`no send slot within ${MAX_DAYS_AHEAD} days`, 'NoSendSlot');
}

export function createPlanSend(deps: ActivityDeps) {
  return async function planSend(input: PlanInput): Promise<SendPlanResult> {
    return planReplySend({ ...deps, logger: activityLogger(deps.logger, input) }, input);
  };
}
