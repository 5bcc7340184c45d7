import type { Pool, PoolClient } from 'pg';
import type { AutopilotSettings } from '../domain/settings';

interface SettingsRow {
  contact_id: string | null;
  mode: AutopilotSettings['mode'];
  channels: AutopilotSettings['channels'];
  max_auto_replies_per_day: number;
  is_active: boolean;
  confidence_threshold: number | null;
  send_timing: AutopilotSettings['sendTiming'];
  sending_hours_start: number;
  sending_hours_end: number;
  templates: AutopilotSettings['templates'];
  timezone: string;
  opt_out_scope: AutopilotSettings['optOutScope'];
  learned_threshold: boolean;
  disclosure_text: string | null;
  disclosure_channels: AutopilotSettings['channels'];
}

const COLUMNS = `contact_id, mode, channels, max_auto_replies_per_day, is_active, confidence_threshold, send_timing,
  sending_hours_start, sending_hours_end, templates, timezone, opt_out_scope, learned_threshold,
  disclosure_text, disclosure_channels`;

function toSettings(row: SettingsRow): AutopilotSettings {
  return {
    mode: row.mode,
    channels: row.channels,
    maxAutoRepliesPerDay: row.max_auto_replies_per_day,
    isActive: row.is_active,
    confidenceThreshold: row.learned_threshold ? 'learned' : row.confidence_threshold,
    sendTiming: row.send_timing,
    sendingHours: { start: row.sending_hours_start, end: row.sending_hours_end },
    templates: row.templates,
    timezone: row.timezone,
    optOutScope: row.opt_out_scope,
    disclosure: row.disclosure_text ? { text: row.disclosure_text, channels: row.disclosure_channels } : null,
  };
}

/** The contact's override row and the user's default row, either possibly absent. */
export async function loadSettingsRows(
  db: Pool | PoolClient,
  userId: string,
  contactId: string | null,
): Promise<{ contact?: AutopilotSettings; user?: AutopilotSettings }> {
  const { rows } = await db.query<SettingsRow>(
    `SELECT ${COLUMNS} FROM autopilot_settings WHERE user_id = $1 AND (contact_id IS NULL OR contact_id = $2)`,
    [userId, contactId],
  );
  const contact = rows.find((r) => r.contact_id !== null);
  const user = rows.find((r) => r.contact_id === null);
  return { contact: contact && toSettings(contact), user: user && toSettings(user) };
}

/** Writes the user's default row (contactId null) or a contact's override row. */
export async function saveSettings(db: Pool | PoolClient, userId: string, contactId: string | null, s: AutopilotSettings): Promise<void> {
  const values = [
    userId,
    contactId,
    s.mode,
    s.channels,
    s.maxAutoRepliesPerDay,
    s.isActive,
    s.confidenceThreshold === 'learned' ? null : s.confidenceThreshold,
    s.sendTiming,
    s.sendingHours.start,
    s.sendingHours.end,
    JSON.stringify(s.templates),
    s.timezone,
    s.optOutScope,
    s.confidenceThreshold === 'learned',
    s.disclosure?.text ?? null,
    s.disclosure?.channels ?? [],
  ];
  const conflict = contactId === null ? '(user_id) WHERE contact_id IS NULL' : '(user_id, contact_id) WHERE contact_id IS NOT NULL';
  await db.query(
    `INSERT INTO autopilot_settings (user_id, contact_id, mode, channels, max_auto_replies_per_day, is_active,
       confidence_threshold, send_timing, sending_hours_start, sending_hours_end, templates, timezone, opt_out_scope,
       learned_threshold, disclosure_text, disclosure_channels)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT ${conflict} DO UPDATE SET
       mode = EXCLUDED.mode, channels = EXCLUDED.channels, max_auto_replies_per_day = EXCLUDED.max_auto_replies_per_day,
       is_active = EXCLUDED.is_active, confidence_threshold = EXCLUDED.confidence_threshold,
       send_timing = EXCLUDED.send_timing, sending_hours_start = EXCLUDED.sending_hours_start,
       sending_hours_end = EXCLUDED.sending_hours_end, templates = EXCLUDED.templates, timezone = EXCLUDED.timezone,
       opt_out_scope = EXCLUDED.opt_out_scope, learned_threshold = EXCLUDED.learned_threshold,
       disclosure_text = EXCLUDED.disclosure_text, disclosure_channels = EXCLUDED.disclosure_channels, updated_at = now()`,
    values,
  );
}

/**
 * Serialises a change of the owner's controls with the claim of a send: a claim holds the lock shared for its
 * transaction, a settings change exclusively, so once a change has committed no later claim can miss it, and a
 * change waits for claims in progress (milliseconds) instead of racing them.
 */
export async function lockControls(client: PoolClient, userId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await client.query(`SELECT ${fn}(hashtextextended($1, 0))`, [`controls:${userId}`]);
}

/** Removes a contact's own settings (the user's apply again). True when there were some. */
export async function deleteContactSettings(db: Pool | PoolClient, userId: string, contactId: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM autopilot_settings WHERE user_id = $1 AND contact_id = $2`, [userId, contactId]);
  return (rowCount ?? 0) > 0;
}
