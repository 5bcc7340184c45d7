import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from './channels';
import { isChannel } from './channels';

/**
 * One-click unsubscribe links (RFC 8058): the token names the user, contact and channel and is signed, so the
 * link works without a login and cannot be forged for another contact.
 *
 * Links live in mailboxes for years, so their keys rotate without breaking them: AUTOPILOT_UNSUBSCRIBE_KEYS
 * lists keys newest first; a token is signed with the newest and names it,
 *   <key id>.<payload>.<mac>      key id: 8 hex digits of a hash of the key
 *                                 payload: base64url("<user id>.<contact id>.<channel>")
 *                                 mac: base64url(HMAC-SHA256("unsubscribe:" + key, "<key id>.<payload>")[0..16])
 * and it verifies against whichever listed key has that id. Tokens from before key ids, "<payload>.<mac>"
 * (HMAC over the payload alone, with the secret key), are checked against every key given.
 */
export interface UnsubscribeSubject {
  userId: string;
  contactId: string;
  channel: Channel;
}

export function unsubscribeKeyId(key: string): string {
  return createHash('sha256').update(`autopilot unsubscribe key id\0${key}`, 'utf8').digest('hex').slice(0, 8);
}

/**
 * The unsubscribe key that a secret key stands for when AUTOPILOT_UNSUBSCRIBE_KEYS is unset: a one-way
 * derivation, so a link's key never reveals the key that encrypts credentials.
 */
export function deriveUnsubscribeKey(secretKey: string): string {
  return createHmac('sha256', secretKey).update('autopilot unsubscribe links').digest('base64url');
}

function mac(key: string, signed: string): Buffer {
  return createHmac('sha256', `unsubscribe:${key}`).update(signed).digest().subarray(0, 16);
}

function macMatches(key: string, signed: string, given: Buffer): boolean {
  const expected = mac(key, signed);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Signs with the first (newest) key. */
export function signUnsubscribeToken(keys: readonly string[], subject: UnsubscribeSubject): string {
  const key = keys[0];
  if (!key) throw new Error('no unsubscribe key to sign with');
  const keyId = unsubscribeKeyId(key);
  const payload = Buffer.from(`${subject.userId}.${subject.contactId}.${subject.channel}`).toString('base64url');
  return `${keyId}.${payload}.${mac(key, `${keyId}.${payload}`).toString('base64url')}`;
}

export function verifyUnsubscribeToken(keys: readonly string[], token: string): UnsubscribeSubject | undefined {
  const parts = token.split('.');
  let payload: string | undefined;
  if (parts.length === 3) {
    const [keyId, body, signature] = parts as [string, string, string];
    const given = Buffer.from(signature, 'base64url');
    if (keys.some((key) => unsubscribeKeyId(key) === keyId && macMatches(key, `${keyId}.${body}`, given))) payload = body;
  } else if (parts.length === 2) {
    const [body, signature] = parts as [string, string];
    const given = Buffer.from(signature, 'base64url');
    if (keys.some((key) => macMatches(key, body, given))) payload = body;
  }
  if (!payload) return undefined;
  const [userId, contactId, channel] = Buffer.from(payload, 'base64url').toString('utf8').split('.');
  if (!userId || !contactId || !isChannel(channel)) return undefined;
  return { userId, contactId, channel };
}

/**
 * The keys links are signed with (newest first) and the ring they are checked against: the configured
 * unsubscribe keys, or one derived from each secret key; then the keys derived from every listed secret key
 * (links signed before AUTOPILOT_UNSUBSCRIBE_KEYS was set) and the secret keys themselves (links from before
 * links had their own key).
 */
export function unsubscribeKeysFor(secretKeys: readonly string[], configured: readonly string[] | undefined): { signing: string[]; verifying: string[] } {
  const derived = secretKeys.map(deriveUnsubscribeKey);
  const signing = configured && configured.length ? [...configured] : derived;
  return { signing, verifying: [...new Set([...signing, ...derived, ...secretKeys])] };
}
