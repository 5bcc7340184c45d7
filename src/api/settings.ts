import { createRoute, z } from '@hono/zod-openapi';
import { findContact } from '../db/contacts';
import { loadSettingsRows, saveSettings } from '../db/settings';
import { CHANNELS } from '../domain/channels';
import { INTENTS } from '../domain/intent';
import { MODES, resolveSettings, type AutopilotSettings, type SettingsSource } from '../domain/settings';
import { ApiError, notFound } from './errors';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, idParam, json, jsonBody, Timestamp, Uuid } from './openapi';

// max before trim: the documented maxLength holds for the bytes sent, not only for what is left after trimming
const TemplateText = z.string().max(4000).trim().min(1);

/** Every field optional: a PUT changes what it names and keeps the rest. */
export const SettingsPatchSchema = z
  .object({
    mode: z.enum(MODES, { message: `mode must be one of ${MODES.join(', ')}` }),
    channels: z
      .array(z.enum(CHANNELS, { message: `channels must be some of ${CHANNELS.join(', ')}` }))
      .refine((list) => new Set(list).size === list.length, 'channels must not repeat')
      .openapi({ uniqueItems: true }),
    maxAutoRepliesPerDay: z.number().int().min(0).max(10_000),
    isActive: z.boolean(),
    confidenceThreshold: z.number().min(0).max(1).nullable(),
    sendTiming: z.enum(['best_time', 'asap']),
    sendingHours: z
      .object({ start: z.number().int().min(0).max(23), end: z.number().int().min(1).max(24) })
      .refine((h) => h.start < h.end, 'sendingHours.start must be before sendingHours.end'),
    templates: z
      .partialRecord(z.enum(INTENTS), z.object({ en: TemplateText.optional(), de: TemplateText.optional() }).strict())
      .openapi({ additionalProperties: false }),
  })
  .partial()
  .strict();

const SOURCES = ['contact', 'user', 'default'] as const;

const Settings = z
  .object({
    mode: z.enum(MODES),
    channels: z.array(z.enum(CHANNELS)),
    maxAutoRepliesPerDay: z.number().int(),
    isActive: z.boolean(),
    confidenceThreshold: z.number().nullable().openapi({ description: "null: the installation's AUTOPILOT_CONFIDENCE_THRESHOLD" }),
    effectiveConfidenceThreshold: z.number(),
    sendTiming: z.enum(['best_time', 'asap']),
    sendingHours: z.object({ start: z.number().int(), end: z.number().int() }),
    templates: z.partialRecord(z.enum(INTENTS), z.object({ en: z.string().optional(), de: z.string().optional() })),
    source: z.enum(SOURCES).openapi({ description: "whose settings these are: the contact's own, the user's, or the built-in default" }),
  })
  .openapi('Settings');

const Contact = z
  .object({
    id: Uuid,
    userId: Uuid,
    channel: z.enum(CHANNELS),
    handle: z.string(),
    name: z.string().nullable(),
    timezone: z.string().nullable(),
    preferredContactHour: z.number().int().nullable(),
    optOuts: z.array(z.object({ channel: z.enum(CHANNELS), at: Timestamp, source: z.string(), detail: z.string().nullable() })),
    settings: Settings,
  })
  .openapi('Contact');

function view(settings: AutopilotSettings, source: SettingsSource, installationThreshold: number) {
  return {
    ...settings,
    effectiveConfidenceThreshold: settings.confidenceThreshold ?? installationThreshold,
    source,
  };
}

const readSettings = createRoute({
  method: 'get',
  path: '/',
  tags: ['Settings'],
  summary: "The user's default settings",
  security: apiKeyAuth,
  responses: { 200: json(Settings, 'The settings in force.'), ...errors(401) },
});

const changeSettings = createRoute({
  method: 'put',
  path: '/',
  tags: ['Settings'],
  summary: "Change the user's default settings",
  description: 'Changes the fields the body names and keeps the rest.',
  security: apiKeyAuth,
  request: { body: jsonBody(SettingsPatchSchema, { required: false }) },
  responses: { 200: json(Settings, 'The settings now in force.'), ...errors(...BODY_ERRORS, 401) },
});

const readContact = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['Contacts'],
  summary: 'A contact, its opt-outs and its effective settings',
  security: apiKeyAuth,
  request: { params: idParam('contact') },
  responses: { 200: json(Contact, 'The contact.'), ...errors(401, 404) },
});

const changeContactSettings = createRoute({
  method: 'put',
  path: '/{id}/settings',
  tags: ['Contacts'],
  summary: "Override a contact's settings",
  description: "Starts from the contact's effective settings, changes the fields the body names.",
  security: apiKeyAuth,
  request: { params: idParam('contact'), body: jsonBody(SettingsPatchSchema, { required: false }) },
  responses: { 200: json(Settings, "The contact's settings now in force."), ...errors(...BODY_ERRORS, 401, 404) },
});

const removeContactSettings = createRoute({
  method: 'delete',
  path: '/{id}/settings',
  tags: ['Contacts'],
  summary: "Remove a contact's override: the user's settings apply again",
  security: apiKeyAuth,
  request: { params: idParam('contact') },
  responses: { 204: { description: 'Removed.' }, ...errors(401, { 404: 'No such contact, or it has no settings of its own.' }) },
});

export function createSettingsRoutes(installationThreshold: number) {
  const settings = createRouter()
    .openapi(readSettings, async (c) => {
      const rows = await loadSettingsRows(c.var.deps.db, c.var.userId, null);
      const { settings: current, source } = resolveSettings(undefined, rows.user);
      return c.json(view(current, source, installationThreshold), 200);
    })
    .openapi(changeSettings, async (c) => {
      const { db } = c.var.deps;
      const rows = await loadSettingsRows(db, c.var.userId, null);
      const next: AutopilotSettings = { ...resolveSettings(undefined, rows.user).settings, ...c.req.valid('json') };
      await saveSettings(db, c.var.userId, null, next);
      return c.json(view(next, 'user', installationThreshold), 200);
    });

  const contacts = createRouter()
    .openapi(readContact, async (c) => {
      const { id } = c.req.valid('param');
      const contact = await findContact(c.var.deps.db, c.var.userId, id);
      if (!contact) throw notFound('contact');
      const { rows: optOuts } = await c.var.deps.db.query(
        `SELECT channel, opted_out_at, source, detail FROM contact_opt_outs WHERE user_id = $1 AND contact_id = $2`,
        [c.var.userId, id],
      );
      const rows = await loadSettingsRows(c.var.deps.db, c.var.userId, id);
      const resolved = resolveSettings(rows.contact, rows.user);
      return c.json(
        {
          ...contact,
          optOuts: optOuts.map((o) => ({ channel: o.channel, at: o.opted_out_at.toISOString(), source: o.source, detail: o.detail })),
          settings: view(resolved.settings, resolved.source, installationThreshold),
        },
        200,
      );
    })
    .openapi(changeContactSettings, async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var.deps;
      const contact = await findContact(db, c.var.userId, id);
      if (!contact) throw notFound('contact');
      const rows = await loadSettingsRows(db, c.var.userId, id);
      const next: AutopilotSettings = { ...resolveSettings(rows.contact, rows.user).settings, ...c.req.valid('json') };
      await saveSettings(db, c.var.userId, id, next);
      return c.json(view(next, 'contact', installationThreshold), 200);
    })
    .openapi(removeContactSettings, async (c) => {
      const { rowCount } = await c.var.deps.db.query(`DELETE FROM autopilot_settings WHERE user_id = $1 AND contact_id = $2`, [
        c.var.userId,
        c.req.valid('param').id,
      ]);
      if (!rowCount) throw new ApiError(404, 'not_found', 'this contact has no settings of its own');
      return c.body(null, 204);
    });

  return { settings, contacts };
}
