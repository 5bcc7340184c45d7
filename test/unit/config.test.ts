import path from 'node:path';
import { ConfigError, configVariables, isSecretVariable, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.api).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('.autopilot'));
    expect(config.temporal).toMatchObject({ namespace: 'default', taskQueue: 'autopilot', uiPort: 8233, devServerPort: 7233 });
    expect(config.confidenceThreshold).toBe(0.85);
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).api.port).toBe(3000);
  });

  it('parses numbers and URLs', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://u:p@db:5432/autopilot', AUTOPILOT_CONFIDENCE_THRESHOLD: '0.9' });
    expect(config.api.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/autopilot');
    expect(config.confidenceThreshold).toBe(0.9);
  });

  it.each([
    ['PORT', 'eighty', /PORT: expected the API port/],
    ['PORT', '70000', /PORT: expected the API port/],
    ['DATABASE_URL', 'mysql://localhost/db', /DATABASE_URL: expected a postgres:\/\/ connection URL/],
    ['AUTOPILOT_CONFIDENCE_THRESHOLD', '1.5', /AUTOPILOT_CONFIDENCE_THRESHOLD: expected a number between 0 and 1/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of fatal/],
    ['AUTOPILOT_DEV_API_KEY', 'short', /AUTOPILOT_DEV_API_KEY: expected .*at least 24 characters/],
  ])('rejects %s=%p with a message naming the variable', (variable, value, message) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(message);
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'x', TEMPORAL_UI_PORT: '0' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['PORT', 'TEMPORAL_UI_PORT']);
    }
  });

  describe('secrets in errors', () => {
    it.each([
      ['AUTOPILOT_SECRET_KEY', 'too-short-but-secret'],
      ['AUTOPILOT_DEV_API_KEY', 'ap_short-secret'],
    ])('names %s and its length, never its value', (variable, value) => {
      try {
        loadConfig({ [variable]: value });
        throw new Error('expected a ConfigError');
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        const error = err as ConfigError;
        expect(error.message).toContain(`${variable}: expected`);
        expect(error.message).toContain(`got a secret of ${value.length} characters (not shown)`);
        expect(error.message).not.toContain(value);
        expect(JSON.stringify(error.problems)).not.toContain(value);
      }
    });

    it('masks the password of a URL it shows', () => {
      expect(() => loadConfig({ DATABASE_URL: 'mysql://autopilot:hunter2-db-password@db/autopilot' })).toThrow(
        'got "mysql://autopilot:***@db/autopilot"',
      );
    });

    it('marks every variable that holds a credential as secret (a new one cannot be forgotten)', () => {
      const names = configVariables();
      const credentials = names.filter((name) => /(KEY|KEYS|SECRET|TOKEN|PASS|PASSWORD)$/.test(name));
      expect(credentials.length).toBeGreaterThan(10);
      for (const name of credentials) expect([name, isSecretVariable(name)]).toEqual([name, true]);
      // paths of key files and public settings are shown
      expect(isSecretVariable('TEMPORAL_TLS_CLIENT_KEY_PATH')).toBe(false);
      expect(isSecretVariable('PORT')).toBe(false);
    });
  });

  describe('secret keys', () => {
    const A = 'key-A-0123456789abcdefghijklmnopqrstuv';
    const B = 'key-B-0123456789abcdefghijklmnopqrstuv';

    it('reads AUTOPILOT_SECRET_KEYS newest first, and AUTOPILOT_SECRET_KEY alone as a list of one', () => {
      expect(loadConfig({ AUTOPILOT_SECRET_KEYS: `${B}, ${A}` }).secretKeys).toEqual([B, A]);
      expect(loadConfig({ AUTOPILOT_SECRET_KEY: 'a,single key with a comma-0123456789abc' }).secretKeys).toEqual(['a,single key with a comma-0123456789abc']);
      expect(loadConfig({}).secretKeys).toEqual([]);
      expect(loadConfig({ AUTOPILOT_UNSUBSCRIBE_KEYS: `${A},${B}` }).unsubscribeKeys).toEqual([A, B]);
    });

    it('names the short key by its place in the list, never its value', () => {
      const short = 'short-key-value';
      try {
        loadConfig({ AUTOPILOT_SECRET_KEYS: `${B},${short}` });
        throw new Error('expected a ConfigError');
      } catch (err) {
        expect((err as Error).message).toContain('AUTOPILOT_SECRET_KEYS: expected the keys channel credentials are encrypted with');
        expect((err as Error).message).toContain(`key 2 of 2 has ${short.length} characters, fewer than 32`);
        expect((err as Error).message).not.toContain(short);
        expect((err as Error).message).not.toContain(B);
      }
      expect(() => loadConfig({ AUTOPILOT_UNSUBSCRIBE_KEYS: `${A},${A}` })).toThrow(/AUTOPILOT_UNSUBSCRIBE_KEYS: .*a key is listed twice/);
    });

    it('refuses both AUTOPILOT_SECRET_KEYS and AUTOPILOT_SECRET_KEY', () => {
      expect(() => loadConfig({ AUTOPILOT_SECRET_KEYS: B, AUTOPILOT_SECRET_KEY: A })).toThrow(/AUTOPILOT_SECRET_KEY: expected unset when AUTOPILOT_SECRET_KEYS is set/);
    });

    it('leaves the dev user to the entry point unless AUTOPILOT_CREATE_DEV_USER says', () => {
      expect(loadConfig({}).createDevUser).toBeUndefined();
      expect(loadConfig({ AUTOPILOT_CREATE_DEV_USER: 'true' }).createDevUser).toBe(true);
    });
  });

  describe('Temporal TLS and API key', () => {
    it('is plaintext unless asked', () => {
      expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).temporal.tls).toBeUndefined();
    });

    it('turns TLS on with TEMPORAL_TLS=true, with the system CAs', () => {
      expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({});
    });

    it('turns TLS on for a client certificate, resolving the paths', () => {
      const config = loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: 'certs/client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: 'certs/client.key', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
      expect(config.temporal.tls).toEqual({
        clientCertPath: path.resolve('certs/client.pem'),
        clientKeyPath: path.resolve('certs/client.key'),
        serverName: 'temporal.internal',
      });
    });

    it('turns TLS on for an API key, as Temporal\'s clients do, unless TEMPORAL_TLS=false', () => {
      const key = 'tcld-key-0123456789';
      expect(loadConfig({ TEMPORAL_API_KEY: key }).temporal).toMatchObject({ apiKey: key, tls: {} });
      expect(loadConfig({ TEMPORAL_API_KEY: key, TEMPORAL_TLS: 'false' }).temporal.tls).toBeUndefined();
    });

    it.each([
      [{ TEMPORAL_TLS_CLIENT_CERT_PATH: 'client.pem' }, /TEMPORAL_TLS_CLIENT_KEY_PATH: expected the client certificate's private key too/],
      [{ TEMPORAL_TLS_CLIENT_KEY_PATH: 'client.key' }, /TEMPORAL_TLS_CLIENT_CERT_PATH: expected the client certificate too/],
      [{ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'ca.pem' }, /TEMPORAL_TLS: expected true or unset, since TEMPORAL_TLS_SERVER_CA_CERT_PATH is set/],
      [{ TEMPORAL_TLS: 'yes' }, /TEMPORAL_TLS: expected true or false/],
    ])('rejects %p with a message naming the variable', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  });
});

