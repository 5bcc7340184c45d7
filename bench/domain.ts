/**
 * `npm run bench`: speed figures for the hot pure functions, printed, never asserted (tests do not time things).
 */
import { performance } from 'node:perf_hooks';
import { normalizeHandle } from '../src/domain/contact-handle';
import { detectOptOut } from '../src/domain/opt-out';

const messages = [
  'Hallo, was kostet das Pro-Paket für 10 Nutzer?',
  'Can we schedule a demo next Tuesday at 3pm?',
  'STOP',
  'Bitte keine Nachrichten mehr',
  'We stopped using spreadsheets last year, so this sounds interesting. What integrations do you support?',
  'Wir melden uns gleich zur Demo an.',
  'Not interested in the basic plan, but tell me about enterprise.',
  'x'.repeat(4000),
];

function bench(name: string, iterations: number, run: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(1000, iterations); i++) run(i); // warm-up
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run(i);
  const ms = performance.now() - start;
  const perSecond = Math.round((iterations / ms) * 1000);
  console.log(`${name.padEnd(32)} ${String(perSecond).padStart(10)} ops/s   ${((ms * 1000) / iterations).toFixed(2)} µs/op`);
}

bench('detectOptOut (mixed EN/DE)', 200_000, (i) => detectOptOut(messages[i % messages.length]!));
bench('normalizeHandle (whatsapp)', 500_000, (i) => normalizeHandle('whatsapp', `+49 170 ${1000000 + (i % 1000)}`));
