import { Context } from '@temporalio/activity';

/**
 * Heartbeats while `work` runs, so the Temporal server notices a worker that died mid-call within the activity's
 * heartbeat timeout (seconds) instead of its start-to-close timeout (a minute or more) and retries it elsewhere.
 */
export async function withHeartbeat<T>(work: () => Promise<T>, everyMs = 2000): Promise<T> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return work(); // called directly, not as an activity (a script, a test): there is no server to tell
  }
  // A local activity runs inside its workflow task; there is nothing to heartbeat to.
  if (context.info.isLocal) return work();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
