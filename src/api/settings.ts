import { Hono } from 'hono';
import { z } from 'zod';
import { findContact } from '../db/contacts';
import { loadSettingsRows, saveSettings } from '../db/settings';
import { CHANNELS } from '../domain/channels';
import { INTENTS } from '../domain/intent';
import { MODES, resolveSettings, type AutopilotSettings } from '../domain/settings';
import type { ApiEnv } from './deps';
import { ApiError, notFound } from './errors';
import { isUuid } from './ids';
import { validate } from './validation';

const TemplateText = z.string().trim().min(1).max(4000);

/** Every field optional: a PUT changes what it names and keeps the rest. */
export const SettingsPatchSchema = z
  .object({
    mode: z.enum(MODES, { message: `mode must be one of ${MODES.join(', ')}` }),
    channels: z
      .array(z.enum(CHANNELS, { message: `channels must be some of ${CHANNELS.join(', ')}` }))
      .refine((list) => new Set(list).size === list.length, 'channels must not repeat'),
    maxAutoRepliesPerDay: z.number().int().min(0).max(10_000),
    isActive: z.boolean(),
    confidenceThreshold: z.number().min(0).max(1).nullable(),
    sendTiming: z.enum(['best_time', 'asap']),
    sendingHours: z
      .object({ start: z.number().int().min(0).max(23), end: z.number().int().min(1).max(24) })
      .refine((h) => h.start < h.end, 'sendingHours.start must be before sendingHours.end'),
    templates: z.partialRecord(z.enum(INTENTS), z.object({ en: TemplateText.optional(), de: TemplateText.optional() }).strict()),
  })
  .partial()
  .strict();

function view(settings: AutopilotSettings, source: string, installationThreshold: number) {
  return {
    ...settings,
    effectiveConfidenceThreshold: settings.confidenceThreshold ?? installationThreshold,
    source,
  };
}

export function createSettingsRoutes(installationThreshold: number) {
  const settings = new Hono<ApiEnv>()
    .get('/', async (c) => {
      const rows = await loadSettingsRows(c.var.deps.db, c.var.userId, null);
      const { settings: current, source } = resolveSettings(undefined, rows.user);
      return c.json(view(current, source, installationThreshold));
    })
    .put('/', validate('json', SettingsPatchSchema), async (c) => {
      const { db } = c.var.deps;
      const rows = await loadSettingsRows(db, c.var.userId, null);
      const next: AutopilotSettings = { ...resolveSettings(undefined, rows.user).settings, ...c.req.valid('json') };
      await saveSettings(db, c.var.userId, null, next);
      return c.json(view(next, 'user', installationThreshold));
    });

  const contacts = new Hono<ApiEnv>()
    .get('/:id', async (c) => {
      const id = c.req.param('id');
      const contact = isUuid(id) ? await findContact(c.var.deps.db, c.var.userId, id) : undefined;
      if (!contact) throw notFound('contact');
      const { rows: optOuts } = await c.var.deps.db.query(
        `SELECT channel, opted_out_at, source, detail FROM contact_opt_outs WHERE user_id = $1 AND contact_id = $2`,
        [c.var.userId, id],
      );
      const rows = await loadSettingsRows(c.var.deps.db, c.var.userId, id);
      const resolved = resolveSettings(rows.contact, rows.user);
      return c.json({
        ...contact,
        optOuts: optOuts.map((o) => ({ channel: o.channel, at: o.opted_out_at.toISOString(), source: o.source, detail: o.detail })),
        settings: view(resolved.settings, resolved.source, installationThreshold),
      });
    })
    .put('/:id/settings', validate('json', SettingsPatchSchema), async (c) => {
      const id = c.req.param('id');
      const { db } = c.var.deps;
      const contact = isUuid(id) ? await findContact(db, c.var.userId, id) : undefined;
      if (!contact) throw notFound('contact');
      const rows = await loadSettingsRows(db, c.var.userId, id);
      const next: AutopilotSettings = { ...resolveSettings(rows.contact, rows.user).settings, ...c.req.valid('json') };
      await saveSettings(db, c.var.userId, id, next);
      return c.json(view(next, 'contact', installationThreshold));
    })
    .delete('/:id/settings', async (c) => {
      const id = c.req.param('id');
      if (!isUuid(id)) throw notFound('contact');
      const { rowCount } = await c.var.deps.db.query(`DELETE FROM autopilot_settings WHERE user_id = $1 AND contact_id = $2`, [
        c.var.userId,
        id,
      ]);
      if (!rowCount) throw new ApiError(404, 'not_found', 'this contact has no settings of its own');
      return c.body(null, 204);
    });

  return { settings, contacts };
}
