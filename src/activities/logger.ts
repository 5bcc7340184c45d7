import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';

/**
 * The logger of one activity execution: a child of the process's logger bound to the workflow it runs for
 * (workflowId, the activity's type, the attempt after the first) and to the event and user of its input, so every
 * line of a lead's way carries its eventId. Outside an activity (a script, a test calling it directly) only the
 * input's ids are bound.
 */
export function activityLogger(logger: Logger, input: { eventId?: string; userId?: string }): Logger {
  const bindings: Record<string, unknown> = {};
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    context = undefined;
  }
  if (context) {
    const workflowId = context.info.workflowExecution?.workflowId;
    if (workflowId) bindings.workflowId = workflowId;
    bindings.activity = context.info.activityType;
    if (context.info.attempt > 1) bindings.attempt = context.info.attempt;
  }
  if (input.eventId) bindings.eventId = input.eventId;
  if (input.userId) bindings.userId = input.userId;
  return logger.child(bindings);
}
