import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs: an `event` name plus fields, JSON lines on stdout (or `destination`: a test reads them). No phone
 * numbers, addresses, names or message text at info level: ids (eventId, workflowId, userId, contactId) instead.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'autopilot', ...bindings } };
  return destination ? pino(options, destination) : pino(options);
}
