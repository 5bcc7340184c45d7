import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

/** Applies the numbered SQL files in migrations/, each in its own transaction, under an advisory lock. */
export async function runMigrations(databaseUrl: string, logger: Logger): Promise<string[]> {
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
}
