import { createHmac } from 'node:crypto';
import {
  deriveUnsubscribeKey,
  signUnsubscribeToken,
  unsubscribeKeyId,
  unsubscribeKeysFor,
  verifyUnsubscribeToken,
  type UnsubscribeSubject,
} from '../../src/domain/unsubscribe';

const U1 = 'unsubscribe-key-1-0123456789abcdefghijkl';
const U2 = 'unsubscribe-key-2-0123456789abcdefghijkl';
const SECRET_A = 'secret-key-A-0123456789abcdefghijklmnop';
const SECRET_B = 'secret-key-B-0123456789abcdefghijklmnop';
const subject: UnsubscribeSubject = { userId: '7d0c3c1e-5a43-4c55-9d2b-3a3a8f6f1c11', contactId: '0f9e2a52-8c3d-4b6f-9a7e-1d2c3b4a5f60', channel: 'email' };

/** A link as the code before key ids signed it: "<payload>.<mac>", keyed with the secret key. */
function legacyToken(secretKey: string, s: UnsubscribeSubject): string {
  const payload = Buffer.from(`${s.userId}.${s.contactId}.${s.channel}`).toString('base64url');
  return `${payload}.${createHmac('sha256', `unsubscribe:${secretKey}`).update(payload).digest().subarray(0, 16).toString('base64url')}`;
}

describe('unsubscribe tokens', () => {
  it('names the key that signed it: <key id>.<payload>.<mac>', () => {
    const token = signUnsubscribeToken([U2, U1], subject);
    const [keyId, payload, mac] = token.split('.');
    expect(keyId).toBe(unsubscribeKeyId(U2));
    expect(Buffer.from(payload!, 'base64url').toString()).toBe(`${subject.userId}.${subject.contactId}.email`);
    expect(mac).toMatch(/^[\w-]{22}$/);
  });

  it('verifies a link signed before a rotation against the key list after it', () => {
    const before = signUnsubscribeToken([U1], subject);
    expect(verifyUnsubscribeToken([U2, U1], before)).toEqual(subject);
    expect(verifyUnsubscribeToken([U2, U1], signUnsubscribeToken([U2, U1], subject))).toEqual(subject);
  });

  it('refuses a link whose key has left the list', () => {
    expect(verifyUnsubscribeToken([U2], signUnsubscribeToken([U1], subject))).toBeUndefined();
  });

  it('refuses a link changed to name another contact, or another key', () => {
    const [keyId, , mac] = signUnsubscribeToken([U1], subject).split('.');
    const other = Buffer.from(`${subject.userId}.11111111-2222-3333-4444-555555555555.email`).toString('base64url');
    expect(verifyUnsubscribeToken([U1], `${keyId}.${other}.${mac}`)).toBeUndefined();
    const [, payload, mac1] = signUnsubscribeToken([U1], subject).split('.');
    expect(verifyUnsubscribeToken([U2, U1], `${unsubscribeKeyId(U2)}.${payload}.${mac1}`)).toBeUndefined();
    expect(verifyUnsubscribeToken([U1], 'not.a.token.at-all')).toBeUndefined();
  });

  it('still verifies links from before key ids, signed with the secret key', () => {
    const ring = unsubscribeKeysFor([SECRET_B, SECRET_A], undefined).verifying;
    expect(verifyUnsubscribeToken(ring, legacyToken(SECRET_A, subject))).toEqual(subject);
    expect(verifyUnsubscribeToken(unsubscribeKeysFor([SECRET_B], undefined).verifying, legacyToken(SECRET_A, subject))).toBeUndefined();
  });

  it('takes a key with a comma as one key', () => {
    const comma = 'a,key,with,commas-0123456789abcdefghijkl';
    expect(verifyUnsubscribeToken([U2, comma], signUnsubscribeToken([comma], subject))).toEqual(subject);
  });
});

describe('unsubscribeKeysFor', () => {
  it('signs with the configured keys when set, and verifies links signed under the derived keys too', () => {
    const keys = unsubscribeKeysFor([SECRET_A], [U2, U1]);
    expect(keys.signing).toEqual([U2, U1]);
    expect(keys.verifying).toEqual([U2, U1, deriveUnsubscribeKey(SECRET_A), SECRET_A]);
  });

  it('derives one key per secret key when none is configured, newest first, revealing neither', () => {
    const keys = unsubscribeKeysFor([SECRET_B, SECRET_A], undefined);
    expect(keys.signing).toEqual([deriveUnsubscribeKey(SECRET_B), deriveUnsubscribeKey(SECRET_A)]);
    expect(keys.signing[0]).not.toContain(SECRET_B);
    expect(keys.signing[0]!.length).toBeGreaterThanOrEqual(32);
    // a link signed under the derived key of A still verifies after rotating the secret keys to [B, A]
    const before = signUnsubscribeToken(unsubscribeKeysFor([SECRET_A], undefined).signing, subject);
    expect(verifyUnsubscribeToken(keys.verifying, before)).toEqual(subject);
  });
});
