import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { CHANNELS, type Channel } from '../domain/channels';
import type { SecretBox } from '../domain/secrets';
import { createSandboxAdapter } from './sandbox';
import { NonRetryableSendError, type ChannelAdapter, type ChannelRegistry } from './types';
import { createEmailAdapter } from './email';
import { createInstagramAdapter } from './instagram';
import { createLinkedInManualAdapter } from './linkedin';
import { createLinkedInPartnerAdapter } from './linkedin-partner';
import { createWhatsAppAdapter } from './whatsapp';

export interface RegistryOptions {
  db: Pool;
  logger: Logger;
  /** Without a secret key no connection can be read: every channel is unconnected (or the sandbox). */
  secrets?: SecretBox;
  whatsapp: { baseUrl: string; graphVersion: string };
  instagram: { baseUrl: string; graphVersion: string };
  linkedin: { partnerMode: boolean; clientId?: string; clientSecret?: string; apiBaseUrl: string; oauthBaseUrl: string; apiVersion: string };
  /** For email's unsubscribe links: where the API is reached, and the keys they are signed with (newest first). */
  publicUrl: string;
  unsubscribeKeys: readonly string[];
  /** Under `npm start` a channel without a connection falls back to the sandbox (labelled as such). */
  sandboxFallback: boolean;
}

/**
 * A real transport when the user has a connection; otherwise the sandbox (when allowed) or "not connected",
 * which sends the reply to review with reason channel_not_connected.
 */
function withFallback(real: ChannelAdapter, sandbox: ChannelAdapter, sandboxFallback: boolean): ChannelAdapter {
  return {
    ...real,
    async isConnected(userId) {
      return sandboxFallback || real.isConnected(userId);
    },
    // The features are the platform's; but a user without a connection sends through the sandbox, whose one outbox
    // row per job makes a send cut off mid-way safe to repeat.
    async sendsIdempotently(userId) {
      if (await real.isConnected(userId)) return real.supports('idempotent_send');
      return sandboxFallback ? sandbox.supports('idempotent_send') : real.supports('idempotent_send');
    },
    async send(reply, prepared) {
      if (await real.isConnected(reply.userId)) return real.send(reply, prepared);
      if (sandboxFallback) return sandbox.send(reply, sandbox.prepare(reply));
      throw new NonRetryableSendError(`${real.channel} is not connected for this user`, 'channel_not_connected');
    },
  };
}

/** The adapters, one per channel, built once at start. Channels without a real transport yet use the sandbox. */
export function createChannelRegistry(options: RegistryOptions, overrides: ChannelAdapter[] = []): ChannelRegistry {
  const deps = { db: options.db, logger: options.logger };
  const registry = new Map<Channel, ChannelAdapter>(CHANNELS.map((channel) => [channel, createSandboxAdapter(channel, deps)]));
  const sandbox = registry.get('whatsapp')!;
  const whatsapp: ChannelAdapter = options.secrets
    ? createWhatsAppAdapter({ ...deps, secrets: options.secrets, ...options.whatsapp })
    : { ...sandbox, name: 'whatsapp (no AUTOPILOT_SECRET_KEY: no connections)', isConnected: async () => false };
  registry.set('whatsapp', withFallback(whatsapp, sandbox, options.sandboxFallback));
  const instagramSandbox = registry.get('instagram')!;
  const instagram: ChannelAdapter = options.secrets
    ? createInstagramAdapter({ ...deps, secrets: options.secrets, ...options.instagram })
    : { ...instagramSandbox, name: 'instagram (no AUTOPILOT_SECRET_KEY: no connections)', isConnected: async () => false };
  registry.set('instagram', withFallback(instagram, instagramSandbox, options.sandboxFallback));
  const emailSandbox = registry.get('email')!;
  const email: ChannelAdapter = options.secrets
    ? createEmailAdapter({ ...deps, secrets: options.secrets, publicUrl: options.publicUrl, unsubscribeKeys: options.unsubscribeKeys })
    : { ...emailSandbox, name: 'email (no AUTOPILOT_SECRET_KEY: no connections)', isConnected: async () => false };
  registry.set('email', withFallback(email, emailSandbox, options.sandboxFallback));
  // LinkedIn forbids automated messages: a person sends (no sandbox stand-in needed) — unless this installation
  // is an approved Messages API partner.
  const { linkedin } = options;
  if (linkedin.partnerMode && options.secrets) {
    const partner = createLinkedInPartnerAdapter({
      ...deps,
      secrets: options.secrets,
      apiBaseUrl: linkedin.apiBaseUrl,
      oauthBaseUrl: linkedin.oauthBaseUrl,
      apiVersion: linkedin.apiVersion,
      clientId: linkedin.clientId ?? '',
      clientSecret: linkedin.clientSecret ?? '',
    });
    registry.set('linkedin', withFallback(partner, registry.get('linkedin')!, options.sandboxFallback));
  } else {
    registry.set('linkedin', createLinkedInManualAdapter());
  }
  for (const adapter of overrides) registry.set(adapter.channel, adapter);
  return registry;
}
