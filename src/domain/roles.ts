/**
 * What an API key may do. `admin`: everything. `reviewer`: the review tasks (list, read, approve, skip, sent),
 * reading events and contacts, and stopping a reply (a reviewer's job is to keep bad replies from going out).
 * Which routes each role reaches is the table in src/api/auth.ts.
 */
export const API_KEY_ROLES = ['admin', 'reviewer'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** An admin key may do everything a reviewer key may. */
export function roleAllows(held: ApiKeyRole, needed: ApiKeyRole): boolean {
  return held === 'admin' || held === needed;
}
