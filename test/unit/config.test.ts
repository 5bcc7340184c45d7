import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

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
});
