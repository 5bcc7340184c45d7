import type { Pool } from 'pg';
import type { Logger } from 'pino';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface ActivityDeps {
  db: Pool;
  logger: Logger;
  clock: Clock;
}
