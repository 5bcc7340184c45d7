import fs from 'node:fs';
import { MIGRATIONS_DIR, runMigrations } from '../../src/db/migrate';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * The API and the worker each migrate the database when they start, and in a deployment they start together: the
 * second must wait for the first rather than fail.
 */
describe('runMigrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
  });
  afterAll(async () => database?.drop());

  it('lets processes that start together take turns: each finishes, and every migration is applied once', async () => {
    const logger = createLogger('silent');
    const runs = await Promise.allSettled([1, 2, 3].map(() => runMigrations(database.url, logger)));
    expect(runs.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const applied = runs.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    const files = fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, ''));
    expect(applied.sort()).toEqual(files.sort());
    const { rows } = await database.pool.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(files.sort());
  });
});
