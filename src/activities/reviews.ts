import { appendAudit } from '../db/audit';
import { ApplicationFailure } from '@temporalio/activity';
import { linkedinConversationUrl } from '../channels/linkedin';
import { findEvent, setEventStage } from '../db/events';
import { closeReview, openReview, type ReviewDraft, type ReviewStatus } from '../db/reviews';
import { withTransaction } from '../db/transaction';
import type { ActivityDeps } from './deps';
import { activityLogger } from './logger';

/** Step 5: a review task a human can act on (GET /v1/reviews); the event's stage becomes awaiting_review. */
export function createOpenReviewTask({ db, clock, logger }: ActivityDeps) {
  return async function openReviewTask(
    input: Omit<ReviewDraft, 'deadline' | 'workflowId' | 'inboundText'> & { ttlMs: number },
  ): Promise<{ reviewId: string; deadline: string }> {
    const { ttlMs, ...draft } = input;
    const event = await findEvent(db, draft.userId, draft.eventId);
    if (!event) throw ApplicationFailure.nonRetryable(`message event ${draft.eventId} does not exist`, 'EventNotFound');
    const review = await withTransaction(db, async (client) => {
      const opened = await openReview(client, {
        ...draft,
        // A human send carries the link to the conversation the person answers in.
        actionUrl: draft.kind === 'human_send' && event.channel === 'linkedin' ? linkedinConversationUrl(event.metadata) : null,
        workflowId: event.workflowId ?? '',
        inboundText: event.text,
        deadline: new Date(clock.now().getTime() + ttlMs),
      });
      await setEventStage(client, draft.userId, draft.eventId, draft.kind === 'human_send' ? 'awaiting_human_send' : 'awaiting_review', draft.reason);
      await appendAudit(client, {
        userId: draft.userId,
        actor: 'workflow',
        action: 'review.opened',
        subjectType: 'review_task',
        subjectId: opened.id,
        details: { eventId: draft.eventId, reason: draft.reason, round: draft.round, confidence: draft.confidence, gates: draft.gateResults },
      });
      return opened;
    });
    activityLogger(logger, draft).info({ event: 'review.opened', reviewId: review.id, reason: draft.reason, kind: draft.kind ?? 'review' });
    return { reviewId: review.id, deadline: review.deadline.toISOString() };
  };
}

export function createCloseReviewTask({ db, clock }: ActivityDeps) {
  return async function closeReviewTask(input: {
    userId: string;
    reviewId: string;
    status: Exclude<ReviewStatus, 'open'>;
    finalText?: string | null;
    decidedBy: string;
    reason?: string | null;
  }): Promise<void> {
    await withTransaction(db, async (client) => {
      const closed = await closeReview(client, input.userId, input.reviewId, { ...input, at: clock.now() });
      if (closed) {
        await appendAudit(client, {
          userId: input.userId,
          actor: input.decidedBy,
          action: `review.${input.status}`,
          subjectType: 'review_task',
          subjectId: input.reviewId,
          details: { reason: input.reason ?? null, edited: input.finalText != null },
        });
      }
    });
  };
}
