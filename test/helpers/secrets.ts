import crypto from 'node:crypto';

/**
 * A value as the code before key ids sealed it: "v1:", AES-256-GCM under the SHA-256 of `secretKey`, no header.
 * What a database written by that code still holds, for the tests of reading and rotating it.
 */
export function sealV1(secretKey: string, plain: string): string {
  const key = crypto.createHash('sha256').update(secretKey, 'utf8').digest();
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}
