/**
 * Claims a salesperson must not make, found by meaning in English and German replies. Financial-promotion and
 * unfair-commercial-practice rules forbid promising returns, safety of money or outcomes that nobody can promise
 * (UWG §5 and Annex No. 17 to §3(3) UWG; FCA COBS 4.2 "fair, clear and not misleading"; FTC Act §5), and a
 * "get rich quick" pitch is the classic mark of investment fraud (BaFin, SEC investor alerts).
 *
 * How it reads a reply, in this order:
 *  1. Normalise (NFKC, so 𝐆𝐔𝐀𝐑𝐀𝐍𝐓𝐄𝐄𝐃 reads as guaranteed; lower case; ä→ae, ß→ss) and cut into clauses at
 *     sentence ends and at contrast words ("but", "aber", "jedoch"), and clauses into segments at commas, colons
 *     and dashes.
 *  2. Find a claim: a promise word and the thing promised in the same segment (or in the "dass/that" segment it
 *     governs). Strong promise words ("guarantee", "garantiert", "versprechen", "100 %") reach across the
 *     segment; weak ones ("sicher", "safe", "fest", "fixed", "sure") only bind the noun next to them ("sichere
 *     Rendite", "sichere 8 % im Jahr") or a predicate ("Ihre Rendite ist sicher"). Some words carry both halves
 *     ("risikolos", "risk-free", "Renditegarantie", "get rich").
 *  3. Drop it when it is negated: "nicht/not/never/cannot" before or between the halves, "kein/no/ohne" right
 *     before either, "no investment is…" as the subject. "Renditen sind nicht garantiert", "we cannot guarantee
 *     returns", "past performance is no guarantee" pass.
 *
 * What is promised decides the family. A service level is not an outcome: "we guarantee a reply within 24
 * hours", "2 Jahre Garantie auf die Hardware", "Geld-zurück-Garantie", "your data is safe with us" name no return,
 * money, wealth or business result and pass. "Risk-free"/"risikolos"/"ohne Risiko" is always a claim (also for a
 * trial: "kostenlos testen" says the same without promising safety).
 */

export type ClaimFamily = 'promised_return' | 'money_safety' | 'quick_wealth' | 'guaranteed_outcome';

export const FAMILY_LABEL: Record<ClaimFamily, string> = {
  promised_return: 'promised return',
  money_safety: 'safety of money',
  quick_wealth: 'getting rich quickly',
  guaranteed_outcome: 'guaranteed outcome',
};

export interface ComplianceFinding {
  family: ClaimFamily;
  /** The words that make the claim, as written, in order. */
  words: string[];
  /** The same words with "…" where others stand between: `garantierte … Rendite`. */
  phrase: string;
}

// ------------------------------------------------------------------------------------------- tokens

interface Token {
  /** Normalised: lower case, umlauts as ae/oe/ue, ß as ss. */
  n: string;
  raw: string;
  /** Segment index within the clause (commas, colons, dashes separate segments). */
  seg: number;
  /** Joined to the previous token by a hyphen ("risk-free", "Geld-zurück-Garantie"). */
  joined: boolean;
  num: boolean;
  /** First word after a colon: what the segment before announces ("Wir versprechen Ihnen: mehr Umsatz"). */
  afterColon: boolean;
}

function fold(s: string): string {
  return s.toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss');
}

// Abbreviations whose dots are not sentence ends.
const ABBREVIATIONS: [RegExp, string][] = [
  [/\bp\.\s?a\./gi, ' pa '],
  [/\bz\.\s?B\./gi, ' zb '],
  [/\bd\.\s?h\./gi, ' dh '],
  [/\bu\.\s?a\./gi, ' ua '],
  [/\be\.\s?g\./gi, ' eg '],
  [/\bi\.\s?e\./gi, ' ie '],
  [/\b(bzw|ca|inkl|zzgl|ggf|etc|max|min|mind|vs|nr|approx|evtl)\./gi, ' $1 '],
];

// A new clause begins at these: what follows is not under the scope of a negation before them.
const CONTRAST = /^(?:but|however|although|though|whereas|aber|jedoch|sondern|allerdings|obwohl|obgleich|trotzdem|dennoch)$/;

function clausesOf(text: string): Token[][] {
  let t = text.normalize('NFKC').replace(/[’‘´`]/g, "'");
  for (const [re, by] of ABBREVIATIONS) t = t.replace(re, by);
  const clauses: Token[][] = [];
  // Sentence ends; a dot between digits (8.5 %) is not one.
  for (const sentence of t.split(/(?<!\d)[.!?;]+|[.!?;]+(?!\d)|\n+/)) {
    let clause: Token[] = [];
    let seg = 0;
    let colon = false;
    const re = /[\p{L}\p{N}]+(?:[.,]\p{N}+)*(?:'\p{L}+)?|%|[,:()"„“”«»–—]|\s-\s/gu;
    for (const m of sentence.matchAll(re)) {
      const raw = m[0];
      if (/^[,:()"„“”«»–—]$|^\s-\s$/u.test(raw)) {
        if (clause.length) seg += 1;
        colon = raw === ':';
        continue;
      }
      if (CONTRAST.test(fold(raw))) {
        if (clause.length) clauses.push(clause);
        clause = [];
        seg = 0;
        continue;
      }
      const joined = m.index > 0 && sentence[m.index - 1] === '-' && /[\p{L}\p{N}]/u.test(sentence[m.index - 2] ?? '');
      // "money's", "you'll", "gibt's": the word and its clitic; "can't" stays one negator
      const clitic = /^(.+?)('(?:s|re|ll|m|ve|d))$/.exec(raw);
      const words = clitic ? [clitic[1]!, clitic[2]!] : [raw];
      for (const [k, word] of words.entries()) {
        clause.push({ n: fold(word), raw: word, seg, joined: joined && k === 0, num: /^\p{N}/u.test(word), afterColon: colon && k === 0 });
      }
      colon = false;
    }
    if (clause.length) clauses.push(clause);
  }
  return clauses;
}

// ------------------------------------------------------------------------------------------- lexicon

const is = (re: RegExp) => (t: Token | undefined) => t !== undefined && re.test(t.n);

const STRONG = is(
  /^(?:guarantee[sd]?|guaranteeing|guaranty|promise[sd]?|assured?|assures|ensure[sd]?|ensuring|certainly|definitely|surely|garantie|garantien|garantier(?:e|en|st|t|te|ten|ter|tes|tem)?|verspr(?:e|i)ch(?:e|en|st|t)?|versprochen(?:e|en|er|es|em)?|zusicher(?:e|n|ung)|zugesichert(?:e|en|er|es|em)?|gewaehrleist(?:e|en|et|ete|eten)|gewiss)$/,
);
const WEAK = is(
  /^(?:(?:bomben|tod|absolut|hundertprozentig)sicher\w*|safe|secure|secured|sure|certain|fixed|protected|locked|sicher|sichere|sicheren|sicherer|sicheres|sicherem|gesichert(?:e|en|er|es|em)?|abgesichert(?:e|en|er|es|em)?|geschuetzt(?:e|en|er|es|em)?|fest|feste|festen|fester|festes|festem|festgeschrieben(?:e|en|er|es|em)?|festgelegt(?:e|en|er|es|em)?)$/,
);
// "sure" and "certain" are mostly something else ("make sure", "certain features"): only right before the noun.
const WEAK_ADJACENT_ONLY = is(/^(?:sure|certain)$/);

const NEGATOR_ADVERB = is(/^(?:not|never|cannot|nothing|nobody|neither|nor|nicht|nichts|nie|niemals|niemand|keiner|keines|weder|noone)$|n't$/);
const NEGATOR_DETERMINER = is(/^(?:no|none|without|kein|keine|keinen|keinem|ohne)$/);
const FORWARD_NEGATOR = is(/^(?:not|never|nicht|nie|niemals|niemand|nobody)$/);
// A negator that governs these is not about the claim: "keine Sorge", "not only", "no doubt" (which affirms).
const NEGATOR_IDIOM = is(/^(?:worry|worries|problem|problems|hesitate|doubt|question|matter|only|just|sorge|sorgen|zweifel|frage|nur|zuletzt|wunder|umsonst)$/);
const COMPARATIVE = is(/^(?:easier|better|simpler|faster|einfacher|leichter|besser|schneller)$/);
const NEGATED_VERB_BEFORE = is(/^(?:zoegern|zoegert|vergessen|verpassen)$/);
const SUBJECT_VERB = is(
  /^(?:is|are|was|were|be|can|could|will|would|offers?|has|have|provides?|gives?|ist|sind|war|waren|kann|koennen|wird|werden|bietet|bieten|hat|haben|gibt|geben|garantiert|garantieren|verspricht|versprechen)$/,
);
const COMPLEMENTISER = is(/^(?:that|dass)$/);
const INDIRECT_QUESTION = is(/^(?:whether|ob)$/);
const COPULA = is(/^(?:is|are|was|be|been|remains?|stays?|'s|'re|ist|sind|bleibt|bleiben|wird|werden|steht|stehen|sei|seien|liegt|liegen)$/);

// (a) what a return is
const RETURN_WORD = is(
  /^(?:returns?|roi|yields?|profits?|profitable|profitability|income|earnings|gains|dividends?|payouts?|rendite|renditen|ertrag|ertraege|ertrags|ertraegen|gewinn|gewinne|gewinns|gewinnes|profite?|profitabel\w*|rentabel\w*|rentabilitaet|einnahmen|einkommen|einkommens|einkuenfte|zins|zinsen|zinssatz|verzinsung|ausschuettung(?:en)?|dividenden?|wertsteigerung(?:en)?|wertzuwachs|kursgewinne?|\w+rendite[n]?|rendite\w+|\w+gewinne?|\w+ertraege?|\w+zinsen|\w+zins)$/,
);
const RETURN_NOT_MONEY_AFTER = is(/^(?:policy|policies|shipping|label|labels|window|process|period|address|form|your|the|a|an|my|our|to|it|them|call|calls)$/);
// "in return for your feedback" is an exchange, not a yield
const RETURN_NOT_MONEY_BEFORE = is(/^(?:free|easy|hassle|product|item|tax|in)$/);
const PERIOD_WORD = is(/^(?:pa|jaehrlich|monatlich|woechentlich|taeglich|annually|monthly|yearly|weekly|daily|quarterly)$/);
const PERIOD_UNIT = is(/^(?:jahr|monat|woche|quartal|tag|year|month|annum|week|quarter|day)$/);
const PERIOD_PREP = is(/^(?:im|pro|per|a|an|each|every|jedes|jeden|jede|the)$/);
const NOT_A_RETURN_RATE = is(
  /^(?:preis\w*|price\w*|kosten|cost|costs|fee|fees|gebuehr\w*|rabatt\w*|discount\w*|off|uptime|verfuegbarkeit|availability|sla|erreichbarkeit|inflation|steuer\w*|tax|vat|mwst|ust)$/,
);
const EARN = is(/^(?:earn|earns|earning|verdienen|verdienst|verdient|verdiene|verdienst)$/);
const MAKE = is(/^(?:make|makes|making|machen|machst|macht)$/);
const YOU = is(/^(?:you|sie|du|ihr)$/);
const DEFINITE_FUTURE = is(/^(?:will|'ll|shall|going|gonna|werden|wirst|werdet)$/);
const HEDGE = is(/^(?:could|can|may|might|should|would|possibly|potentially|koennen|koennten|koennte|kann|kannst|moeglicherweise|eventuell|vielleicht)$/);
// "bis zu 8 %", "up to 8%": a ceiling, not a promise
const hedged = (c: Token[]) => c.some((t, i) => HEDGE(t) || (/^(?:bis|up)$/.test(t.n) && /^(?:zu|to)$/.test(c[i + 1]?.n ?? '')));
const CONTRACT_PAYMENT = is(/^(?:commission|commissions|provision|provisionen|referral|affiliate\w*)$/);
const MONEY_AMOUNT_WORD = is(/^(?:money|cash|geld|euro|euros|dollar|dollars|tausend|thousands|millionen|millions|vermoegen|fortune)$/);

// (b) what money is
const MONEY = is(
  /^(?:money|capital|principal|investments?|deposits?|savings|funds|geld|kapital|kapitals|einlagen?|ersparnisse|erspartes|vermoegen|vermoegens|investition|investitionen|investment|investments|geldanlagen?|kapitalanlagen?|vermoegensanlagen?|anlagebetrag|anlagekapital|guthaben|kapitalerhalt|cent|penny|pennies|euro|euros|dollar|dollars)$/,
);
const MONEY_BACK = is(/^(?:back|zurueck|refund|refunded|erstattet|zurueckerstattet)$/);
const LOSE = is(/^(?:lose|losing|verlieren|verliert|verlierst|verlierer)$/);
const LOSS = is(/^(?:loss|losses|verlust|verluste|verlusten|verlustrisiko|verlustrisiken|totalverlust|kapitalverlust|ausfallrisiko)$/);
const EXCLUDED = is(/^(?:ausgeschlossen|excluded|impossible|unmoeglich|eliminated)$/);
const RISK = is(/^(?:risk|risks|risiko|risiken|verlustrisiko|verlustrisiken)$/);
const RISK_FREE_WORD = is(/^(?:riskfree|riskless|risikofrei\w*|risikolos\w*|verlustfrei\w*|verlustsicher\w*|kapitalgeschuetzt\w*|kapitalschutz\w*)$/);
const FREE = is(/^(?:free|frei)$/);
// "no risk of double booking", "kein Risiko einer langen Bindung": the risk is of something named next
const NOT_THE_OBJECT = is(/^(?:of|for|that|fuer|dass|to|in|bei|beim|mit|von|vor|an|auf|einer|eines|des|der)$/);
const ANY = is(/^(?:any|at|all|whatsoever|jedes|jegliches|jeglichem|jeglichen|ein|einem|irgendein\w*)$/);
const LOSE_FUNCTION_WORD = is(
  /^(?:with|here|by|on|if|when|this|that|either|at|all|now|again|anything|any|a|an|the|your|single|one|of|dabei|hier|damit|so|also|eigentlich|wirklich|praktisch|ja|gar|ueberhaupt|mehr|etwas|auch|jemals|mit|uns|bei|einen|ein|eine|dem|den|garantiert|sicher|absolut|einfach|sie|man|du)$/,
);
// Accusative determiners: what follows is the thing that cannot be lost ("Ihre Kontakte", "your data").
const DETERMINER = is(/^(?:ihr|ihre|ihren|die|den|das|dein|deine|deinen|seine|eure|euer|unsere|unser|your|the|their|his|her|our|my)$/);

// (c) wealth
const RICH = is(/^(?:rich|richer|wealthy|millionaire|millionaires|reich|reicher|wohlhabend|millionaer\w*|wealth|reichtum)$/);
// "rich" and "reich" mean wealth as a predicate ("get rich", "reich werden", "rich quick"); before a noun they are
// something else ("rich insights", "rich text", "reich an Funktionen").
const RICH_ADJECTIVE = is(/^(?:rich|richer|wealthy|reich|reicher|wohlhabend)$/);
const AFTER_PREDICATE_RICH = is(
  /^(?:quick|quickly|fast|overnight|instantly|by|from|through|doing|using|off|and|or|werden|wirst|werde|wird|machen|macht|mit|durch|ueber|und|oder|schnell|sofort|bis)$/,
);
const BECOME = is(/^(?:be|get|gets|getting|got|become|becomes|becoming|grow|make|makes|making|turn|turns|werden|wirst|werde|wird|werdet|macht|machen|mache|machst|zum|zur)$/);
const FREEDOM_HEAD = is(/^(?:financial|financially|finanziell\w*)$/);
const FREEDOM = is(/^(?:freedom|free|independence|independent|freiheit|frei|unabhaengig\w*)$/);
const PASSIVE = is(/^(?:passive|passives|passiven|passiver)$/);
const INCOME = is(/^(?:income|einkommen|einnahmen)$/);
const QUICK = is(
  /^(?:quick|quickly|fast|overnight|instant|instantly|immediately|rapid|rapidly|effortless|effortlessly|schnell|schneller|sofort|handumdrehen|muehelos|blitzschnell|nebenbei)$/,
);
const TIME_UNIT = is(/^(?:days?|weeks?|months?|years?|tag|tagen|tage|woche|wochen|monat|monaten|monate|jahr|jahren)$/);
const TIME_PREP = is(/^(?:in|within|innerhalb|binnen)$/);
const SMALL_COUNT = is(/^(?:\d+|a|few|one|two|three|four|five|six|twelve|wenigen|ein|einem|einer|zwei|drei|vier|fuenf|sechs|zwoelf|kurzer|kuerzester|no)$/);

// (d) business outcomes
const OUTCOME = is(
  /^(?:success|successful|successfully|results?|revenues?|turnover|growth|conversions?|rankings?|savings|erfolg|erfolge|erfolges|erfolgs\w*|erfolgreich\w*|ergebnis|ergebnisse|ergebnissen|resultate?|umsatz|umsaetze|umsatzes|umsatzplus|umsatzsteigerung\w*|umsatzwachstum|wachstum|verkaeufe|verkaufszahlen|absatz|absatzzahlen|neukunden|konversion\w*|conversion\w*|ranking\w*|platzierung|einsparung\w*|ersparnis|double|doubles|doubled|triple|tripled|quadruple|multiply|verdoppel\w*|verdreifach\w*|vervielfach\w*|amortis\w*)$/,
);
const SALES = is(/^(?:sales)$/);
const SALES_AS_MODIFIER = is(/^(?:team|teams|rep|reps|department|call|calls|manager|managers|person|people|staff|deck|process|cycle|training|pitch|meeting|meetings|contact|colleague|colleagues|partner|partners)$/);
const COUNTABLE_OUTCOME = is(
  /^(?:customers|clients|leads|deals|bookings|appointments|signups|sign|subscribers|followers|orders|inquiries|kunden|leads|abschluesse|auftraege|buchungen|termine|anfragen|bestellungen|follower)$/,
);
const MORE = is(/^(?:more|new|additional|extra|mehr|neue|neuen|zusaetzliche\w*|weitere|weiteren)$/);
const SAVE = is(/^(?:save|saves|sparen|sparst|spart)$/);
const HUNDRED_PERCENT_WORD = is(/^(?:100|hundert)$/);
const PERCENT = is(/^(?:%|prozent|percent|pct)$/);
const SUCCESS = is(/^(?:success|erfolg|erfolge|erfolges)$/);

// ------------------------------------------------------------------------------------------- finding claims

interface Match {
  family: ClaimFamily;
  /** Indices in the clause of the words that make the claim. */
  at: number[];
  /** Negators that are part of the claim itself ("no risk", "cannot lose"): never read as negating it. */
  own?: number[];
}

/** What a return is, each as the indices of its words: "Rendite", "ROI", "interest rate", "8 % im Jahr". */
function returnObjects(c: Token[]): number[][] {
  const found: number[][] = [];
  const noRate = c.some(NOT_A_RETURN_RATE);
  for (let i = 0; i < c.length; i++) {
    const t = c[i]!;
    if (RETURN_WORD(t)) {
      // "free returns", "return policy", "we return your call", "ein Gewinn für Ihr Team" are not money returns
      if (/^returns?$/.test(t.n) && (RETURN_NOT_MONEY_AFTER(c[i + 1]) || RETURN_NOT_MONEY_BEFORE(c[i - 1]))) continue;
      if (/^gewinne?$/.test(t.n) && /^(?:fuer|for)$/.test(c[i + 1]?.n ?? '')) continue;
      found.push([i]);
    } else if (/^interest$/.test(t.n) && (/^rates?$/.test(c[i + 1]?.n ?? '') || PERCENT(c[i - 1]))) {
      found.push([i]); // "interest" alone is mostly "thanks for your interest"
    } else if (t.num && PERCENT(c[i + 1]) && !noRate) {
      // "8 % im Jahr", "8% p.a.", "5 % monatlich", "12% a year"
      const j = i + 2;
      if (PERIOD_WORD(c[j])) found.push([i, i + 1, j]);
      else if (PERIOD_PREP(c[j]) && PERIOD_UNIT(c[j + 1])) found.push([i, i + 1, j, j + 1]);
    }
  }
  return found;
}

function moneyObjects(c: Token[]): number[][] {
  const found: number[][] = [];
  for (let i = 0; i < c.length; i++) {
    // "money back", "Geld zurück": a refund promise, not safety of money
    if (MONEY(c[i]) && !/^(?:cent|penny|pennies|euro|euros|dollar|dollars)$/.test(c[i]!.n) && !MONEY_BACK(c[i + 1]) && !MONEY_BACK(c[i + 2])) found.push([i]);
  }
  return found;
}

function outcomeObjects(c: Token[]): number[][] {
  const found: number[][] = [];
  for (let i = 0; i < c.length; i++) {
    const t = c[i]!;
    if (/^erfolg(?:t|te|ten|en)$/.test(t.n)) continue; // "die Lieferung erfolgt": takes place
    if (OUTCOME(t)) found.push([i]);
    else if (SALES(t) && !SALES_AS_MODIFIER(c[i + 1])) found.push([i]);
    // "doppelt so viele Termine", "twice as many leads"
    else if (/^(?:doppelt|dreimal|zweimal|twice|double|triple)$/.test(t.n) && /^(?:so|as)$/.test(c[i + 1]?.n ?? '')) found.push([i, i + 1, i + 2]);
    else if (COUNTABLE_OUTCOME(t) && (MORE(c[i - 1]) || c[i - 1]?.num || MORE(c[i - 2]))) found.push([i - 1, i]);
    else if (SAVE(t) && c.slice(Math.max(0, i - 3), i + 4).some((x) => x.num)) found.push([i]);
    else if (t.num && PERCENT(c[i + 1]) && /^(?:more|mehr|higher|hoehere?n?|increase|steigerung|plus|growth|wachstum|uplift)$/.test(c[i + 2]?.n ?? '')) {
      found.push([i, i + 1, i + 2]);
    }
  }
  return found;
}

/** Strong promise words, with "100 %" as one. Excludes a money-back guarantee ("Geld-zurück-Garantie"). */
function strongPromises(c: Token[]): number[][] {
  const found: number[][] = [];
  for (let i = 0; i < c.length; i++) {
    if (STRONG(c[i])) {
      if (MONEY_BACK(c[i - 1]) || MONEY_BACK(c[i - 2])) continue;
      found.push([i]);
    } else if (HUNDRED_PERCENT_WORD(c[i]) && PERCENT(c[i + 1])) found.push([i, i + 1]);
    else if (/^sicher(?:n|e|t)$/.test(c[i]!.n)) {
      // the separable "zusichern": "Wir sichern Ihnen eine Mindestrendite zu"
      let segEnd = i;
      while (c[segEnd + 1]?.seg === c[i]!.seg) segEnd += 1;
      if (segEnd > i && /^zu$/.test(c[segEnd]!.n)) found.push([i, segEnd]);
    } else if (/^100prozentig\w*|^hundertprozentig\w*/.test(c[i]!.n)) found.push([i]);
  }
  return found;
}

/** May a strong promise word and its object pair up across segments? */
function reaches(c: Token[], promise: number[], object: number[]): boolean {
  const ps = c[promise[0]!]!.seg;
  const os = c[object[0]!]!.seg;
  if (ps === os) return true;
  if (Math.abs(ps - os) !== 1) return false;
  const later = Math.max(ps, os);
  const firstOfLater = c.find((t) => t.seg === later);
  // "Wir garantieren, dass Sie mehr Umsatz machen", "Wir versprechen Ihnen: mehr Umsatz"
  if (os > ps && (COMPLEMENTISER(firstOfLater) || firstOfLater?.afterColon)) return true;
  // A promise word standing alone: "Garantiert: mehr Umsatz", "Mehr Umsatz, garantiert!"
  return c.filter((t) => t.seg === ps).length <= 2;
}

/** A weak promise word binds the object right next to it, or as a predicate ("Ihr Kapital ist sicher"). */
function weakBinds(c: Token[], w: number, object: number[]): boolean {
  const first = object[0]!;
  const last = object[object.length - 1]!;
  if (c[w]!.seg !== c[first]!.seg) return false;
  if (w < first) {
    const gap = first - w - 1;
    if (gap === 0 && c[first]!.joined) return false; // "fixed-income clients": a compound naming a kind, not a promise
    if (WEAK_ADJACENT_ONLY(c[w])) return gap === 0;
    return gap <= 2 && !c.slice(w + 1, first).some((t) => NEGATOR_ADVERB(t) || NEGATOR_DETERMINER(t));
  }
  if (w === last + 1) return true; // "Rendite sicher", "capital protected"
  if (w - last > 6) return false;
  const between = c.slice(last + 1, w);
  return between.some(COPULA) || COPULA(c[w + 1]);
}

function pairs(c: Token[], family: ClaimFamily, objects: number[][], strong: number[][], weak: boolean | ((o: number[]) => boolean)): Match[] {
  const found: Match[] = [];
  for (const object of objects) {
    const s = strong.find((p) => !p.some((i) => object.includes(i)) && reaches(c, p, object));
    if (s) {
      found.push({ family, at: [...s, ...object] });
      continue;
    }
    if (weak === false || (typeof weak === 'function' && !weak(object))) continue;
    const w = c.findIndex((t, i) => WEAK(t) && !object.includes(i) && weakBinds(c, i, object));
    if (w >= 0) found.push({ family, at: [w, ...object] });
  }
  return found;
}

function promisedReturns(c: Token[], strong: number[][]): Match[] {
  const found = pairs(c, 'promised_return', returnObjects(c), strong, true);
  // Compound nouns that carry both halves: Renditegarantie, Gewinnversprechen, Festzins, Zinsgarantie
  c.forEach((t, i) => {
    if (/^(?:rendite|gewinn|ertrags?|zins|ausschuettungs?|dividenden?|einkommens?|einnahmen?)\w*(?:garantie|garantien|garantiert\w*|versprechen|zusage)$/.test(t.n) || /^festzins\w*|^fixzins\w*/.test(t.n)) {
      found.push({ family: 'promised_return', at: [i] });
    }
  });
  found.push(...earnings(c));
  // "double your money", "Geld verdoppeln"
  c.forEach((t, i) => {
    if (!/^(?:double|triple|multiply|verdoppel\w*|verdreifach\w*|vervielfach\w*)$/.test(t.n)) return;
    const near = [i - 3, i - 2, i - 1, i + 1, i + 2, i + 3].find((j) => MONEY(c[j]) && c[j]!.seg === t.seg);
    if (near !== undefined) found.push({ family: 'promised_return', at: [Math.min(i, near), Math.max(i, near)] });
  });
  return found;
}

/** "you will earn 8 % a year", "Sie verdienen garantiert mehr", "you'll make $5,000 a month"; not "you could earn". */
function earnings(c: Token[]): Match[] {
  const found: Match[] = [];
  if (c.some(CONTRACT_PAYMENT)) return found; // a partner's commission rate is a contract term, not a return
  c.forEach((t, i) => {
    const earn = EARN(t) || (MAKE(t) && (MONEY_AMOUNT_WORD(c[i + 1]) || c[i + 1]?.num || /^[€$£]/.test(c[i + 1]?.raw ?? '') || RETURN_WORD(c[i + 1])));
    if (!earn) return;
    if (hedged(c)) return;
    // the lead as the one who earns: near the English verb, anywhere before the German one at the clause end
    const english = /^(?:earn|earns|earning|make|makes|making)$/.test(t.n);
    const window = english ? c.slice(Math.max(0, i - 4), i + 4) : c.filter((x) => x.seg === t.seg);
    if (!window.some(YOU)) {
      // "Our investors earn 15 % per year": a rate of return stated as fact, whoever earns it
      const rate = EARN(t) ? returnObjects(c).find((o) => o.length > 1) : undefined;
      if (rate) found.push({ family: 'promised_return', at: [i, ...rate] });
      return;
    }
    const sure = c.slice(Math.max(0, i - 3), i + 4).some((x) => STRONG(x) || WEAK(x));
    // an amount in the verb's segment (or the one its colon announces); a year is not one
    const said = c.filter((x) => x.seg === t.seg || (x.seg === t.seg + 1 && c.find((y) => y.seg === t.seg + 1)?.afterColon));
    const amount = said.find((x) => (x.num && !/^(?:19|20)\d\d$/.test(x.n)) || PERCENT(x) || MONEY_AMOUNT_WORD(x) || RETURN_WORD(x));
    // English needs "will"/present for a promise ("you earn", "you will earn"); German present tense is one.
    const definite = !english || c.slice(Math.max(0, i - 3), i).some(DEFINITE_FUTURE) || YOU(c[i - 1]);
    if (definite && (sure || amount)) found.push({ family: 'promised_return', at: amount ? [i, c.indexOf(amount)] : [i] });
  });
  return found;
}

function moneySafety(c: Token[], strong: number[][]): Match[] {
  // "Your investment is protected by our money-back guarantee": a refund promise, which is a service term
  const refund = c.some((t, i) => MONEY_BACK(t) && (MONEY(c[i - 1]) || /^(?:money|geld)$/.test(c[i - 2]?.n ?? '')));
  const found: Match[] = [];
  c.forEach((t, i) => {
    // risikofrei, risikolos, riskless, verlustfrei, kapitalgeschützt; Kapitalgarantie
    if (RISK_FREE_WORD(t) || /^(?:kapital|einlagen?)\w*(?:garantie|garantiert\w*)$/.test(t.n)) {
      found.push({ family: 'money_safety', at: [i] });
      return;
    }
    // risk-free, risk free, "free of risk" is rare enough
    if (RISK(t) && FREE(c[i + 1])) {
      found.push({ family: 'money_safety', at: [i, i + 1] });
      return;
    }
    // no risk, zero risk, kein Risiko, kein Verlustrisiko, ohne (jedes) Risiko, without any risk, keinerlei Risiko
    if (RISK(t)) {
      let j = i - 1;
      while (ANY(c[j]) && j > i - 3) j -= 1;
      const head = c[j];
      if (!(head && (NEGATOR_DETERMINER(head) || /^(?:zero|null|keinerlei)$/.test(head.n)))) {
        // "Verlustrisiko ausgeschlossen"
        if (/^verlust/.test(t.n) && c.slice(i + 1, i + 4).some(EXCLUDED)) found.push({ family: 'money_safety', at: [i] });
        return;
      }
      // "no risk of double booking", "kein Risiko für Ihre Daten": a risk of something other than losing money
      // ("Null Risiko für Sie", "no risk for you": the lead is the one at risk, so it is about their money)
      if (NOT_THE_OBJECT(c[i + 1]) && !/^verlust/.test(t.n) && !/^(?:sie|you|ihnen|dich|euch|du)$/.test(c[i + 2]?.n ?? '')) {
        const what = c.slice(i + 2, i + 6);
        if (!what.some((x) => MONEY(x) || LOSS(x) || LOSE(x) || RETURN_WORD(x))) return;
      }
      const at = Array.from({ length: i - j + 1 }, (_, k) => j + k);
      found.push({ family: 'money_safety', at, own: at });
      return;
    }
    // "Totalverlust ausgeschlossen", "losses are impossible"
    if (LOSS(t) && c.slice(i + 1, i + 4).some(EXCLUDED)) found.push({ family: 'money_safety', at: [i, c.findIndex((x, k) => k > i && EXCLUDED(x))] });
  });
  found.push(...cannotLose(c));
  if (!refund) found.push(...pairs(c, 'money_safety', moneyObjects(c), strong, true));
  return found;
}

/** "you cannot lose", "Sie können kein Geld verlieren", "you'll never lose money"; not "you won't lose your data". */
function cannotLose(c: Token[]): Match[] {
  const found: Match[] = [];
  c.forEach((t, v) => {
    if (!LOSE(t)) return;
    const n = [v - 1, v - 2, v - 3, v - 4].find((j) => (NEGATOR_ADVERB(c[j]) || NEGATOR_DETERMINER(c[j])) && c[j]!.seg === t.seg);
    if (n === undefined) return;
    // "nothing to lose", "nichts zu verlieren": an invitation, not a promise; "lose out": miss out
    if (/^(?:to|zu)$/.test(c[v - 1]?.n ?? '') || /^out$/.test(c[v + 1]?.n ?? '')) return;
    const between = c.slice(n + 1, v);
    const money = c.some(MONEY) || between.some((x) => /^(?:cent|penny|euro|dollar)s?$/.test(x.n));
    if (!money) {
      // Something else is what cannot be lost: "keine Daten verlieren", "Ihre Daten nicht verlieren", "lose your contacts"
      if (between.some((x) => !LOSE_FUNCTION_WORD(x) && !NEGATOR_ADVERB(x))) return;
      // German puts the object before the negator, often before the verb: "Ihre Kontakte können Sie nicht verlieren"
      for (let j = n - 1; j > 0 && c[j]!.seg === t.seg; j--) if (DETERMINER(c[j - 1]) && !LOSE_FUNCTION_WORD(c[j])) return;
      let k = v + 1;
      while (DETERMINER(c[k]) || ANY(c[k])) k += 1;
      if (k > v + 1 && c[k] && c[k]!.seg === t.seg && !LOSE_FUNCTION_WORD(c[k])) return;
      if (k === v + 1 && c[k] && c[k]!.seg === t.seg && !LOSE_FUNCTION_WORD(c[k]) && !/^(?:with|here)$/.test(c[k]!.n)) return;
    }
    found.push({ family: 'money_safety', at: [n, v], own: [n] });
  });
  return found;
}

function quickWealth(c: Token[], strong: number[][]): Match[] {
  const found: Match[] = [];
  const quick = (): number | undefined => {
    const q = c.findIndex(QUICK);
    if (q >= 0) return q;
    // "ueber Nacht", "in 3 Monaten", "within a few weeks", "innerhalb von 90 Tagen"
    const night = c.findIndex((t, i) => /^(?:ueber|over)$/.test(t.n) && /^nacht$/.test(c[i + 1]?.n ?? ''));
    if (night >= 0) return night;
    // "by next year", "bis nächstes Jahr", "bis Ende des Jahres"
    const soon = c.findIndex((t, i) => /^(?:by|bis)$/.test(t.n) && /^(?:next|naechste[snm]?|ende|end)$/.test(c[i + 1]?.n ?? ''));
    if (soon >= 0) return soon;
    const frame = c.findIndex((t, i) => {
      if (!TIME_PREP(t)) return false;
      const rest = c.slice(i + 1, i + 5).filter((x) => !/^(?:von|of|just|nur|only|the|next)$/.test(x.n));
      return TIME_UNIT(rest[0]) || (SMALL_COUNT(rest[0]) && (TIME_UNIT(rest[1]) || (SMALL_COUNT(rest[1]) && TIME_UNIT(rest[2]))));
    });
    return frame >= 0 ? frame : undefined;
  };
  c.forEach((t, i) => {
    const next = c[i + 1];
    const predicate =
      !RICH_ADJECTIVE(t) || !next || next.seg !== t.seg || AFTER_PREDICATE_RICH(next) || (TIME_PREP(next) && (SMALL_COUNT(c[i + 2]) || TIME_UNIT(c[i + 2])));
    // "feature-rich", "nährstoff-reich"; but "Schnell-reich-werden"
    const compound = t.joined && !QUICK(c[i - 1]) && !BECOME(c[i - 1]);
    if (RICH(t) && predicate && !compound) {
      // "be" only with the lead as subject: "you could be a millionaire", not "our clients may be wealthy"
      const becomes = (j: number) => BECOME(c[j]) && (c[j]!.n !== 'be' || c.slice(Math.max(0, j - 3), j).some(YOU));
      const become = [i - 4, i - 3, i - 2, i - 1, i + 1, i + 2].find((j) => becomes(j) && !/^(?:wealth|reichtum)$/.test(t.n));
      if (become !== undefined) found.push({ family: 'quick_wealth', at: [Math.min(i, become), Math.max(i, become)] });
      else {
        const q = quick();
        if (q !== undefined) found.push({ family: 'quick_wealth', at: [Math.min(i, q), Math.max(i, q)] });
      }
    }
    // financial freedom / finanziell frei / passive income, with a time frame or a promise
    const freedom = (FREEDOM_HEAD(t) && FREEDOM(c[i + 1])) || (PASSIVE(t) && INCOME(c[i + 1]));
    if (freedom) {
      const q = quick() ?? strong.find((s) => reaches(c, s, [i]))?.[0];
      if (q !== undefined) found.push({ family: 'quick_wealth', at: [Math.min(i, q), i + 1, Math.max(i + 1, q)] });
    }
    // "money while you sleep", "Geld im Schlaf"
    if (/^(?:sleep|schlaf)$/.test(t.n) && c.slice(Math.max(0, i - 4), i).some((x) => MONEY(x) || EARN(x) || INCOME(x))) {
      found.push({ family: 'quick_wealth', at: [i] });
    }
  });
  return found;
}

function guaranteedOutcomes(c: Token[], strong: number[][]): Match[] {
  const found = pairs(c, 'guaranteed_outcome', outcomeObjects(c), strong, (o) => o.length === 1 && SUCCESS(c[o[0]!]));
  c.forEach((t, i) => {
    if (/^(?:erfolgs|ergebnis|umsatz|resultat|wachstums|leads|kunden)\w*(?:garantie|garantien|garantiert\w*|versprechen)$/.test(t.n)) {
      found.push({ family: 'guaranteed_outcome', at: [i] });
    }
  });
  // "You will double your sales", "Sie werden Ihren Umsatz verdoppeln": a certain multiple is a promise too
  c.forEach((t, i) => {
    if (!/^(?:double|triple|quadruple|verdoppeln|verdreifachen|vervielfachen)$/.test(t.n)) return;
    const before = c.slice(Math.max(0, i - 5), i);
    if (before.some(YOU) && before.some(DEFINITE_FUTURE) && !hedged(c)) found.push({ family: 'guaranteed_outcome', at: [i] });
  });
  return found;
}

// ------------------------------------------------------------------------------------------- negation

function negated(c: Token[], m: Match): boolean {
  const own = new Set(m.own ?? []);
  const first = Math.min(...m.at);
  const last = Math.max(...m.at);
  const seg = c[first]!.seg;
  const adverb = (j: number) => NEGATOR_ADVERB(c[j]) || (NEGATOR_DETERMINER(c[j]) && /^(?:one|such|way|body)$/.test(c[j + 1]?.n ?? ''));
  const real = (j: number) => {
    const t = c[j];
    if (!t || own.has(j) || m.at.includes(j)) return false;
    if (NEGATOR_IDIOM(c[j + 1]) || NEGATED_VERB_BEFORE(c[j - 1]) || NEGATED_VERB_BEFORE(c[j - 2])) return false;
    // "war nie einfacher", "has never been easier": a boast, not a denial
    if (COMPARATIVE(c[j + 1]) || COMPARATIVE(c[j + 2])) return false;
    return true;
  };
  // An indirect question is no claim: "Sie fragten, ob die Rendite garantiert ist"
  for (let j = first - 1; j >= 0 && c[j]!.seg === seg; j--) if (INDIRECT_QUESTION(c[j])) return true;
  // between the halves
  for (let j = first + 1; j < last; j++) if (real(j) && adverb(j)) return true;
  // "kein/no/ohne" right before a half (an adjective may sit between: "keine festen Renditen")
  for (const i of m.at) {
    for (const j of [i - 1, i - 2]) {
      if (j === i - 2 && (m.at.includes(i - 1) || NEGATOR_ADVERB(c[i - 1]))) continue;
      if (real(j) && NEGATOR_DETERMINER(c[j]) && c[j]!.seg === c[i]!.seg) return true;
    }
  }
  // before, in the same segment: "we cannot guarantee", "No investment is risk-free"
  const scope = (from: number, to: number) => {
    for (let j = to; j >= from; j--) {
      if (!real(j)) continue;
      if (adverb(j)) return true;
      if (NEGATOR_DETERMINER(c[j]) && c.slice(j + 1, j + 4).some(SUBJECT_VERB)) return true;
    }
    return false;
  };
  let from = first;
  while (from > 0 && c[from - 1]!.seg === seg && first - from < 6) from -= 1;
  if (scope(from, first - 1)) return true;
  // the clause a "dass/that" segment depends on: "Ich kann nicht versprechen, dass Sie reich werden"
  const segStart = c.findIndex((t) => t.seg === seg);
  if (COMPLEMENTISER(c[segStart]) && segStart > 0) {
    const prevSeg = c[segStart - 1]!.seg;
    const prevStart = c.findIndex((t) => t.seg === prevSeg);
    if (scope(prevStart, segStart - 1)) return true;
  }
  // after: "Gewinne garantieren können wir nicht", "Garantierte Renditen gibt es bei uns nicht", "risikolos ist keine Anlage"
  for (let j = last + 1; j <= last + 5 && j < c.length && c[j]!.seg === c[last]!.seg; j++) {
    if (real(j) && FORWARD_NEGATOR(c[j])) return true;
    if (real(j) && NEGATOR_DETERMINER(c[j]) && COPULA(c[j - 1])) return true;
  }
  return false;
}

// ------------------------------------------------------------------------------------------- entry point

/** Every forbidden claim in the text, at most one per family and clause, in order. */
export function findComplianceClaims(text: string): ComplianceFinding[] {
  const findings: ComplianceFinding[] = [];
  for (const c of clausesOf(text)) {
    const strong = strongPromises(c);
    const matches = [...promisedReturns(c, strong), ...moneySafety(c, strong), ...quickWealth(c, strong), ...guaranteedOutcomes(c, strong)];
    const seen = new Set<ClaimFamily>();
    for (const m of matches) {
      if (seen.has(m.family) || negated(c, m)) continue;
      seen.add(m.family);
      const at = [...new Set(m.at)].sort((a, b) => a - b);
      const phrase = at.map((i, k) => (k > 0 && i > at[k - 1]! + 1 ? `… ${c[i]!.raw}` : c[i]!.raw)).join(' ');
      findings.push({ family: m.family, words: at.map((i) => c[i]!.raw), phrase });
    }
  }
  return findings;
}

export function describeFinding(f: ComplianceFinding): string {
  return `${FAMILY_LABEL[f.family]}: "${f.phrase}"`;
}
