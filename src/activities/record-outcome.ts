import { appendAudit } from '../db/audit';
import { recordEventOutcome } from '../db/events';
import { cancelOpenReviews } from '../db/reviews';
import { cancelJob, markJobFailed, setJobDecision } from '../db/jobs';
import { releaseAutoReply, releaseSendSlot } from '../db/rate-limits';
import type { Stage } from '../domain/stages';
import { withTransaction } from '../db/transaction';
import { reasonForLog } from '../metrics';
import type { ActivityDeps } from './deps';
import { activityLogger } from './logger';

export interface OutcomeInput {
  eventId: string;
  userId: string;
  stage: Stage;
  reason: string | null;
  reply?: { text: string; confidence: number } | null;
  /** Who decided the reply's fate: autopilot, reviewer:<id>, … */
  decidedBy?: string | null;
  /** What the decision rested on, for the audit log. */
  basis?: {
    route: string;
    routeReason?: string;
    intent: string;
    model: string;
    gates: { gate: string; passed: boolean; reason?: string; detail?: string }[];
    variantId?: string;
  } | null;
}

/**
 * Step 9: the final stage and the reply on the message row (what the API shows once the workflow has closed),
 * the job's decision, and the audit log. An unsent reply's job is cancelled (or failed), its rate-limit slot and its
 * place in the day's automatic replies given back. Idempotent: a retried attempt finds the stage already set and writes no second audit entry.
 */
export function createRecordOutcome({ db, logger, metrics }: ActivityDeps) {
  return async function recordOutcome(input: OutcomeInput): Promise<void> {
    const changed = await withTransaction(db, async (client) => {
      const changed = await recordEventOutcome(client, input);
      if (input.decidedBy) await setJobDecision(client, input.userId, input.eventId, input.decidedBy, input.reason);
      if (input.stage === 'failed') await markJobFailed(client, input.userId, input.eventId, input.reason ?? 'failed');
      else if (input.stage !== 'sent') await cancelJob(client, input.userId, input.eventId, input.reason ?? input.stage);
      if (input.stage !== 'sent') await cancelOpenReviews(client, input.userId, input.eventId, input.reason);
      if (changed) {
        await appendAudit(client, {
          userId: input.userId,
          actor: input.decidedBy ?? 'workflow',
          action: `event.${input.stage}`,
          subjectType: 'message_event',
          subjectId: input.eventId,
          details: { reason: input.reason, confidence: input.reply?.confidence ?? null, ...(input.basis ?? {}) },
        });
      }
      return changed;
    });
    if (input.stage !== 'sent') {
      await releaseSendSlot(db, input.userId, input.eventId);
      await releaseAutoReply(db, input.userId, input.eventId);
    }
    // Counted once: a retried attempt finds the stage already set.
    if (changed) metrics.outcomeRecorded(input.stage, input.reason);
    // The reason whole is in the audit log; a reviewer's own words (a skip reason) stay out of the logs.
    activityLogger(logger, input).info({ event: 'event.outcome', stage: input.stage, reason: reasonForLog(input.reason) });
  };
}
