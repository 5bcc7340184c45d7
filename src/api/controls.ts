import crypto from 'node:crypto';
import type { AutopilotSettings } from '../domain/settings';
import type { ApiDeps } from './deps';

/**
 * Whether a settings change can stop replies already in flight: the autopilot turned off, auto mode left, a channel
 * switched off. (Turning things on revives nothing: a stopped reply stays stopped.)
 */
export function stopsReplies(before: AutopilotSettings, after: AutopilotSettings): string | undefined {
  if (before.isActive && !after.isActive) return 'autopilot_paused';
  if (before.mode === 'auto' && after.mode !== 'auto') return 'mode_changed';
  if (before.channels.some((channel) => !after.channels.includes(channel))) return 'channel_disabled';
  return undefined;
}

/**
 * Tells the user's running replies (or one contact's) that the controls changed, durably: a small workflow signals
 * each of them, and the ones waiting for review or for their send time re-check at once. If Temporal cannot take it
 * now, nothing is lost: every send re-checks the controls under a lock before it goes out.
 */
export async function notifyControlsChanged(deps: ApiDeps, userId: string, contactId: string | undefined, change: string): Promise<void> {
  try {
    await deps.temporal.workflow.start('controlsChangedWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId: `controls/${userId}/${crypto.randomUUID()}`,
      args: [{ userId, ...(contactId ? { contactId } : {}), change }],
      staticSummary: `Tell running replies: ${change}`,
    });
  } catch (err) {
    deps.logger.warn({ event: 'controls.notify_failed', userId, change, error: (err as Error).message });
  }
}
