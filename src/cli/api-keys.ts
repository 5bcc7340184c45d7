/**
 * `npm run keys -- <command>` (in the image: `node dist/cli/api-keys.js <command>`): API keys for installations
 * run with `npm run worker` / `npm run api`, against DATABASE_URL. Prints JSON; a key is printed once, when made
 * (only its hash is stored).
 *
 *   create <user-slug> <name> --role reviewer|admin
 *   list <user-slug>                 every key of the user, revoked ones included (never a key or its hash)
 *   revoke <key-id>                  refused from the next request on, by every API process
 *
 * Unlike DELETE /v1/api-keys/:id, `revoke` also takes a user's last admin key: a leaked key must be revocable, and
 * `create` makes a new one. Exits 64 on a usage error, 78 without DATABASE_URL, 1 for an unknown user or key.
 */
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config';
import { runMigrations } from '../db/migrate';
import { createPool, type Pool } from '../db/pool';
import { apiKeyJson, createApiKey, findApiKeyUser, findUserIdBySlug, listApiKeys, revokeApiKey } from '../db/users';
import { API_KEY_ROLES, type ApiKeyRole } from '../domain/roles';
import { createLogger } from '../logger';

const USAGE = [
  'usage: npm run keys -- create <user-slug> <name> --role reviewer|admin',
  '       npm run keys -- list <user-slug>',
  '       npm run keys -- revoke <key-id>',
].join('\n');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Command =
  | { kind: 'create'; slug: string; name: string; role: ApiKeyRole }
  | { kind: 'list'; slug: string }
  | { kind: 'revoke'; keyId: string };

class UsageError extends Error {}
class NotFound extends Error {}

function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { role: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [kind, ...rest] = parsed.positionals;
  const role = parsed.values.role;
  if (kind === 'create') {
    const [slug, ...nameParts] = rest;
    const name = nameParts.join(' ').trim();
    if (!slug || !name) throw new UsageError('create needs a user slug and a key name');
    if (!role || !(API_KEY_ROLES as readonly string[]).includes(role)) throw new UsageError(`--role is one of ${API_KEY_ROLES.join(', ')}`);
    if (name.length > 100) throw new UsageError('the key name is at most 100 characters');
    return { kind, slug, name, role: role as ApiKeyRole };
  }
  if (role !== undefined) throw new UsageError('--role goes with create');
  if (kind === 'list' && rest.length === 1) return { kind, slug: rest[0]! };
  if (kind === 'revoke' && rest.length === 1) {
    // Not a UUID names no key; said here rather than as a database syntax error.
    if (!UUID.test(rest[0]!)) throw new NotFound(`no API key with id ${rest[0]}`);
    return { kind, keyId: rest[0]! };
  }
  throw new UsageError(kind ? `unknown command or arguments: ${kind}` : 'a command is required');
}

async function userIdOf(db: Pool, slug: string): Promise<string> {
  const userId = await findUserIdBySlug(db, slug);
  if (!userId) throw new NotFound(`no user with slug ${slug} (npm run user:create makes one)`);
  return userId;
}

/** Runs one command: what to print on stdout, and a warning for stderr. */
async function runKeysCommand(db: Pool, command: Command): Promise<{ output: unknown; warning?: string }> {
  switch (command.kind) {
    case 'create': {
      const created = await createApiKey(db, await userIdOf(db, command.slug), { name: command.name, role: command.role });
      return { output: { ...apiKeyJson(created), slug: command.slug, apiKey: created.key } };
    }
    case 'list':
      return { output: { slug: command.slug, apiKeys: (await listApiKeys(db, await userIdOf(db, command.slug))).map(apiKeyJson) } };
    case 'revoke': {
      const userId = await findApiKeyUser(db, command.keyId);
      const revocation = userId ? await revokeApiKey(db, userId, command.keyId, { keepAnAdmin: false }) : { outcome: 'not_found' as const };
      if (revocation.outcome !== 'revoked') throw new NotFound(`no API key with id ${command.keyId}`);
      return {
        output: { ...apiKeyJson(revocation.key), adminKeysLeft: revocation.adminKeysLeft },
        warning: revocation.adminKeysLeft === 0 ? 'this user has no admin key left: `create <user-slug> <name> --role admin` makes one' : undefined,
      };
    }
  }
}

async function main(): Promise<void> {
  let command: Command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      process.exit(64);
    }
    if (err instanceof NotFound) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const config = loadConfigOrExit();
  if (!config.databaseUrl) {
    console.error('DATABASE_URL is required: the database that holds the API keys.');
    process.exit(78);
  }
  await runMigrations(config.databaseUrl, createLogger('warn'));
  const db = createPool(config.databaseUrl, 2);
  try {
    const { output, warning } = await runKeysCommand(db, command);
    console.log(JSON.stringify(output, null, 2));
    if (warning) console.error(`note: ${warning}`);
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
    console.error(err.message);
    process.exitCode = 1;
  } finally {
    await db.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
