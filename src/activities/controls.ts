import type { Pool, PoolClient } from 'pg';
import { isOptedOut } from '../db/contacts';
import { eventsAwaitingWorkflow } from '../db/events';
import { loadSettingsRows } from '../db/settings';
import type { Channel } from '../domain/channels';
import { controlStop, resolveSettings, userLevelSettings } from '../domain/settings';
import { signalIfRunning } from '../temporal/signal';
import { startAutopilot } from '../temporal/start';
import { controlsChangedSignal } from '../workflows/definitions';
import { AutopilotContact, AutopilotUser } from '../workflows/search-attributes';
import type { ActivityDeps } from './deps';
import { activityLogger } from './logger';

export interface ControlsQuery {
  userId: string;
  contactId: string;
  channel: Channel;
  /** The autopilot routed the reply by itself (auto mode), rather than a person approving it. */
  decidedByAutopilot: boolean;
}

/**
 * The owner's controls for one reply as they stand now: why it must stop (autopilot paused, channel off, auto mode
 * left for a reply the autopilot scheduled itself; `contact_opted_out` when the lead opted out meanwhile), or
 * undefined. The send reads it in the transaction that claims the job; checkControls on its own.
 */
export async function controlsStopReason(db: Pool | PoolClient, q: ControlsQuery): Promise<string | undefined> {
  const rows = await loadSettingsRows(db, q.userId, q.contactId);
  const reason = controlStop(resolveSettings(rows.contact, rows.user).settings, q.channel, q.decidedByAutopilot);
  if (reason) return reason;
  if (await isOptedOut(db, q.userId, q.contactId, q.channel, userLevelSettings(rows.user).optOutScope)) return 'contact_opted_out';
  return undefined;
}

export function createCheckControls({ db }: ActivityDeps) {
  return async function checkControls(input: ControlsQuery): Promise<{ stop?: { stage: 'cancelled'; reason: string } }> {
    const reason = await controlsStopReason(db, input);
    return reason ? { stop: { stage: 'cancelled', reason } } : {};
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
        signalIfRunning(temporal.workflow.getHandle(execution.workflowId, execution.runId), controlsChangedSignal, { change: input.change }).then(
          (signalled) => void (notified += signalled ? 1 : 0),
        ),
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
  const events = await eventsAwaitingWorkflow(db, { storedBefore: new Date(clock.now().getTime() - input.olderThanMs), limit: input.limit });
  for (const event of events) {
    await startAutopilot(temporal, taskQueue, event.workflowId, { eventId: event.id, userId: event.userId, channel: event.channel });
  }
  if (events.length) logger.warn({ event: 'sweep.events_started_or_found', count: events.length });
  return { checked: events.length };
}
