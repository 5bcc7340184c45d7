import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * Workflow interceptors (bundled with the workflow code, so this runs in Temporal's sandbox: no I/O). The
 * workflow's `log` lines carry its workflowId, runId and type; this adds the eventId and userId of its input, so
 * one lead is followed by its eventId across the API's, the workflow's and the activities' lines. It only adds log
 * attributes: no command, no history event, nothing a replay could find different.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  const ids: { eventId?: string; userId?: string } = {};
  return {
    inbound: [
      {
        execute(input, next) {
          const first = input.args[0] as { eventId?: unknown; userId?: unknown } | undefined;
          if (first && typeof first === 'object') {
            if (typeof first.eventId === 'string') ids.eventId = first.eventId;
            if (typeof first.userId === 'string') ids.userId = first.userId;
          }
          return next(input);
        },
      },
    ],
    outbound: [
      {
        getLogAttributes(input, next) {
          return next({ ...input, ...ids });
        },
      },
    ],
  };
};
