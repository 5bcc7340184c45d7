import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { findContact, optOutContact } from '../db/contacts';
import { withTransaction } from '../db/transaction';
import { verifyUnsubscribeToken } from '../domain/unsubscribe';
import type { ApiEnv } from './deps';
import { createRouter } from './openapi';

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>` +
  `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>` +
  `</head><body><h1>${title}</h1>${body}</body></html>`;

const notValid = (c: Context<ApiEnv>) => c.html(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'), 404);

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

const TokenParam = z.object({
  token: z.string().openapi({ param: { description: 'the signed token from the List-Unsubscribe header or link' } }),
});

const confirmPage = createRoute({
  method: 'get',
  path: '/{token}',
  tags: ['Unsubscribe'],
  summary: 'Unsubscribe link: a confirmation page',
  description: 'Shows a button that POSTs back; link scanners fetch URLs and must not unsubscribe anyone by looking.',
  security: [],
  request: { params: TokenParam },
  responses: { 200: html('The confirmation page.'), 404: html('The link is not valid.') },
});

const unsubscribeNow = createRoute({
  method: 'post',
  path: '/{token}',
  tags: ['Unsubscribe'],
  summary: 'One-click unsubscribe (RFC 8058)',
  description: 'Opts the contact out on that channel at once. The body a mail client sends (`List-Unsubscribe=One-Click`) is not needed.',
  security: [],
  request: {
    params: TokenParam,
    // Described, not validated: the signed token is the whole authority, whatever the body says.
    body: {
      required: false,
      content: {
        'application/x-www-form-urlencoded': {
          schema: { type: 'object', properties: { 'List-Unsubscribe': { type: 'string', enum: ['One-Click'] } } },
        },
      },
    },
  },
  responses: { 200: html('Unsubscribed.'), 404: html('The link is not valid.') },
});

/**
 * One-click unsubscribe (RFC 8058). A mail client POSTs "List-Unsubscribe=One-Click" to the URL and the contact
 * is opted out at once. A GET only shows a confirmation button: link scanners fetch URLs, and must not
 * unsubscribe anyone by looking.
 */
export const unsubscribe = createRouter()
  .openapi(confirmPage, (c) => {
    const keys = c.var.deps.unsubscribeKeys;
    if (!keys || !verifyUnsubscribeToken(keys, c.req.valid('param').token)) return notValid(c);
    return c.html(
      page(
        'Unsubscribe',
        `<p>Stop receiving these messages?</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
      ),
      200,
    );
  })
  .openapi(unsubscribeNow, async (c) => {
    const keys = c.var.deps.unsubscribeKeys;
    const subject = keys ? verifyUnsubscribeToken(keys, c.req.valid('param').token) : undefined;
    if (!subject) return notValid(c);
    const { db } = c.var.deps;
    if (!(await findContact(db, subject.userId, subject.contactId))) return notValid(c);
    const isNew = await withTransaction(db, (client) =>
      optOutContact(client, { ...subject, source: 'unsubscribe_link', detail: 'List-Unsubscribe one-click', actor: 'contact', details: {} }),
    );
    c.var.deps.logger.info({ event: 'contact.unsubscribed', contactId: subject.contactId, channel: subject.channel, new: isNew });
    return c.html(page('Unsubscribed', '<p>You will not receive these messages any more.</p>'), 200);
  });
