/**
 * Opt-out detection for inbound messages in English and German.
 *
 * Two shapes of opt-out are recognised:
 *  1. a sentence that is nothing but an opt-out command, give or take politeness ("STOP", "Stopp!",
 *     "unsubscribe please", "Bitte abmelden") — the SMS/WhatsApp convention (CTIA keywords STOP, UNSUBSCRIBE…);
 *  2. a phrase that asks for no further contact anywhere in the text ("please remove me from your list",
 *     "bitte keine Nachrichten mehr", "kein Interesse").
 * A keyword that merely occurs in ordinary text ("We stopped using spreadsheets", "Wir melden uns gleich zur
 * Demo an") is not an opt-out; neither is a negated one ("I don't want to unsubscribe").
 */

export type OptOutLanguage = 'en' | 'de';

export type OptOutResult =
  | { optOut: true; rule: 'command' | 'phrase'; matched: string; language: OptOutLanguage }
  | { optOut: false };

/** Lower-case, German umlauts transliterated, punctuation turned into spaces (sentence ends kept apart). */
export function normalizeForMatching(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/[’‘`´]/g, "'")
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[^\p{L}\p{N}'\s-]+/gu, ' ')
    .replace(/(^|\s)[-']+|[-']+(\s|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Sentences for phrase rules; with `clauses`, commas split too (for "STOP, I told you before"). */
function sentences(text: string, clauses = false): string[] {
  return text
    .split(clauses ? /[.,!?;:\n\r]+|\s[-–—]\s/ : /[.!?;:\n\r]+|\s[-–—]\s/)
    .map(normalizeForMatching)
    .filter((s) => s.length > 0);
}

// A sentence made of one of these and nothing but the fillers below is a command.
const COMMANDS: Record<string, OptOutLanguage> = {
  stop: 'en',
  stopall: 'en',
  'stop all': 'en',
  unsubscribe: 'en',
  unsub: 'en',
  optout: 'en',
  'opt out': 'en',
  'opt-out': 'en',
  remove: 'en',
  'remove me': 'en',
  'unsubscribe me': 'en',
  stopp: 'de',
  abmelden: 'de',
  abbestellen: 'de',
  austragen: 'de',
  'bitte austragen': 'de',
  'mich abmelden': 'de',
  'mich austragen': 'de',
};

const FILLERS = new Set([
  'please', 'pls', 'plz', 'now', 'thanks', 'thank', 'you', 'thx', 'it', 'right', 'immediately', 'asap', 'sir', 'ok',
  'bitte', 'jetzt', 'sofort', 'danke', 'dankeschoen', 'gleich', 'umgehend', 'hallo', 'hi', 'hey', 'ja',
]);

function matchCommandSentence(sentence: string): { matched: string; language: OptOutLanguage } | undefined {
  const words = sentence.split(' ');
  const core = words.filter((w) => !FILLERS.has(w));
  if (core.length === 0 || core.length > 3) return undefined;
  const phrase = core.join(' ');
  const language = COMMANDS[phrase];
  return language ? { matched: phrase, language } : undefined;
}

interface PhraseRule {
  language: OptOutLanguage;
  pattern: RegExp;
  /** Reject the match when a negation stands just before it ("I don't want to unsubscribe"). */
  negatable?: boolean;
  /** Reject "not interested in X, but …": a narrowed interest, not a refusal of contact. */
  contrastable?: boolean;
}

const MEDIUM_EN = '(?:messages?|e ?mails?|e-mails?|mails?|texts?|sms|offers?|newsletters?|spam|marketing|calls?|dms?)';
const CONTACT_VERB_EN =
  '(?:messag(?:e|ing)|text(?:ing)?|e ?mail(?:ing)?|e-mail(?:ing)?|mail(?:ing)?|contact(?:ing)?|writ(?:e|ing) to|spam(?:ming)?|bother(?:ing)?|ping(?:ing)?|call(?:ing)?|dm(?:ing)?|harass(?:ing)?)';
const MEDIUM_DE =
  '(?:nachrichten|mails|e ?mails|e-mails|emails|werbung|sms|anrufe|angebote|newsletter|werbemails|kontaktaufnahmen?|zusendungen)';

const PHRASES: PhraseRule[] = [
  // English
  { language: 'en', pattern: /\bunsubscrib(?:e|ing)\b/, negatable: true },
  { language: 'en', pattern: /\bopt(?:ing)? (?:me |us )?out\b|\bopt-out\b/, negatable: true },
  { language: 'en', pattern: /\b(?:remove|delete|erase) (?:me|us|my (?:number|e ?mail|email address|address|contact|details|data))\b/, negatable: true },
  { language: 'en', pattern: /\b(?:take|drop|strike|cross) (?:me|us) (?:off|from|out of)\b/, negatable: true },
  { language: 'en', pattern: /\bunlist me\b/ },
  { language: 'en', pattern: new RegExp(`\\b(?:stop|quit|cease) ${CONTACT_VERB_EN} (?:me|us)\\b`) },
  { language: 'en', pattern: new RegExp(`\\b(?:stop|quit|cease) (?:sending|writing) (?:me|us)\\b`) },
  { language: 'en', pattern: new RegExp(`\\bstop (?:sending|writing) (?:these |those |your |the |such |all |any )?${MEDIUM_EN}\\b`) },
  { language: 'en', pattern: new RegExp(`\\b(?:do not|don't|dont|never|please don't|please do not) (?:ever )?${CONTACT_VERB_EN} (?:me|us)\\b`) },
  { language: 'en', pattern: new RegExp(`\\bno (?:more|further) ${MEDIUM_EN}\\b`) },
  { language: 'en', pattern: new RegExp(`\\b(?:don't|do not|dont) (?:want|wish|need) (?:any )?(?:more |further )?${MEDIUM_EN}\\b`) },
  { language: 'en', pattern: /\bnot (?:really |at all |remotely )?interested\b/, contrastable: true },
  { language: 'en', pattern: /\bno interest\b/, contrastable: true },
  { language: 'en', pattern: /\bleave (?:me|us) alone\b/ },
  { language: 'en', pattern: /\b(?:withdraw|revoke) (?:my )?consent\b/ },

  // German (umlauts transliterated: ö → oe, ü → ue, ä → ae, ß → ss)
  { language: 'de', pattern: /\b(?:abmelden|abbestellen|austragen|abbestellung|abmeldung)\b/, negatable: true },
  {
    language: 'de',
    // "melden Sie mich ab", "ich melde mich ab" — but not "ich melde mich ab Montag wieder"
    pattern:
      /\bmeld(?:e|en|et)? (?:sie |du |ihr )?(?:mich|uns) (?:bitte |hiermit |sofort |davon |von \w+ )*ab\b(?! (?:morgen|uebermorgen|heute|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|naechst\w*|kommend\w*|januar|februar|maerz|april|mai|juni|juli|august|september|oktober|november|dezember|mitte|anfang|ende|dem|der|\d))/,
    negatable: true,
  },
  { language: 'de', pattern: /\b(?:trag(?:en)?|nehm(?:en)?|nimm|entfern(?:en)?|streich(?:en)?|loesch(?:en)?) (?:sie |ihr )?(?:mich|uns) (?:bitte )?(?:aus|von)\b/ },
  { language: 'de', pattern: /\b(?:aus|von) (?:dem|ihrem|eurem|deinem|ihrer|eurer|der|diesem|dieser) (?:verteiler|newsletter|mailingliste|mailverteiler|liste|datenbank|kartei) (?:\w+ )?(?:nehmen|entfernen|austragen|loeschen|streichen)\b/ },
  { language: 'de', pattern: new RegExp(`\\bkeine (?:weiteren|weitere) ${MEDIUM_DE}\\b`) },
  { language: 'de', pattern: new RegExp(`\\bkeine ${MEDIUM_DE} mehr\\b`) },
  { language: 'de', pattern: new RegExp(`\\b(?:bitte|will|moechte|wuensche|moechten|wollen) (?:ich |wir )?keine ${MEDIUM_DE}\\b`) },
  { language: 'de', pattern: /\b(?:schreib(?:en)?|kontaktier(?:en)?|anschreiben|ruf(?:en)?|belaestig(?:en)?|nerv(?:en)?|mail(?:en)?) (?:sie |du |ihr )?(?:mich|mir|uns) (?:bitte )?(?:nicht|nie) mehr\b/ },
  { language: 'de', pattern: /\b(?:nicht|nie) mehr (?:kontaktieren|anschreiben|schreiben|anrufen|belaestigen|anmailen|zuschreiben|zu schreiben|zu kontaktieren)\b/ },
  { language: 'de', pattern: /\bhoer(?:en|t)? (?:sie |ihr |du )?(?:bitte )?auf (?:mir |mich |uns )?(?:zu |mit )?(?:schreiben|kontaktieren|nerven|belaestigen|anzuschreiben|zu schreiben|zu kontaktieren|zu nerven|zu belaestigen|mailen|zu mailen|dem spam|den nachrichten)\b/ },
  { language: 'de', pattern: /\blass(?:en|t)? (?:sie |ihr )?(?:mich|uns) (?:bitte )?in ruhe\b/ },
  { language: 'de', pattern: /\bkein(?:e|en)? (?:interesse|bedarf)\b/, contrastable: true },
  { language: 'de', pattern: /\bnicht (?:mehr |wirklich )?interessiert\b/, contrastable: true },
  { language: 'de', pattern: /\bwiderruf\w* (?:hiermit )?(?:meine |die |unsere )?(?:einwilligung|zustimmung|einverstaendniserklaerung)\b/ },
];

const NEGATION = /\b(?:not|don't|dont|do not|never|no need to|won't|wont|nicht|nie|niemals|keinesfalls)\b(?: [\p{L}']+){0,2}$/u;
const CONTRAST = /\b(?:but|however|though|rather|instead|aber|sondern|jedoch|allerdings|eher)\b/;

function isNegated(sentence: string, index: number): boolean {
  const before = sentence.slice(0, index).trim();
  return NEGATION.test(before);
}

/** "not interested in the basic plan, but tell me about enterprise" narrows interest; it does not refuse contact. */
function isNarrowedInterest(sentence: string, end: number, wholeText: string): boolean {
  const after = sentence.slice(end).trim();
  return /^(?:in|an|at|fuer|for)\b/.test(after) && CONTRAST.test(normalizeForMatching(wholeText));
}

export function detectOptOut(text: string): OptOutResult {
  for (const sentence of sentences(text, true)) {
    const command = matchCommandSentence(sentence);
    if (command) return { optOut: true, rule: 'command', ...command };
  }
  for (const sentence of sentences(text)) {
    for (const rule of PHRASES) {
      const match = rule.pattern.exec(sentence);
      if (!match) continue;
      if (rule.negatable && isNegated(sentence, match.index)) continue;
      if (rule.contrastable && isNarrowedInterest(sentence, match.index + match[0].length, text)) continue;
      return { optOut: true, rule: 'phrase', matched: match[0], language: rule.language };
    }
  }
  return { optOut: false };
}
