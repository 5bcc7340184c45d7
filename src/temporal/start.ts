import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client, type WorkflowStartOptions } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { autopilotWorkflow } from '../workflows';
import { AutopilotChannel, AutopilotStage, AutopilotUser } from '../workflows/search-attributes';
import type { AutopilotInput } from '../workflows/types';

/**
 * How an event's workflow is started: the id is the business key, a running workflow is reused and a closed one is
 * never started again.
 */
function startOptions(taskQueue: string, workflowId: string, input: AutopilotInput) {
  return {
    taskQueue,
    workflowId,
    args: [input] as [AutopilotInput],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: AutopilotStage, value: 'received' },
      { key: AutopilotChannel, value: input.channel },
      { key: AutopilotUser, value: input.userId },
    ],
    staticSummary: `Reply to an inbound ${input.channel} message`,
    staticDetails: `Event ${input.eventId}. Query \`state\` for the current stage.`,
  } satisfies WorkflowStartOptions<typeof autopilotWorkflow>;
}

/** The start half of an update-with-start: an Update that reaches the event's workflow, started if need be. */
export function workflowStartOptions(taskQueue: string, workflowId: string, input: AutopilotInput): WithStartWorkflowOperation<typeof autopilotWorkflow> {
  return new WithStartWorkflowOperation<typeof autopilotWorkflow>('autopilotWorkflow', startOptions(taskQueue, workflowId, input));
}

/**
 * Starts the event's workflow, or finds it. Safe to call for every delivery, which also heals a crash between storing
 * the event and starting its workflow.
 */
export async function startAutopilot(client: Client, taskQueue: string, workflowId: string, input: AutopilotInput): Promise<{ started: boolean }> {
  try {
    const handle = await client.workflow.start<typeof autopilotWorkflow>('autopilotWorkflow', startOptions(taskQueue, workflowId, input));
    return { started: handle.firstExecutionRunId !== undefined };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
    throw err;
  }
}
