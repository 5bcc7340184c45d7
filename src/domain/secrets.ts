import crypto from 'node:crypto';

/**
 * Credentials at rest: AES-256-GCM with a key derived from a secret key (SHA-256 of it), a random 96-bit IV
 * per value, the auth tag checked on read.
 *
 * Keys rotate (AUTOPILOT_SECRET_KEYS, newest first): a value is sealed with the newest key and names that key,
 * "v2:<key id>:<base64 iv|tag|ciphertext>", the header authenticated with the ciphertext (GCM additional
 * data). It opens with whichever listed key has that id. Values from before rotation, "v1:<base64 …>", name no
 * key: each listed key is tried (the tag tells the right one). `npm run secrets:rotate` re-seals everything
 * with the newest key, after which older keys can be dropped from the list.
 */
export interface SecretBox {
  seal(plain: string): string;
  /** Throws a SecretOpenError when no listed key opens the value. */
  open(sealed: string): string;
  /** Whether the value is sealed with the newest key already (a rotation leaves it as it is). */
  isCurrent(sealed: string): boolean;
  /** The id of the key new values are sealed with. */
  readonly currentKeyId: string;
}

/** The value names a key that is not listed, or none of the listed keys opens it. Never carries the value. */
export class SecretOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretOpenError';
  }
}

/**
 * A key's public name: 8 hex digits of a hash of the key, kept apart from the hash that makes the cipher key,
 * so the id tells which key sealed a value and nothing about the key.
 */
export function secretKeyId(secretKey: string): string {
  return crypto.createHash('sha256').update(`autopilot secret key id\0${secretKey}`, 'utf8').digest('hex').slice(0, 8);
}

interface Key {
  id: string;
  cipherKey: Buffer;
}

const V2 = /^v2:([0-9a-f]{8}):([A-Za-z0-9+/=]+)$/;

function decrypt(key: Key, raw: Buffer, header: string | undefined): string {
  const decipher = crypto.createDecipheriv('aes-256-gcm', key.cipherKey, raw.subarray(0, 12));
  if (header !== undefined) decipher.setAAD(Buffer.from(header, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** `keys`: newest first; one string is a one-key list (AUTOPILOT_SECRET_KEY alone). */
export function createSecretBox(keys: string | readonly string[]): SecretBox {
  const listed: Key[] = (typeof keys === 'string' ? [keys] : [...keys]).map((secretKey) => ({
    id: secretKeyId(secretKey),
    cipherKey: crypto.createHash('sha256').update(secretKey, 'utf8').digest(),
  }));
  const newest = listed[0];
  if (!newest) throw new Error('a secret box needs at least one key');

  const tryEach = (candidates: Key[], raw: Buffer, header: string | undefined, notOpened: string): string => {
    for (const key of candidates) {
      try {
        return decrypt(key, raw, header);
      } catch {
        // not this key (or the value was altered): the next candidate, then the error below
      }
    }
    throw new SecretOpenError(notOpened);
  };

  return {
    currentKeyId: newest.id,
    seal(plain) {
      const header = `v2:${newest.id}`;
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', newest.cipherKey, iv);
      cipher.setAAD(Buffer.from(header, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${header}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed) {
      const v2 = V2.exec(sealed);
      if (v2) {
        const keyId = v2[1]!;
        const candidates = listed.filter((key) => key.id === keyId);
        if (candidates.length === 0) {
          throw new SecretOpenError(`sealed with key ${keyId}, which is not among the configured keys (${listed.map((k) => k.id).join(', ')})`);
        }
        return tryEach(candidates, Buffer.from(v2[2]!, 'base64'), `v2:${keyId}`, `sealed with key ${keyId}, but that key does not open it (altered or truncated)`);
      }
      if (sealed.startsWith('v1:')) {
        return tryEach(listed, Buffer.from(sealed.slice(3), 'base64'), undefined, `a v1 value (from before key ids) that none of the configured keys (${listed.map((k) => k.id).join(', ')}) opens`);
      }
      throw new SecretOpenError('not a sealed value (expected v1: or v2:)');
    },
    isCurrent(sealed) {
      return V2.exec(sealed)?.[1] === newest.id;
    },
  };
}
