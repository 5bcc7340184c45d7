import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';

/**
 * Signals a workflow that may have finished meanwhile: true once signalled, false when it is gone (closed, or not
 * found), since a finished reply has nothing to hear. Any other error is thrown.
 */
export async function signalIfRunning<Args extends unknown[]>(handle: WorkflowHandle, signal: SignalDefinition<Args>, ...args: Args): Promise<boolean> {
  try {
    await handle.signal(signal, ...args);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || /already completed|not found/i.test((err as Error).message)) return false;
    throw err;
  }
}
