import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ChannelRegistry } from '../channels/types';
import type { RateLimits } from '../config';
import type { Moderator } from '../model/moderation';
import type { ReplyModel } from '../model/types';
import type { Metrics } from '../metrics';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The installation's rules, from config; per-user settings refine some of them. */
export interface Policy {
  confidenceThreshold: number;
  reviewTtlMs: number;
  asapDelaySeconds: { min: number; max: number };
  rateLimits: RateLimits;
  /**
   * The model runs in-process (the offline template engine): drafting is then as short as any database step and
   * runs as a local activity; a remote model keeps a regular activity with its own timeouts and retries.
   */
  localModel: boolean;
}

export interface ActivityDeps {
  db: Pool;
  /** The process's logger; an activity logs through activityLogger(logger, input), which adds whose line it is. */
  logger: Logger;
  /** The process's Prometheus registry (outcomes, sends, model latency, gate failures, deferrals). */
  metrics: Metrics;
  clock: Clock;
  model: ReplyModel;
  moderator: Moderator;
  channels: ChannelRegistry;
  /** For signalling other workflows (supersede, controls) and starting forgotten ones (the sweep). */
  temporal: Client;
  /** The workflows' task queue (the sweep starts workflows on it). */
  taskQueue: string;
  policy: Policy;
  /** Randomness for A/B draws and human-like delays; recorded in activity results, so replays never re-draw. */
  random: () => number;
}
