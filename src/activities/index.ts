import type { ActivityDeps } from './deps';
import { createRecordInbound } from './record-inbound';
import { createRecordOutcome } from './record-outcome';

export type { ActivityDeps, Clock } from './deps';

/** Every activity, built from its dependencies (the worker composes them once; a test passes its own). */
export function createActivities(deps: ActivityDeps) {
  return {
    recordInbound: createRecordInbound(deps),
    recordOutcome: createRecordOutcome(deps),
  };
}
