/**
 * `npm run secrets:rotate` (in the image: `node dist/cli/rotate-secrets.js`): re-seals every stored channel
 * credential with the newest key of AUTOPILOT_SECRET_KEYS, so older keys can then leave the list.
 *
 *   1. AUTOPILOT_SECRET_KEYS=<new>,<old> on every worker and API process (both keys open, the new one seals)
 *   2. npm run secrets:rotate            (idempotent: a value sealed with <new> already is left alone)
 *   3. AUTOPILOT_SECRET_KEYS=<new>
 *
 * Works in batches (--batch-size, default 200), each batch in one transaction; prints counts, never a value.
 * Exits 1 when a credential opens with none of the listed keys (keep the key that sealed it) or was saved
 * while the command ran (run it again).
 */
import type { Pool } from 'pg';
import { loadConfigOrExit } from '../config';
import { listSealedCredentials, resealCredentials } from '../db/connections';
import { runMigrations } from '../db/migrate';
import { createPool } from '../db/pool';
import { withTransaction } from '../db/transaction';
import { createSecretBox, SecretOpenError, type SecretBox } from '../domain/secrets';
import { createLogger } from '../logger';

export interface RotationReport {
  /** The id of the key every credential is now sealed with. */
  keyId: string;
  scanned: number;
  resealed: number;
  alreadyCurrent: number;
  /** Connections whose credentials no listed key opens: their ids and channels, and why. */
  unopenable: { id: string; channel: string; reason: string }[];
  /** Saved by someone else between our read and our write: they keep the newer value; run again. */
  changedMeanwhile: number;
}

export async function rotateSecrets(db: Pool, box: SecretBox, batchSize: number): Promise<RotationReport> {
  const report: RotationReport = { keyId: box.currentKeyId, scanned: 0, resealed: 0, alreadyCurrent: 0, unopenable: [], changedMeanwhile: 0 };
  let afterId: string | undefined;
  for (;;) {
    const page = await listSealedCredentials(db, afterId, batchSize);
    if (page.length === 0) return report;
    afterId = page[page.length - 1]!.id;
    report.scanned += page.length;
    const resealed: { id: string; previous: string; next: string }[] = [];
    for (const row of page) {
      let plain: string;
      try {
        plain = box.open(row.credentials); // opened even when current: the report then vouches for every value
      } catch (err) {
        if (!(err instanceof SecretOpenError)) throw err;
        report.unopenable.push({ id: row.id, channel: row.channel, reason: err.message });
        continue;
      }
      if (box.isCurrent(row.credentials)) report.alreadyCurrent += 1;
      else resealed.push({ id: row.id, previous: row.credentials, next: box.seal(plain) });
    }
    if (resealed.length) {
      await withTransaction(db, async (client) => {
        for (const r of resealed) {
          if (await resealCredentials(client, r.id, r.previous, r.next)) report.resealed += 1;
          else report.changedMeanwhile += 1;
        }
      });
    }
  }
}

function batchSizeArg(argv: string[]): number {
  const at = argv.indexOf('--batch-size');
  if (at === -1) return 200;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error('usage: npm run secrets:rotate [-- --batch-size <whole number ≥ 1>]');
    process.exit(64);
  }
  return value;
}

async function main(): Promise<void> {
  const batchSize = batchSizeArg(process.argv.slice(2));
  const config = loadConfigOrExit();
  if (!config.databaseUrl) {
    console.error('DATABASE_URL is required: the database whose credentials to re-seal.');
    process.exit(78);
  }
  if (config.secretKeys.length === 0) {
    console.error('AUTOPILOT_SECRET_KEYS is required: the keys, newest first (the newest seals, the others open what they sealed).');
    process.exit(78);
  }
  await runMigrations(config.databaseUrl, createLogger('warn'));
  const db = createPool(config.databaseUrl);
  try {
    const report = await rotateSecrets(db, createSecretBox(config.secretKeys), batchSize);
    console.log(JSON.stringify(report, null, 2));
    if (report.unopenable.length) {
      console.error(`${report.unopenable.length} credential(s) open with none of the listed keys: keep listing the key that sealed them (see "unopenable").`);
    }
    if (report.changedMeanwhile) console.error(`${report.changedMeanwhile} credential(s) were saved while this ran: run it again.`);
    if (report.unopenable.length || report.changedMeanwhile) process.exitCode = 1;
  } finally {
    await db.end();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
