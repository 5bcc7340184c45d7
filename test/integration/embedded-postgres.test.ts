import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { createLogger } from '../../src/logger';
import { freePort } from '../../src/temporal/dev-server';

const isRoot = process.getuid?.() === 0;

jest.setTimeout(60_000);

async function query(url: string, sql: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  let root: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-pg-'));
    fs.chmodSync(root, 0o755);
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('runs from a data directory inside a folder others cannot enter (mode 700), and keeps its data across restarts', async () => {
    const locked = path.join(root, 'locked');
    fs.mkdirSync(locked, { mode: 0o700 });
    const options = {
      dataDir: path.join(locked, 'project', '.autopilot'),
      port: await freePort(),
      runtimeDir: path.join(root, 'runtime'),
      logger: createLogger('silent'),
    };

    const first = await startEmbeddedPostgres(options);
    try {
      await query(first.url, `CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')`);
    } finally {
      await first.stop();
    }
    if (isRoot) {
      // PostgreSQL runs as the postgres user, which cannot enter `locked`: the cluster lives in the runtime dir.
      expect(first.clusterDir.startsWith(options.runtimeDir)).toBe(true);
      expect(fs.readFileSync(path.join(options.dataDir, 'postgres-location.txt'), 'utf8')).toContain(first.clusterDir);
    } else {
      expect(first.clusterDir).toBe(path.join(options.dataDir, 'postgres'));
    }

    const second = await startEmbeddedPostgres(options);
    try {
      expect(second.clusterDir).toBe(first.clusterDir);
      expect(await query(second.url, 'SELECT value FROM kept')).toEqual([{ value: 'still here' }]);
    } finally {
      await second.stop();
    }
  });
});
