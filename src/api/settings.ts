import { createRoute, z } from '@hono/zod-openapi';
import { isTimeZone } from '../domain/time-zone';
import { loadSettingsRows, lockControls, saveSettings } from '../db/settings';
import { withTransaction } from '../db/transaction';
import { CHANNELS } from '../domain/channels';
import { INTENTS } from '../domain/intent';
import { MODES, OPT_OUT_SCOPES, resolveSettings, type AutopilotSettings, type SettingsSource } from '../domain/settings';
import { notifyControlsChanged, stopsReplies } from './controls';
import type { ApiEnv } from './deps';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, json, jsonBody, TemplateText } from './openapi';

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
    confidenceThreshold: z
      .union([z.number().min(0).max(1), z.literal('learned')], { message: 'confidenceThreshold is a number from 0 to 1, "learned" or null' })
      .nullable()
      .openapi({
        description:
          "null: the installation's AUTOPILOT_CONFIDENCE_THRESHOLD; \"learned\": a reply goes out by itself only for an intent and " +
          'channel whose drafts reviewers approved unedited often enough (GET /v1/calibration)',
      }),
    sendTiming: z.enum(['best_time', 'asap']),
    sendingHours: z
      .object({ start: z.number().int().min(0).max(23), end: z.number().int().min(1).max(24) })
      .refine((h) => h.start < h.end, 'sendingHours.start must be before sendingHours.end'),
    templates: z
      .partialRecord(z.enum(INTENTS), z.object({ en: TemplateText.optional(), de: TemplateText.optional() }).strict())
      .openapi({ additionalProperties: false }),
    timezone: z
      .string()
      .max(64)
      .refine(isTimeZone, 'timezone is an IANA time zone such as Europe/Berlin')
      .openapi({ description: "the user's time zone: the daily limits count in the user's day" }),
    optOutScope: z.enum(OPT_OUT_SCOPES).openapi({
      description: "person: a lead's opt-out on one channel suppresses replies on every channel of the same person; channel: on that channel only",
    }),
    disclosure: z
      .object({
        text: z.string().max(500).trim().min(1, 'disclosure.text must not be empty'),
        channels: z.array(z.enum(CHANNELS)).refine((list) => new Set(list).size === list.length, 'disclosure.channels must not repeat'),
      })
      .strict()
      .nullable()
      .openapi({ description: 'a line saying the reply was written by an AI, added to automatic replies on these channels (EU AI Act Art. 50)' }),
  })
  .partial()
  .strict();

const SOURCES = ['contact', 'user', 'default'] as const;

export const Settings = z
  .object({
    mode: z.enum(MODES),
    channels: z.array(z.enum(CHANNELS)),
    maxAutoRepliesPerDay: z.number().int(),
    isActive: z.boolean(),
    confidenceThreshold: z.union([z.number(), z.literal('learned')]).nullable().openapi({ description: "null: the installation's AUTOPILOT_CONFIDENCE_THRESHOLD" }),
    effectiveConfidenceThreshold: z.union([z.number(), z.literal('learned')]),
    sendTiming: z.enum(['best_time', 'asap']),
    sendingHours: z.object({ start: z.number().int(), end: z.number().int() }),
    templates: z.partialRecord(z.enum(INTENTS), z.object({ en: z.string().optional(), de: z.string().optional() })),
    timezone: z.string(),
    optOutScope: z.enum(OPT_OUT_SCOPES),
    disclosure: z.object({ text: z.string(), channels: z.array(z.enum(CHANNELS)) }).nullable(),
    source: z.enum(SOURCES).openapi({ description: "whose settings these are: the contact's own, the user's, or the built-in default" }),
  })
  .openapi('Settings');

export function settingsView(settings: AutopilotSettings, source: SettingsSource, installationThreshold: number) {
  return { ...settings, effectiveConfidenceThreshold: settings.confidenceThreshold ?? installationThreshold, source };
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
  description:
    'Changes the fields the body names and keeps the rest. Turning the autopilot off stops every reply not yet sent (they end ' +
    '`cancelled`, `autopilot_paused`); leaving auto mode or switching a channel off stops the replies the autopilot scheduled ' +
    'by itself (`mode_changed`, `channel_disabled`). Once this answers, no send starts under the old settings.',
  security: apiKeyAuth,
  request: { body: jsonBody(SettingsPatchSchema, { required: false }) },
  responses: { 200: json(Settings, 'The settings now in force.'), ...errors(...BODY_ERRORS, 401) },
});

/**
 * Saves settings under the controls lock (a send being claimed finishes first; none claims after under the old
 * settings), then tells the replies in flight when the change can stop them.
 */
export async function changeControls(
  c: { var: ApiEnv['Variables'] },
  contactId: string | null,
  change: (current: AutopilotSettings) => AutopilotSettings,
): Promise<{ before: AutopilotSettings; after: AutopilotSettings }> {
  const { deps, userId } = c.var;
  const result = await withTransaction(deps.db, async (client) => {
    await lockControls(client, userId, 'exclusive');
    const rows = await loadSettingsRows(client, userId, contactId);
    // Without a contact there is no override row (contact_id = NULL matches none).
    const before = resolveSettings(rows.contact, rows.user).settings;
    const after = change(before);
    await saveSettings(client, userId, contactId, after);
    return { before, after };
  });
  const stops = stopsReplies(result.before, result.after);
  if (stops) await notifyControlsChanged(deps, userId, contactId ?? undefined, stops);
  return result;
}

export function createSettingsRoutes(installationThreshold: number) {
  return createRouter()
    .openapi(readSettings, async (c) => {
      const rows = await loadSettingsRows(c.var.deps.db, c.var.userId, null);
      const { settings: current, source } = resolveSettings(undefined, rows.user);
      return c.json(settingsView(current, source, installationThreshold), 200);
    })
    .openapi(changeSettings, async (c) => {
      const patch = c.req.valid('json');
      const { after } = await changeControls(c, null, (current) => ({ ...current, ...patch }));
      return c.json(settingsView(after, 'user', installationThreshold), 200);
    });
}
