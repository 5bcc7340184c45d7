import type { GateResult } from './quality-gates';

/**
 * The claims gate: every price, discount, percentage and calendar date a reply states must come from what the
 * user gave us (their templates and facts, and whatever else the caller passes as a source). A model that
 * invents "49 €" or "bis 31.12." makes an offer the seller never made (BGB §145: a priced offer can bind), so
 * such a reply goes to a person.
 *
 * Values are compared, not strings: "49 €" = "€49" = "49,00 EUR" = "EUR 49.-"; "5. Dezember" = "December 5th" =
 * "05.12." (a date without a year matches that day in any year; two years must agree).
 *
 * Not claims, by rule: phone numbers (a leading + or 0 and seven or more digits), times of day ("10 Uhr",
 * "10:30", "3pm", "15.30 Uhr"), slash dates without a year ("24/7", "1/2"), a VAT rate ("zzgl. 19 % MwSt."),
 * numbers without a currency, percent sign or month (list numbering, counts, durations, years on their own).
 * A number without a currency in a source does back a price ("Preis pro Nutzer: 49" backs "49 €").
 */

export type Currency = 'EUR' | 'USD' | 'GBP' | 'CHF';

export interface CalendarDate {
  year?: number;
  month: number;
  day: number;
}

export type Claim =
  | { kind: 'price'; text: string; amount: number; currency: Currency }
  | { kind: 'discount'; text: string; percent: number }
  | { kind: 'discount'; text: string; amount: number; currency: Currency }
  | { kind: 'percentage'; text: string; percent: number }
  /** `dates` holds more than one reading only for a slash date both ways valid (03/04/2026). */
  | { kind: 'date'; text: string; dates: CalendarDate[]; weekday?: number };

// ---------------------------------------------------------------------------------------------- numbers

// 1.200 | 1,200 | 1'200 | 1 200 (no-break spaces only) | 49,90 | 49.90 | 1.200,50 | 1,200.50 | 49
const NUM = String.raw`\d{1,3}(?:[.,'’\u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?`;
const MULT = String.raw`(?:k|tsd\.?|tausend|thousand|mio\.?|millionen|million(?:s)?|mn|mrd\.?|milliarden|billion(?:s)?|bn)(?![\p{L}])`;
const MULTIPLIER: [RegExp, number][] = [
  [/^(?:k|tsd|tausend|thousand)/i, 1e3],
  [/^(?:mio|million|mn)/i, 1e6],
  [/^(?:mrd|milliarde|billion|bn)/i, 1e9],
];

/**
 * "1.200" and "1,200" are twelve hundred (a single separator before exactly three digits groups thousands in
 * both languages); "49,90" and "49.90" are decimals; with both separators the last one is the decimal mark.
 */
export function parseAmount(raw: string): number {
  const s = raw.replace(/[\s'’\u00a0\u202f]/g, '');
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let normal: string;
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const group = decimal === '.' ? ',' : '.';
    normal = s.split(group).join('').replace(decimal, '.');
  } else if (lastDot >= 0 || lastComma >= 0) {
    const sep = lastDot >= 0 ? '.' : ',';
    const parts = s.split(sep);
    const grouped = parts.length > 2 || (parts[1]!.length === 3 && parts[0] !== '0');
    normal = grouped ? parts.join('') : parts.join('.');
  } else {
    normal = s;
  }
  return Number(normal);
}

function multiplied(amount: number, mult: string | undefined): number {
  if (!mult) return amount;
  const factor = MULTIPLIER.find(([re]) => re.test(mult))?.[1] ?? 1;
  return Math.round(amount * factor * 100) / 100;
}

// ---------------------------------------------------------------------------------------------- currency

const CURRENCY_BEFORE = String.raw`€|EUR|US\$|\$|USD|£|GBP|CHF`;
const CURRENCY_AFTER = String.raw`€|EUR(?![\p{L}])|Euros?(?![\p{L}])|\$|USD(?![\p{L}])|(?:US[- ])?[Dd]ollars?(?![\p{L}])|£|GBP(?![\p{L}])|[Pp]ounds?(?![\p{L}])|CHF(?![\p{L}])|Franken(?![\p{L}])`;

function currencyOf(symbol: string): Currency {
  const s = symbol.toLowerCase();
  if (s.includes('$') || s.includes('usd') || s.includes('dollar')) return 'USD';
  if (s.includes('£') || s.includes('gbp') || s.includes('pound')) return 'GBP';
  if (s.includes('chf') || s.includes('franken')) return 'CHF';
  return 'EUR';
}

// ---------------------------------------------------------------------------------------------- dates

const MONTHS: [RegExp, number][] = [
  [/^(?:jan(?:uary|uar)?|jän(?:ner)?|jaen(?:ner)?)$/i, 1],
  [/^(?:feb(?:ruary|ruar)?|feber)$/i, 2],
  [/^(?:mar(?:ch)?|mär(?:z)?|maerz|mrz)$/i, 3],
  [/^apr(?:il)?$/i, 4],
  [/^(?:may|mai)$/i, 5],
  [/^(?:june?|juni?)$/i, 6],
  [/^(?:july?|juli?)$/i, 7],
  [/^aug(?:ust)?$/i, 8],
  [/^sep(?:t(?:ember)?)?$/i, 9],
  [/^(?:oct(?:ober)?|okt(?:ober)?)$/i, 10],
  [/^nov(?:ember)?$/i, 11],
  [/^(?:dec(?:ember)?|dez(?:ember)?)$/i, 12],
];
const MONTH = String.raw`(?:January|Januar|Jänner|February|Februar|March|März|Maerz|April|May|Mai|June|Juni|July|Juli|August|September|October|Oktober|November|December|Dezember|Jan|Feb|Mar|Mär|Mrz|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Okt|Nov|Dec|Dez)`;
const WEEKDAYS: [RegExp, number][] = [
  [/^(?:sun(?:day)?|so(?:nntag)?)$/i, 0],
  [/^(?:mon(?:day)?|mo(?:ntag)?)$/i, 1],
  [/^(?:tue(?:s(?:day)?)?|di(?:enstag)?)$/i, 2],
  [/^(?:wed(?:nesday)?|mi(?:ttwoch)?)$/i, 3],
  [/^(?:thu(?:r(?:s(?:day)?)?)?|do(?:nnerstag)?)$/i, 4],
  [/^(?:fri(?:day)?|fr(?:eitag)?)$/i, 5],
  [/^(?:sat(?:urday)?|sa(?:mstag)?)$/i, 6],
];
// Short German weekdays (Mo, Di, ...) only with their dot or comma, so "Do 5.12." reads, "so 5" does not.
const WEEKDAY = String.raw`(?:(?:Sunday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sonntag|Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sun|Mon|Tues|Tue|Wed|Thurs|Thu|Fri|Sat)\.?|(?:So|Mo|Di|Mi|Do|Fr|Sa)\.)`;
const WEEKDAY_PREFIX = String.raw`(?:(?<weekday>${WEEKDAY}),?\s+(?:(?:den|the)\s+)?)?`;

function monthOf(name: string): number | undefined {
  return MONTHS.find(([re]) => re.test(name.replace(/\.$/, '')))?.[1];
}
function weekdayOf(name: string | undefined): number | undefined {
  if (!name) return undefined;
  const bare = name.replace(/[.,]$/, '');
  if (/^sonnabend$/i.test(bare)) return 6;
  return WEEKDAYS.find(([re]) => re.test(bare))?.[1];
}
function fullYear(raw: string | undefined): number | undefined {
  if (!raw) return undefined;
  const n = Number(raw);
  return raw.length === 2 ? 2000 + n : n;
}
function daysIn(month: number, year: number | undefined): number {
  if (month === 2) return year === undefined || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
function validDate(d: CalendarDate): boolean {
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= daysIn(d.month, d.year);
}
function weekdayAt(d: CalendarDate): number | undefined {
  return d.year === undefined ? undefined : new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

// ---------------------------------------------------------------------------------------------- extraction

interface Pattern {
  re: RegExp;
  read(m: RegExpExecArray): Claim[];
}

const B = String.raw`(?<![\p{L}\p{N}]|\p{N}[.,])`; // a number starts here, not inside "v2" or "1.200"
const E = String.raw`(?![\p{N}]|[.,]\p{N})`; // and ends here

function dateClaim(text: string, dates: CalendarDate[], weekdayName?: string): Claim[] {
  const valid = dates.filter(validDate);
  if (valid.length === 0) return [];
  const weekday = weekdayOf(weekdayName);
  return [{ kind: 'date', text, dates: valid, ...(weekday === undefined ? {} : { weekday }) }];
}

// Spans that look numeric but are no claim; they are blanked (same length) before the claims are read.
const NOT_CLAIMS: RegExp[] = [
  /https?:\/\/\S+|www\.\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/giu,
  // Phone numbers: international (+49 / 0049) or national (030 ..., 0171-...), seven digits or more.
  /(?<![\p{N}.,])(?:\+|00)\d{1,3}[\s\-/().]*(?:\d[\s\-/().]*){6,}\d/gu,
  /(?<![\p{N}.,])0\d{2,5}(?:[\s\-/]|\)\s?)?\d(?:[\s-]?\d){4,}(?![\p{N}])/gu,
  // Times of day: 10:30, 10 Uhr, 15.30 Uhr, 3pm, 3 p.m., 10h
  /(?<![\p{N}])\d{1,2}(?:[:.]\d{2})?\s?(?:uhr|h(?![\p{L}])|am(?![\p{L}])|pm(?![\p{L}])|a\.m\.|p\.m\.)/giu,
  /(?<![\p{N}])\d{1,2}:\d{2}(?::\d{2})?(?![\p{N}])/gu,
  // 24/7 and fractions: slash dates without a year are not read at all.
];

const DATE_PATTERNS: Pattern[] = [
  {
    // 2026-12-05
    re: new RegExp(String.raw`${WEEKDAY_PREFIX}${B}(?<y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})${E}`, 'gu'),
    read: (m) => dateClaim(m[0], [{ year: Number(m.groups!.y), month: Number(m.groups!.m), day: Number(m.groups!.d) }], m.groups!.weekday),
  },
  {
    // 31.12.2026, 31.12.26, 31.12., 5.12. (German order; without a year the month needs its closing dot), but
    // not a version number ("Version 2.1.")
    re: new RegExp(String.raw`${WEEKDAY_PREFIX}(?<!(?:[Vv]ersion|[Rr]elease|v)\s?)${B}(?<d>\d{1,2})\.\s?(?<m>\d{1,2})\.(?:\s?(?<y>\d{4}|\d{2})${E})?`, 'gu'),
    read: (m) => dateClaim(m[0], [{ year: fullYear(m.groups!.y), month: Number(m.groups!.m), day: Number(m.groups!.d) }], m.groups!.weekday),
  },
  {
    // 12/31/2026 or 31/12/2026: read both ways when both are dates
    re: new RegExp(String.raw`${WEEKDAY_PREFIX}${B}(?<a>\d{1,2})/(?<b>\d{1,2})/(?<y>\d{4}|\d{2})${E}`, 'gu'),
    read: (m) => {
      const year = fullYear(m.groups!.y);
      const a = Number(m.groups!.a);
      const b = Number(m.groups!.b);
      const readings = [{ year, month: b, day: a }, ...(a === b ? [] : [{ year, month: a, day: b }])];
      return dateClaim(m[0], readings, m.groups!.weekday);
    },
  },
  {
    // 5. Dezember 2026, 5 December, 5th of Dec., the 5th of December
    re: new RegExp(
      String.raw`${WEEKDAY_PREFIX}${B}(?<d>\d{1,2})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(?<mon>${MONTH})(?![\p{L}])\.?(?:,?\s*(?<y>\d{4})${E})?`,
      'giu',
    ),
    read: (m) => monthNameDate(m),
  },
  {
    // December 5, Dec 5th, 2026; Dezember 5
    re: new RegExp(String.raw`${WEEKDAY_PREFIX}(?<![\p{L}])(?<mon>${MONTH})\.?\s+(?<d>\d{1,2})(?:st|nd|rd|th)?${E}(?:,?\s*(?<y>\d{4})${E})?`, 'giu'),
    read: (m) => monthNameDate(m),
  },
];

function monthNameDate(m: RegExpExecArray): Claim[] {
  const name = m.groups!.mon!;
  // "may" is mostly the verb and "mar" a word: as months they are written with a capital.
  if (/^(?:may|mar)$/.test(name)) return [];
  const month = monthOf(name);
  if (month === undefined) return [];
  // "Dec." keeps its dot; a sentence's full stop after "Dezember" is not part of the date.
  const text = name.length > 4 ? m[0].trim().replace(/\.$/, '') : m[0].trim();
  return dateClaim(text, [{ year: fullYear(m.groups!.y), month, day: Number(m.groups!.d) }], m.groups!.weekday);
}

const DISCOUNT_AFTER = /^\s*(?:\p{L}+\s+){0,2}?(?:rabatt|nachlass|preisnachlass|skonto|ermäßigung|ermaessigung|off|discount|reduction|reduziert|günstiger|guenstiger|weniger|less)(?![\p{L}])/iu;
const DISCOUNT_BEFORE = /(?:rabatt|nachlass|skonto|ermäßigung|ermaessigung|discount|save|sparen|sparen sie|spart|sparst|reduziert um|reduced by|minus)\s+(?:\p{L}+\s+){0,2}?(?:von\s+|of\s+|um\s+|by\s+)?$/iu;

function isDiscount(text: string, start: number, end: number): boolean {
  return DISCOUNT_AFTER.test(text.slice(end, end + 40)) || DISCOUNT_BEFORE.test(text.slice(Math.max(0, start - 40), start));
}

const VAT_AFTER = /^\s*(?:gesetzliche[rn]?\s+)?(?:MwSt|USt|VAT|Mehrwertsteuer|Umsatzsteuer|sales tax)(?![\p{L}])/iu;
const PERCENT = String.raw`(?:\s?%|\s?(?:Prozent|percent|per\s?cent|pct\.?)(?![\p{L}]))`;

// Prices and price ranges: "€49", "EUR 49,90", "49,- €", "1.200 €", "49–99 €", "$2k", "1,5 Mio. €" (currency first or last)
const PRICE_CURRENCY_FIRST = new RegExp(
  String.raw`(?<cur>${CURRENCY_BEFORE})\s?(?<a>${NUM})(?:\s?(?<ma>${MULT}))?(?:\s?[-–]\s?(?:${CURRENCY_BEFORE})?\s?(?<b>${NUM})(?:\s?(?<mb>${MULT}))?)?(?:[.,][-–])?${E}`,
  'giu',
);
const PRICE_CURRENCY_LAST = new RegExp(
  String.raw`${B}(?<a>${NUM})(?:\s?(?<ma>${MULT}))?(?:(?:\s?[-–]\s?|\s(?:bis|to)\s)(?<b>${NUM})(?:\s?(?<mb>${MULT}))?)?(?:[.,][-–])?\s?(?<cur>${CURRENCY_AFTER})`,
  'giu',
);
// Percentages and ranges: "20 %", "20%", "0,5 Prozent", "10–20 %"
const PERCENTAGE = new RegExp(String.raw`${B}(?<a>${NUM})(?:${PERCENT})?(?:\s?[-–]\s?|\s(?:bis|to)\s)(?<b>${NUM})${PERCENT}|${B}(?<c>${NUM})${PERCENT}`, 'giu');

function moneyClaims(text: string, whole: string, start: number, amounts: number[], currency: Currency): Claim[] {
  const end = start + whole.length;
  const discount = isDiscount(text, start, end);
  return amounts.map((amount) =>
    discount ? { kind: 'discount', text: whole, amount, currency } : { kind: 'price', text: whole, amount, currency },
  );
}

function percentClaims(text: string, whole: string, start: number, values: number[]): Claim[] {
  const discount = isDiscount(text, start, start + whole.length);
  return values.map((percent) => (discount ? { kind: 'discount', text: whole, percent } : { kind: 'percentage', text: whole, percent }));
}

/** Every price, discount, percentage and date in the text, in order of appearance. */
export function extractClaims(text: string): Claim[] {
  return scan(text).claims;
}

/** The claims, and the text with them (and the spans that are no claim) blanked out. */
function scan(text: string): { claims: Claim[]; rest: string } {
  let rest = text.normalize('NFKC');
  const blank = (from: number, length: number) => {
    rest = rest.slice(0, from) + ' '.repeat(length) + rest.slice(from + length);
  };
  const found: { at: number; claims: Claim[] }[] = [];
  const take = (re: RegExp, read: (m: RegExpExecArray) => Claim[]) => {
    for (const m of [...rest.matchAll(re)] as RegExpExecArray[]) {
      const claims = read(m);
      if (claims.length === 0) continue;
      found.push({ at: m.index, claims });
      blank(m.index, m[0].length);
    }
  };

  // ISO dates contain what looks like a phone number's dashes; read them before phones are blanked.
  take(DATE_PATTERNS[0]!.re, DATE_PATTERNS[0]!.read);
  for (const re of NOT_CLAIMS) for (const m of [...rest.matchAll(re)]) blank(m.index, m[0].length);
  for (const { re, read } of DATE_PATTERNS.slice(1)) take(re, read);

  take(PRICE_CURRENCY_FIRST, (m) => {
    const g = m.groups!;
    const amounts = [multiplied(parseAmount(g.a!), g.ma), ...(g.b ? [multiplied(parseAmount(g.b), g.mb ?? g.ma)] : [])];
    return moneyClaims(rest, m[0], m.index, amounts, currencyOf(g.cur!));
  });
  take(PRICE_CURRENCY_LAST, (m) => {
    const g = m.groups!;
    const amounts = [multiplied(parseAmount(g.a!), g.ma ?? g.mb), ...(g.b ? [multiplied(parseAmount(g.b), g.mb)] : [])];
    return moneyClaims(rest, m[0], m.index, amounts, currencyOf(g.cur!));
  });

  take(PERCENTAGE, (m) => {
    const g = m.groups!;
    // "zzgl. 19 % MwSt.": a tax rate is the law's figure, not the seller's
    if (VAT_AFTER.test(rest.slice(m.index + m[0].length, m.index + m[0].length + 30))) return [];
    const values = g.c ? [parseAmount(g.c)] : [parseAmount(g.a!), parseAmount(g.b!)];
    return percentClaims(rest, m[0], m.index, values);
  });

  return { claims: found.sort((a, b) => a.at - b.at).flatMap((f) => f.claims), rest };
}

// ---------------------------------------------------------------------------------------------- verification

const BARE_NUMBER = new RegExp(String.raw`${B}(?:${NUM})${E}`, 'gu');

interface Evidence {
  money: { amount: number; currency: Currency }[];
  percents: number[];
  dates: CalendarDate[];
  numbers: number[];
}

function evidenceFrom(sources: string[]): Evidence {
  const evidence: Evidence = { money: [], percents: [], dates: [], numbers: [] };
  for (const source of sources) {
    const { claims, rest } = scan(source);
    for (const claim of claims) {
      if (claim.kind === 'date') evidence.dates.push(...claim.dates);
      else if ('percent' in claim) evidence.percents.push(claim.percent);
      else evidence.money.push({ amount: claim.amount, currency: claim.currency });
    }
    // A number with no currency, percent sign or month: a fact like "Preis pro Nutzer: 49" backs "49 €".
    evidence.numbers.push(...[...rest.matchAll(BARE_NUMBER)].map((m) => parseAmount(m[0])));
  }
  return evidence;
}

const same = (a: number, b: number) => Math.abs(a - b) < 0.005;

function sameDay(claimed: CalendarDate, known: CalendarDate): boolean {
  return claimed.month === known.month && claimed.day === known.day && (claimed.year === undefined || known.year === undefined || claimed.year === known.year);
}

/** Why a claim is not backed by the evidence, or undefined when it is. */
function unbacked(claim: Claim, evidence: Evidence): string | undefined {
  if (claim.kind === 'date') {
    // Each reading of the claim with the source date that backs it; the year comes from either.
    const backed = claim.dates.flatMap((d) => evidence.dates.filter((k) => sameDay(d, k)).map((k) => ({ ...d, year: d.year ?? k.year })));
    if (backed.length === 0) return `${claim.text} (date)`;
    if (claim.weekday !== undefined) {
      const weekdays = backed.map(weekdayAt).filter((w) => w !== undefined);
      if (weekdays.length > 0 && !weekdays.includes(claim.weekday)) return `${claim.text} (date: wrong weekday)`;
    }
    return undefined;
  }
  if ('percent' in claim) {
    return evidence.percents.some((p) => same(p, claim.percent)) ? undefined : `${claim.text.trim()} (${claim.kind})`;
  }
  const backed =
    evidence.money.some((m) => m.currency === claim.currency && same(m.amount, claim.amount)) || evidence.numbers.some((n) => same(n, claim.amount));
  return backed ? undefined : `${claim.text.trim()} (${claim.kind})`;
}

export function checkClaims(text: string, sources: string[]): GateResult {
  return judgeClaims(extractClaims(text), sources);
}

/** checkClaims, reading the sources only when the text makes a claim (most replies make none). */
export async function checkClaimsAgainst(text: string, sources: () => Promise<string[]>): Promise<GateResult> {
  const claims = extractClaims(text);
  return judgeClaims(claims, claims.length === 0 ? [] : await sources());
}

function judgeClaims(claims: Claim[], sources: string[]): GateResult {
  if (claims.length === 0) return { gate: 'claims', passed: true };
  const evidence = evidenceFrom(sources);
  const missing = [...new Set(claims.map((c) => unbacked(c, evidence)).filter((m): m is string => m !== undefined))];
  return missing.length === 0
    ? { gate: 'claims', passed: true, detail: `${claims.length} claim(s) found in the sources` }
    : { gate: 'claims', passed: false, reason: 'unverified_claim', detail: `not in the sources: ${missing.join('; ')}` };
}
