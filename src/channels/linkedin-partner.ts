import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { markConnectionBroken, saveConnection, type Connection } from '../db/connections';
import type { SecretBox } from '../domain/secrets';
import { hasActiveConnection, requireActiveConnection } from './connection';
import {
  NonRetryableSendError,
  RateLimitedSendError,
  RetryableSendError,
  retryAfterMs,
  type ChannelAdapter,
  type OutgoingReply,
  type PreparedMessage,
  type SendResult,
} from './types';

/**
 * LinkedIn partner mode (LINKEDIN_PARTNER_MODE=true, for approved Messages API partners only): POST /rest/messages
 * with the member's OAuth token (LinkedIn-Version and Rest.li 2.0 headers). An expired token (401) is refreshed
 * once with the refresh token and LINKEDIN_CLIENT_ID/SECRET (POST /oauth/v2/accessToken), then the message is
 * retried once; a refresh that fails marks the connection broken.
 */

export interface LinkedInPartnerOptions {
  db: Pool;
  logger: Logger;
  secrets: SecretBox;
  apiBaseUrl: string;
  oauthBaseUrl: string;
  apiVersion: string;
  clientId: string;
  clientSecret: string;
}

export function createLinkedInPartnerAdapter(options: LinkedInPartnerOptions): ChannelAdapter {
  const post = async (token: string, payload: Record<string, unknown>) => {
    try {
      return await fetch(`${options.apiBaseUrl.replace(/\/$/, '')}/rest/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'linkedin-version': options.apiVersion,
          'x-restli-protocol-version': '2.0.0',
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(20_000),
      });
    } catch (err) {
      throw new RetryableSendError(`LinkedIn did not answer: ${(err as Error).message}`);
    }
  };

  const refresh = async (connection: Connection): Promise<string | undefined> => {
    const refreshToken = connection.credentials.refreshToken;
    if (!refreshToken) return undefined;
    const response = await fetch(`${options.oauthBaseUrl.replace(/\/$/, '')}/oauth/v2/accessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: options.clientId,
        client_secret: options.clientSecret,
      }).toString(),
      signal: AbortSignal.timeout(20_000),
    }).catch(() => undefined);
    if (!response?.ok) return undefined;
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; refresh_token?: string };
    if (!body.access_token) return undefined;
    await saveConnection(options.db, options.secrets, {
      userId: connection.userId,
      channel: 'linkedin',
      accountId: connection.accountId,
      credentials: { ...connection.credentials, accessToken: body.access_token, ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}) },
      settings: connection.settings,
      tokenExpiresAt: body.expires_in ? new Date(Date.now() + body.expires_in * 1000) : null,
    });
    return body.access_token;
  };

  return {
    channel: 'linkedin',
    name: 'linkedin-messages-api',
    validateRecipient(recipient) {
      if (!/^urn:li:(person|member):[\w-]+$/.test(recipient.trim())) {
        throw new NonRetryableSendError('missing or invalid LinkedIn member URN', 'invalid_recipient');
      }
    },
    prepare(reply: OutgoingReply): PreparedMessage {
      return { channel: 'linkedin', recipient: reply.recipient, payload: { recipients: [reply.recipient], body: reply.text, messageType: 'MEMBER_TO_MEMBER' } };
    },
    isConnected: (userId) => hasActiveConnection(options.db, options.secrets, userId, 'linkedin'),
    async send(reply, prepared): Promise<SendResult> {
      const connection = await requireActiveConnection(options.db, options.secrets, reply.userId, 'linkedin', 'LinkedIn');
      const payload = { ...prepared.payload, sender: connection.accountId };
      let response = await post(connection.credentials.accessToken ?? '', payload);
      if (response.status === 401) {
        const token = await refresh(connection);
        if (!token) {
          await markConnectionBroken(options.db, reply.userId, 'linkedin', 'the access token expired and could not be refreshed');
          options.logger.warn({ event: 'channel.connection_broken', channel: 'linkedin', userId: reply.userId });
          throw new NonRetryableSendError('LinkedIn token expired and the refresh failed', 'connection_broken');
        }
        response = await post(token, payload);
      }
      if (response.ok) {
        const id = response.headers.get('x-restli-id') ?? response.headers.get('x-linkedin-id');
        if (!id) throw new RetryableSendError('LinkedIn accepted the message but returned no id');
        return { providerMessageId: id, sandbox: false };
      }
      const detail = `LinkedIn answered ${response.status}: ${(await response.text().catch(() => '')).slice(0, 300)}`;
      if (response.status === 429) {
        throw new RateLimitedSendError(detail, retryAfterMs(response.headers.get('retry-after'), 60_000));
      }
      if (response.status === 401) {
        await markConnectionBroken(options.db, reply.userId, 'linkedin', detail);
        throw new NonRetryableSendError(detail, 'connection_broken');
      }
      if (response.status >= 500) throw new RetryableSendError(detail);
      if (response.status === 404 || response.status === 422) throw new NonRetryableSendError(detail, 'invalid_recipient');
      if (response.status === 403) throw new NonRetryableSendError(detail, 'blocked');
      throw new NonRetryableSendError(detail, 'rejected');
    },
    supports(feature) {
      return feature === 'automated_send';
    },
  };
}
