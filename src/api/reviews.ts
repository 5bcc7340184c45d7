import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Hono } from 'hono';
import { z } from 'zod';
import { findReview, listOpenReviews, type ReviewRow } from '../db/reviews';
import { decideUpdate } from '../workflows';
import type { ReviewDecision } from '../workflows/types';
import type { ApiEnv } from './deps';
import { ApiError, notFound } from './errors';
import { isUuid } from './ids';
import { validate } from './validation';

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

const ApproveSchema = z.object({ text: z.string().trim().min(1, 'text must not be empty').max(100_000).optional() }).strict();
const SkipSchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

const CONFLICT_CODES: Record<string, string> = {
  ReviewAlreadyDecided: 'review_already_decided',
  ReviewNotOpen: 'review_closed',
};

export const reviews = new Hono<ApiEnv>()
  .get('/', validate('query', z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) })), async (c) => {
    const rows = await listOpenReviews(c.var.deps.db, c.var.userId, c.req.valid('query').limit);
    return c.json({ reviews: rows.map(reviewView) });
  })
  .get('/:id', async (c) => {
    const id = c.req.param('id');
    const review = isUuid(id) ? await findReview(c.var.deps.db, c.var.userId, id) : undefined;
    if (!review) throw notFound('review');
    return c.json(reviewView(review));
  })
  .post('/:id/approve', validate('json', ApproveSchema), async (c) => {
    const outcome = await decide(c, { decision: 'approve', text: c.req.valid('json').text });
    return c.json(outcome);
  })
  // A person sent the reply by hand (LinkedIn) and confirms it.
  .post('/:id/sent', validate('json', z.object({}).strict()), async (c) => {
    const outcome = await decide(c, { decision: 'sent' });
    return c.json(outcome);
  })
  .post('/:id/skip', validate('json', SkipSchema), async (c) => {
    const outcome = await decide(c, { decision: 'skip', reason: c.req.valid('json').reason });
    return c.json(outcome);
  });

/**
 * A decision goes to the workflow as the `decide` Update: its validator rejects a second or late decision,
 * which answers 409. The Update id is the Idempotency-Key header when given, so a retried request is answered
 * with the first one's outcome instead of deciding twice.
 */
async function decide(
  c: { req: { param(name: 'id'): string; header(name: string): string | undefined }; var: ApiEnv['Variables'] },
  decision: ReviewDecision,
) {
  const id = c.req.param('id');
  const review = isUuid(id) ? await findReview(c.var.deps.db, c.var.userId, id) : undefined;
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
    throw err;
  }
}
