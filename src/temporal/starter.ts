import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AutopilotInput } from '../workflows/types';
import { startAutopilot } from './start';

interface PendingStart {
  workflowId: string;
  input: AutopilotInput;
  attempt: number;
}

/**
 * Starts the workflows of stored inbound events off the request path (a transactional outbox): the API answers as
 * soon as the event is stored, and this starts its workflow moments later, a few at a time, retrying while Temporal
 * is unreachable. A start is idempotent (the workflow id is the event's business key); whatever is still queued
 * when the process stops — or is lost with it — the worker's sweep starts (AUTOPILOT_SWEEP_AFTER).
 */
export class WorkflowStarter {
  private readonly queue: PendingStart[] = [];
  private running = 0;
  private stopped = false;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly logger: Logger,
    private readonly options: { concurrency: number; maxQueued: number } = { concurrency: 8, maxQueued: 50_000 },
  ) {}

  enqueue(workflowId: string, input: AutopilotInput): void {
    if (this.stopped) return;
    if (this.queue.length >= this.options.maxQueued) {
      this.logger.warn({ event: 'starter.queue_full', eventId: input.eventId });
      return; // stored: the sweep starts it
    }
    this.queue.push({ workflowId, input, attempt: 0 });
    this.pump();
  }

  /** How many starts are waiting or under way. */
  get pending(): number {
    return this.queue.length + this.running;
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.running += 1;
      void this.start(next).finally(() => {
        this.running -= 1;
        this.pump();
        if (this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async start(pending: PendingStart): Promise<void> {
    try {
      await startAutopilot(this.client, this.taskQueue, pending.workflowId, pending.input);
    } catch (err) {
      pending.attempt += 1;
      const delayMs = Math.min(30_000, 500 * 2 ** pending.attempt);
      this.logger.warn({ event: 'starter.start_failed', eventId: pending.input.eventId, attempt: pending.attempt, retryInMs: delayMs, error: (err as Error).message });
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, delayMs).unref());
      this.queue.push(pending);
    }
  }

  /** Stops taking new starts and waits (up to `timeoutMs`) for those queued to go out. */
  async stop(timeoutMs = 5000): Promise<void> {
    const drained = this.pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.idle.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.stopped = true;
    if (this.pending > 0) this.logger.warn({ event: 'starter.stopped_with_pending', pending: this.pending });
  }
}
