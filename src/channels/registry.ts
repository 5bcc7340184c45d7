import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { CHANNELS } from '../domain/channels';
import { createSandboxAdapter } from './sandbox';
import type { ChannelAdapter, ChannelRegistry } from './types';

/** The adapters, one per channel, built once at start. Until real transports land every channel is the sandbox. */
export function createChannelRegistry(deps: { db: Pool; logger: Logger }, overrides: ChannelAdapter[] = []): ChannelRegistry {
  const registry = new Map(CHANNELS.map((channel) => [channel, createSandboxAdapter(channel, deps)] as [typeof channel, ChannelAdapter]));
  for (const adapter of overrides) registry.set(adapter.channel, adapter);
  return registry;
}
