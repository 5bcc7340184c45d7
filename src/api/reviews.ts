import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createRoute, z } from '@hono/zod-openapi';
import { contactThread, findReview, listOpenReviews, REVIEW_STATUSES, TASK_KINDS, type ReviewRow } from '../db/reviews';
import { REPLY_WINDOWS, replyWindowClosesAt } from '../domain/reply-window';
import { decideUpdate } from '../workflows';
import type { DecisionOutcome, ReviewDecision } from '../workflows/types';
import type { ApiEnv } from './deps';
import { CHANNELS } from '../domain/channels';
import { ApiError, notFound } from './errors';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, idParam, json, jsonBody, Timestamp, Uuid } from './openapi';

/** The lead as their channel knows them, and their name. */
function contactOf(r: ReviewRow) {
  return r.contactId && r.contactHandle !== null ? { id: r.contactId, name: r.contactName, handle: r.contactHandle } : null;
}

export function reviewView(r: ReviewRow) {
  const windowClosesAt = r.channel && r.inboundAt ? replyWindowClosesAt(r.channel, r.inboundAt, r.humanApproved) : null;
  const expiresAt = windowClosesAt && windowClosesAt < r.deadline ? windowClosesAt : r.deadline;
  return {
    id: r.id,
    eventId: r.eventId,
    workflowId: r.workflowId,
    status: r.status,
    kind: r.kind,
    // human_send: the text to copy and the conversation to paste it into
    actionUrl: r.actionUrl,
    reason: r.reason,
    round: r.round,
    oneClick: r.oneClick,
    channel: r.channel,
    contactId: r.contactId,
    contact: contactOf(r),
    inboundText: r.inboundText,
    draft: { text: r.draftText, confidence: r.confidence, intent: r.intent, gates: r.gateResults },
    plannedSendAt: r.plannedSendAt?.toISOString() ?? null,
    deadline: r.deadline.toISOString(),
    windowClosesAt: windowClosesAt?.toISOString() ?? null,
    expiresAt: expiresAt.toISOString(),
    decision: r.decidedAt ? { by: r.decidedBy, at: r.decidedAt.toISOString(), finalText: r.finalText, reason: r.decisionReason } : null,
    createdAt: r.createdAt.toISOString(),
  };
}

const ApproveSchema = z.object({ text: z.string().max(100_000).trim().min(1, 'text must not be empty').optional() }).strict();
const SkipSchema = z.object({ reason: z.string().max(500).trim().min(1).optional() }).strict();

const CONFLICT_CODES: Record<string, string> = {
  ReviewAlreadyDecided: 'review_already_decided',
  ReviewNotOpen: 'review_closed',
};

const Review = z
  .object({
    id: Uuid,
    eventId: Uuid,
    workflowId: z.string(),
    status: z.enum(REVIEW_STATUSES),
    kind: z.enum(TASK_KINDS).openapi({
      description:
        'review: approve (maybe edited) or skip a draft; human_send: a person sends the text by hand (LinkedIn); send_uncertain: a ' +
        'send was interrupted and may have reached the lead — confirm it arrived (sent), send it again (approve) or leave it (skip)',
    }),
    actionUrl: z.string().nullable().openapi({ description: 'human_send: the conversation to paste the text into' }),
    reason: z.string(),
    round: z.number().int(),
    oneClick: z.boolean(),
    channel: z.enum(CHANNELS).nullable(),
    contactId: Uuid.nullable(),
    contact: z
      .object({ id: Uuid, name: z.string().nullable(), handle: z.string() })
      .nullable()
      .openapi({ description: 'the lead as their channel knows them (phone number, address, profile id) and their name' }),
    inboundText: z.string().nullable(),
    draft: z.object({
      text: z.string().nullable(),
      confidence: z.number().nullable(),
      intent: z.string().nullable(),
      gates: z.array(z.object({ gate: z.string(), passed: z.boolean(), reason: z.string().optional(), detail: z.string().optional() })),
    }),
    plannedSendAt: Timestamp.nullable(),
    deadline: Timestamp.openapi({ description: 'when the task expires unanswered (AUTOPILOT_REVIEW_TTL after it opened): the reply is skipped' }),
    windowClosesAt: Timestamp.nullable().openapi({
      description:
        "when the channel stops taking a free-form reply to the lead's message: WhatsApp 24 h after it; Instagram 24 h, or 7 days " +
        'for a reply a person approved (HUMAN_AGENT tag); null for email and LinkedIn, which set no window. A reply is planned at ' +
        'least 10 minutes before it.',
    }),
    expiresAt: Timestamp.openapi({ description: 'the earlier of `deadline` and `windowClosesAt`: the open tasks are listed by it' }),
    decision: z.object({ by: z.string().nullable(), at: Timestamp, finalText: z.string().nullable(), reason: z.string().nullable() }).nullable(),
    createdAt: Timestamp,
  })
  .openapi('Review');

/** What the workflow did with the decision (the `decide` Update's answer). */
const Decided = z
  .discriminatedUnion('outcome', [
    z.object({ reviewId: Uuid, outcome: z.literal('scheduled'), sendAt: Timestamp }),
    z.object({ reviewId: Uuid, outcome: z.literal('skipped'), reason: z.string() }),
    z.object({
      reviewId: Uuid,
      outcome: z.literal('blocked'),
      reason: z.string().openapi({ description: 'the gate the edited text failed; a new review round is open' }),
    }),
    z.object({ reviewId: Uuid, outcome: z.literal('cancelled'), reason: z.string() }),
    z.object({ reviewId: Uuid, outcome: z.literal('sent') }),
    z.object({ reviewId: Uuid, outcome: z.literal('resending').openapi({ description: 'an uncertain send goes out again' }) }),
  ])
  .openapi('ReviewDecided');

const IdempotencyKey = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ param: { description: "Idempotency-Key: a retried request with the same key is answered with the first one's outcome" } }),
});

const DECISION_ERRORS = errors(...BODY_ERRORS, 401, 404, {
  409: 'The review is already decided, expired or settled (`review_already_decided`, `review_closed`).',
  503: 'Temporal did not take the decision (`temporal_unavailable`): retry, ideally with the same Idempotency-Key.',
});

const listReviews = createRoute({
  method: 'get',
  path: '/',
  tags: ['Reviews'],
  summary: 'Open review tasks, what expires first (deadline or reply window) first',
  security: apiKeyAuth,
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  responses: { 200: json(z.object({ reviews: z.array(Review) }), 'The open tasks.'), ...errors(400, 401) },
});

const readReview = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['Reviews'],
  summary: 'One review task, any status',
  security: apiKeyAuth,
  request: { params: idParam('review') },
  responses: { 200: json(Review, 'The task.'), ...errors(401, 404) },
});

const ThreadMessage = z.object({
  id: Uuid,
  direction: z.enum(['inbound', 'outbound']).openapi({ description: 'inbound: the lead wrote; outbound: a reply that reached them' }),
  text: z.string(),
  at: Timestamp,
  current: z.boolean().openapi({ description: 'the message this task answers' }),
});

const ReviewThread = z
  .object({
    reviewId: Uuid,
    channel: z.enum(CHANNELS).nullable(),
    contact: z.object({ id: Uuid, name: z.string().nullable(), handle: z.string() }).nullable(),
    messages: z.array(ThreadMessage).openapi({ description: 'the newest messages with this contact on this channel, oldest first' }),
    earlier: z.boolean().openapi({ description: 'older messages exist beyond `limit`' }),
  })
  .openapi('ReviewThread');

const readThread = createRoute({
  method: 'get',
  path: '/{id}/thread',
  tags: ['Reviews'],
  summary: "The conversation a task belongs to: the lead's earlier messages and the replies they got, newest last",
  security: apiKeyAuth,
  request: { params: idParam('review'), query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: json(ReviewThread, 'The thread.'), ...errors(400, 401, 404) },
});

const approveReview = createRoute({
  method: 'post',
  path: '/{id}/approve',
  tags: ['Reviews'],
  summary: 'Approve the draft, or an edit of it (on a send_uncertain task: send it again)',
  security: apiKeyAuth,
  request: { params: idParam('review'), headers: IdempotencyKey, body: jsonBody(ApproveSchema, { required: false }) },
  responses: { 200: json(Decided, 'What the workflow did: scheduled, blocked (the edit failed a gate) or skipped.'), ...DECISION_ERRORS },
});

// A person sent the reply by hand (LinkedIn), or saw that an uncertain send did arrive, and confirms it.
const confirmSent = createRoute({
  method: 'post',
  path: '/{id}/sent',
  tags: ['Reviews'],
  summary: 'Confirm a human-send task was sent by hand, or that an uncertain send reached the lead',
  security: apiKeyAuth,
  request: { params: idParam('review'), headers: IdempotencyKey, body: jsonBody(z.object({}).strict(), { required: false }) },
  responses: { 200: json(Decided, 'Recorded as sent.'), ...DECISION_ERRORS },
});

/** One review's answer in a batch: what the workflow did, or why nothing was done. */
const BatchResult = z
  .union([
    Decided,
    z.object({
      reviewId: Uuid,
      error: z.object({ code: z.string(), message: z.string() }).openapi({
        description:
          '`not_one_click` (the task needs a person to read it, or is not a draft to approve), `not_found`, `review_closed`, ' +
          '`review_already_decided`, `invalid_decision` or `temporal_unavailable` (retry with the same Idempotency-Key)',
      }),
    }),
  ])
  .openapi('ReviewBatchResult');

export const MAX_BATCH = 100;

const BatchApproveSchema = z
  .object({
    reviewIds: z
      .array(z.guid({ message: 'reviewIds are review ids' }))
      .min(1, 'reviewIds must name at least one review')
      .max(MAX_BATCH, `reviewIds names at most ${MAX_BATCH} reviews`)
      .refine((ids) => new Set(ids).size === ids.length, 'reviewIds must not repeat'),
  })
  .strict();

const approveBatch = createRoute({
  method: 'post',
  path: '/approve',
  tags: ['Reviews'],
  summary: 'Approve one-click replies in bulk, each as its own decision',
  description:
    'Each review is approved as `POST /v1/reviews/{id}/approve` without an edit would, and answers on its own (200 with one result per ' +
    'review, in the order asked): its outcome, or its error. Only one-click tasks (`oneClick: true`: every gate passed and the ' +
    'confidence reached the threshold) are approved here; any other answers `not_one_click`. With an Idempotency-Key a retried ' +
    "batch answers each review with its first outcome (each decision's id is derived from the key and the review id).",
  security: apiKeyAuth,
  request: { headers: IdempotencyKey, body: jsonBody(BatchApproveSchema, { required: true }) },
  responses: { 200: json(z.object({ results: z.array(BatchResult) }), 'One result per review.'), ...errors(...BODY_ERRORS, 401) },
});

const skipReview = createRoute({
  method: 'post',
  path: '/{id}/skip',
  tags: ['Reviews'],
  summary: 'Skip the reply',
  security: apiKeyAuth,
  request: { params: idParam('review'), headers: IdempotencyKey, body: jsonBody(SkipSchema, { required: false }) },
  responses: { 200: json(Decided, 'Skipped.'), ...DECISION_ERRORS },
});

export const reviews = createRouter()
  .openapi(listReviews, async (c) => {
    const rows = await listOpenReviews(c.var.deps.db, c.var.userId, { limit: c.req.valid('query').limit, windows: REPLY_WINDOWS });
    return c.json({ reviews: rows.map(reviewView) }, 200);
  })
  .openapi(approveBatch, async (c) => {
    const { reviewIds } = c.req.valid('json');
    const batchKey = c.req.valid('header')['idempotency-key'];
    const results = await inTurns(reviewIds, BATCH_CONCURRENCY, async (reviewId) => {
      try {
        return await decideReview(c.var, reviewId, { decision: 'approve' }, batchKey && `review:${reviewId}:batch:${batchKey}`, (review) => {
          if (!review.oneClick) throw new ApiError(409, 'not_one_click', notOneClickBecause(review));
        });
      } catch (err) {
        if (err instanceof ApiError) return { reviewId, error: { code: err.code, message: err.message } };
        throw err;
      }
    });
    return c.json({ results }, 200);
  })
  .openapi(readReview, async (c) => {
    const review = await findReview(c.var.deps.db, c.var.userId, c.req.valid('param').id);
    if (!review) throw notFound('review');
    return c.json(reviewView(review), 200);
  })
  .openapi(readThread, async (c) => {
    const review = await findReview(c.var.deps.db, c.var.userId, c.req.valid('param').id);
    if (!review) throw notFound('review');
    const thread = review.contactId
      ? await contactThread(c.var.deps.db, c.var.userId, review.contactId, c.req.valid('query').limit)
      : { messages: [], earlier: false };
    return c.json(
      {
        reviewId: review.id,
        channel: review.channel,
        contact: contactOf(review),
        messages: thread.messages.map((m) => ({ id: m.id, direction: m.direction, text: m.text, at: m.at.toISOString(), current: m.id === review.eventId })),
        earlier: thread.earlier,
      },
      200,
    );
  })
  .openapi(approveReview, async (c) => c.json(await decideOne(c, { decision: 'approve', text: c.req.valid('json').text }), 200))
  .openapi(confirmSent, async (c) => c.json(await decideOne(c, { decision: 'sent' }), 200))
  .openapi(skipReview, async (c) => c.json(await decideOne(c, { decision: 'skip', reason: c.req.valid('json').reason }), 200));

/** A decision on the review the path names; the Update id is derived from the Idempotency-Key header when given. */
function decideOne(c: { req: { param(name: 'id'): string; header(name: string): string | undefined }; var: Vars }, decision: ReviewDecision) {
  const reviewId = c.req.param('id');
  const idempotencyKey = c.req.header('idempotency-key');
  return decideReview(c.var, reviewId, decision, idempotencyKey && `review:${reviewId}:${idempotencyKey}`);
}

/** Decisions of a batch taken side by side, a few at a time: each waits for its workflow to act on it. */
const BATCH_CONCURRENCY = 8;

/** `work` on each item, at most `concurrency` at once; the answers in the items' order. */
async function inTurns<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const answers: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) answers[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return answers;
}

function notOneClickBecause(review: ReviewRow): string {
  if (review.kind === 'human_send') return 'this reply is sent by a person: confirm it on its own once sent';
  if (review.kind === 'send_uncertain') return 'an earlier send may have reached the lead: check it and decide on its own';
  return `this reply needs a person to read it (${review.reason}): open it and approve it on its own`;
}

type Vars = ApiEnv['Variables'];
type Decision = { reviewId: string } & DecisionOutcome;

/**
 * A decision on one review, with the Update id an Idempotency-Key derives (or none). A review that is no longer
 * open answers 409, unless this Update id already decided it: then a retried request gets the first one's outcome.
 * `check` refuses what this route does not decide (the batch's one-click rule) before anything reaches the workflow.
 */
async function decideReview(vars: Vars, reviewId: string, decision: ReviewDecision, updateId: string | undefined, check?: (review: ReviewRow) => void): Promise<Decision> {
  const review = await findReview(vars.deps.db, vars.userId, reviewId);
  if (!review) throw notFound('review');
  if (review.status !== 'open') {
    const first = updateId ? await earlierOutcome(vars, review, updateId) : undefined;
    if (first) return first;
    throw new ApiError(409, 'review_closed', `this review is ${review.status}; it can no longer be decided`);
  }
  check?.(review);
  try {
    const handle = vars.deps.temporal.workflow.getHandle(review.workflowId);
    const outcome = await handle.executeUpdate(decideUpdate, {
      args: [{ ...decision, reviewer: `apikey:${vars.apiKeyId}` }],
      ...(updateId ? { updateId } : {}),
    });
    return { reviewId: review.id, ...outcome };
  } catch (err) {
    throw decisionError(err);
  }
}

/**
 * The outcome of the decision this Update id already took, or undefined when it took none. Asked by id, never sent
 * anew: the workflow may have opened a later round (a blocked edit), which this request never saw.
 */
async function earlierOutcome(vars: Vars, review: ReviewRow, updateId: string): Promise<Decision | undefined> {
  try {
    const outcome = await vars.deps.temporal.workflow.getHandle(review.workflowId).getUpdateHandle<DecisionOutcome>(updateId).result();
    return { reviewId: review.id, ...outcome };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw decisionError(err);
  }
}

/** What a failed decision answers: 409 for a decision the workflow refused as late or second, 400 for a misfit, 503 when Temporal did not answer. */
function decisionError(err: unknown): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const code = CONFLICT_CODES[err.cause.type ?? ''];
    if (code) return new ApiError(409, code, err.cause.message);
    return new ApiError(400, 'invalid_decision', err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message)) {
    return new ApiError(409, 'review_closed', 'this reply has already been settled');
  }
  // Temporal did not answer: whether the decision arrived is unknown, and a retry is safe (with the same
  // Idempotency-Key it gets the first outcome; without one, a decision that did arrive answers 409).
  if (err instanceof ServiceError) return new ApiError(503, 'temporal_unavailable', 'Temporal did not take the decision; retry the request');
  return err;
}

/** The shapes the review page reads (as JSON). */
export type ReviewView = ReturnType<typeof reviewView>;
export type ReviewThreadView = z.infer<typeof ReviewThread>;
export type ReviewDecidedView = z.infer<typeof Decided>;
export type ReviewBatchResultView = z.infer<typeof BatchResult>;
