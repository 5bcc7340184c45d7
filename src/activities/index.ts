import { createCheckQuality } from './check-quality';
import type { ActivityDeps } from './deps';
import { createGenerateReply } from './generate-reply';
import { createPlanSend } from './plan-send';
import { createRecordInbound } from './record-inbound';
import { createRecordOutcome } from './record-outcome';
import { createReleaseSendSlot } from './release-slot';
import { createCloseReviewTask, createOpenReviewTask } from './reviews';
import { createRecordManualSend, createSendReply } from './send-reply';
import { createSupersedeOlder } from './supersede';

export type { ActivityDeps, Clock, Policy } from './deps';

/** Every activity, built from its dependencies (the worker composes them once; a test passes its own). */
export function createActivities(deps: ActivityDeps) {
  return {
    recordInbound: createRecordInbound(deps),
    supersedeOlder: createSupersedeOlder(deps),
    generateReply: createGenerateReply(deps),
    checkQuality: createCheckQuality(deps),
    openReviewTask: createOpenReviewTask(deps),
    closeReviewTask: createCloseReviewTask(deps),
    planSend: createPlanSend(deps),
    releaseSlot: createReleaseSendSlot(deps),
    sendReply: createSendReply(deps),
    recordManualSend: createRecordManualSend(deps),
    recordOutcome: createRecordOutcome(deps),
  };
}
