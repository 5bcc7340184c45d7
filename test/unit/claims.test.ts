import { checkClaims, extractClaims, parseAmount } from '../../src/domain/claims';
import { DEFAULT_TEMPLATES, renderTemplate } from '../../src/domain/templates';

const only = (text: string) => {
  const claims = extractClaims(text);
  expect(claims).toHaveLength(1);
  return claims[0]!;
};

describe('reading amounts', () => {
  it.each([
    ['49', 49],
    ['49,90', 49.9],
    ['49.90', 49.9],
    ['1.200', 1200],
    ['1,200', 1200],
    ['1.200,50', 1200.5],
    ['1,200.50', 1200.5],
    ['1.234.567', 1234567],
    ["1'200", 1200],
    ['0,5', 0.5],
  ])('reads %p as %p', (raw, value) => {
    expect(parseAmount(raw)).toBe(value);
  });
});

describe('extracting claims', () => {
  it.each([
    ['Der Preis liegt bei 49 € pro Nutzer.', 49, 'EUR'],
    ['Plans start at €49/month.', 49, 'EUR'],
    ['Das Paket kostet EUR 49 im Monat.', 49, 'EUR'],
    ['Nur 49,90 € im Monat.', 49.9, 'EUR'],
    ['Einmalig 1.200 € für die Einrichtung.', 1200, 'EUR'],
    ['Einrichtung: € 1.499,- einmalig.', 1499, 'EUR'],
    ['Das kostet 49,- € netto.', 49, 'EUR'],
    ['49 Euro netto pro Platz.', 49, 'EUR'],
    ['The annual plan is $1,200.00.', 1200, 'USD'],
    ['It is USD 1,200 per year.', 1200, 'USD'],
    ['It costs 99 dollars.', 99, 'USD'],
    ['£30 per seat.', 30, 'GBP'],
    ['CHF 89.– pro Monat.', 89, 'CHF'],
    ["CHF 1'200 im Jahr.", 1200, 'CHF'],
    ['Enterprise from $2k a month.', 2000, 'USD'],
    ['Ein Budget von 1,5 Mio. € ist eingeplant.', 1_500_000, 'EUR'],
  ])('reads a price in %p', (text, amount, currency) => {
    expect(only(text)).toMatchObject({ kind: 'price', amount, currency });
  });

  it('reads both ends of a price range', () => {
    expect(extractClaims('Preise von 49 bis 99 € je nach Paket.').map((c) => c.kind === 'price' && c.amount)).toEqual([49, 99]);
    expect(extractClaims('Between 49–99 € per user.').map((c) => c.kind === 'price' && c.amount)).toEqual([49, 99]);
  });

  it.each([
    ['Ab 10 Nutzern gibt es 20 % Rabatt.', 20],
    ['Get 20% off the annual plan.', 20],
    ['Wir geben Ihnen einen Rabatt von 15 % ab 10 Nutzern.', 15],
    ['Mit dem Jahresplan sparen Sie 15 Prozent.', 15],
    ['Save 10% when you pay yearly.', 10],
    ['Wir gewähren 3 % Skonto bei Zahlung in 10 Tagen.', 3],
  ])('reads a discount in %p', (text, percent) => {
    expect(only(text)).toMatchObject({ kind: 'discount', percent });
  });

  it.each([
    ['Sie erhalten 50 € Rabatt auf die Einrichtung.', 50, 'EUR'],
    ['$100 off your first year.', 100, 'USD'],
  ])('reads an amount off in %p', (text, amount, currency) => {
    expect(only(text)).toMatchObject({ kind: 'discount', amount, currency });
  });

  it.each([
    ['Wir garantieren 99,9 % Verfügbarkeit.', 99.9],
    ['Die Gebühr beträgt 0,5 Prozent.', 0.5],
    ['Uptime was 99.95% last year.', 99.95],
    ['Our clients see 30 percent more replies.', 30],
  ])('reads a percentage in %p', (text, percent) => {
    expect(only(text)).toMatchObject({ kind: 'percentage', percent });
  });

  it.each([
    ['Das Angebot gilt bis 31.12.2026.', { year: 2026, month: 12, day: 31 }],
    ['Das Angebot gilt bis 31.12.26.', { year: 2026, month: 12, day: 31 }],
    ['Das Angebot gilt bis 31.12.', { month: 12, day: 31 }],
    ['Wie wäre es am 05.12. um 15.30 Uhr?', { month: 12, day: 5 }],
    ['Wie wäre es am 5. Dezember?', { month: 12, day: 5 }],
    ['Ab dem 1. Januar 2027 gilt der neue Preis.', { year: 2027, month: 1, day: 1 }],
    ['Start ist am 3. März.', { month: 3, day: 3 }],
    ['How about December 5?', { month: 12, day: 5 }],
    ['How about Dec 5th?', { month: 12, day: 5 }],
    ['The offer ends Jan. 15th.', { month: 1, day: 15 }],
    ['It starts March 3rd, 2027.', { year: 2027, month: 3, day: 3 }],
    ['Shall we meet on the 5th of December?', { month: 12, day: 5 }],
    ['We go live on 5 December 2026.', { year: 2026, month: 12, day: 5 }],
    ['Go-live: 2026-12-05.', { year: 2026, month: 12, day: 5 }],
    ['The contract ends 12/31/2026.', { year: 2026, month: 12, day: 31 }],
    ['The contract ends 31/12/2026.', { year: 2026, month: 12, day: 31 }],
  ])('reads a date in %p', (text, date) => {
    const claim = only(text);
    expect(claim.kind).toBe('date');
    expect(claim.kind === 'date' && claim.dates).toEqual([date]);
  });

  it('reads a date with its weekday', () => {
    expect(only('Passt Ihnen Montag, 7.12.2026?')).toMatchObject({ kind: 'date', weekday: 1, dates: [{ year: 2026, month: 12, day: 7 }] });
    expect(only('Passt Ihnen Dienstag, den 8. Dezember?')).toMatchObject({ kind: 'date', weekday: 2, dates: [{ month: 12, day: 8 }] });
    expect(only('Does Monday, December 7, 2026 work?')).toMatchObject({ kind: 'date', weekday: 1 });
    expect(only('Wie wäre es am Mo., 7.12.2026 um 10:00 Uhr?')).toMatchObject({ kind: 'date', weekday: 1 });
  });

  it('reads a slash date both ways when both are dates', () => {
    expect(only('Deadline: 03/04/2026')).toMatchObject({
      dates: [
        { year: 2026, month: 4, day: 3 },
        { year: 2026, month: 3, day: 4 },
      ],
    });
  });

  it.each([
    ['a phone number', 'Rufen Sie mich an: +49 30 1234567.'],
    ['a national phone number', 'Mein Telefon: 030 123 456 78, mobil 0171-2345678.'],
    ['a US phone number', 'Call me at +1 415 555 0123.'],
    ['a phone number with an area code in brackets', 'Call me at (030) 1234-5678.'],
    ['a time of day', 'Passt es Ihnen um 10 Uhr?'],
    ['a time with minutes', 'Wie wäre es um 10:30 oder um 15.30 Uhr?'],
    ['an English time', 'Does 3pm work, or 3 p.m. tomorrow?'],
    ['list numbering', '1. Setup 2. Training 3. Go-live'],
    ['round-the-clock support', 'Support is available 24/7.'],
    ['counts and durations', 'Wir haben über 300 Kunden, 12 Jahre Erfahrung und liefern in 14 Tagen.'],
    ['a year on its own', 'Since 2015 we have served 300 teams.'],
    ['standards and versions', 'ISO 27001, SOC 2, Windows 11 and Version 3.2.1 are supported.'],
    ['"may" the verb', 'We may 3 times a week send an update.'],
    ['a VAT rate', 'Alle Preise zzgl. 19 % MwSt., plus 20% VAT in the UK.'],
    ['an email address and a URL', 'Write to team2026@example.org or see https://example.org/12.12.2026'],
  ])('does not count %s as a claim', (_name, text) => {
    expect(extractClaims(text)).toEqual([]);
  });

  it('lists the claims in the order they appear', () => {
    expect(extractClaims('Bis 31.12. gibt es 20 % Rabatt, dann 49 € pro Nutzer.').map((c) => c.kind)).toEqual(['date', 'discount', 'price']);
  });
});

describe('claims gate', () => {
  const facts = ['Preis pro Nutzer: 49,00 EUR im Monat. Ab 10 Nutzern 20 % Rabatt.', 'Das Einführungsangebot gilt bis 05.12.2026.', 'Uptime SLA 99.9%'];

  it('lets a reply without numbers through', () => {
    expect(checkClaims('Gerne schicke ich Ihnen unsere Preisliste. Wann passt Ihnen ein Termin?', [])).toEqual({ gate: 'claims', passed: true });
  });

  it.each(Object.entries(DEFAULT_TEMPLATES).flatMap(([intent, byLanguage]) => Object.entries(byLanguage).map(([lang, text]) => [`${intent}/${lang}`, text])))(
    'lets the default %s template through without sources',
    (_name, text) => {
      expect(checkClaims(renderTemplate(text, { firstName: 'Erika' }, 'de'), []).passed).toBe(true);
    },
  );

  it.each([
    ['Der Preis liegt bei 49 € pro Nutzer.'],
    ['The price is €49 per user.'],
    ['Es sind EUR 49,- pro Nutzer.'],
    ['It is 49.00 euros per seat.'],
    ['Ab 10 Nutzern bekommen Sie 20% Rabatt.'],
    ['From 10 users you get 20 percent off.'],
    ['Das Angebot gilt bis 5. Dezember.'],
    ['The offer is valid until December 5th.'],
    ['The offer is valid until Dec 5, 2026.'],
    ['Das Angebot gilt bis 2026-12-05.'],
    ['Das Angebot gilt bis 05.12.'],
    ['Wir garantieren 99,9 % Verfügbarkeit.'],
    ['Hallo Erika, es sind 49 € pro Nutzer und ab 10 Nutzern 20 % Rabatt, gültig bis 5. Dezember. Passt Ihnen um 10 Uhr ein Termin? Mobil: 0171 2345678'],
  ])('verifies %p against the facts, whatever the notation', (reply) => {
    expect(checkClaims(reply, facts)).toMatchObject({ gate: 'claims', passed: true });
  });

  it('counts a number without currency in a fact as backing a price', () => {
    expect(checkClaims('Es sind 49 € pro Nutzer.', ['Preis pro Nutzer: 49']).passed).toBe(true);
  });

  it.each([
    ['an invented price', 'Der Preis liegt bei 39 € pro Nutzer.', '39 € (price)'],
    ['a price in another currency', 'The price is $49 per user.', '$49 (price)'],
    ['a price the model worked out', 'Für 12 Nutzer sind das 470,40 € im Monat.', '470,40 € (price)'],
    ['an invented discount', 'Sie bekommen 30 % Rabatt.', '30 % (discount)'],
    ['an invented percentage', 'Our clients see 35% more replies.', '35% (percentage)'],
    ['an invented deadline', 'Das Angebot gilt bis 31.12.', '31.12. (date)'],
    ['a deadline in another year', 'The offer is valid until December 5, 2027.', 'December 5, 2027 (date)'],
    ['an invented meeting date', 'Wie wäre es am 8. Dezember?', '8. Dezember (date)'],
    ['a wrong weekday for the date', 'Das Angebot gilt bis Freitag, 5. Dezember.', 'Freitag, 5. Dezember (date: wrong weekday)'],
  ])('refuses %s', (_name, reply, missing) => {
    const result = checkClaims(reply, facts);
    expect(result).toMatchObject({ gate: 'claims', passed: false, reason: 'unverified_claim' });
    expect(result.detail).toContain(missing);
  });

  it('lists every claim not found, and only those', () => {
    const result = checkClaims('49 € pro Nutzer, 25 % Rabatt bis 31.01.2027 und ein Setup für 299 €.', facts);
    expect(result.detail).toBe('not in the sources: 25 % (discount); 31.01.2027 (date); 299 € (price)');
  });

  it('refuses every claim when there are no sources', () => {
    expect(checkClaims('Es sind 49 € pro Nutzer.', [])).toMatchObject({ passed: false, reason: 'unverified_claim' });
  });

  it('takes the user templates as sources', () => {
    const template = 'Hallo {{firstName}}, unser Starter-Paket kostet 29 € pro Nutzer und Monat.';
    expect(checkClaims('Hallo Erika, unser Starter-Paket kostet 29 € pro Nutzer und Monat.', [template]).passed).toBe(true);
  });
});
