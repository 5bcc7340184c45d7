/**
 * `npm run user:create -- <slug> [name]`: a user and a new API key (printed once; only its hash is stored), for
 * installations run with `npm run worker` / `npm run api`. With AUTOPILOT_SECRET_KEYS (or _KEY) and the single-tenant
 * variables set (WHATSAPP_API_KEY + WHATSAPP_PHONE_NUMBER_ID, INSTAGRAM_*, SMTP_*), the user also gets those
 * channel connections.
 */
import { saveDefaultConnections } from '../channels/default-connections';
import { loadConfigOrExit } from '../config';
import { runMigrations } from '../db/migrate';
import { createPool } from '../db/pool';
import { addApiKey, generateApiKey, upsertUser } from '../db/users';
import { createSecretBox } from '../domain/secrets';
import { createLogger } from '../logger';

async function main(): Promise<void> {
  const [slug, ...nameParts] = process.argv.slice(2);
  if (!slug || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) {
    console.error('usage: npm run user:create -- <slug: lower-case letters, digits, -> [name]');
    process.exit(64);
  }
  const config = loadConfigOrExit();
  if (!config.databaseUrl) {
    console.error('DATABASE_URL is required: the database to create the user in.');
    process.exit(78);
  }
  await runMigrations(config.databaseUrl, createLogger('warn'));
  const db = createPool(config.databaseUrl);
  try {
    const userId = await upsertUser(db, { slug, name: nameParts.join(' ') || slug });
    const key = generateApiKey();
    await addApiKey(db, userId, key, 'created by user:create', 'admin');
    const channels = config.secretKeys.length ? await saveDefaultConnections(db, createSecretBox(config.secretKeys), userId, config) : [];
    console.log(JSON.stringify({ userId, slug, apiKey: key, connections: channels }, null, 2));
  } finally {
    await db.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
