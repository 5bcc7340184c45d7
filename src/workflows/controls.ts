import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

const { notifyControlsChanged } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * The owner changed what the autopilot may do (turned it off, left auto mode, switched a channel off): every running
 * reply of the user (or of one contact) is told, durably, so the ones waiting for review or for their send time
 * re-check at once. The send itself re-checks under a lock in any case.
 */
export async function controlsChangedWorkflow(input: { userId: string; contactId?: string; change: string }): Promise<{ notified: number }> {
  return notifyControlsChanged(input);
}
