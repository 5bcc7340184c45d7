import {
  defineQuery,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { Stage } from '../domain/stages';
import { AutopilotContact, AutopilotStage } from './search-attributes';
import type { AutopilotInput, AutopilotState } from './types';

export const stateQuery = defineQuery<AutopilotState>('state');

// Recording is idempotent (upserts keyed by the event), so it may retry for a while: a database restart must
// not lose the message.
const { recordInbound, recordOutcome } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

function describe(state: AutopilotState): string {
  const lines = [`**Stage:** ${state.stage}${state.reason ? ` (${state.reason})` : ''}`, `**Channel:** ${state.channel}`];
  if (state.mode) lines.push(`**Mode:** ${state.mode} (settings from ${state.settingsSource})`);
  lines.push(`**Event:** ${state.eventId}`);
  return lines.join('\n\n');
}

/** One inbound message, one workflow: from the lead's message to (at most) one reply. */
export async function autopilotWorkflow(input: AutopilotInput): Promise<AutopilotState> {
  let state: AutopilotState = {
    stage: 'received',
    eventId: input.eventId,
    channel: input.channel,
    updatedAt: new Date().toISOString(),
  };
  setHandler(stateQuery, () => state);

  const advance = (stage: Stage, changes: Partial<AutopilotState> = {}) => {
    state = { ...state, ...changes, stage, updatedAt: new Date().toISOString() };
    upsertSearchAttributes([{ key: AutopilotStage, value: stage }]);
    setCurrentDetails(describe(state));
  };

  const finish = async (stage: Stage, reason: string | undefined) => {
    await recordOutcome.executeWithOptions({ summary: `record outcome: ${stage}` }, [
      { eventId: input.eventId, userId: input.userId, stage, reason: reason ?? null },
    ]);
    advance(stage, { reason });
    log.info('autopilot.finished', { stage, reason });
    return state;
  };

  setCurrentDetails(describe(state));
  const inbound = await recordInbound.executeWithOptions(
    { summary: 'record message, resolve settings, check opt-out' },
    [input],
  );
  upsertSearchAttributes([{ key: AutopilotContact, value: inbound.contactId }]);
  advance('received', { contactId: inbound.contactId, settingsSource: inbound.settingsSource, mode: inbound.settings.mode });

  if (inbound.optOut.optOut) return finish('opted_out', `opt_out_${inbound.optOut.rule}`);
  if (!inbound.eligibility.eligible) return finish('skipped', inbound.eligibility.reason);

  // The reply pipeline continues from here.
  return finish('received', undefined);
}
