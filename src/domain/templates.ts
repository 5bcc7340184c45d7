import type { Intent, Language } from './intent';

/** Reply templates per intent and language. `{{firstName}}` and `{{senderName}}` are filled in; users may override any. */
export type TemplateSet = Partial<Record<Intent, Partial<Record<Language, string>>>>;

export const DEFAULT_TEMPLATES: Record<Intent, Record<Language, string>> = {
  pricing: {
    en: 'Hi {{firstName}}, thanks for asking about pricing! It depends on the number of users and the plan that fits your team. How many people would be using it? Then I can send you the exact numbers.',
    de: 'Hallo {{firstName}}, danke für Ihre Frage zu den Preisen! Sie hängen von der Anzahl der Nutzer und dem passenden Paket ab. Wie viele Personen würden es nutzen? Dann schicke ich Ihnen die genauen Zahlen.',
  },
  meeting_request: {
    en: 'Hi {{firstName}}, happy to set up a call! Which days and times work best for you this week or next?',
    de: 'Hallo {{firstName}}, sehr gerne vereinbaren wir einen Termin! Welche Tage und Uhrzeiten passen Ihnen diese oder nächste Woche?',
  },
  information_request: {
    en: 'Hi {{firstName}}, thanks for your interest! I am happy to share more details. What would you like to know first, and what are you hoping to solve?',
    de: 'Hallo {{firstName}}, danke für Ihr Interesse! Ich teile gerne mehr Details. Was möchten Sie zuerst wissen, und welches Problem möchten Sie lösen?',
  },
  objection: {
    en: 'Hi {{firstName}}, thanks for being open about it, that is completely understandable. Would it help if I shared how similar teams made it work for them?',
    de: 'Hallo {{firstName}}, danke für Ihre offene Rückmeldung, das ist absolut verständlich. Wäre es hilfreich, wenn ich Ihnen zeige, wie ähnliche Teams das gelöst haben?',
  },
  thanks: {
    en: 'You are welcome, {{firstName}}! Let me know if anything else comes up.',
    de: 'Sehr gerne, {{firstName}}! Melden Sie sich jederzeit, wenn noch etwas offen ist.',
  },
  unclear: {
    en: 'Hi {{firstName}}, thanks for your message! Could you tell me a bit more about what you are looking for?',
    de: 'Hallo {{firstName}}, danke für Ihre Nachricht! Können Sie mir etwas mehr dazu sagen, wonach Sie suchen?',
  },
};

const FALLBACK_NAME: Record<Language, string> = { en: 'there', de: '' };

export function firstNameOf(name: string | null | undefined): string | undefined {
  const first = name?.trim().split(/\s+/)[0];
  return first && /^\p{L}[\p{L}'-]*$/u.test(first) ? first : undefined;
}

export function renderTemplate(template: string, values: { firstName?: string; senderName?: string }, language: Language): string {
  const firstName = values.firstName ?? FALLBACK_NAME[language];
  return template
    .replace(/\{\{\s*firstName\s*\}\}/g, firstName)
    .replace(/\{\{\s*senderName\s*\}\}/g, values.senderName ?? '')
    .replace(/ +([,!.?])/g, '$1') // "Hallo , danke" → "Hallo, danke" when there is no name
    .replace(/,([!.?])/g, '$1') // "Sehr gerne, !" → "Sehr gerne!"
    .replace(/\s{2,}/g, ' ')
    .trim();
}

export function templateFor(intent: Intent, language: Language, overrides: TemplateSet | undefined): string {
  return overrides?.[intent]?.[language] ?? DEFAULT_TEMPLATES[intent][language];
}
