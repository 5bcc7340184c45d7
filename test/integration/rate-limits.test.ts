import crypto from 'node:crypto';
import { reserveSendSlot, releaseSendSlot, type SlotRequest } from '../../src/db/rate-limits';
import { upsertUser } from '../../src/db/users';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/** Reservations against the real PostgreSQL: the limits hold under concurrency. */

let database: TestDatabase;
let userId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  userId = await upsertUser(database.pool, { slug: 'limits', name: 'Limits' });
});
afterAll(async () => database?.drop());

async function contact(): Promise<string> {
  const { rows } = await database.pool.query(`INSERT INTO contacts (user_id, channel, handle) VALUES ($1, 'whatsapp', $2) RETURNING id`, [
    userId,
    String(4900000000 + Math.floor(Math.random() * 1e8)),
  ]);
  return rows[0].id;
}

async function event(contactId: string): Promise<string> {
  const { rows } = await database.pool.query(
    `INSERT INTO message_events (user_id, contact_id, channel, direction, external_id, content, occurred_at)
     VALUES ($1, $2, 'whatsapp', 'inbound', $3, 'hi', now()) RETURNING id`,
    [userId, contactId, crypto.randomUUID()],
  );
  return rows[0].id;
}

function request(eventId: string, contactId: string, overrides: Partial<SlotRequest> = {}): SlotRequest {
  return {
    eventId,
    userId,
    contactId,
    channel: 'whatsapp',
    day: '2026-12-01',
    userDay: overrides.day ?? '2026-12-01',
    sendAt: new Date('2026-12-01T13:00:00Z'),
    perContactLimit: 5,
    perUserLimit: 50,
    cooldownMs: 0,
    ...overrides,
  };
}

it('never lets 50 concurrent reservations exceed the per-user cap', async () => {
  const day = '2026-12-02';
  const attempts = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const c = await contact();
      const e = await event(c);
      return request(e, c, { day, perUserLimit: 20, sendAt: new Date(Date.UTC(2026, 11, 2, 9, i)) });
    }),
  );
  const results = await Promise.all(attempts.map((r) => reserveSendSlot(database.pool, r)));
  expect(results.filter((r) => r.reserved)).toHaveLength(20);
  expect(results.filter((r) => !r.reserved && 'full' in r && r.full === 'user')).toHaveLength(30);
  const { rows } = await database.pool.query(
    `SELECT count FROM rate_limit_counters WHERE user_id = $1 AND contact_id IS NULL AND day = $2`,
    [userId, day],
  );
  expect(rows).toEqual([{ count: 20 }]);
  // every per-contact slot taken by a reservation that then hit the user cap was given back
  const { rows: perContact } = await database.pool.query(
    `SELECT coalesce(sum(count), 0)::int AS n FROM rate_limit_counters WHERE user_id = $1 AND contact_id IS NOT NULL AND day = $2`,
    [userId, day],
  );
  expect(perContact[0].n).toBe(20);
});

it('never lets 50 concurrent reservations for one contact exceed the per-contact cap', async () => {
  const c = await contact();
  const requests = await Promise.all(Array.from({ length: 50 }, async () => request(await event(c), c, { day: '2026-12-03' })));
  const results = await Promise.all(requests.map((r) => reserveSendSlot(database.pool, r)));
  expect(results.filter((r) => r.reserved)).toHaveLength(5);
  expect(results.filter((r) => !r.reserved && 'full' in r && r.full === 'contact')).toHaveLength(45);
});

it('takes nothing more when the same reply reserves again, and gives the slot back once', async () => {
  const c = await contact();
  const e = await event(c);
  const first = await reserveSendSlot(database.pool, request(e, c, { day: '2026-12-04' }));
  const again = await reserveSendSlot(database.pool, request(e, c, { day: '2026-12-04' }));
  expect(first).toMatchObject({ reserved: true, alreadyHeld: false });
  expect(again).toMatchObject({ reserved: true, alreadyHeld: true });
  const count = async () =>
    (await database.pool.query(`SELECT count FROM rate_limit_counters WHERE contact_id = $1`, [c])).rows[0].count;
  expect(await count()).toBe(1);
  expect(await releaseSendSlot(database.pool, userId, e)).toBe(true);
  expect(await releaseSendSlot(database.pool, userId, e)).toBe(false);
  expect(await count()).toBe(0);
});

it('keeps replies to one contact apart by the cooldown', async () => {
  const c = await contact();
  const at = new Date('2026-12-05T10:00:00Z');
  const first = await reserveSendSlot(database.pool, request(await event(c), c, { day: '2026-12-05', sendAt: at, cooldownMs: 300_000 }));
  expect(first.reserved).toBe(true);
  const second = await reserveSendSlot(
    database.pool,
    request(await event(c), c, { day: '2026-12-05', sendAt: new Date(at.getTime() + 60_000), cooldownMs: 300_000 }),
  );
  expect(second).toEqual({ reserved: false, cooldownUntil: new Date(at.getTime() + 300_000) });
});
