import { createRoute, z } from '@hono/zod-openapi';
import { findContact, linkedContactIds, personContactIds, personOptOuts, setContactLinks } from '../db/contacts';
import { deleteContactSettings, loadSettingsRows } from '../db/settings';
import { withTransaction } from '../db/transaction';
import { CHANNELS } from '../domain/channels';
import { OPT_OUT_SCOPES, resolveSettings, userLevelSettings } from '../domain/settings';
import { notifyControlsChanged } from './controls';
import type { ApiEnv } from './deps';
import { ApiError, notFound } from './errors';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, idParam, json, jsonBody, Timestamp, Uuid } from './openapi';
import { changeControls, Settings, SettingsPatchSchema, settingsView } from './settings';

const Contact = z
  .object({
    id: Uuid,
    userId: Uuid,
    channel: z.enum(CHANNELS),
    handle: z.string(),
    name: z.string().nullable(),
    timezone: z.string().nullable(),
    preferredContactHour: z.number().int().nullable(),
    phone: z.string().nullable().openapi({ description: 'joins the same person on other channels' }),
    email: z.string().nullable().openapi({ description: 'joins the same person on other channels' }),
    person: z
      .object({
        contactIds: z.array(Uuid).openapi({ description: 'every contact of the same person (this one included): same phone, same address, or linked' }),
        linkedContactIds: z.array(Uuid).openapi({ description: 'the contacts linked to this one by hand (PUT /v1/contacts/{id}/links)' }),
      })
      .openapi({ title: 'person' }),
    optOutScope: z.enum(OPT_OUT_SCOPES),
    optedOut: z.boolean().openapi({ description: 'whether replies to this contact on its channel are suppressed, by its own opt-out or (scope person) another of the person' }),
    optOuts: z.array(
      z.object({
        contactId: Uuid.openapi({ description: 'the contact that opted out' }),
        channel: z.enum(CHANNELS).openapi({ description: 'where the opt-out came from' }),
        at: Timestamp,
        source: z.string().openapi({ description: 'inbound_message (the lead wrote STOP, …), unsubscribe_link, …' }),
        detail: z.string().nullable(),
        inherited: z.boolean().openapi({ description: 'true: another contact of the same person opted out' }),
      }),
    ),
    settings: Settings,
  })
  .openapi('Contact');

const readContact = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['Contacts'],
  summary: 'A contact: its person, where each opt-out came from, and its effective settings',
  security: apiKeyAuth,
  request: { params: idParam('contact') },
  responses: { 200: json(Contact, 'The contact.'), ...errors(401, 404) },
});

const LinksSchema = z
  .object({
    contactIds: z
      .array(z.guid({ message: 'contactIds are contact ids' }))
      .max(50)
      .refine((ids) => new Set(ids).size === ids.length, 'contactIds must not repeat')
      .openapi({ uniqueItems: true, description: 'the contacts that are the same person as this one; [] removes the links this contact has' }),
  })
  .strict();

const changeLinks = createRoute({
  method: 'put',
  path: '/{id}/links',
  tags: ['Contacts'],
  summary: 'Say which contacts are the same person as this one',
  description:
    "Replaces this contact's hand-made links. Contacts of one person share opt-outs (unless the user's optOutScope is `channel`): a " +
    'STOP on one channel suppresses replies on all of them.',
  security: apiKeyAuth,
  request: { params: idParam('contact'), body: jsonBody(LinksSchema, { required: true }) },
  responses: {
    200: json(Contact, 'The contact with its person now.'),
    ...errors(...BODY_ERRORS, 401, 404),
  },
});

const changeContactSettings = createRoute({
  method: 'put',
  path: '/{id}/settings',
  tags: ['Contacts'],
  summary: "Override a contact's settings",
  description: "Starts from the contact's effective settings, changes the fields the body names; stops this contact's replies in flight as the user's settings do.",
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

async function contactView(c: { var: ApiEnv['Variables'] }, id: string, installationThreshold: number) {
  const { db } = c.var.deps;
  const contact = await findContact(db, c.var.userId, id);
  if (!contact) throw notFound('contact');
  const rows = await loadSettingsRows(db, c.var.userId, id);
  const resolved = resolveSettings(rows.contact, rows.user);
  const scope = userLevelSettings(rows.user).optOutScope;
  const optOuts = await personOptOuts(db, c.var.userId, id);
  const suppressing = optOuts.filter((o) => (scope === 'person' ? true : o.contactId === id && o.channel === contact.channel));
  return {
    ...contact,
    person: { contactIds: await personContactIds(db, c.var.userId, id), linkedContactIds: await linkedContactIds(db, c.var.userId, id) },
    optOutScope: scope,
    optedOut: suppressing.length > 0,
    optOuts: optOuts.map((o) => ({ contactId: o.contactId, channel: o.channel, at: o.at.toISOString(), source: o.source, detail: o.detail, inherited: o.contactId !== id })),
    settings: settingsView(resolved.settings, resolved.source, installationThreshold),
  };
}

export function createContactRoutes(installationThreshold: number) {
  return createRouter()
    .openapi(readContact, async (c) => c.json(await contactView(c, c.req.valid('param').id, installationThreshold), 200))
    .openapi(changeLinks, async (c) => {
      const { id } = c.req.valid('param');
      const { deps, userId } = c.var;
      if (!(await findContact(deps.db, userId, id))) throw notFound('contact');
      const { unknown } = await withTransaction(deps.db, (client) => setContactLinks(client, userId, id, c.req.valid('json').contactIds));
      if (unknown.length > 0) throw new ApiError(400, 'invalid_request', `contactIds: not contacts of yours: ${unknown.join(', ')}`, 'contactIds');
      // A new link may bring an opt-out to this person: the replies in flight re-check.
      await notifyControlsChanged(deps, userId, undefined, 'contacts_linked');
      return c.json(await contactView(c, id, installationThreshold), 200);
    })
    .openapi(changeContactSettings, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await findContact(c.var.deps.db, c.var.userId, id))) throw notFound('contact');
      const patch = c.req.valid('json');
      const { after } = await changeControls(c, id, (current) => ({ ...current, ...patch }));
      return c.json(settingsView(after, 'contact', installationThreshold), 200);
    })
    .openapi(removeContactSettings, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deleteContactSettings(c.var.deps.db, c.var.userId, id))) throw new ApiError(404, 'not_found', 'this contact has no settings of its own');
      await notifyControlsChanged(c.var.deps, c.var.userId, id, 'contact_settings_removed');
      return c.body(null, 204);
    });
}
