/**
 * Reading a workflow history in the JSON form `temporal workflow show --output json`, the Temporal UI's download and
 * the SDK's historyToJSON write (proto3 JSON: payload data in base64, enums as EVENT_TYPE_… names). Used by the
 * replay test and by scripts/record-histories.ts.
 */

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

type HistoryEvent = Record<string, any> & { eventId: string; eventType: string };

export interface HistoryJson {
  events: HistoryEvent[];
}

/** A payload's value (JSON-encoded payloads only; anything else as undefined). */
export function payloadValue(payload: JsonPayload | undefined): unknown {
  if (!payload?.data) return undefined;
  const encoding = payload.metadata?.encoding ? Buffer.from(payload.metadata.encoding, 'base64').toString('utf8') : '';
  if (encoding !== 'json/plain') return undefined;
  return JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
}

const first = (payloads: { payloads?: JsonPayload[] } | undefined) => payloadValue(payloads?.payloads?.[0]);

/**
 * The patch ids the workflow recorded with `patched()` (the SDK's core_patch markers), in order. A history recorded
 * before a patch existed has none for it, and replays the old branch.
 */
export function patchesIn(history: HistoryJson): string[] {
  return history.events
    .filter((e) => e.eventType === 'EVENT_TYPE_MARKER_RECORDED' && e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => patchId(e.markerRecordedEventAttributes));
}

/** sdk-core writes a patch marker's details as `patch-data`: {"id": "<patch id>", "deprecated": false}. */
function patchId(marker: Record<string, any>): string {
  const data = first(marker.details?.['patch-data']) as { id?: unknown } | undefined;
  return typeof data?.id === 'string' ? data.id : '(unreadable patch marker)';
}

/** How the workflow ended: its status and, for a completed reply workflow, the state it returned. */
export function closingOf(history: HistoryJson): { status: string; result?: unknown; failure?: string } | undefined {
  const last = history.events.at(-1);
  if (!last || !/^EVENT_TYPE_WORKFLOW_EXECUTION_(COMPLETED|FAILED|TERMINATED|CANCELED|TIMED_OUT|CONTINUED_AS_NEW)$/.test(last.eventType)) return undefined;
  const status = last.eventType.replace('EVENT_TYPE_WORKFLOW_EXECUTION_', '').toLowerCase();
  if (last.workflowExecutionCompletedEventAttributes) return { status, result: first(last.workflowExecutionCompletedEventAttributes.result) };
  return { status, failure: last.workflowExecutionFailedEventAttributes?.failure?.message };
}

function failureType(failure: Record<string, any> | undefined): string | undefined {
  if (!failure) return undefined;
  return failure.applicationFailureInfo?.type ?? failureType(failure.cause) ?? failure.message;
}

/**
 * What the workflow did, one step a line: activities (local ones from their markers) and how they ended, timers,
 * signals, updates, the stages written to the search attributes, patches, and the end. Enough to see which path a
 * reply took without the Temporal UI.
 */
export function summarizeHistory(history: HistoryJson): string[] {
  const lines: string[] = [];
  const activities = new Map<string, string>();
  const timers = new Map<string, string>();
  for (const e of history.events) {
    switch (e.eventType) {
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED':
        lines.push(`started ${e.workflowExecutionStartedEventAttributes.workflowType?.name}`);
        break;
      case 'EVENT_TYPE_MARKER_RECORDED': {
        const marker = e.markerRecordedEventAttributes;
        if (marker.markerName === 'core_patch') lines.push(`patch ${patchId(marker)}`);
        else if (marker.markerName === 'core_local_activity') {
          const data = first(marker.details?.data) as { activity_type?: string; attempt?: number } | undefined;
          const failed = marker.failure ? ` failed (${failureType(marker.failure)})` : '';
          lines.push(`local activity ${data?.activity_type ?? '?'}${failed}`);
        } else lines.push(`marker ${marker.markerName}`);
        break;
      }
      case 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED':
        activities.set(e.eventId, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
        break;
      case 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED':
        lines.push(`activity ${activities.get(e.activityTaskCompletedEventAttributes.scheduledEventId)}`);
        break;
      case 'EVENT_TYPE_ACTIVITY_TASK_FAILED':
        lines.push(`activity ${activities.get(e.activityTaskFailedEventAttributes.scheduledEventId)} failed (${failureType(e.activityTaskFailedEventAttributes.failure)})`);
        break;
      case 'EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT':
        lines.push(`activity ${activities.get(e.activityTaskTimedOutEventAttributes.scheduledEventId)} timed out`);
        break;
      case 'EVENT_TYPE_TIMER_STARTED':
        timers.set(e.eventId, e.timerStartedEventAttributes.startToFireTimeout);
        break;
      case 'EVENT_TYPE_TIMER_FIRED':
        lines.push(`timer ${timers.get(e.timerFiredEventAttributes.startedEventId)} fired`);
        break;
      case 'EVENT_TYPE_TIMER_CANCELED':
        lines.push(`timer ${timers.get(e.timerCanceledEventAttributes.startedEventId)} cancelled`);
        break;
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED':
        lines.push(`signal ${e.workflowExecutionSignaledEventAttributes.signalName}`);
        break;
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED': {
        const input = e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input;
        const arg = first(input?.args) as { decision?: string } | undefined;
        lines.push(`update ${input?.name}${arg?.decision ? ` ${arg.decision}` : ''}`);
        break;
      }
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED': {
        const outcome = e.workflowExecutionUpdateCompletedEventAttributes.outcome;
        const value = first(outcome?.success) as { outcome?: string; stage?: string } | undefined;
        lines.push(`  answered ${outcome?.failure ? `failure (${failureType(outcome.failure)})` : (value?.outcome ?? value?.stage ?? 'ok')}`);
        break;
      }
      case 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
        const stage = payloadValue(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields?.AutopilotStage);
        if (stage !== undefined) lines.push(`stage ${String(stage)}`);
        break;
      }
      case 'EVENT_TYPE_WORKFLOW_TASK_FAILED':
        lines.push(`workflow task failed (${e.workflowTaskFailedEventAttributes.cause}: ${e.workflowTaskFailedEventAttributes.failure?.message})`);
        break;
      default:
        break;
    }
  }
  const closing = closingOf(history);
  if (closing) {
    const result = closing.result as { stage?: string; reason?: string } | undefined;
    lines.push(`${closing.status}${result?.stage ? `: ${result.stage}${result.reason ? ` (${result.reason})` : ''}` : ''}${closing.failure ? `: ${closing.failure}` : ''}`);
  } else lines.push('(still running)');
  return lines;
}
