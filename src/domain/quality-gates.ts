import type { Channel } from './channels';
import { CHANNEL_RULES } from './channel-rules';

/**
 * The checks a reply must pass before it may reach a lead, each a pure function with a reason code. A failed
 * gate never sends: the reply goes to a human (who may edit it, and the edit passes the gates again).
 */

export type GateName = 'moderation' | 'compliance' | 'spam' | 'channel_rules' | 'opt_out';

export interface GateResult {
  gate: GateName;
  passed: boolean;
  reason?: string;
  detail?: string;
}

const L = '\\p{L}';
/** A phrase as whole words: not inside a longer word ("risikofreie" matches "risikofrei…", "Garantieschein" does not match "garantiert"). */
function phrase(body: string): RegExp {
  return new RegExp(`(?<!${L})(?:${body})(?!${L})`, 'iu');
}

// Promises that financial-promotion and unfair-commercial-practice rules (UWG §5, FCA COBS 4) forbid a
// salesperson to make; matched with their inflections.
const COMPLIANCE_PHRASES: { pattern: RegExp; label: string }[] = [
  { label: 'garantiert', pattern: phrase('garantiert(?:e|er|es|en|em)?') },
  { label: 'risikofrei', pattern: phrase('risikofrei(?:e|er|es|en|em)?|risikolos(?:e|er|es|en|em)?|ohne (?:jedes |jegliches )?risiko') },
  { label: 'sichere Rendite', pattern: phrase('sichere(?:n|r)? (?:rendite|gewinne?|einnahmen)|rendite garantiert') },
  { label: 'guaranteed returns', pattern: phrase('guaranteed (?:returns?|profits?|income|gains?|results?|success|roi)|guarantee(?:s|d)? (?:you )?(?:a )?(?:return|profit|roi)') },
  { label: 'risk-free', pattern: phrase('risk[- ]?free|no risk(?: at all)?|zero risk|without (?:any )?risk') },
  { label: 'cannot lose', pattern: phrase("can(?:'|no)?t lose|cannot lose|double your (?:money|investment)") },
];

// Spam patterns (seed 2.6): shouting, bait phrases, link stuffing, link shorteners, money symbols.
const SPAM_PHRASES = phrase(
  'click here|act now|limited time(?: offer)?|buy now|free money|100% free|winner|you have been selected|urgent(?:ly)? respond|' +
    'jetzt klicken|hier klicken|nur heute|sofort zugreifen|gratis geld|gewinner|sie wurden ausgewaehlt|sie wurden ausgewählt',
);
const SHORTENER = /\b(?:bit\.ly|tinyurl\.com|goo\.gl|t\.co|ow\.ly|is\.gd|buff\.ly|cutt\.ly|rebrand\.ly)\//i;

// A local stand-in for a moderation model: abuse, threats and slurs a sales reply must never contain.
const MODERATION_WORDS = phrase(
  'fuck(?:ing|er|ed)?|shit(?:ty)?|bitch|asshole|bastard|idiot|stupid|retard(?:ed)?|kill (?:you|yourself)|' +
    'scheisse|scheiße|arschloch|idiot(?:en)?|dumm(?:kopf)?|fotze|hurensohn|wichser|missgeburt|verpiss dich|bring dich um',
);

export function checkModerationLocally(text: string): GateResult {
  const hit = MODERATION_WORDS.exec(text);
  return hit
    ? { gate: 'moderation', passed: false, reason: 'moderation_flagged', detail: `local word list: ${hit[0]}` }
    : { gate: 'moderation', passed: true, detail: 'local word list' };
}

export function checkCompliance(text: string): GateResult {
  for (const { pattern, label } of COMPLIANCE_PHRASES) {
    const hit = pattern.exec(text);
    if (hit) return { gate: 'compliance', passed: false, reason: 'compliance_phrase', detail: `${label}: "${hit[0]}"` };
  }
  return { gate: 'compliance', passed: true };
}

export function checkSpam(text: string): GateResult {
  const fail = (detail: string): GateResult => ({ gate: 'spam', passed: false, reason: 'spam_pattern', detail });
  const letters = text.match(/\p{L}/gu) ?? [];
  const upper = text.match(/\p{Lu}/gu) ?? [];
  if (letters.length >= 20 && upper.length / letters.length > 0.5) return fail('mostly capital letters');
  if (/[!?]{3,}/.test(text)) return fail('repeated exclamation or question marks');
  if (/[$€£]{2,}/.test(text)) return fail('repeated currency symbols');
  const phraseHit = SPAM_PHRASES.exec(text);
  if (phraseHit) return fail(`bait phrase: "${phraseHit[0]}"`);
  if (SHORTENER.test(text)) return fail('link shortener');
  if ((text.match(/https?:\/\//gi) ?? []).length > 2) return fail('more than two links');
  if (/(\p{L})\1{4,}/u.test(text)) return fail('a letter repeated five times or more');
  return { gate: 'spam', passed: true };
}

export function checkChannelRules(text: string, channel: Channel): GateResult {
  const rules = CHANNEL_RULES[channel];
  if (text.trim().length === 0) return { gate: 'channel_rules', passed: false, reason: 'empty_reply' };
  // Length as the platforms count it: UTF-16 code units for the Meta APIs, characters elsewhere are close enough.
  if (text.length > rules.maxLength) {
    return { gate: 'channel_rules', passed: false, reason: 'too_long', detail: `${text.length} > ${rules.maxLength} characters on ${channel}` };
  }
  if (!rules.html && /<\/?[a-z][a-z0-9]*(?:\s[^<>]*)?\/?>/i.test(text)) {
    return { gate: 'channel_rules', passed: false, reason: 'html_not_allowed', detail: `${channel} messages are plain text` };
  }
  return { gate: 'channel_rules', passed: true };
}

export function checkOptOut(optedOut: boolean): GateResult {
  return optedOut ? { gate: 'opt_out', passed: false, reason: 'contact_opted_out' } : { gate: 'opt_out', passed: true };
}

/** Every gate except moderation, which may call a remote model and so runs in its activity. */
export function runLocalGates(text: string, channel: Channel, optedOut: boolean): GateResult[] {
  return [checkCompliance(text), checkSpam(text), checkChannelRules(text, channel), checkOptOut(optedOut)];
}

export function firstFailure(results: GateResult[]): GateResult | undefined {
  return results.find((r) => !r.passed);
}
