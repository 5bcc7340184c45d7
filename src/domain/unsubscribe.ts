import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from './channels';
import { isChannel } from './channels';

/**
 * One-click unsubscribe links (RFC 8058): the token names the user, contact and channel and is signed, so the
 * link works without a login and cannot be forged for another contact.
 */
export interface UnsubscribeSubject {
  userId: string;
  contactId: string;
  channel: Channel;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', `unsubscribe:${secret}`).update(payload).digest().subarray(0, 16);
}

export function signUnsubscribeToken(secret: string, subject: UnsubscribeSubject): string {
  const payload = Buffer.from(`${subject.userId}.${subject.contactId}.${subject.channel}`).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeSubject | undefined {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const [userId, contactId, channel] = Buffer.from(payload, 'base64url').toString('utf8').split('.');
  if (!userId || !contactId || !isChannel(channel)) return undefined;
  return { userId, contactId, channel };
}
