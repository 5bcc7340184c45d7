import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { GeneratedReply } from '../activities/generate-reply';
import type { SendPlanResult } from '../activities/plan-send';
import type { GateResult } from '../domain/quality-gates';
import type { Stage } from '../domain/stages';
import { AutopilotConfidence, AutopilotContact, AutopilotSendAt, AutopilotStage } from './search-attributes';

import type {
  ApproveSignal,
  AutopilotInput,
  AutopilotState,
  CancelSignal,
  DecisionOutcome,
  ReviewDecision,
  SkipSignal,
} from './types';

/*
 * The first pipeline, frozen as it ran until the prepareReply step replaced it (patch `pipeline-v2` in
 * autopilot.ts). Workflows started before that still replay and finish on this code, so it must never change:
 * the routing rule and the send-error tables it used are copied here as they were.
 */

const stateQuery = defineQuery<AutopilotState>('state');
const approveSignal = defineSignal<[ApproveSignal]>('approve');
const skipSignal = defineSignal<[SkipSignal]>('skip');
const cancelSignal = defineSignal<[CancelSignal]>('cancel');
const decideUpdate = defineUpdate<DecisionOutcome, [ReviewDecision]>('decide');

type ReviewReason = 'assist_mode' | 'one_click_mode' | 'low_confidence' | 'gate_failed' | 'daily_auto_limit' | 'model_error' | 'outside_window' | 'channel_not_connected';
type Decision = { route: 'auto_send' } | { route: 'review'; reason: ReviewReason; oneClick: boolean };

function decideRoute(input: {
  mode: string;
  confidence: number;
  threshold: number;
  gates: GateResult[];
  autoRepliesToday: number;
  maxAutoRepliesPerDay: number;
  modelError?: boolean;
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

const NON_RETRYABLE_SEND_ERRORS = ['InvalidRecipient', 'NonRetryableSendError', 'JobNotSendable', 'ChannelNotConnected', 'ConnectionBroken', 'OutsideWindow', 'SendUncertain'];
const REVIEWABLE_SEND_FAILURES: Record<string, string> = {
  ChannelNotConnected: 'channel_not_connected',
  ConnectionBroken: 'connection_broken',
  OutsideWindow: 'outside_window',
  SendUncertain: 'send_uncertain',
};

type Activities = ReturnType<typeof createActivities>;

// Database work is idempotent (upserts keyed by the event), so it may retry for a while: a database restart
// must not lose the message.
const db = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: ['EventNotFound'] },
});

// A model that times out or answers 5xx is retried three times, then the reply goes to a human.
const model = proxyActivities<Activities>({
  startToCloseTimeout: '90 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['EventNotFound'] },
});

// A prospect-visible send never retries unboundedly: three attempts with exponential backoff (a provider's
// Retry-After overrides the interval), never for errors that cannot succeed.
const send = proxyActivities<Activities>({
  startToCloseTimeout: '60 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_SEND_ERRORS,
  },
});

const MAX_REVIEW_ROUNDS = 5;

function failureType(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.type ?? 'ApplicationFailure';
  if (err instanceof ActivityFailure) return err.cause?.name ?? 'ActivityFailure';
  return (err as Error).name ?? 'Error';
}

function describe(state: AutopilotState): string {
  const lines = [`**Stage:** ${state.stage}${state.reason ? ` (${state.reason})` : ''}`, `**Channel:** ${state.channel}`];
  if (state.mode) lines.push(`**Mode:** ${state.mode} (settings from ${state.settingsSource})`);
  if (state.intent) lines.push(`**Intent:** ${state.intent}, confidence ${state.confidence?.toFixed(2)}`);
  if (state.reviewId) lines.push(`**Review:** ${state.reviewId} (${state.reviewReason}), expires ${state.reviewDeadline}`);
  if (state.sendAt) lines.push(`**Send at:** ${state.sendAt}`);
  lines.push(`**Event:** ${state.eventId}`);
  return lines.join('\n\n');
}

/** The first pipeline: one inbound message, one workflow, from the lead's message to (at most) one reply. */
export async function autopilotWorkflowV1(input: AutopilotInput): Promise<AutopilotState> {
  let state: AutopilotState = {
    stage: 'received',
    eventId: input.eventId,
    channel: input.channel,
    updatedAt: new Date().toISOString(),
  };
  let cancelled: CancelSignal | undefined;
  let reviewOpen = false;
  let pending: { decision: ReviewDecision; seq: number } | undefined;
  let decisionSeq = 0;
  let taskKind: 'review' | 'human_send' = 'review';
  const outcomes = new Map<number, DecisionOutcome>();
  // Signal handlers change these between awaits; reading through a function keeps TypeScript from narrowing them.
  const cancelledNow = () => cancelled;
  const pendingNow = () => pending;

  setHandler(stateQuery, () => state);
  setHandler(cancelSignal, (signal) => {
    cancelled ??= { reason: signal.reason || 'cancelled', by: signal.by };
  });
  const accept = (decision: ReviewDecision): number | undefined => {
    // approve fits a review, sent a human-send task; skip fits both
    const fits = decision.decision === 'skip' || (decision.decision === 'approve') === (taskKind === 'review');
    if (!reviewOpen || pending || !fits) {
      log.warn('autopilot.decision_ignored', { decision: decision.decision, reviewOpen, alreadyDecided: pending !== undefined });
      return undefined;
    }
    decisionSeq += 1;
    pending = { decision, seq: decisionSeq };
    return decisionSeq;
  };
  setHandler(approveSignal, (s) => void accept({ decision: 'approve', text: s.text, reviewer: s.reviewer }));
  setHandler(skipSignal, (s) => void accept({ decision: 'skip', reason: s.reason, reviewer: s.reviewer }));
  setHandler(
    decideUpdate,
    async (decision) => {
      const seq = accept(decision)!;
      await condition(() => outcomes.has(seq));
      return outcomes.get(seq)!;
    },
    {
      validator: (decision) => {
        if (decision.decision !== 'approve' && decision.decision !== 'skip' && decision.decision !== 'sent') {
          throw ApplicationFailure.create({ type: 'InvalidDecision', message: 'decision must be approve, skip or sent' });
        }
        if (decision.decision === 'approve' && decision.text !== undefined && decision.text.trim() === '') {
          throw ApplicationFailure.create({ type: 'InvalidDecision', message: 'an edited text must not be empty' });
        }
        if (pending) throw ApplicationFailure.create({ type: 'ReviewAlreadyDecided', message: 'this review has already been decided' });
        if (!reviewOpen) throw ApplicationFailure.create({ type: 'ReviewNotOpen', message: 'no review is open for this reply (expired, decided or not needed)' });
        if (decision.decision === 'sent' && taskKind !== 'human_send') {
          throw ApplicationFailure.create({ type: 'InvalidDecision', message: 'only a reply handed to a person to send can be confirmed as sent' });
        }
        if (decision.decision === 'approve' && taskKind === 'human_send') {
          throw ApplicationFailure.create({ type: 'InvalidDecision', message: 'this reply is sent by a person: confirm it with sent, or skip it' });
        }
      },
    },
  );

  const advance = (stage: Stage, changes: Partial<AutopilotState> = {}) => {
    state = { ...state, ...changes, stage, updatedAt: new Date().toISOString() };
    upsertSearchAttributes([{ key: AutopilotStage, value: stage }]);
    setCurrentDetails(describe(state));
  };

  let reply: GeneratedReply | undefined;
  let decidedBy: string | undefined;
  let text = ''; // the reply as it stands: the draft, or a reviewer's edit
  let basis: { route: string; routeReason?: string; gates: GateResult[] } | undefined = undefined; // set once routed
  const finish = async (stage: Stage, reason: string | undefined) => {
    await db.recordOutcome.executeWithOptions({ summary: `record outcome: ${stage}` }, [
      {
        eventId: input.eventId,
        userId: input.userId,
        stage,
        reason: reason ?? null,
        reply: reply ? { text, confidence: reply.confidence } : null,
        decidedBy: decidedBy ?? null,
        basis: reply && basis ? { ...basis, intent: reply.intent, model: reply.model, variantId: reply.experiment?.variantId } : null,
      },
    ]);
    advance(stage, { reason });
    log.info('autopilot.finished', { stage, reason });
    return state;
  };

  /** Opens the floor for one decision on the open task, and waits for it, a cancel, or the end of the TTL. */
  const awaitDecision = async (kind: 'review' | 'human_send') => {
    taskKind = kind;
    pending = undefined;
    reviewOpen = true;
    const decided = await condition(() => pendingNow() !== undefined || cancelledNow() !== undefined, inbound.reviewTtlMs);
    reviewOpen = false;
    taskKind = 'review';
    const taken = decided ? pendingNow() : undefined;
    return { taken, cancelled: cancelledNow(), settle: (outcome: DecisionOutcome) => taken && outcomes.set(taken.seq, outcome) };
  };

  /** Closes the task and ends the workflow: a reviewer skipped, or nobody decided in time. */
  const closeAndSkip = async (reviewId: string, status: 'skipped' | 'expired', by: string, reason: string, settle?: (o: DecisionOutcome) => unknown) => {
    await db.closeReviewTask.executeWithOptions({ summary: `task ${status}` }, [
      { userId: input.userId, reviewId, status, decidedBy: by, reason },
    ]);
    if (status === 'skipped') decidedBy = by;
    // The decide Update answers once the task is closed (a reader then sees it closed).
    settle?.({ outcome: 'skipped', reason });
    return finish('skipped', reason);
  };

  setCurrentDetails(describe(state));
  const inbound = await db.recordInbound.executeWithOptions({ summary: 'record message, resolve settings, check opt-out' }, [input]);
  const contactId = inbound.contactId;
  upsertSearchAttributes([{ key: AutopilotContact, value: contactId }]);
  advance('received', { contactId, settingsSource: inbound.settingsSource, mode: inbound.settings.mode });

  const supersede = (reason: string) =>
    db.supersedeOlder.executeWithOptions({ summary: 'cancel older pending replies to this contact' }, [
      { userId: input.userId, eventId: input.eventId, contactId, channel: input.channel, reason },
    ]);

  if (inbound.optOut.optOut) {
    await supersede('contact_opted_out');
    return finish('opted_out', `opt_out_${inbound.optOut.rule}`);
  }
  if (!inbound.eligibility.eligible) return finish('skipped', inbound.eligibility.reason);
  const superseded = await supersede('superseded');
  if (superseded.newerEventId) return finish('cancelled', 'superseded');
  if (cancelledNow()) return finish('cancelled', cancelledNow()!.reason);

  // 3 generate
  advance('generating');
  try {
    reply = await model.generateReply.executeWithOptions({ summary: 'draft the reply' }, [
      { userId: input.userId, eventId: input.eventId, templates: inbound.settings.templates },
    ]);
  } catch (err) {
    reply = {
      text: '',
      confidence: 0,
      intent: 'unclear',
      language: 'en',
      detectedAction: 'unclear',
      reasoning: 'the model failed',
      model: 'unknown',
      modelError: failureType(err).replace(/^ModelError\./, ''),
    };
  }
  upsertSearchAttributes([{ key: AutopilotConfidence, value: reply.confidence }]);
  state = { ...state, intent: reply.intent, confidence: reply.confidence };
  if (cancelledNow()) return finish('cancelled', cancelledNow()!.reason);

  // 4 gates, 5 route
  const check = (text: string) =>
    db.checkQuality.executeWithOptions({ summary: 'quality gates' }, [{ userId: input.userId, contactId, channel: input.channel, text }]);
  let quality = reply.modelError ? undefined : await check(reply.text);
  if (quality?.optedOut) return finish('skipped', 'contact_opted_out');
  let gates: GateResult[] = quality?.gates ?? [];
  let route: Decision = decideRoute({
    mode: inbound.settings.mode,
    confidence: reply.confidence,
    threshold: inbound.confidenceThreshold,
    gates,
    autoRepliesToday: quality?.autoRepliesToday ?? 0,
    maxAutoRepliesPerDay: inbound.settings.maxAutoRepliesPerDay,
    modelError: reply.modelError !== undefined,
    channelConnected: quality?.connected,
  });

  text = reply.text;
  basis = { route: route.route, routeReason: route.route === 'review' ? route.reason : undefined, gates };
  const plan = (forText: string, humanApproved = false) =>
    db.planSend.executeWithOptions({ summary: 'plan the send time and reserve a rate-limit slot' }, [
      {
        userId: input.userId,
        eventId: input.eventId,
        contactId,
        timing: inbound.settings.sendTiming,
        sendingHours: inbound.settings.sendingHours,
        reply: { ...reply!, text: forText },
        gates,
        humanApproved,
      },
    ]);
  let planned: SendPlanResult | undefined;
  let plannedAt = 0; // workflow time when the plan was made: the wait is what remains of its delay
  let round = 0; // review rounds, across send attempts
  for (let sendRound = 0; ; sendRound++) {
    if (route.route === 'auto_send' || route.oneClick) {
      planned = await plan(text);
      plannedAt = Date.now();
      if (!planned.ok) route = { route: 'review', reason: 'outside_window', oneClick: false };
    }

    if (route.route === 'auto_send') {
      decidedBy = 'autopilot';
    } else {
      let reason: string =
        route.reason === 'gate_failed'
          ? `gate_failed:${gates.find((g) => !g.passed)?.reason}`
          : route.reason === 'model_error'
            ? `model_error:${reply.modelError}`
            : route.reason;
      let oneClick = route.oneClick;
      for (;;) {
        round += 1;
        if (round > MAX_REVIEW_ROUNDS) return finish('skipped', 'too_many_review_rounds');
        const review = await db.openReviewTask.executeWithOptions({ summary: `open review (${reason})` }, [
          {
            userId: input.userId,
            eventId: input.eventId,
            round,
            reason,
            draftText: text || null,
            confidence: reply.confidence,
            oneClick,
            plannedSendAt: planned?.ok ? new Date(planned.sendAt) : null,
            intent: reply.intent,
            gateResults: gates,
            channel: input.channel,
            contactId,
            ttlMs: inbound.reviewTtlMs,
          },
        ]);
        advance('awaiting_review', { reason, reviewId: review.reviewId, reviewDeadline: review.deadline, reviewReason: reason, oneClick });
        const { taken, cancelled: stop, settle } = await awaitDecision('review');
        if (stop) {
          settle({ outcome: 'cancelled', reason: stop.reason });
          return finish('cancelled', stop.reason);
        }
        if (!taken) return closeAndSkip(review.reviewId, 'expired', 'workflow', 'review_expired');
        const { decision } = taken;
        if (decision.decision === 'sent') continue; // never accepted for a review (see accept and the validator)
        const reviewer = decision.reviewer ? `reviewer:${decision.reviewer}` : 'reviewer';
        if (decision.decision === 'skip') {
          return closeAndSkip(review.reviewId, 'skipped', reviewer, decision.reason?.trim() || 'skipped_by_reviewer', settle);
        }

        const edited = decision.text !== undefined && decision.text !== text;
        if (edited) {
          // An edited text passes the gates again.
          text = decision.text!;
          quality = await check(text);
          gates = quality.gates;
          if (quality.optedOut) {
            settle({ outcome: 'skipped', reason: 'contact_opted_out' });
            return finish('skipped', 'contact_opted_out');
          }
        }
        if (!text.trim() || (quality && !quality.passed)) {
          const failed = quality?.gates.find((g) => !g.passed);
          reason = failed ? `gate_failed:${failed.reason}` : 'empty_reply';
          await db.closeReviewTask.executeWithOptions({ summary: 'approval blocked by a gate' }, [
            { userId: input.userId, reviewId: review.reviewId, status: 'approved', finalText: text, decidedBy: reviewer, reason: `blocked:${reason}` },
          ]);
          // The next round's review id is only known once it is open; the outcome names the one that blocked.
          settle({ outcome: 'blocked', reason, reviewId: review.reviewId });
          oneClick = false;
          continue;
        }
        await db.closeReviewTask.executeWithOptions({ summary: 'review approved' }, [
          { userId: input.userId, reviewId: review.reviewId, status: 'approved', finalText: edited ? text : null, decidedBy: reviewer, reason: null },
        ]);
        decidedBy = reviewer;
        if (!planned?.ok || edited) {
          planned = await plan(text, true);
          plannedAt = Date.now();
        }
        if (!planned.ok) {
          settle({ outcome: 'skipped', reason: 'outside_window' });
          return finish('skipped', 'outside_window');
        }
        settle({ outcome: 'scheduled', sendAt: planned.sendAt });
        break;
      }
    }
    if (!planned?.ok) return finish('failed', 'not_planned');

    // 7 the durable wait
    upsertSearchAttributes([{ key: AutopilotSendAt, value: new Date(planned.sendAt) }]);
    advance('scheduled', { reason: undefined, sendAt: planned.sendAt, decidedBy });
    const delay = Math.max(0, planned.delayMs - (Date.now() - plannedAt));
    if (await condition(() => cancelledNow() !== undefined, delay)) return finish('cancelled', cancelledNow()!.reason);

    // The world may have changed while we slept: the gates and the opt-out once more.
    const final = await check(text);
    if (final.optedOut) return finish('cancelled', 'contact_opted_out');
    const failed = final.gates.find((g) => !g.passed);
    if (failed) return finish('skipped', `gate_failed:${failed.reason}`);
    if (cancelledNow()) return finish('cancelled', cancelledNow()!.reason);

    // 8 send — by a person where the platform forbids automated messages (LinkedIn)
    if (inbound.manualSend) {
      round += 1;
      const task = await db.openReviewTask.executeWithOptions({ summary: 'hand the reply to a person to send' }, [
        {
          userId: input.userId,
          eventId: input.eventId,
          round,
          reason: 'human_send',
          kind: 'human_send',
          draftText: text,
          confidence: reply.confidence,
          oneClick: false,
          plannedSendAt: new Date(planned.sendAt),
          intent: reply.intent,
          gateResults: gates,
          channel: input.channel,
          contactId,
          ttlMs: inbound.reviewTtlMs,
        },
      ]);
      advance('awaiting_human_send', { reviewId: task.reviewId, reviewDeadline: task.deadline, reviewReason: 'human_send' });
      const { taken, cancelled: stop, settle } = await awaitDecision('human_send');
      if (stop) {
        settle({ outcome: 'cancelled', reason: stop.reason });
        return finish('cancelled', stop.reason);
      }
      if (!taken) return closeAndSkip(task.reviewId, 'expired', 'workflow', 'human_send_expired');
      const by = taken.decision.reviewer ? `reviewer:${taken.decision.reviewer}` : 'reviewer';
      if (taken.decision.decision === 'skip') {
        return closeAndSkip(task.reviewId, 'skipped', by, taken.decision.reason?.trim() || 'skipped_by_reviewer', settle);
      }
      await db.recordManualSend.executeWithOptions({ summary: 'a person sent it' }, [{ userId: input.userId, eventId: input.eventId, text, by }]);
      await db.closeReviewTask.executeWithOptions({ summary: 'sent by hand' }, [
        { userId: input.userId, reviewId: task.reviewId, status: 'sent', decidedBy: by, reason: null },
      ]);
      decidedBy = decidedBy ?? by;
      settle({ outcome: 'sent' });
      return finish('sent', undefined);
    }
    advance('sending');
    try {
      const sent = await send.sendReply.executeWithOptions({ summary: `send via ${input.channel}` }, [
        { userId: input.userId, eventId: input.eventId, text, humanApproved: decidedBy !== 'autopilot' },
      ]);
      state = { ...state, sandbox: sent.sandbox };
    } catch (err) {
      // A failure a human can resolve (connect the channel, renew the token, answer inside the window) goes back
      // to review; its slot is given back and taken again when the reply is approved.
      const reviewable = REVIEWABLE_SEND_FAILURES[failureType(err)];
      if (reviewable && sendRound < MAX_REVIEW_ROUNDS) {
        await db.releaseSlot.executeWithOptions({ summary: 'give the send slot back' }, [{ userId: input.userId, eventId: input.eventId }]);
        route = { route: 'review', reason: reviewable as ReviewReason, oneClick: false };
        planned = undefined;
        decidedBy = undefined;
        continue;
      }
      return finish('failed', `send_failed:${failureType(err)}`);
    }
    return finish('sent', undefined);
  }
}
