import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured logs: an `event` name plus fields. No phone numbers, addresses or names at info level. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'autopilot', ...bindings } });
}
