import { proxyLocalActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { noop } = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

/** The ceiling: a workflow that does nothing but 8 sequential local activities. */
export async function noopWorkflow(): Promise<void> {
  for (let i = 0; i < 8; i++) await noop(i);
}
