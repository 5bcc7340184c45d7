import { createRoute, z } from '@hono/zod-openapi';
import { loadFacts, saveFacts } from '../db/facts';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, json, jsonBody, Timestamp } from './openapi';

const FactsBody = z
  .object({
    facts: z
      .array(z.string().max(1000).trim().min(1, 'a fact must not be empty'))
      .max(500)
      .openapi({ example: ['Pro-Paket: 49 € pro Nutzer und Monat', 'Jahresvertrag: 15 % Rabatt', 'Webinar am 5. Dezember 2026'] }),
  })
  .strict();

const Facts = z.object({ facts: z.array(z.string()), updatedAt: Timestamp.nullable() }).openapi('Facts');

const readFacts = createRoute({
  method: 'get',
  path: '/',
  tags: ['Facts'],
  summary: 'What the user vouches for',
  description:
    'Every price, discount, percentage and date an automatic reply states must appear in these facts or in the user\'s templates; ' +
    'otherwise the reply waits for a person (`unverified_claim`).',
  security: apiKeyAuth,
  responses: { 200: json(Facts, 'The facts.'), ...errors(401) },
});

const replaceFacts = createRoute({
  method: 'put',
  path: '/',
  tags: ['Facts'],
  summary: 'Replace the facts',
  security: apiKeyAuth,
  request: { body: jsonBody(FactsBody, { required: true }) },
  responses: { 200: json(Facts, 'The facts now.'), ...errors(...BODY_ERRORS, 401) },
});

export const facts = createRouter()
  .openapi(readFacts, async (c) => {
    const stored = await loadFacts(c.var.deps.db, c.var.userId);
    return c.json({ facts: stored.facts, updatedAt: stored.updatedAt?.toISOString() ?? null }, 200);
  })
  .openapi(replaceFacts, async (c) => {
    const { facts: list } = c.req.valid('json');
    const updatedAt = await saveFacts(c.var.deps.db, c.var.userId, list);
    return c.json({ facts: list, updatedAt: updatedAt.toISOString() }, 200);
  });
