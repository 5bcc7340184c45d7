import { WorkflowNotFoundError } from '@temporalio/client';
import { isOptedOut } from '../db/contacts';
import { eventsAwaitingWorkflow } from '../db/events';
import { loadSettingsRows } from '../db/settings';
import type { Channel } from '../domain/channels';
import { controlStop, resolveSettings, userLevelSettings } from '../domain/settings';
import { startAutopilot } from '../temporal/start';
import { AutopilotContact, AutopilotUser } from '../workflows/search-attributes';
import type { ActivityDeps } from './deps';
import { activityLogger } from './logger';

/**
 * The owner's controls for one reply as they stand now: whether it must stop (autopilot paused, channel off, auto
 * mode left for a reply the autopilot scheduled itself) or the lead has opted out meanwhile.
 */
export function createCheckControls({ db }: ActivityDeps) {
  return async function checkControls(input: {
    userId: string;
    contactId: string;
    channel: Channel;
    decidedByAutopilot: boolean;
  }): Promise<{ stop?: { stage: 'cancelled'; reason: string } }> {
    const rows = await loadSettingsRows(db, input.userId, input.contactId);
    const reason = controlStop(resolveSettings(rows.contact, rows.user).settings, input.channel, input.decidedByAutopilot);
    if (reason) return { stop: { stage: 'cancelled', reason } };
    if (await isOptedOut(db, input.userId, input.contactId, input.channel, userLevelSettings(rows.user).optOutScope)) {
      return { stop: { stage: 'cancelled', reason: 'contact_opted_out' } };
    }
    return {};
  };
}

/**
 * Tells every running reply of the user (or of one contact) that the owner's controls changed, so replies waiting
 * for review or for their send time re-check them within seconds. Found through the search attributes; a workflow
 * that closes meanwhile has nothing to hear.
 */
export function createNotifyControlsChanged({ temporal, logger }: ActivityDeps) {
  return async function notifyControlsChanged(input: { userId: string; contactId?: string; change: string }): Promise<{ notified: number }> {
    // Ids are UUIDs (checked by the API), so they can be quoted into the visibility query safely.
    const query = [
      `${AutopilotUser.name} = '${input.userId}'`,
      `ExecutionStatus = 'Running'`,
      `WorkflowType = 'autopilotWorkflow'`,
      ...(input.contactId ? [`${AutopilotContact.name} = '${input.contactId}'`] : []),
    ].join(' AND ');
    let notified = 0;
    const pending: Promise<void>[] = [];
    for await (const execution of temporal.workflow.list({ query })) {
      pending.push(
        temporal.workflow
          .getHandle(execution.workflowId, execution.runId)
          .signal('controlsChanged', { change: input.change })
          .then(() => void (notified += 1))
          .catch((err) => {
            if (!(err instanceof WorkflowNotFoundError) && !/already completed|not found/i.test((err as Error).message)) throw err;
          }),
      );
      if (pending.length >= 20) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    activityLogger(logger, input).info({ event: 'controls.notified', contactId: input.contactId, change: input.change, notified });
    return { notified };
  };
}

/**
 * The sweep: an inbound message stored but whose workflow never started (a crash between the insert and the start)
 * is started now. Starting is idempotent (the workflow id is the message's business key), so a message whose
 * workflow is merely queued is left as it is.
 */
export async function startForgottenEvents(
  { db, temporal, taskQueue, logger, clock }: ActivityDeps,
  input: { olderThanMs: number; limit: number },
): Promise<{ checked: number }> {
  {
    const events = await eventsAwaitingWorkflow(db, { storedBefore: new Date(clock.now().getTime() - input.olderThanMs), limit: input.limit });
    for (const event of events) {
      await startAutopilot(temporal, taskQueue, event.workflowId, { eventId: event.id, userId: event.userId, channel: event.channel });
    }
    if (events.length) logger.warn({ event: 'sweep.events_started_or_found', count: events.length });
    return { checked: events.length };
  }
}
