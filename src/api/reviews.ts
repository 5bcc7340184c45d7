import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createRoute, z } from '@hono/zod-openapi';
import { findReview, listOpenReviews, type ReviewRow } from '../db/reviews';
import { decideUpdate } from '../workflows';
import type { ReviewDecision } from '../workflows/types';
import type { ApiEnv } from './deps';
import { CHANNELS } from '../domain/channels';
import { ApiError, notFound } from './errors';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, idParam, json, jsonBody, Timestamp, Uuid } from './openapi';

export function reviewView(r: ReviewRow) {
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
    inboundText: r.inboundText,
    draft: { text: r.draftText, confidence: r.confidence, intent: r.intent, gates: r.gateResults },
    plannedSendAt: r.plannedSendAt?.toISOString() ?? null,
    deadline: r.deadline.toISOString(),
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
    status: z.enum(['open', 'approved', 'skipped', 'expired', 'cancelled', 'sent']),
    kind: z.enum(['review', 'human_send', 'send_uncertain']).openapi({
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
    inboundText: z.string().nullable(),
    draft: z.object({
      text: z.string().nullable(),
      confidence: z.number().nullable(),
      intent: z.string().nullable(),
      gates: z.array(z.object({ gate: z.string(), passed: z.boolean(), reason: z.string().optional(), detail: z.string().optional() })),
    }),
    plannedSendAt: Timestamp.nullable(),
    deadline: Timestamp,
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
  summary: 'Open review tasks, oldest deadline first',
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
    const rows = await listOpenReviews(c.var.deps.db, c.var.userId, c.req.valid('query').limit);
    return c.json({ reviews: rows.map(reviewView) }, 200);
  })
  .openapi(readReview, async (c) => {
    const review = await findReview(c.var.deps.db, c.var.userId, c.req.valid('param').id);
    if (!review) throw notFound('review');
    return c.json(reviewView(review), 200);
  })
  .openapi(approveReview, async (c) => c.json(await decide(c, { decision: 'approve', text: c.req.valid('json').text }), 200))
  .openapi(confirmSent, async (c) => c.json(await decide(c, { decision: 'sent' }), 200))
  .openapi(skipReview, async (c) => c.json(await decide(c, { decision: 'skip', reason: c.req.valid('json').reason }), 200));

/**
 * A decision goes to the workflow as the `decide` Update: its validator rejects a second or late decision,
 * which answers 409. The Update id is the Idempotency-Key header when given, so a retried request is answered
 * with the first one's outcome instead of deciding twice.
 */
async function decide(
  c: { req: { param(name: 'id'): string; header(name: string): string | undefined }; var: ApiEnv['Variables'] },
  decision: ReviewDecision,
) {
  const review = await findReview(c.var.deps.db, c.var.userId, c.req.param('id'));
  if (!review) throw notFound('review');
  if (review.status !== 'open') {
    throw new ApiError(409, 'review_closed', `this review is ${review.status}; it can no longer be decided`);
  }
  const idempotencyKey = c.req.header('idempotency-key');
  try {
    const handle = c.var.deps.temporal.workflow.getHandle(review.workflowId);
    const outcome = await handle.executeUpdate(decideUpdate, {
      args: [{ ...decision, reviewer: `apikey:${c.var.apiKeyId}` }],
      ...(idempotencyKey ? { updateId: `review:${review.id}:${idempotencyKey}` } : {}),
    });
    return { reviewId: review.id, ...outcome };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const code = CONFLICT_CODES[err.cause.type ?? ''];
      if (code) throw new ApiError(409, code, err.cause.message);
      throw new ApiError(400, 'invalid_decision', err.cause.message);
    }
    if (err instanceof WorkflowNotFoundError || /already completed/i.test((err as Error).message)) {
      throw new ApiError(409, 'review_closed', 'this reply has already been settled');
    }
    // Temporal did not answer: whether the decision arrived is unknown, and a retry is safe (with the same
    // Idempotency-Key it gets the first outcome; without one, a decision that did arrive answers 409).
    if (err instanceof ServiceError) throw new ApiError(503, 'temporal_unavailable', 'Temporal did not take the decision; retry the request');
    throw err;
  }
}
