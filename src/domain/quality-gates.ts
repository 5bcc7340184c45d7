import type { Channel } from './channels';
import { CHANNEL_RULES } from './channel-rules';
import { describeFinding, findComplianceClaims } from './compliance';

/**
 * The checks a reply must pass before it may reach a lead, each a pure function with a reason code. A failed
 * gate never sends: the reply goes to a human (who may edit it, and the edit passes the gates again).
 */

export type GateName = 'moderation' | 'compliance' | 'spam' | 'channel_rules' | 'opt_out' | 'claims';

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

/**
 * Promised returns, safety of money, getting rich quickly and guaranteed outcomes, by meaning (see compliance.ts).
 * The reason code stays `compliance_phrase`; the detail names each family and the words that make the claim.
 */
export function checkCompliance(text: string): GateResult {
  const findings = findComplianceClaims(text);
  if (findings.length === 0) return { gate: 'compliance', passed: true };
  return { gate: 'compliance', passed: false, reason: 'compliance_phrase', detail: findings.map(describeFinding).join('; ') };
}

// Emoji and symbol stuffing: what spam filters and the platforms' spam rules score (Meta's WhatsApp Business
// Messaging Policy and LinkedIn's Professional Community Policies both name "excessive" symbols and emoji).
const MONEY_EMOJI = /^(?:💰|💸|🤑|💵|💶|💷|💴|💲|🪙)$/u;
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\p{Regional_Indicator}/u;
// A run of one symbol is decoration ("★★★", "→→→", "✅✅✅", "$$$"); plain-text formatting ("===", "+++", ">>>") is not.
const SYMBOL = /^(?:\p{S}|\p{Emoji_Presentation}|\p{Extended_Pictographic})/u;
const FORMATTING = /^[+<=>|~^`]$/;
// Letters dressed up as other letters, which filters cannot read and screen readers spell out: mathematical
// alphanumerics (𝐅𝐑𝐄𝐄), circled and parenthesised letters (Ⓕⓡⓔⓔ), squared letters (🅵🆁🅴🅴), full-width
// letters (ＦＲＥＥ), small capitals (ꜰʀᴇᴇ).
const DECORATIVE_LETTER =
  /[\u{1D400}-\u{1D7FF}\u{249C}-\u{24E9}\u{1F130}-\u{1F189}\u{FF21}-\u{FF3A}\u{FF41}-\u{FF5A}\u{1D00}-\u{1D2B}\u{A730}-\u{A731}\u{0280}\u{029F}\u{026A}\u{0299}\u{029C}\u{0274}\u{0262}\u{028F}]/gu;
const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

function emojiStuffing(text: string): string | undefined {
  const graphemes = [...GRAPHEMES.segment(text)].map((g) => g.segment);
  const emoji = graphemes.filter((g) => EMOJI.test(g));
  const money = emoji.filter((g) => MONEY_EMOJI.test(g.replace(/\uFE0F/g, '')));
  if (money.length >= 2) return `repeated money emoji (${money.length})`;
  const words = (text.match(/\p{L}[\p{L}\p{N}'’-]*/gu) ?? []).length;
  // One or two friendly emoji in a reply are fine; eight anywhere, or four at one per five words, are stuffing.
  if (emoji.length >= 8 || (emoji.length >= 4 && emoji.length / Math.max(words, 1) >= 0.2)) {
    return `too many emoji (${emoji.length} in ${words} words)`;
  }
  // the same symbol three times in a row, spaces between allowed ("★ ★ ★")
  const symbols = graphemes.filter((g) => !/^\s+$/u.test(g));
  for (let i = 0; i + 2 < symbols.length; i++) {
    const g = symbols[i]!;
    if (SYMBOL.test(g) && !FORMATTING.test(g) && symbols[i + 1] === g && symbols[i + 2] === g) return `a run of symbols: ${g}${g}${g}`;
  }
  const decorative = text.match(DECORATIVE_LETTER) ?? [];
  if (decorative.length >= 3) return `decorative Unicode letters (${decorative.slice(0, 6).join('')})`;
  return undefined;
}

export function checkSpam(text: string): GateResult {
  const fail = (detail: string): GateResult => ({ gate: 'spam', passed: false, reason: 'spam_pattern', detail });
  const stuffing = emojiStuffing(text);
  if (stuffing) return fail(stuffing);
  const letters = text.match(/\p{L}/gu) ?? [];
  const upper = text.match(/\p{Lu}/gu) ?? [];
  if (letters.length >= 20 && upper.length / letters.length > 0.5) return fail('mostly capital letters');
  if (/[!?]{3,}/.test(text)) return fail('repeated exclamation or question marks');
  if (/[$€£]{2,}/.test(text)) return fail('repeated currency symbols');
  // Read through look-alike letters too: "𝐂𝐥𝐢𝐜𝐤 𝐡𝐞𝐫𝐞" is "Click here".
  const phraseHit = SPAM_PHRASES.exec(text.normalize('NFKC'));
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
