import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { Client } from 'pg';
import type { Logger } from 'pino';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

/**
 * Applies the numbered SQL files in migrations/, each in its own transaction. The API and the worker both migrate
 * when they start, and a deployment starts them together: node-pg-migrate's own lock refuses a second migrator at
 * once ("Another migration is already running"), so the processes first take turns on an advisory lock of ours,
 * held by a session of its own until the run ends; the next one then finds nothing left to apply.
 */
export async function runMigrations(databaseUrl: string, logger: Logger): Promise<string[]> {
  const turn = new Client({ connectionString: databaseUrl });
  await turn.connect();
  try {
    await turn.query(`SELECT pg_advisory_lock(hashtextextended('autopilot:migrations', 0))`);
    const applied = await runner({
      databaseUrl,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      count: Infinity,
      checkOrder: true,
      log: (message: string) => logger.debug({ event: 'migrations.log', message }),
    });
    const names = applied.map((m) => m.name);
    logger.info({ event: 'migrations.applied', count: names.length, names });
    return names;
  } finally {
    await turn.end(); // ending the session releases its lock
  }
}
