import { Hono } from 'hono';
import { optOutContact } from '../db/contacts';
import { withTransaction } from '../db/transaction';
import { verifyUnsubscribeToken } from '../domain/unsubscribe';
import type { ApiEnv } from './deps';

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>` +
  `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>` +
  `</head><body><h1>${title}</h1>${body}</body></html>`;

/**
 * One-click unsubscribe (RFC 8058). A mail client POSTs "List-Unsubscribe=One-Click" to the URL and the contact
 * is opted out at once. A GET only shows a confirmation button: link scanners fetch URLs, and must not
 * unsubscribe anyone by looking.
 */
export const unsubscribe = new Hono<ApiEnv>()
  .get('/:token', (c) => {
    const secret = c.var.deps.unsubscribeSecret;
    if (!secret || !verifyUnsubscribeToken(secret, c.req.param('token'))) {
      return c.html(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'), 404);
    }
    return c.html(
      page(
        'Unsubscribe',
        `<p>Stop receiving these messages?</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  })
  .post('/:token', async (c) => {
    const secret = c.var.deps.unsubscribeSecret;
    const subject = secret ? verifyUnsubscribeToken(secret, c.req.param('token')) : undefined;
    if (!subject) return c.html(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'), 404);
    const { db } = c.var.deps;
    const { rowCount } = await db.query(`SELECT 1 FROM contacts WHERE user_id = $1 AND id = $2`, [subject.userId, subject.contactId]);
    if (!rowCount) return c.html(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'), 404);
    const isNew = await withTransaction(db, (client) =>
      optOutContact(client, { ...subject, source: 'unsubscribe_link', detail: 'List-Unsubscribe one-click', actor: 'contact', details: {} }),
    );
    c.var.deps.logger.info({ event: 'contact.unsubscribed', contactId: subject.contactId, channel: subject.channel, new: isNew });
    return c.html(page('Unsubscribed', '<p>You will not receive these messages any more.</p>'));
  });
