import { normalizeForMatching } from './opt-out';

/**
 * What a lead is asking for, in English or German, from the words they use. Each intent has cue patterns; the
 * confidence says how clearly one intent stands out: several cues for one intent and none for another is a
 * clear match; cues for two intents, or none at all, is not, and such messages go to a human.
 */

export const INTENTS = ['pricing', 'meeting_request', 'information_request', 'objection', 'thanks', 'unclear'] as const;
export type Intent = (typeof INTENTS)[number];
export type Language = 'en' | 'de';

export interface IntentResult {
  intent: Intent;
  confidence: number;
  language: Language;
  cues: string[];
}

// Patterns run on normalizeForMatching() output: lower case, umlauts as ae/oe/ue, ß as ss, no punctuation.
const CUES: Record<Exclude<Intent, 'unclear'>, RegExp[]> = {
  pricing: [
    /\b(?:price|prices|pricing|priced)\b/, /\bhow much\b/, /\bcosts?\b/, /\bquote\b/, /\bper (?:seat|user|month|year|license)\b/,
    /\blicen[cs]e fee/, /\bbudget(?:ary)? (?:quote|estimate)\b/, /\bdiscount\b/, /\bsubscription fee/,
    /\bpreis(?:e|en|liste|modell)?\b/, /\bkoste[nt]?\b/, /\bwas kostet\b/, /\bwie teuer\b/, /\bangebot\b/, /\btarif(?:e)?\b/,
    /\blizenz(?:kosten|gebuehr)/, /\bgebuehr(?:en)?\b/, /\brabatt\b/, /\bpro (?:nutzer|monat|jahr|lizenz)\b/,
  ],
  meeting_request: [
    /\bdemo\b/, /\b(?:a |quick |short )?call\b/, /\bmeeting\b/, /\bschedule\b/, /\bappointment\b/, /\bcalendar\b/,
    /\b(?:zoom|teams|google meet)\b/, /\b(?:talk|speak|chat) (?:to|with)\b/, /\bbook (?:a|some) time\b/, /\bavailable (?:on|next|this)\b/,
    /\btermin(?:e|vorschlag)?\b/, /\bgespraech\b/, /\btelefonieren\b/, /\btelefonat\b/, /\banruf(?:en)?\b/, /\btreffen\b/,
    /\bvorfuehrung\b/, /\bkalender\b/, /\bzeit fuer\b/,
  ],
  information_request: [
    /\bmore (?:info|information|details)\b/, /\binformation\b/, /\bdetails\b/, /\bbrochure\b/, /\bdocumentation\b/,
    /\bhow does (?:it|this|that)\b/, /\bdoes (?:it|this|that) (?:work|support|integrate)/, /\bintegrat(?:e|ion|ions)\b/,
    /\bfeatures?\b/, /\bcase stud(?:y|ies)\b/,
    /\binfos?\b/, /\binformationen\b/, /\bunterlagen\b/, /\bbroschuere\b/, /\bwie funktioniert\b/, /\bfunktioniert (?:das|es)\b/,
    /\bschnittstellen?\b/, /\bfunktionen\b/,
  ],
  objection: [
    /\btoo (?:expensive|pricey|costly)\b/, /\bno budget\b/, /\bnot (?:right )?now\b/, /\bmaybe later\b/, /\balready (?:use|have|using|work with)\b/,
    /\bnot (?:sure|convinced)\b/, /\b(?:cheaper|better) (?:elsewhere|option|alternative)\b/, /\bnot a (?:priority|fit)\b/,
    /\bzu teuer\b/, /\bkein budget\b/, /\b(?:vielleicht )?spaeter\b/, /\bbereits (?:einen|eine|ein)\b/, /\bschon (?:einen|eine|ein) (?:anbieter|loesung|tool)\b/,
    /\bnicht (?:sicher|ueberzeugt)\b/, /\baktuell nicht\b/, /\bderzeit nicht\b/, /\bkeine prioritaet\b/,
  ],
  thanks: [
    /^(?:(?:many |thanks|thank you|thx|great|perfect|awesome|cheers|got it|sounds good|danke(?:schoen)?|vielen dank|super|perfekt|prima|alles klar|top)\b ?)+(?:so much|a lot|for (?:the|your) \w+|fuer (?:die|ihre|deine) \w+|sehr)?$/,
  ],
};

// Question openers that accompany every kind of request: they suggest an information request only when
// nothing more specific is asked.
const GENERIC_QUESTION = [/\bwhat (?:is|are|does)\b/, /\bcan (?:it|you|i)\b/, /\bdo you\b/, /\bkann (?:man|ich|es|das)\b/, /\bgibt es\b/, /\bwas ist\b/, /\bhaben sie\b/];

const GERMAN_MARKERS = /\b(?:und|ich|sie|wir|ist|das|der|die|nicht|bitte|danke|dank|vielen|hallo|guten|kostet|wie|was|fuer|mit|haben|koennen|gerne|mehr|einen|eine|uns|ihr|ihnen|leider|schon|auch)\b/g;
const ENGLISH_MARKERS = /\b(?:and|i|you|we|is|the|not|please|thanks|hello|hi|cost|how|what|for|with|have|can|would|more|a|an|your)\b/g;

export function detectLanguage(text: string): Language {
  const normalized = normalizeForMatching(text);
  const de = normalized.match(GERMAN_MARKERS)?.length ?? 0;
  const en = normalized.match(ENGLISH_MARKERS)?.length ?? 0;
  return de > en || /[äöüß]/i.test(text) && de >= en ? 'de' : 'en';
}

export function detectIntent(text: string): IntentResult {
  const normalized = normalizeForMatching(text);
  const language = detectLanguage(text);
  const scored = (Object.keys(CUES) as (keyof typeof CUES)[])
    .map((intent) => {
      const cues = CUES[intent].map((p) => p.exec(normalized)?.[0]).filter((c): c is string => c !== undefined);
      return { intent, cues };
    })
    .filter((s) => s.cues.length > 0)
    .sort((a, b) => b.cues.length - a.cues.length);
  if (scored.length === 0) {
    const generic = GENERIC_QUESTION.map((p) => p.exec(normalized)?.[0]).filter((c): c is string => c !== undefined);
    if (generic.length > 0) return { intent: 'information_request', confidence: 0.6, language, cues: generic };
  }

  // An objection outweighs the topic it objects to ("too expensive" also says "expensive").
  const objection = scored.find((s) => s.intent === 'objection');
  const top = objection ?? scored[0];
  if (!top) return { intent: 'unclear', confidence: 0.3, language, cues: [] };
  const rivals = scored.filter((s) => s !== top && !(top.intent === 'objection' && s.intent === 'pricing'));
  const strongest = rivals[0]?.cues.length ?? 0;

  let confidence: number;
  if (top.intent === 'objection') confidence = 0.7; // a lead pushing back deserves a human's reply by default
  else if (strongest === 0) confidence = top.cues.length >= 2 ? 0.93 : 0.88;
  else if (top.cues.length > strongest) confidence = 0.78;
  else confidence = 0.55;
  // An information request is broad; the generic answer fits it less well than a pricing or meeting reply.
  if (top.intent === 'information_request') confidence = Math.min(confidence, 0.8);
  // A long message carries more than one template can answer.
  if (normalized.split(' ').length > 80) confidence = Math.min(confidence, 0.6);
  return { intent: top.intent, confidence, language, cues: top.cues };
}
