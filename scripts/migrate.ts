/** `npm run migrate`: applies migrations/ to DATABASE_URL (the worker and the API also do this at start). */
import { loadConfigOrExit } from '../src/config';
import { runMigrations } from '../src/db/migrate';
import { createLogger } from '../src/logger';

const config = loadConfigOrExit();
if (!config.databaseUrl) {
  console.error('DATABASE_URL is required: the database to migrate.');
  process.exit(78);
}
runMigrations(config.databaseUrl, createLogger(config.logLevel, { component: 'migrate' })).catch((err) => {
  console.error(err);
  process.exit(1);
});
