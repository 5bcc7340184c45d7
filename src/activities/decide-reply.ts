import { ApplicationFailure } from '@temporalio/activity';
import { replySubject } from '../channels/email';
import { reviewerDecisionsFor } from '../db/calibration';
import { findContact } from '../db/contacts';
import { activeVariantTemplates } from '../db/experiments';
import { loadFacts } from '../db/facts';
import { CALIBRATION_WINDOW, calibrationFor, type Calibration } from '../domain/calibration';
import { checkClaimsAgainst } from '../domain/claims';
import { checkChannelRules } from '../domain/quality-gates';
import { DEFAULT_TEMPLATES } from '../domain/templates';
import { findEvent } from '../db/events';
import { releaseAutoReply, reserveAutoReply } from '../db/rate-limits';
import { loadSettingsRows } from '../db/settings';
import type { SenderAuthentication } from '../domain/email-auth';
import { decideRoute, type ReviewReason } from '../domain/gating';
import type { GateResult } from '../domain/quality-gates';
import { localDay, resolveZone } from '../domain/send-time';
import { controlStop, resolveSettings, userLevelSettings } from '../domain/settings';
import type { Stage } from '../domain/stages';
import { runGates } from './check-quality';
import type { ActivityDeps } from './deps';
import type { GeneratedReply } from './generate-reply';
import { activityLogger } from './logger';
import { planReplySend, type SendPlanResult } from './plan-send';

type PlannedSend = Extract<SendPlanResult, { ok: true }>;

export type ReplyDecision =
  /** The owner's controls or the lead's opt-out end the reply before it is routed. */
  | { outcome: 'stop'; stage: Extract<Stage, 'cancelled' | 'skipped'>; reason: string; gates: GateResult[] }
  /**
   * Sent without a person: the day's automatic allowance is taken and the send planned. `text` is the reply as it
   * goes out when it differs from the draft (the user's AI-disclosure line added).
   */
  | { outcome: 'auto'; gates: GateResult[]; plan: PlannedSend; threshold: number | 'learned'; calibration?: Calibration; text?: string }
  /** Waits for a person; a one-click reply comes with its plan. */
  | {
      outcome: 'review';
      reason: ReviewReason;
      detail?: string;
      oneClick: boolean;
      gates: GateResult[];
      plan?: PlannedSend;
      threshold: number | 'learned';
      calibration?: Calibration;
    };


/** Every string in a value (the templates by intent and language). */
const texts = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(texts) : [];
const DEFAULT_TEMPLATE_TEXTS = texts(DEFAULT_TEMPLATES);

/** The sources an automatic reply's prices, discounts, percentages and dates may come from. */
async function claimSources(db: ActivityDeps['db'], userId: string, templates: object, inboundText: string): Promise<string[]> {
  return [...texts(templates), ...DEFAULT_TEMPLATE_TEXTS, ...(await loadFacts(db, userId)).facts, ...(await activeVariantTemplates(db, userId)), inboundText];
}

/** The user's AI-disclosure line under an automatic reply, once. */
export function withDisclosure(text: string, line: string): string {
  return text.includes(line) ? text : `${text.trimEnd()}\n\n${line}`;
}

/**
 * Steps 4–6 in one round trip: the settings as they stand now (the owner may have paused the autopilot while the
 * model wrote), every quality gate, the route, the day's automatic allowance (taken atomically in the user's day,
 * so concurrent replies never exceed `maxAutoRepliesPerDay`) and, for a reply that goes out by itself or waits for
 * one click, its send time and rate-limit slot.
 */
export function createDecideReply(processDeps: ActivityDeps) {
  return async function decideReply(input: { userId: string; eventId: string; contactId: string; reply: GeneratedReply }): Promise<ReplyDecision> {
    const deps = { ...processDeps, logger: activityLogger(processDeps.logger, input) };
    const { db, clock, channels, policy, logger, metrics } = deps;
    const event = await findEvent(db, input.userId, input.eventId);
    const contact = await findContact(db, input.userId, input.contactId);
    if (!event || !contact) throw ApplicationFailure.nonRetryable(`message event ${input.eventId} or its contact does not exist`, 'EventNotFound');
    const rows = await loadSettingsRows(db, input.userId, input.contactId);
    const { settings } = resolveSettings(rows.contact, rows.user);
    const user = userLevelSettings(rows.user);
    const threshold = settings.confidenceThreshold ?? policy.confidenceThreshold;
    const reply = input.reply;
    // A learned threshold: autonomy for this intent and channel is earned from reviewers' decisions.
    const calibration =
      threshold === 'learned' ? calibrationFor(await reviewerDecisionsFor(db, input.userId, reply.intent, event.channel, CALIBRATION_WINDOW)) : undefined;

    // Paused or switched off while the model wrote: nothing is routed any further.
    const stop = controlStop(settings, event.channel, false);
    if (stop) return { outcome: 'stop', stage: 'cancelled', reason: stop, gates: [] };
    if (!settings.channels.includes(event.channel)) return { outcome: 'stop', stage: 'cancelled', reason: 'channel_disabled', gates: [] };

    const email = event.channel === 'email' ? ((event.metadata.email ?? {}) as { subject?: string; senderAuthentication?: SenderAuthentication }) : undefined;
    const checked = reply.modelError
      ? undefined
      : await runGates(deps, {
          userId: input.userId,
          contactId: input.contactId,
          channel: event.channel,
          text: reply.text,
          subject: email ? replySubject(email.subject) : undefined,
          optOutScope: user.optOutScope,
        });
    if (checked?.optedOut) return { outcome: 'stop', stage: 'skipped', reason: 'contact_opted_out', gates: checked.gates };
    const gates = checked?.gates ?? [];
    const connected = (await channels.get(event.channel)?.isConnected(input.userId)) ?? false;
    // Every price, discount, percentage and date must be one the user vouches for (their templates and facts).
    const claims = reply.modelError ? undefined : await checkClaimsAgainst(reply.text, () => claimSources(db, input.userId, settings.templates, event.text));
    if (claims && !claims.passed) metrics.gateFailed(claims.gate, event.channel);

    let route = decideRoute({
      mode: settings.mode,
      confidence: reply.confidence,
      threshold: typeof threshold === 'number' ? threshold : 1,
      gates,
      maxAutoRepliesPerDay: user.maxAutoRepliesPerDay,
      modelError: reply.modelError !== undefined,
      modelIssues: (reply.issues?.length ?? 0) > 0,
      channelConnected: connected,
      senderVerified: email ? email.senderAuthentication?.verified === true : undefined,
      claimsVerified: claims?.passed,
      autonomyEarned: calibration?.autonomous,
    });
    const shown = claims ? [...gates, claims] : gates;
    let detail: string | undefined;
    if (route.route === 'review' && route.reason === 'sender_unverified') detail = email?.senderAuthentication?.detail ?? 'no authentication results';
    if (route.route === 'review' && route.reason === 'model_output_problem') detail = reply.issues!.join(', ');
    if (route.route === 'review' && route.reason === 'unverified_claim') detail = claims?.detail;

    // The AI-disclosure line goes under automatic replies on the channels the user chose; the longer text must still fit.
    let text: string | undefined;
    if (route.route === 'auto_send' && settings.disclosure && settings.disclosure.channels.includes(event.channel)) {
      text = withDisclosure(reply.text, settings.disclosure.text);
      const fits = checkChannelRules(text, event.channel);
      if (!fits.passed) {
        shown.push({ ...fits, detail: `with the disclosure line: ${fits.detail ?? fits.reason}` });
        route = { route: 'review', reason: 'gate_failed', oneClick: false };
        text = undefined;
      }
    }

    let autoTaken = false;
    if (route.route === 'auto_send') {
      const day = localDay(clock.now(), resolveZone(user.timezone).zone);
      const allowance = await reserveAutoReply(db, { userId: input.userId, eventId: input.eventId, day, cap: user.maxAutoRepliesPerDay });
      autoTaken = allowance.reserved;
      if (!allowance.reserved) {
        logger.info({ event: 'reply.daily_auto_limit', used: allowance.used, cap: user.maxAutoRepliesPerDay });
        route = { route: 'review', reason: 'daily_auto_limit', oneClick: true };
      }
    }

    let plan: PlannedSend | undefined;
    if (route.route === 'auto_send' || route.oneClick) {
      const planned = await planReplySend(deps, {
        userId: input.userId,
        eventId: input.eventId,
        contactId: input.contactId,
        timing: settings.sendTiming,
        sendingHours: settings.sendingHours,
        reply: text === undefined ? reply : { ...reply, text },
        gates: shown,
      }, { event, contact, userTimezone: user.timezone });
      if (planned.ok) plan = planned;
      else {
        if (autoTaken) await releaseAutoReply(db, input.userId, input.eventId);
        route = { route: 'review', reason: 'outside_window', oneClick: false };
      }
    }
    if (route.route === 'auto_send') return { outcome: 'auto', gates: shown, plan: plan!, threshold, calibration, ...(text === undefined ? {} : { text }) };
    return { outcome: 'review', reason: route.reason, detail, oneClick: route.oneClick, gates: shown, plan, threshold, calibration };
  };
}
