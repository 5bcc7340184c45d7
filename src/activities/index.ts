import { createCheckQuality } from './check-quality';
import { createCheckControls, createNotifyControlsChanged } from './controls';
import { createDecideReply } from './decide-reply';
import type { ActivityDeps } from './deps';
import { createGenerateReply } from './generate-reply';
import { createPlanSend } from './plan-send';
import { createPrepareReply } from './prepare-reply';
import { createRecordInbound } from './record-inbound';
import { createRecordOutcome } from './record-outcome';
import { createReleaseSendSlot } from './release-slot';
import { createCloseReviewTask, createOpenReviewTask } from './reviews';
import { createRecordManualSend, createSendReply } from './send-reply';
import { createSupersedeOlder } from './supersede';

export type { ActivityDeps, Clock, Policy } from './deps';

/**
 * Every activity, built from its dependencies (the worker composes them once; a test passes its own). The short
 * database steps run as local activities; generateReply (the model) and sendReply (the platform) are regular
 * activities with their own timeouts, retries and, for sends, a task queue per channel.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    prepareReply: createPrepareReply(deps),
    generateReply: createGenerateReply(deps),
    decideReply: createDecideReply(deps),
    checkQuality: createCheckQuality(deps),
    checkControls: createCheckControls(deps),
    openReviewTask: createOpenReviewTask(deps),
    closeReviewTask: createCloseReviewTask(deps),
    planSend: createPlanSend(deps),
    releaseSlot: createReleaseSendSlot(deps),
    sendReply: createSendReply(deps),
    recordManualSend: createRecordManualSend(deps),
    recordOutcome: createRecordOutcome(deps),
    notifyControlsChanged: createNotifyControlsChanged(deps),
    // The first pipeline's steps, for workflows started before prepareReply existed (see workflows/legacy-v1.ts).
    recordInbound: createRecordInbound(deps),
    supersedeOlder: createSupersedeOlder(deps),
  };
}
