import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { markConnectionBroken, saveConnection, type Connection } from '../db/connections';
import type { SecretBox } from '../domain/secrets';
import { hasActiveConnection, requireActiveConnection } from './connection';
import { failureOfAnswer, postMessage } from './http-send';
import {
  NonRetryableSendError,
  SendOutcomeUnknownError,
  listedFailure,
  retryAfterMs,
  sendFailure,
  type ChannelAdapter,
  type OutgoingReply,
  type PlatformErrorTable,
  type PreparedMessage,
  type SendResult,
} from './types';

/**
 * LinkedIn partner mode (LINKEDIN_PARTNER_MODE=true, for approved Messages API partners only): POST /rest/messages
 * with the member's OAuth token (LinkedIn-Version and Rest.li 2.0 headers). An expired token (401) is refreshed
 * once with the refresh token and LINKEDIN_CLIENT_ID/SECRET (POST /oauth/v2/accessToken), then the message is
 * retried once (the 401 means it was not sent); a refresh that fails marks the connection broken.
 */

/**
 * LinkedIn's REST API answers with HTTP statuses (its `serviceErrorCode` is not documented per case), so the
 * table is keyed by status. A 4xx not listed is a refusal (`rejected`); a 5xx leaves the outcome unknown.
 */
export const LINKEDIN_ERRORS = {
  // The token was refused (after one refresh): the member has to connect again.
  401: 'connection_broken',
  // Not allowed to message this member (not connected, or messaging not permitted).
  403: 'blocked',
  // No such member / recipient not reachable.
  404: 'invalid_recipient',
  422: 'invalid_recipient',
  429: 'rate_limited',
} as const satisfies PlatformErrorTable;

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
  const post = (token: string, payload: Record<string, unknown>) =>
    postMessage('LinkedIn', `${options.apiBaseUrl.replace(/\/$/, '')}/rest/messages`, {
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'linkedin-version': options.apiVersion,
        'x-restli-protocol-version': '2.0.0',
      },
      body: JSON.stringify(payload),
    });

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
        // 201 Created names the message in x-restli-id; without it the message may exist under an id we never saw.
        const id = response.headers.get('x-restli-id') ?? response.headers.get('x-linkedin-id');
        if (!id) throw new SendOutcomeUnknownError(`LinkedIn answered ${response.status} without a message id: it may have the message`);
        return { providerMessageId: id, sandbox: false };
      }
      const detail = `LinkedIn answered ${response.status}: ${(await response.text().catch(() => '')).slice(0, 300)}`;
      const failure = failureOfAnswer(response.status, listedFailure(LINKEDIN_ERRORS, response.status));
      if (failure === 'unknown') throw new SendOutcomeUnknownError(`LinkedIn may have the message (${detail})`);
      if (failure === 'connection_broken') {
        await markConnectionBroken(options.db, reply.userId, 'linkedin', detail);
        options.logger.warn({ event: 'channel.connection_broken', channel: 'linkedin', userId: reply.userId });
      }
      throw sendFailure(failure, detail, retryAfterMs(response.headers.get('retry-after'), 60_000));
    },
    supports(feature) {
      return feature === 'automated_send';
    },
  };
}
