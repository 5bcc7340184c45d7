import type { Pool, PoolClient } from 'pg';

/** The statements the user vouches for (prices, discounts, dates): what an automatic reply may claim. */
export async function loadFacts(db: Pool | PoolClient, userId: string): Promise<{ facts: string[]; updatedAt: Date | null }> {
  const { rows } = await db.query<{ facts: string[]; updated_at: Date }>(`SELECT facts, updated_at FROM user_facts WHERE user_id = $1`, [userId]);
  return { facts: rows[0]?.facts ?? [], updatedAt: rows[0]?.updated_at ?? null };
}

export async function saveFacts(db: Pool | PoolClient, userId: string, facts: string[]): Promise<Date> {
  const { rows } = await db.query<{ updated_at: Date }>(
    `INSERT INTO user_facts (user_id, facts) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET facts = EXCLUDED.facts, updated_at = now() RETURNING updated_at`,
    [userId, facts],
  );
  return rows[0]!.updated_at;
}
