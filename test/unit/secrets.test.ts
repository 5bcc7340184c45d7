import { createSecretBox, SecretOpenError, secretKeyId } from '../../src/domain/secrets';
import { sealV1 } from '../helpers/secrets';

const A = 'key-A-0123456789abcdefghijklmnopqrstuv';
const B = 'key-B-0123456789abcdefghijklmnopqrstuv';
const C = 'key-C-0123456789abcdefghijklmnopqrstuv';
const CREDENTIALS = JSON.stringify({ accessToken: 'EAAG-token-123' });

describe('createSecretBox', () => {
  it('seals with the newest key and names it: "v2:<key id>:<base64>"', () => {
    const sealed = createSecretBox([B, A]).seal(CREDENTIALS);
    expect(sealed).toMatch(new RegExp(`^v2:${secretKeyId(B)}:[A-Za-z0-9+/]+=*$`));
    expect(sealed).not.toContain('EAAG');
    expect(secretKeyId(A)).toMatch(/^[0-9a-f]{8}$/);
    expect(secretKeyId(A)).not.toBe(secretKeyId(B));
  });

  it('opens a value sealed before a rotation, with the old key still listed', () => {
    const beforeRotation = createSecretBox(A).seal(CREDENTIALS);
    const rotated = createSecretBox([B, A]);
    expect(rotated.open(beforeRotation)).toBe(CREDENTIALS);
    expect(rotated.isCurrent(beforeRotation)).toBe(false);
    const resealed = rotated.seal(rotated.open(beforeRotation));
    expect(rotated.isCurrent(resealed)).toBe(true);
    // once re-sealed, the old key can go
    expect(createSecretBox([B]).open(resealed)).toBe(CREDENTIALS);
  });

  it('opens v1 values with whichever listed key made them', () => {
    expect(createSecretBox([C, B, A]).open(sealV1(A, CREDENTIALS))).toBe(CREDENTIALS);
    expect(createSecretBox([C, B, A]).open(sealV1(C, CREDENTIALS))).toBe(CREDENTIALS);
    expect(createSecretBox(A).isCurrent(sealV1(A, CREDENTIALS))).toBe(false);
  });

  it('says which key is missing when the key that sealed a value is no longer listed, without the value', () => {
    const sealed = createSecretBox(A).seal(CREDENTIALS);
    expect(() => createSecretBox([B]).open(sealed)).toThrow(SecretOpenError);
    expect(() => createSecretBox([B]).open(sealed)).toThrow(`sealed with key ${secretKeyId(A)}, which is not among the configured keys (${secretKeyId(B)})`);
    expect(() => createSecretBox([B, C]).open(sealV1(A, CREDENTIALS))).toThrow(/none of the configured keys/);
  });

  it('refuses a value whose header or body was altered', () => {
    const sealed = createSecretBox([B, A]).seal(CREDENTIALS);
    const body = sealed.split(':')[2]!;
    const raw = Buffer.from(body, 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    expect(() => createSecretBox([B, A]).open(`v2:${secretKeyId(B)}:${raw.toString('base64')}`)).toThrow(SecretOpenError);
    // the same body presented as sealed by the other listed key: the header is authenticated too
    expect(() => createSecretBox([B, A]).open(`v2:${secretKeyId(A)}:${body}`)).toThrow(SecretOpenError);
    expect(() => createSecretBox([B, A]).open('plain text')).toThrow('not a sealed value');
  });

  it('seals the same text differently each time (a fresh IV)', () => {
    const box = createSecretBox(A);
    expect(box.seal(CREDENTIALS)).not.toBe(box.seal(CREDENTIALS));
  });
});
