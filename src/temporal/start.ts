import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { autopilotWorkflow } from '../workflows';
import { AutopilotChannel, AutopilotStage, AutopilotUser } from '../workflows/search-attributes';
import type { AutopilotInput } from '../workflows/types';

/**
 * Starts the event's workflow, or finds it: the id is the business key, a running workflow is reused and a
 * closed one is never started again. Safe to call for every delivery, which also heals a crash between storing
 * the event and starting its workflow.
 */
export async function startAutopilot(
  client: Client,
  taskQueue: string,
  workflowId: string,
  input: AutopilotInput,
): Promise<{ started: boolean }> {
  try {
    const handle = await client.workflow.start<typeof autopilotWorkflow>('autopilotWorkflow', {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: AutopilotStage, value: 'received' },
        { key: AutopilotChannel, value: input.channel },
        { key: AutopilotUser, value: input.userId },
      ],
      staticSummary: `Reply to an inbound ${input.channel} message`,
      staticDetails: `Event ${input.eventId}. Query \`state\` for the current stage.`,
    });
    return { started: handle.firstExecutionRunId !== undefined };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
    throw err;
  }
}
