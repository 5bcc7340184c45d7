import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
import type { Logger } from 'pino';
import { reasonForLog } from '../metrics';

const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const satisfies Record<LogLevel, string>;

/** A message that is already an event name (`autopilot.finished`), as the workflow's own lines are. */
const EVENT_NAME = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/**
 * SDK warnings that describe how this worker is built on purpose: the send workers (`<queue>-send-<channel>`) run
 * activities only, so the SDK's "no workflows" notice is information, not a problem an operator should chase.
 */
const EXPECTED_WARNINGS = new Set(['No workflows registered, not polling for workflow tasks']);

/** The workflow bundle modules that add the eventId and userId to every workflow log line. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('./workflow-log-context')];

/**
 * The Temporal SDK's log lines as pino lines: the worker's own, the workflows' `log` (through the SDK's sink, with
 * workflowId, runId, workflowType and, from workflow-log-context.ts, eventId and userId), the activity context
 * logger's, and Rust Core's (forwarded). Levels map one to one. A line from a worker goes to the logger registered
 * for its task queue (createWorkers registers its deps.logger), so several sets of workers in one process (tests)
 * each log to their own; the rest goes to the fallback. Temporal allows one runtime, so one router, per process.
 */
export class TemporalLogRouter implements SdkLogger {
  private readonly byTaskQueue = new Map<string, Logger>();

  constructor(private readonly fallback: Logger) {}

  /** The lines of workers on these task queues go to `logger` until the returned function is called. */
  route(taskQueues: readonly string[], logger: Logger): () => void {
    for (const queue of taskQueues) this.byTaskQueue.set(queue, logger);
    return () => {
      for (const queue of taskQueues) if (this.byTaskQueue.get(queue) === logger) this.byTaskQueue.delete(queue);
    };
  }

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const target = (typeof meta.taskQueue === 'string' && this.byTaskQueue.get(meta.taskQueue)) || this.fallback;
    const pinoLevel = level === 'WARN' && EXPECTED_WARNINGS.has(message) ? 'info' : (PINO_LEVEL[level] ?? 'info');
    // The SDK logs every activation at trace; skip building the line unless it is written.
    if (!target.isLevelEnabled(pinoLevel)) return;
    const { fields, msg } = sdkLine(message, meta);
    if (msg === undefined) target[pinoLevel](fields);
    else target[pinoLevel](fields, msg);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * One SDK entry as pino fields. A workflow's lines name their event (`autopilot.finished`), the SDK's own are
 * sentences (`Worker state changed`): those get the event `temporal.<component>` and keep the sentence as `msg`.
 */
export function sdkLine(message: string, meta: LogMetadata): { fields: Record<string, unknown>; msg?: string } {
  const component = typeof meta.sdkComponent === 'string' ? meta.sdkComponent : 'sdk';
  const fields: Record<string, unknown> = {};
  const named = EVENT_NAME.test(message);
  fields.event = named ? message : `temporal.${component}`;
  for (const [key, value] of Object.entries(meta)) {
    if (key === 'spanContexts' || key === 'taskToken') continue;
    if (key === 'error' && value instanceof Error) fields.err = value;
    // A workflow's reason may be a reviewer's own words (a skip reason): logged as its code (metrics.ts reasonForLog).
    else if (key === 'reason' && component === 'workflow' && typeof value === 'string') fields.reason = reasonForLog(value);
    else if (key !== 'event') fields[key] = value;
  }
  return named ? { fields } : { fields, msg: message };
}
