import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findApiKeyOwner } from '../../src/db/users';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/** `npm run user:create`: a user, a key shown once and stored hashed, and the single-tenant connections. */

const ROOT = path.resolve(__dirname, '..', '..');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

it('creates a user with a working API key and the environment’s connections, secrets encrypted', async () => {
  const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli/create-user.ts', 'acme-sales', 'Acme', 'Sales'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      AUTOPILOT_SECRET_KEY: 'create-user-test-secret-key-long-enough',
      WHATSAPP_API_KEY: 'EAAG-single-tenant-token-123456',
      WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
      LOG_LEVEL: 'silent',
    },
  });
  expect(result.status).toBe(0);
  const created = JSON.parse(result.stdout);
  expect(created).toMatchObject({ slug: 'acme-sales', apiKey: expect.stringMatching(/^ap_/), connections: ['whatsapp'] });
  expect(await findApiKeyOwner(database.pool, created.apiKey)).toMatchObject({ userId: created.userId });
  const { rows: keys } = await database.pool.query(`SELECT key_hash FROM api_keys WHERE user_id = $1`, [created.userId]);
  expect(keys[0].key_hash).not.toContain(created.apiKey);
  const { rows } = await database.pool.query(`SELECT account_id, credentials FROM channel_connections WHERE user_id = $1`, [created.userId]);
  expect(rows).toHaveLength(1);
  expect(rows[0].account_id).toBe('106540352242922');
  expect(rows[0].credentials).toMatch(/^v2:[0-9a-f]{8}:/); // sealed with the key, and naming it
  expect(rows[0].credentials).not.toContain('EAAG');
});

it('refuses a bad slug', () => {
  const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli/create-user.ts', 'Not OK'], { cwd: ROOT, encoding: 'utf8' });
  expect(result.status).toBe(64);
  expect(result.stderr).toContain('usage: npm run user:create');
});
