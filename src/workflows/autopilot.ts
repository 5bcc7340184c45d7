import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  allHandlersFinished,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { createActivities } from '../activities';
import type { GeneratedReply } from '../activities/generate-reply';
import type { PreparedReply } from '../activities/prepare-reply';
import type { SendPlanResult } from '../activities/plan-send';
import type { GateResult } from '../domain/quality-gates';
import { NON_RETRYABLE_SEND_ERRORS, REVIEWABLE_SEND_FAILURES } from '../domain/send-errors';
import type { Stage } from '../domain/stages';
import {
  approveSignal,
  cancelReplyUpdate,
  cancelSignal,
  controlsChangedSignal,
  decideUpdate,
  sendConfirmedSignal,
  skipSignal,
  stateQuery,
} from './definitions';
import { autopilotWorkflowV1 } from './legacy-v1';
import { ReviewFloor } from './review-floor';
import { AutopilotConfidence, AutopilotContact, AutopilotSendAt, AutopilotStage } from './search-attributes';
import type { AutopilotInput, AutopilotState, DecisionOutcome, TaskKind } from './types';

export { approveSignal, cancelReplyUpdate, cancelSignal, controlsChangedSignal, decideUpdate, sendConfirmedSignal, skipSignal, stateQuery };

/** Workflows started before this patch run the first pipeline (legacy-v1.ts) to the end. */
export const PIPELINE_V2 = 'pipeline-v2';

type Activities = ReturnType<typeof createActivities>;
type Plan = Extract<SendPlanResult, { ok: true }>;

// Bookkeeping: the short database steps, as local activities (no task-queue round trip). Idempotent (keyed by the
// event), so they may retry for a while: a database restart must not lose the message.
const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: ['EventNotFound', 'NoSendSlot'] },
});

// The outcome is what every path ends with: it is retried until the database takes it.
const outcomes = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// Drafting: a model that times out or answers 5xx is retried three times, then the reply goes to a person.
const drafting = proxyActivities<Activities>({
  startToCloseTimeout: '90 seconds',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['EventNotFound'] },
});

/**
 * Delivery: a prospect-visible send never retries unboundedly (three attempts, a platform's Retry-After overrides
 * the interval) and only after an error that certainly sent nothing. It runs on the channel's own task queue, whose
 * worker-level rate limit holds the platform's throughput cap however many workers run.
 */
function delivery(channel: string) {
  return proxyActivities<Activities>({
    taskQueue: sendTaskQueue(workflowInfo().taskQueue, channel),
    startToCloseTimeout: '60 seconds',
    // A worker that dies mid-send is noticed in seconds; the retry then finds the claimed job (send_uncertain).
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 3, nonRetryableErrorTypes: [...NON_RETRYABLE_SEND_ERRORS, 'ReplyStopped'] },
  });
}

export function sendTaskQueue(taskQueue: string, channel: string): string {
  return `${taskQueue}-send-${channel}`;
}

const MAX_REVIEW_ROUNDS = 5;

/** Where the reply goes next; each step returns the next one. */
type Next =
  | { step: 'review'; reason: string; oneClick: boolean; plan?: Plan; kind: TaskKind }
  | { step: 'wait'; plan: Plan }
  | { step: 'send'; plan: Plan }
  | { step: 'human_send'; plan: Plan }
  | { step: 'end'; stage: Stage; reason?: string };

const end = (stage: Stage, reason?: string): Next => ({ step: 'end', stage, reason });

/** One inbound message, one workflow: from the lead's message to (at most) one reply. */
export async function autopilotWorkflow(input: AutopilotInput): Promise<AutopilotState> {
  if (!patched(PIPELINE_V2)) return autopilotWorkflowV1(input);
  const reply = new ReplyRun(input);
  try {
    const inbound = await prepare(reply);
    let next = inbound.end ?? (await decide(reply, inbound.prepared, await draft(reply, inbound.prepared)));
    while (next.step !== 'end') {
      if (reply.cancelled) next = end('cancelled', reply.cancelled.reason);
      else if (next.step === 'review') next = await review(reply, next);
      else if (next.step === 'wait') next = await waitForSendTime(reply, next.plan);
      else if (next.step === 'human_send') next = await handToPerson(reply, next.plan);
      else next = await send(reply, next.plan);
    }
    return await reply.end(next.stage, next.reason);
  } catch (err) {
    // Nothing fails silently: whatever broke, the reply ends with a recorded outcome (and its slots given back).
    if (isCancellation(err)) return CancellationScope.nonCancellable(() => reply.end('cancelled', 'workflow_cancelled'));
    log.error('autopilot.failed', { step: reply.step, error: failureType(err) });
    return await reply.end('failed', `${reply.step}_failed:${failureType(err)}`);
  } finally {
    await condition(allHandlersFinished);
  }
}

/** Steps 1–2: record, resolve settings, catch an opt-out, withdraw older replies. */
async function prepare(reply: ReplyRun): Promise<{ end?: Next; prepared: PreparedReply }> {
  reply.step = 'prepare';
  const prepared = await bookkeeping.prepareReply.executeWithOptions({ summary: 'record message, resolve settings, check opt-out' }, [reply.input]);
  reply.prepared(prepared);
  if (prepared.optOut.optOut) return { end: end('opted_out', `opt_out_${prepared.optOut.rule}`), prepared };
  if (!prepared.eligibility.eligible) return { end: end('skipped', prepared.eligibility.reason), prepared };
  if (prepared.newerEventId) return { end: end('cancelled', 'superseded'), prepared };
  return { prepared };
}

/**
 * Step 3: the draft; a model that fails for good leaves an empty draft with the reason for a person. A remote model
 * is a regular activity (its own timeout, retries, heartbeats); the in-process template engine a local one.
 */
async function draft(reply: ReplyRun, prepared: PreparedReply): Promise<GeneratedReply> {
  reply.step = 'draft';
  reply.advance('generating');
  const model = prepared.draftLocally ? bookkeeping : drafting;
  if (!prepared.draftLocally) reply.publish();
  try {
    reply.draft = await model.generateReply.executeWithOptions({ summary: 'draft the reply' }, [
      { userId: reply.input.userId, eventId: reply.input.eventId, templates: prepared.settings.templates },
    ]);
  } catch (err) {
    if (isCancellation(err)) throw err;
    reply.draft = { text: '', confidence: 0, intent: 'unclear', language: 'en', detectedAction: 'unclear', reasoning: 'the model failed', model: 'unknown', modelError: failureType(err).replace(/^ModelError\./, '') };
  }
  reply.text = reply.draft.text;
  reply.attributesWithNextStage({ key: AutopilotConfidence, value: reply.draft.confidence });
  return reply.draft;
}

/** Steps 4–6: gates, route, the day's automatic allowance and the plan, in one local activity. */
async function decide(reply: ReplyRun, prepared: PreparedReply, generated: GeneratedReply): Promise<Next> {
  reply.step = 'decide';
  if (reply.cancelled) return end('cancelled', reply.cancelled.reason);
  const decision = await bookkeeping.decideReply.executeWithOptions({ summary: 'gates, route, allowance and plan' }, [
    { userId: reply.input.userId, eventId: reply.input.eventId, contactId: prepared.contactId, reply: generated },
  ]);
  reply.gates = decision.gates;
  if (decision.outcome === 'stop') return end(decision.stage, decision.reason);
  if (decision.outcome === 'auto') {
    reply.basis = { route: 'auto_send', gates: decision.gates };
    reply.decidedBy = 'autopilot';
    if (decision.text !== undefined) reply.text = decision.text;
    return { step: 'wait', plan: decision.plan };
  }
  const failed = decision.gates.find((g) => !g.passed);
  const reason =
    decision.reason === 'gate_failed'
      ? `gate_failed:${failed?.reason}`
      : decision.reason === 'model_error'
        ? `model_error:${generated.modelError}`
        : decision.reason === 'model_output_problem'
          ? `model_output_problem:${decision.detail}`
          : decision.reason;
  reply.basis = { route: 'review', routeReason: decision.reason, gates: decision.gates };
  return { step: 'review', reason, oneClick: decision.oneClick, plan: decision.plan, kind: 'review' };
}

/** Step 5: a person decides. An edit passes the gates again; an approval keeps a plan still ahead, or plans afresh. */
async function review(reply: ReplyRun, task: Extract<Next, { step: 'review' }>): Promise<Next> {
  reply.step = 'review';
  reply.round += 1;
  if (reply.round > MAX_REVIEW_ROUNDS) return end('skipped', 'too_many_review_rounds');
  const opened = await bookkeeping.openReviewTask.executeWithOptions({ summary: `open ${task.kind} (${task.reason})` }, [
    {
      ...reply.taskBasics(),
      round: reply.round,
      reason: task.reason,
      kind: task.kind,
      draftText: reply.text || null,
      oneClick: task.oneClick,
      plannedSendAt: task.plan ? new Date(task.plan.sendAt) : null,
    },
  ]);
  reply.advance('awaiting_review', { reason: task.reason, reviewId: opened.reviewId, reviewDeadline: opened.deadline, reviewReason: task.reason, oneClick: task.oneClick });
  const decided = await reply.awaitDecision(task.kind, task.kind === 'send_uncertain');
  if (decided.next) return decided.next;
  const { decision } = decided;
  const reviewer = decision.reviewer ? `reviewer:${decision.reviewer}` : 'reviewer';
  if (decision.decision === 'skip') return reply.closeAndSkip(opened.reviewId, 'skipped', reviewer, decision.reason?.trim() || 'skipped_by_reviewer');

  if (task.kind === 'send_uncertain') {
    if (decision.decision === 'sent') return reply.confirmSent(opened.reviewId, reviewer);
    await reply.closeTask(opened.reviewId, 'approved', reviewer, 'resend');
    reply.floor.settle({ outcome: 'resending' });
    return { step: 'send', plan: task.plan! };
  }

  const edited = decision.decision === 'approve' && decision.text !== undefined && decision.text !== reply.text;
  if (edited) reply.text = decision.text!;
  // No text that fails a gate is ever sent, a person's approval included: an edit passes the gates again, and so
  // does an unchanged text that failed one (the draft, or an edit blocked before; moderation may be back).
  // The claims gate asks only of automatic replies: a person vouches for what they approve.
  if (edited || reply.gates.some((g) => !g.passed && g.gate !== 'claims')) {
    const quality = await bookkeeping.checkQuality.executeWithOptions({ summary: edited ? 'gates on the edit' : 'gates before the approval' }, [
      {
        userId: reply.input.userId,
        contactId: reply.contactId,
        channel: reply.input.channel,
        text: reply.text,
        optOutScope: reply.optOutScope,
        eventId: reply.input.eventId,
      },
    ]);
    reply.gates = quality.gates;
    if (quality.optedOut) return reply.settleAndEnd({ outcome: 'skipped', reason: 'contact_opted_out' }, end('skipped', 'contact_opted_out'));
    const failed = quality.gates.find((g) => !g.passed);
    if (failed) {
      const reason = `gate_failed:${failed.reason}`;
      await reply.closeTask(opened.reviewId, 'approved', reviewer, `blocked:${reason}`, edited ? reply.text : null);
      reply.floor.settle({ outcome: 'blocked', reason, reviewId: opened.reviewId });
      return { step: 'review', reason, oneClick: false, kind: 'review' };
    }
  }
  if (!reply.text.trim()) {
    await reply.closeTask(opened.reviewId, 'approved', reviewer, 'blocked:empty_reply');
    reply.floor.settle({ outcome: 'blocked', reason: 'empty_reply', reviewId: opened.reviewId });
    return { step: 'review', reason: 'empty_reply', oneClick: false, kind: 'review' };
  }
  await reply.closeTask(opened.reviewId, 'approved', reviewer, null, edited ? reply.text : null);
  reply.decidedBy = reviewer;
  const plan = await reply.plan(true);
  if (!plan.ok) return reply.settleAndEnd({ outcome: 'skipped', reason: 'outside_window' }, end('skipped', 'outside_window'));
  reply.floor.settle({ outcome: 'scheduled', sendAt: plan.sendAt });
  return { step: 'wait', plan };
}

/** Step 7: the durable wait until the send time; a cancel or a change of the owner's controls ends it early. */
async function waitForSendTime(reply: ReplyRun, plan: Plan): Promise<Next> {
  reply.step = 'wait';
  reply.advance('scheduled', { reason: undefined, sendAt: plan.sendAt, decidedBy: reply.decidedBy }, [
    { key: AutopilotSendAt, value: new Date(plan.sendAt) },
  ]);
  const sendAt = Date.now() + plan.delayMs;
  for (;;) {
    const remaining = sendAt - Date.now();
    if (remaining > 0 && !reply.interrupted()) {
      reply.publish();
      await condition(() => reply.interrupted(), remaining);
    }
    if (reply.cancelled) return end('cancelled', reply.cancelled.reason);
    if (!reply.controlsChanged) break;
    const stop = await reply.recheckControls(reply.decidedBy === 'autopilot');
    if (stop) return end('cancelled', stop);
  }
  return reply.manualSend ? { step: 'human_send', plan } : { step: 'send', plan };
}

/** Step 8, LinkedIn: the platform forbids automated messages, so a person sends the ready reply and confirms. */
async function handToPerson(reply: ReplyRun, plan: Plan): Promise<Next> {
  reply.step = 'human_send';
  reply.round += 1;
  const task = await bookkeeping.openReviewTask.executeWithOptions({ summary: 'hand the reply to a person to send' }, [
    { ...reply.taskBasics(), round: reply.round, reason: 'human_send', kind: 'human_send', draftText: reply.text, oneClick: false, plannedSendAt: new Date(plan.sendAt) },
  ]);
  reply.advance('awaiting_human_send', { reviewId: task.reviewId, reviewDeadline: task.deadline, reviewReason: 'human_send' });
  const decided = await reply.awaitDecision('human_send', false);
  if (decided.next) return decided.next;
  const by = decided.decision.reviewer ? `reviewer:${decided.decision.reviewer}` : 'reviewer';
  if (decided.decision.decision === 'skip') return reply.closeAndSkip(task.reviewId, 'skipped', by, decided.decision.reason?.trim() || 'skipped_by_reviewer');
  await bookkeeping.recordManualSend.executeWithOptions({ summary: 'a person sent it' }, [{ userId: reply.input.userId, eventId: reply.input.eventId, text: reply.text, by }]);
  await reply.closeTask(task.reviewId, 'sent', by, null);
  reply.decidedBy = reply.decidedBy ?? by;
  return reply.settleAndEnd({ outcome: 'sent' }, end('sent'));
}

/** Step 8: the send, on the channel's queue. Only a send that certainly did not happen is ever repeated by itself. */
async function send(reply: ReplyRun, plan: Plan): Promise<Next> {
  reply.step = 'send';
  reply.advance('sending');
  reply.publish();
  try {
    const sent = await delivery(reply.input.channel).sendReply.executeWithOptions({ summary: `send via ${reply.input.channel}` }, [
      { userId: reply.input.userId, eventId: reply.input.eventId, text: reply.text, humanApproved: reply.decidedBy !== 'autopilot' },
    ]);
    reply.sandbox = sent.sandbox;
    return end('sent');
  } catch (err) {
    if (isCancellation(err)) throw err;
    const type = failureType(err);
    if (type === 'ReplyStopped') return end('cancelled', failureDetail(err) ?? 'stopped');
    // The platform may have the message: a person checks, unless its own status report settles it meanwhile.
    if (type === 'SendUncertain') {
      if (reply.confirmedSent) return end('sent');
      return { step: 'review', reason: 'send_uncertain', oneClick: false, plan, kind: 'send_uncertain' };
    }
    // A failure a person can resolve (connect the channel, renew the token, answer inside the window): back to
    // review; the slot and the day's automatic allowance are given back and taken again on approval.
    const reviewable = REVIEWABLE_SEND_FAILURES[type];
    if (reviewable && reply.round < MAX_REVIEW_ROUNDS) {
      await bookkeeping.releaseSlot.executeWithOptions({ summary: 'give the send slot back' }, [{ userId: reply.input.userId, eventId: reply.input.eventId }]);
      reply.decidedBy = undefined;
      return { step: 'review', reason: reviewable, oneClick: false, kind: 'review' };
    }
    return end('failed', `send_failed:${type}`);
  }
}

function failureType(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.type ?? 'ApplicationFailure';
  if (err instanceof ActivityFailure) return err.cause?.name ?? 'ActivityFailure';
  if (err instanceof ApplicationFailure) return err.type ?? 'ApplicationFailure';
  return (err as Error)?.name ?? 'Error';
}

function failureDetail(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  const details = cause instanceof ApplicationFailure ? cause.details : undefined;
  return typeof details?.[0] === 'string' ? details[0] : undefined;
}

/**
 * One reply's run: its state (answered by the `state` query, mirrored in the search attributes and the details
 * panel), the handlers that reach it while it waits, and the bookkeeping every step shares.
 */
class ReplyRun {
  state: AutopilotState;
  step = 'prepare';
  round = 0;
  contactId = '';
  text = '';
  draft: GeneratedReply | undefined;
  gates: GateResult[] = [];
  basis: { route: string; routeReason?: string; gates: GateResult[] } | undefined;
  decidedBy: string | undefined;
  sandbox: boolean | undefined;
  manualSend = false;
  timing: PreparedReply['settings']['sendTiming'] = 'best_time';
  sendingHours: PreparedReply['settings']['sendingHours'] = { start: 8, end: 20 };
  optOutScope: 'person' | 'channel' = 'person';
  reviewTtlMs = 48 * 3600_000;
  cancelled: { reason: string; by?: string } | undefined;
  controlsChanged = false;
  confirmedSent: { providerMessageId: string; by: string } | undefined;
  readonly floor = new ReviewFloor();

  constructor(readonly input: AutopilotInput) {
    this.state = { stage: 'received', eventId: input.eventId, channel: input.channel, updatedAt: new Date().toISOString() };
    setHandler(stateQuery, () => this.state);
    setHandler(cancelSignal, (signal) => {
      this.cancelled ??= { reason: signal.reason || 'cancelled', by: signal.by };
    });
    setHandler(
      cancelReplyUpdate,
      (request) => {
        this.cancelled ??= { reason: request.reason?.trim() || 'cancelled_by_user', by: request.by };
        return { stage: this.state.stage };
      },
      {
        validator: (_request) => {
          if (this.state.stage === 'sending' || this.state.stage === 'sent') {
            throw ApplicationFailure.create({ type: 'TooLateToCancel', message: `the reply is already ${this.state.stage}` });
          }
          if (this.step === 'ended') throw ApplicationFailure.create({ type: 'AlreadyEnded', message: `the reply has ended (${this.state.stage})` });
        },
      },
    );
    setHandler(controlsChangedSignal, () => {
      this.controlsChanged = true;
    });
    setHandler(sendConfirmedSignal, (signal) => {
      this.confirmedSent ??= signal;
    });
    setHandler(approveSignal, (s) => void this.floor.accept({ decision: 'approve', text: s.text, reviewer: s.reviewer }));
    setHandler(skipSignal, (s) => void this.floor.accept({ decision: 'skip', reason: s.reason, reviewer: s.reviewer }));
    setHandler(decideUpdate, (decision) => this.floor.outcomeOf(this.floor.accept(decision)!), {
      validator: (decision) => this.floor.validate(decision),
    });
    setCurrentDetails(describe(this.state));
  }

  prepared(prepared: PreparedReply): void {
    this.contactId = prepared.contactId;
    this.manualSend = prepared.manualSend === true;
    this.optOutScope = prepared.userLevel.optOutScope;
    this.reviewTtlMs = prepared.reviewTtlMs;
    this.timing = prepared.settings.sendTiming;
    this.sendingHours = prepared.settings.sendingHours;
    this.state = { ...this.state, contactId: prepared.contactId, settingsSource: prepared.settingsSource, mode: prepared.settings.mode };
    this.attributesWithNextStage({ key: AutopilotContact, value: prepared.contactId });
  }

  private pendingAttributes: SearchAttributeUpdatePair[] = [];

  /** Search attributes written with the next stage change: one history event instead of one each. */
  attributesWithNextStage(pair: SearchAttributeUpdatePair): void {
    this.pendingAttributes.push(pair);
  }

  private publishedStage: Stage = 'received';

  /** A new stage: the query's state and the details panel at once; the search attributes when published. */
  advance(stage: Stage, changes: Partial<AutopilotState> = {}, attributes: SearchAttributeUpdatePair[] = []): void {
    this.state = { ...this.state, ...changes, stage, updatedAt: new Date().toISOString() };
    if (this.draft) this.state = { ...this.state, intent: this.draft.intent, confidence: this.draft.confidence };
    this.pendingAttributes.push(...attributes);
    setCurrentDetails(describe(this.state));
  }

  /**
   * Writes the stage (and whatever else changed) to the search attributes, in one update. Called before every wait
   * that leaves the workflow task (a regular activity, a timer, a person) and at the end: the stages a workflow
   * passes through within one task (received → generating → scheduled, all local work) are never visible to anyone
   * in between, and each update is a history event and a visibility write.
   */
  publish(): void {
    if (this.state.stage === this.publishedStage && this.pendingAttributes.length === 0) return;
    upsertSearchAttributes([{ key: AutopilotStage, value: this.state.stage }, ...this.pendingAttributes.splice(0)]);
    this.publishedStage = this.state.stage;
  }

  interrupted(): boolean {
    return this.cancelled !== undefined || this.controlsChanged;
  }

  /**
   * The owner's controls, re-read after a change: the reason to stop, if any. A reply the autopilot scheduled by
   * itself also stops when auto mode or its channel is switched off; one a person decided or is deciding only when
   * the autopilot is turned off (or the lead opted out).
   */
  async recheckControls(decidedByAutopilot: boolean): Promise<string | undefined> {
    this.controlsChanged = false;
    const checked = await bookkeeping.checkControls.executeWithOptions({ summary: 're-check the owner\'s controls' }, [
      { userId: this.input.userId, contactId: this.contactId, channel: this.input.channel, decidedByAutopilot },
    ]);
    return checked.stop?.reason;
  }

  /**
   * Waits on the floor for a person's decision; a cancel, the owner's pause, or (for an uncertain send) the
   * platform's confirmation ends the wait with the next step instead.
   */
  async awaitDecision(kind: TaskKind, confirmable: boolean): Promise<{ next: Next; decision?: never } | { next?: never; decision: NonNullable<ReviewFloor['decision']>['decision'] }> {
    this.floor.openFor(kind);
    this.publish();
    const deadline = Date.now() + this.reviewTtlMs;
    const reviewId = this.state.reviewId!;
    for (;;) {
      const woke = await this.floor.waitUntil(deadline, () => this.interrupted() || (confirmable && this.confirmedSent !== undefined));
      if (woke === 'decided') break;
      if (this.cancelled) return { next: end('cancelled', this.cancelled.reason) };
      if (woke === 'expired') {
        this.floor.close();
        return { next: await this.closeAndSkip(reviewId, 'expired', 'workflow', kind === 'human_send' ? 'human_send_expired' : 'review_expired') };
      }
      if (confirmable && this.confirmedSent) {
        this.floor.close();
        await this.closeTask(reviewId, 'sent', this.confirmedSent.by, 'confirmed by the platform');
        return { next: end('sent') };
      }
      const stop = await this.recheckControls(false);
      if (stop) return { next: end('cancelled', stop) };
    }
    this.floor.close();
    return { decision: this.floor.decision!.decision };
  }

  taskBasics() {
    return {
      userId: this.input.userId,
      eventId: this.input.eventId,
      confidence: this.draft?.confidence ?? 0,
      intent: this.draft?.intent ?? 'unclear',
      gateResults: this.gates,
      channel: this.input.channel,
      contactId: this.contactId,
      ttlMs: this.reviewTtlMs,
    };
  }

  async plan(humanApproved: boolean): Promise<SendPlanResult> {
    return bookkeeping.planSend.executeWithOptions({ summary: 'plan the send time and reserve a rate-limit slot' }, [
      {
        userId: this.input.userId,
        eventId: this.input.eventId,
        contactId: this.contactId,
        timing: this.timing,
        sendingHours: this.sendingHours,
        reply: { ...this.draft!, text: this.text },
        gates: this.gates,
        humanApproved,
      },
    ]);
  }

  async closeTask(reviewId: string, status: 'approved' | 'skipped' | 'expired' | 'sent', by: string, reason: string | null, finalText: string | null = null): Promise<void> {
    await bookkeeping.closeReviewTask.executeWithOptions({ summary: `task ${status}` }, [
      { userId: this.input.userId, reviewId, status, decidedBy: by, reason, finalText },
    ]);
  }

  /** Closes the task and ends the reply: a reviewer skipped, or nobody decided in time. */
  async closeAndSkip(reviewId: string, status: 'skipped' | 'expired', by: string, reason: string): Promise<Next> {
    await this.closeTask(reviewId, status, by, reason);
    if (status === 'skipped') this.decidedBy = by;
    // The decide Update answers once the task is closed (a reader then sees it closed).
    return this.settleAndEnd({ outcome: 'skipped', reason }, end('skipped', reason));
  }

  /** A person confirms that an uncertain send did reach the lead. */
  async confirmSent(reviewId: string, by: string): Promise<Next> {
    await bookkeeping.recordManualSend.executeWithOptions({ summary: 'a person confirmed the send' }, [
      { userId: this.input.userId, eventId: this.input.eventId, text: this.text, by, how: 'confirmed' },
    ]);
    await this.closeTask(reviewId, 'sent', by, 'confirmed');
    return this.settleAndEnd({ outcome: 'sent' }, end('sent'));
  }

  settleAndEnd(outcome: DecisionOutcome, next: Next): Next {
    this.floor.settle(outcome);
    return next;
  }

  /** Step 9: the outcome recorded (stage, reply, decision, audit; slots given back unless sent), then the last stage. */
  async end(stage: Stage, reason: string | undefined): Promise<AutopilotState> {
    this.step = 'record';
    const by = stage === 'cancelled' && this.cancelled?.by ? this.cancelled.by : this.decidedBy;
    await outcomes.recordOutcome.executeWithOptions({ summary: `record outcome: ${stage}` }, [
      {
        eventId: this.input.eventId,
        userId: this.input.userId,
        stage,
        reason: reason ?? null,
        reply: this.draft ? { text: this.text, confidence: this.draft.confidence } : null,
        decidedBy: by ?? null,
        basis: this.draft && this.basis ? { ...this.basis, intent: this.draft.intent, model: this.draft.model, variantId: this.draft.experiment?.variantId } : null,
      },
    ]);
    // A decision the workflow took but never answered (it ended first) is answered with how the reply ended.
    this.floor.settle(stage === 'sent' ? { outcome: 'sent' } : stage === 'cancelled' ? { outcome: 'cancelled', reason: reason ?? 'cancelled' } : { outcome: 'skipped', reason: reason ?? stage });
    this.step = 'ended';
    this.advance(stage, { reason, decidedBy: by, sandbox: this.sandbox });
    this.publish();
    log.info('autopilot.finished', { stage, reason });
    return this.state;
  }
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
