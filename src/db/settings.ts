import type { Pool, PoolClient } from 'pg';
import type { AutopilotSettings } from '../domain/settings';

interface SettingsRow {
  contact_id: string | null;
  mode: AutopilotSettings['mode'];
  channels: AutopilotSettings['channels'];
  max_auto_replies_per_day: number;
  is_active: boolean;
}

function toSettings(row: SettingsRow): AutopilotSettings {
  return {
    mode: row.mode,
    channels: row.channels,
    maxAutoRepliesPerDay: row.max_auto_replies_per_day,
    isActive: row.is_active,
  };
}

/** The contact's override row and the user's default row, either possibly absent. */
export async function loadSettingsRows(
  db: Pool | PoolClient,
  userId: string,
  contactId: string,
): Promise<{ contact?: AutopilotSettings; user?: AutopilotSettings }> {
  const { rows } = await db.query<SettingsRow>(
    `SELECT contact_id, mode, channels, max_auto_replies_per_day, is_active
     FROM autopilot_settings
     WHERE user_id = $1 AND (contact_id IS NULL OR contact_id = $2)`,
    [userId, contactId],
  );
  const contact = rows.find((r) => r.contact_id !== null);
  const user = rows.find((r) => r.contact_id === null);
  return { contact: contact && toSettings(contact), user: user && toSettings(user) };
}

export async function upsertUserSettings(db: Pool | PoolClient, userId: string, settings: AutopilotSettings): Promise<void> {
  await db.query(
    `INSERT INTO autopilot_settings (user_id, mode, channels, max_auto_replies_per_day, is_active)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id) WHERE contact_id IS NULL DO UPDATE
       SET mode = EXCLUDED.mode, channels = EXCLUDED.channels,
           max_auto_replies_per_day = EXCLUDED.max_auto_replies_per_day, is_active = EXCLUDED.is_active,
           updated_at = now()`,
    [userId, settings.mode, settings.channels, settings.maxAutoRepliesPerDay, settings.isActive],
  );
}

export async function upsertContactSettings(
  db: Pool | PoolClient,
  userId: string,
  contactId: string,
  settings: AutopilotSettings,
): Promise<void> {
  await db.query(
    `INSERT INTO autopilot_settings (user_id, contact_id, mode, channels, max_auto_replies_per_day, is_active)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (user_id, contact_id) WHERE contact_id IS NOT NULL DO UPDATE
       SET mode = EXCLUDED.mode, channels = EXCLUDED.channels,
           max_auto_replies_per_day = EXCLUDED.max_auto_replies_per_day, is_active = EXCLUDED.is_active,
           updated_at = now()`,
    [userId, contactId, settings.mode, settings.channels, settings.maxAutoRepliesPerDay, settings.isActive],
  );
}
