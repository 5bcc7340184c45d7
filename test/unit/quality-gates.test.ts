import { findComplianceClaims, type ClaimFamily } from '../../src/domain/compliance';
import { checkChannelRules, checkCompliance, checkModerationLocally, checkOptOut, checkSpam } from '../../src/domain/quality-gates';
import { DEFAULT_TEMPLATES, renderTemplate } from '../../src/domain/templates';

describe('compliance gate', () => {
  it.each([
    ['Mit uns erzielen Sie garantiert mehr Umsatz.'],
    ['Eine garantierte Rendite von 8 %.'],
    ['Das Angebot ist völlig risikofrei.'],
    ['Eine risikofreie Investition.'],
    ['Ganz ohne Risiko testen.'],
    ['We offer guaranteed returns of 12%.'],
    ['This is a RISK-FREE opportunity.'],
    ['It is risk free for your team.'],
    ['Guaranteed profits every month.'],
  ])('blocks %p', (text) => {
    expect(checkCompliance(text)).toMatchObject({ passed: false, reason: 'compliance_phrase' });
  });

  it.each([
    ['Der Garantieschein liegt dem Paket bei.'],
    ['Wir bieten 2 Jahre Garantie auf die Hardware.'],
    ['Our team guarantees a response within one business day? No — we aim for it.'],
    ['Let us discuss the risks and how we mitigate them.'],
    ['Ihre Daten sind bei uns sicher gespeichert.'],
  ])('lets %p through', (text) => {
    expect(checkCompliance(text)).toMatchObject({ passed: true });
  });

  const blocked = (family: ClaimFamily) => (text: string) => {
    const result = checkCompliance(text);
    expect(result).toMatchObject({ gate: 'compliance', passed: false, reason: 'compliance_phrase' });
    expect(findComplianceClaims(text).map((f) => f.family)).toContain(family);
  };

  describe('promised returns, profit, ROI or income', () => {
    it.each([
      'Ihre Rendite ist sicher.',
      'Mit unserem Fonds erhalten Sie sichere 8 % im Jahr.',
      'Sie verdienen garantiert mehr als mit jedem Sparbuch.',
      'Wir bieten eine feste Rendite von 6 % p.a.',
      'Die Renditen sind garantiert.',
      'Wir garantieren Ihnen eine jährliche Rendite von 7 %.',
      'Gewinne garantiert – jeden Monat!',
      'Ihr Gewinn steht fest: 500 € im Monat.',
      'Mit uns machen Sie sichere Gewinne.',
      'Unsere Renditegarantie gilt ab dem ersten Tag.',
      'Profitieren Sie von unserem Festzins.',
      'Sie verdienen 5.000 € im Monat.',
      'Sie werden mindestens 2.000 Euro im Monat verdienen.',
      'Wir versprechen Ihnen zweistellige Renditen.',
      'Wir sichern Ihnen eine Mindestrendite von 5 % zu.',
      'Die Verzinsung ist fest: 3,5 % pro Jahr.',
      'Hallo Herr Meier, mit unserem Tagesgeldkonto sind Ihnen 4 % Zinsen sicher.',
      'Die Ausschüttung ist garantiert, jedes Quartal.',
      'Bei uns bekommen Sie garantiert 7 Prozent Rendite.',
      'Ihre monatlichen Einnahmen sind gesichert.',
      'Verdoppeln Sie Ihr Geld in nur einem Jahr.',
      'Hallo Frau Schulz, gerne: Die Anlage bringt Ihnen feste 5 % Zinsen, jedes Jahr. Soll ich Unterlagen schicken?',
      'Our fund delivers guaranteed monthly income.',
      'You will earn 8% a year on your deposit.',
      "You'll make $5,000 a month with this system.",
      'Our clients enjoy a fixed return of 6% per year.',
      'Your returns are guaranteed by contract.',
      'We promise a 20% ROI within the first year.',
      'This investment pays a safe 9% annually.',
      'Double your money in twelve months.',
      'The yield is certain.',
      'You are guaranteed a 15% return.',
      'Lock in a fixed 7% yield today.',
      'With us you earn 12 percent a year, guaranteed.',
      'Profits are assured.',
      'Hi Anna, thanks for asking! Our members earn a guaranteed 6% per year on their balance. Want details?',
      '𝐆𝐮𝐚𝐫𝐚𝐧𝐭𝐞𝐞𝐝 𝐫𝐞𝐭𝐮𝐫𝐧𝐬 for every member.',
      'Wir garantieren keine Lieferzeiten, aber Ihre Rendite ist garantiert.',
      'Die Rendite ist Ihnen gewiss.',
      'Mit diesem Produkt ist ein Ertrag von 6 % pro Jahr garantiert.',
      'Ihr ROI ist gesichert.',
      'You will receive a guaranteed dividend every quarter.',
      'Our investors earn 15% per year, every year.',
      'Garantiert 10 % Zinsen aufs Festgeld.',
      'We can promise you steady profits.',
    ])('blocks %p', blocked('promised_return'));
  });

  describe('safety of money, no risk of loss', () => {
    it.each([
      'Your money is safe with us.',
      'You cannot lose.',
      "You can't lose money with this plan.",
      "You will never lose a cent.",
      'Your capital is protected at all times.',
      'Your investment is 100% secure.',
      'Your funds are 100% safe.',
      'Your principal is guaranteed.',
      'There is no risk of losing your capital.',
      'There is absolutely no risk.',
      'Zero risk, full upside.',
      'Invest without any risk.',
      "Don't worry, you won't lose a single euro.",
      'Hi Mark, absolutely no risk to your capital: it is fully protected.',
      'Returns are not guaranteed, your capital is safe.',
      'Es gibt kein Verlustrisiko.',
      'Ihr Kapital ist geschützt.',
      'Ihr Kapital ist jederzeit zu 100 % geschützt.',
      'Die Anlage ist risikolos.',
      'Das ist eine völlig risikolose Sache.',
      'Risikolose Geldanlage mit Top-Zinsen.',
      'Sie können kein Geld verlieren.',
      'Bei uns können Sie nicht verlieren.',
      'Es besteht kein Risiko, Geld zu verlieren.',
      'Ein Totalverlust ist ausgeschlossen.',
      'Ihr Geld ist bei uns in sicheren Händen.',
      'Ihr Geld ist zu jeder Zeit sicher angelegt.',
      'Keine Sorge: Ihr Investment ist sicher.',
      'Ihre Einlagen sind garantiert.',
      'Ihre Ersparnisse sind bei uns absolut sicher.',
      'Wir bieten eine Kapitalgarantie.',
      'Kein Risiko für Ihr Kapital.',
      'Sie gehen keinerlei Risiko ein.',
      'Mit uns gehen Sie kein Risiko ein.',
      'Die Investition ist komplett abgesichert.',
      'Wir garantieren keine Rendite, aber Ihr Kapital ist sicher.',
      'Ihr Geld ist hier bombensicher.',
      'Your savings are fully protected.',
      'Null Risiko für Sie.',
      'There is zero risk involved.',
      'Verluste sind ausgeschlossen.',
      'Sie investieren völlig risikofrei.',
    ])('blocks %p', blocked('money_safety'));
  });

  describe('getting rich quickly', () => {
    it.each([
      'Get rich quick with our program.',
      'Want to get rich fast? Reply YES.',
      'Join now and get rich within a month!',
      'Become a millionaire in just two years.',
      'We will make you rich.',
      'This will make you wealthy fast.',
      'Passive income overnight.',
      'Make passive income within weeks.',
      'Earn money while you sleep.',
      'Reach financial freedom within 6 months.',
      'Achieve financial independence in 12 months.',
      'So werden Sie schnell reich.',
      'Mit diesem System werden Sie reich.',
      'Mit unserem Kurs werden Sie in 90 Tagen reich.',
      'Wir machen Sie zum Millionär.',
      'Werde jetzt Millionär mit unserer App.',
      'In wenigen Wochen zum Millionär!',
      'Finanzielle Freiheit in 3 Monaten.',
      'Werden Sie finanziell unabhängig – in nur 6 Monaten.',
      'Passives Einkommen über Nacht.',
      'Passives Einkommen garantiert – ab dem ersten Monat.',
      'Geld verdienen im Schlaf – so geht es.',
      'Reich werden war nie einfacher.',
      'Das Schnell-reich-werden-Programm für Unternehmer.',
      'Reich in 30 Tagen – so einfach geht es.',
      'Build wealth fast with our signals.',
      'Schnell reich mit Krypto.',
      'You could be a millionaire by next year.',
    ])('blocks %p', blocked('quick_wealth'));
  });

  describe('guaranteed outcomes', () => {
    it.each([
      'We guarantee you will double your sales.',
      'We guarantee you will close more deals.',
      '100 % success for every client.',
      'Results guaranteed.',
      'Guaranteed results in 30 days or less.',
      'We promise more leads within 30 days.',
      'Our tool guarantees a 30% increase in conversions.',
      'You will triple your revenue this year.',
      'Our customers are guaranteed to see growth.',
      'Success is guaranteed with our method.',
      'Our ads guarantee first page rankings on Google.',
      'Hi Ben, with our outreach service you are guaranteed 20 new clients per month.',
      'Garantierter Erfolg für Ihr Team.',
      'Unser Paket bringt Ihnen garantiert 20 % mehr Umsatz.',
      'Wir garantieren, dass Sie Ihren Umsatz verdoppeln.',
      'Erfolg garantiert!',
      'Mehr Umsatz, garantiert.',
      'Garantiert: 50 neue Kunden pro Monat.',
      'Wir versprechen Ihnen: mehr Umsatz in 3 Monaten.',
      'Sie werden Ihren Umsatz verdoppeln.',
      'Die Software amortisiert sich garantiert in 6 Monaten.',
      'Mit unserer Erfolgsgarantie gehen Sie kein Risiko ein.',
      'Sie sparen garantiert 30 % Ihrer Kosten.',
      'Erfolg ist Ihnen sicher.',
      'Wir garantieren Ihnen mehr Leads.',
      'Ihr Erfolg ist garantiert.',
      '100% Erfolgsquote bei allen Kunden.',
      'Wir versprechen Ihnen ein Umsatzwachstum von 30 %.',
      'Wir garantieren Ihnen eine Umsatzsteigerung von 25 %.',
      'Wir garantieren Ihnen eine Top-Platzierung bei Google.',
      'Garantiert mehr Anfragen ab der ersten Woche.',
      'Sie können nicht nur Geld sparen, sondern garantiert mehr Umsatz machen.',
      'Wir garantieren Ihnen, dass Ihre Verkäufe steigen.',
      'Guaranteed success or we work for free.',
      'Wir versprechen Ihnen doppelt so viele Termine.',
      'Your sales will double, guaranteed.',
      'Mit uns ist Ihr Erfolg sicher.',
    ])('blocks %p', blocked('guaranteed_outcome'));
  });

  describe('negations and disclaimers pass', () => {
    it.each([
      'We cannot guarantee returns.',
      'Renditen sind nicht garantiert.',
      'Es gibt keine Garantie auf Gewinne.',
      'Past performance is no guarantee of future results.',
      'Investing involves risk.',
      'Jede Geldanlage birgt Risiken, auch ein Totalverlust ist möglich.',
      'Returns are not guaranteed and you may lose money.',
      'Wir können keine Rendite garantieren.',
      'Eine Rendite kann Ihnen niemand garantieren.',
      'No investment is risk-free.',
      'Keine Geldanlage ist risikolos.',
      'Risikolos ist keine Geldanlage.',
      'Auch unser Fonds ist nicht ohne Risiko.',
      'Ein Verlust ist nicht ausgeschlossen.',
      'Sie können Geld verlieren.',
      'This is not a get-rich-quick scheme.',
      'Das ist kein Schnell-reich-werden-Programm.',
      'Wir versprechen nicht, dass Sie über Nacht reich werden.',
      'Wir können nicht garantieren, dass Sie reich werden.',
      'Ich kann Ihnen nicht versprechen, dass Sie Ihren Umsatz verdoppeln.',
      'No one can guarantee that you will earn money.',
      'There is no such thing as a guaranteed return.',
      'Gewinne garantieren können wir nicht.',
      'Garantierte Renditen gibt es bei uns nicht.',
      'Ihr Kapital ist nicht geschützt; Verluste sind möglich.',
      'We make no promises about results.',
      'We do not offer guaranteed returns.',
      'Einen garantierten Erfolg gibt es nicht.',
      'Eine Garantie für Ihren Erfolg gibt es nicht.',
      'Kein Anbieter kann Ihnen feste Renditen zusichern.',
      'Sie fragten, ob die Rendite garantiert ist.',
      'You could earn more, but returns vary.',
      'Sie können bis zu 8 % Rendite erzielen, garantiert ist das aber nicht.',
      'Zinsen und Renditen hängen vom Markt ab und sind nicht garantiert.',
      'Wie bei jeder Anlage besteht ein Verlustrisiko.',
      'Wir geben keine Renditeversprechen ab.',
      'Please note that the value of investments can go down as well as up.',
      'Historische Renditen sind kein verlässlicher Indikator für künftige Ergebnisse.',
      'I cannot promise you any specific results, but I can show you case studies.',
      'Garantien können wir bei Umsatzprognosen leider nicht geben.',
      'Nobody can promise you a fixed return.',
      'We never guarantee financial results.',
      "Hi Chris, we don't promise specific numbers, since every business is different, but I can share two case studies from your industry.",
      'Hallo Frau Klein, konkrete Umsatzzahlen können wir nicht versprechen, aber gerne zeige ich Ihnen Beispiele.',
      'Unfortunately we cannot guarantee a specific ROI, as it depends on how you use the tool.',
    ])('lets %p through', (text) => {
      expect(checkCompliance(text)).toEqual({ gate: 'compliance', passed: true });
    });
  });

  describe('ordinary sales replies pass', () => {
    it.each([
      // A service level is not a financial or outcome promise: it names no return, money, wealth or business result.
      'We guarantee a reply within 24 hours.',
      'Wir garantieren eine Antwort innerhalb von 24 Stunden.',
      'Hi Tom, our support team guarantees a first response within 4 hours.',
      'Our SLA guarantees 99.95% availability and a 1-hour response time for critical issues.',
      'We guarantee 99.9% uptime per month.',
      'Wir garantieren 99,9 % Verfügbarkeit im Jahr.',
      'Die Lieferung erfolgt garantiert innerhalb von 3 Tagen.',
      'Die Rückerstattung erfolgt garantiert innerhalb von 14 Tagen.',
      'We guarantee that every customer gets a reply within 24 hours.',
      'We guarantee that your data stays in the EU.',
      'Wir garantieren, dass Ihre Daten in der EU bleiben.',
      'Our sales team guarantees a callback today.',
      'Thanks for your interest! We guarantee a reply by tomorrow.',
      'Wir melden uns garantiert noch diese Woche.',
      'Wir garantieren Ihnen einen festen Ansprechpartner.',
      'Wir garantieren Ihnen den Preis bis Ende des Jahres.',
      'Wir garantieren, dass der Preis um höchstens 3 % pro Jahr steigt.',
      'Die Preise sind für 24 Monate garantiert.',
      'Prices are guaranteed until the end of the year.',
      'Wir bieten eine 30-Tage-Geld-zurück-Garantie.',
      'Money-back guarantee within 30 days, no questions asked.',
      'Ihr Geld bekommen Sie zurück, wenn Sie nicht zufrieden sind.',
      'Versprochen: Ich melde mich morgen mit dem Angebot.',
      'You have my promise that I will personally follow up tomorrow.',
      'Garantiert keine Werbung, nur die Unterlagen, die Sie angefordert haben.',
      // safety of something other than money
      'Sichere Datenübertragung ist bei uns Standard.',
      'Your data is safe with us.',
      'Our servers are located in Frankfurt and your information is safe.',
      'Wir sind ISO-27001-zertifiziert, Ihre Daten sind geschützt.',
      'Ihre Zugangsdaten sind sicher verschlüsselt.',
      'Secure payment via credit card or invoice.',
      'Zahlung sicher per Rechnung oder Kreditkarte.',
      'Die Zahlung ist sicher und verschlüsselt.',
      'Wir sichern Ihre Daten täglich.',
      'You will not lose any data when you switch.',
      'Sie verlieren keine Daten beim Umzug.',
      'Ihre Kontakte können Sie nicht verlieren, alles wird gesichert.',
      'You have nothing to lose — try it free for 14 days.',
      'Sie haben nichts zu verlieren: Testen Sie 14 Tage kostenlos.',
      'Sie können jederzeit kündigen, ohne Risiko von Zusatzkosten.',
      'Gerne erkläre ich Ihnen, wie unser Risikomanagement funktioniert.',
      // prices, terms, discounts
      'Der Preis pro Nutzer liegt bei 49 € im Monat.',
      'Preis pro Nutzer 49 €.',
      'Festpreis: 49 € pro Nutzer und Monat.',
      'Der Preis ist fest für 12 Monate.',
      'We offer a fixed price for the first year.',
      'Our pricing is fixed for the contract term, so there are no surprises.',
      'Sie erhalten 20 % Rabatt im ersten Jahr.',
      'You get 20% off when you pay annually.',
      'As a partner you earn 20% commission on every referral.',
      'We offer free returns within 30 days.',
      'Make sure your returns policy is up to date.',
      'In return for your feedback we offer a free month.',
      '100 % DSGVO-konform und in Deutschland gehostet.',
      // "sure", "sicher", "rich", "success" in their everyday senses
      'Sure, profits depend on many factors.',
      'Sicher, über Renditen sprechen wir gerne im Termin.',
      'Das ist sicher ein Gewinn für Ihr Team.',
      'I am sure we can find a time that works.',
      'Ich bin mir sicher, dass unser Tool gut zu Ihrem Team passt.',
      'We are certain that the integration works with SAP.',
      'Our editor supports rich text and is feature-rich.',
      'Unsere Plattform ist reich an Funktionen.',
      'Our partners get rich insights from the dashboard.',
      'Our clients include some very wealthy families.',
      'Our fixed-income clients use the reporting module.',
      'Sie verdienen eine schnelle Antwort.',
      'Your success manager will help you with onboarding.',
      'Ihr Erfolg liegt uns am Herzen.',
      'Erfolgreiche Teams nutzen unser CRM täglich.',
      'The results of the pilot will be shared with you next week.',
      'Die Ergebnisse des Workshops schicke ich Ihnen morgen.',
      'Unser Gewinnspiel endet am Freitag.',
      // case studies told as what happened, not promised
      'We helped Acme grow revenue by 30% last year; results vary by team.',
      'Many clients see more leads after a few weeks, but results vary.',
      'Gerne zeige ich Ihnen, wie andere Teams ihren Umsatz gesteigert haben.',
      'Unsere Kunden steigern ihren Umsatz oft deutlich.',
      'Keine Sorge, wir melden uns morgen.',
      "Don't hesitate to ask about our pricing.",
      'Not only do we guarantee a reply, we also call you back.',
      'Hallo Frau Schulz, vielen Dank für Ihre Nachricht! Unser Business-Paket kostet 79 € pro Nutzer und Monat. Darin enthalten sind Support, Updates und 2 Jahre Garantie auf die Hardware. Passt Ihnen ein kurzer Termin am Donnerstag?',
      'Hi Mark, great question. We are SOC 2 certified, data is encrypted at rest and in transit, and your data is safe with us. Happy to send our security whitepaper.',
      'Hallo Herr Braun, danke für den Hinweis! Die Sicherheit Ihrer Daten ist uns wichtig.',
      'Hi Sara, the pilot can start next week; we will measure results together after 30 days.',
      'Unsere Garantie: Wenn etwas nicht funktioniert, kümmern wir uns sofort darum.',
      'We guarantee a dedicated onboarding specialist.',
      'Your account manager will make sure everything runs smoothly.',
      'Natürlich, das ist sicher möglich.',
      'Our platform is used by wealth managers across Europe.',
      'Our customers typically see a return on their investment within a year, though this varies.',
      'Viele Kunden berichten, dass sich die Investition nach einem Jahr rechnet.',
      'Gerne schicke ich Ihnen unseren ROI-Rechner.',
      'There is no setup fee and no minimum term.',
      'Wir haben 2 Jahre Gewährleistung auf alle Geräte.',
      'Ihr Ansprechpartner ist garantiert erreichbar, auch am Wochenende.',
      'Our guarantee covers defects in materials for 24 months.',
      'Sie erhalten eine Bestätigung per E-Mail, garantiert innerhalb einer Stunde.',
      'Mehr Umsatz ist das Ziel vieler Kunden, deshalb zeigen wir Ihnen gern Beispiele.',
      'We do not make income claims.',
      'Sie machen sicher schon Erfahrungen mit anderen Tools.',
      'Sales are handled by our partner in Austria.',
      'We will make it quick: a 15-minute call is enough.',
      'Hallo Frau Yilmaz, sicher, das Angebot schicke ich Ihnen heute noch.',
      'Wir haben feste Ansprechpartner für jeden Kunden.',
      'Mit unserer Lösung minimieren Sie das Risiko von Datenverlust.',
      'Es besteht kein Risiko, dass Termine doppelt gebucht werden.',
      'Es gibt keine Kündigungsfrist, kein Risiko einer langen Bindung.',
      'Im letzten Quartal haben unsere Kunden im Schnitt 12 % mehr Termine gebucht.',
      'Sie verdienen eine ehrliche Antwort: Das Feature kommt erst 2027.',
      'Unser Partnerprogramm zahlt 10 % Provision auf jeden vermittelten Kunden.',
      'Your investment is protected by our 30-day money-back guarantee.',
      'We guarantee your satisfaction or your money back.',
      'Zufriedenheitsgarantie: Geld zurück innerhalb von 30 Tagen.',
      'Safe travels and talk soon!',
      'Our clients may be wealthy.',
      'It is great to be rich in features.',
    ])('lets %p through', (text) => {
      expect(checkCompliance(text)).toEqual({ gate: 'compliance', passed: true });
    });

    it.each(Object.entries(DEFAULT_TEMPLATES).flatMap(([intent, byLanguage]) => Object.entries(byLanguage).map(([lang, text]) => [`${intent}/${lang}`, text])))(
      'lets the default %s template through',
      (_name, text) => {
        expect(checkCompliance(renderTemplate(text, { firstName: 'Erika' }, 'de'))).toEqual({ gate: 'compliance', passed: true });
      },
    );
  });

  it('names the family and the words that make the claim', () => {
    expect(checkCompliance('Mit unserem Fonds erhalten Sie sichere 8 % im Jahr.').detail).toBe('promised return: "sichere 8 % im Jahr"');
    expect(checkCompliance('Ihr Kapital ist geschützt.').detail).toBe('safety of money: "Kapital … geschützt"');
    expect(checkCompliance('Get rich quick!').detail).toBe('getting rich quickly: "Get rich"');
    expect(checkCompliance('Garantierter Erfolg für Ihr Team.').detail).toBe('guaranteed outcome: "Garantierter Erfolg"');
  });

  it('reports every family a reply touches', () => {
    const detail = checkCompliance('Ihr Geld ist sicher. Dazu garantieren wir 8 % Rendite und mehr Umsatz.').detail!;
    expect(detail).toContain('safety of money: "Geld … sicher"');
    expect(detail).toContain('promised return: "garantieren … Rendite"');
    expect(detail).toContain('guaranteed outcome: "garantieren … Umsatz"');
  });
});

describe('spam gate', () => {
  it.each([
    ['BUY OUR PRODUCT NOW BEFORE THE PRICE GOES UP'],
    ['Amazing offer!!!'],
    ['Click here to claim your discount'],
    ['Jetzt klicken und sparen'],
    ['See https://bit.ly/abc123'],
    ['a http://a.com b http://b.com c http://c.com'],
    ['Soooooo good'],
  ])('blocks %p', (text) => {
    expect(checkSpam(text)).toMatchObject({ passed: false, reason: 'spam_pattern' });
  });

  it('lets an ordinary reply through, acronyms included', () => {
    expect(checkSpam('Hi Erika, our CRM integrates with SAP and HubSpot. Shall I send details?')).toMatchObject({ passed: true });
  });

  it.each([
    ['Jetzt zugreifen 💰💰', 'repeated money emoji'],
    ['Make money 💸 fast 🤑', 'repeated money emoji'],
    ['Your new plan: 💵 saved every month, 💶 back in your pocket', 'repeated money emoji'],
    ['Top Angebot 🔥🔥🔥', 'a run of symbols'],
    ['Hallo 👍🏽👍🏽👍🏽', 'a run of symbols'],
    ['★★★ Bestes Angebot ★★★', 'a run of symbols'],
    ['★ ★ ★ ★ ★ reviews from our clients', 'a run of symbols'],
    ['Mehr Infos →→→ hier', 'a run of symbols'],
    ['Nur $$$ für Sie', 'a run of symbols'],
    ['Spare €€€ mit uns', 'a run of symbols'],
    ['✅✅✅ Alles inklusive', 'a run of symbols'],
    ['Hi 🎉🚀😍🙌 super', 'too many emoji'],
    ['🎉 Wow 🚀 Angebot 🙌 Jetzt 😍 los 💯 nur 🔥 heute 🥳 für ⭐ Sie', 'too many emoji'],
    ['𝐅𝐑𝐄𝐄 trial for your team', 'decorative Unicode letters'],
    ['Ⓕⓡⓔⓔ Demo für Ihr Team', 'decorative Unicode letters'],
    ['🅵🆁🅴🅴 demo today', 'decorative Unicode letters'],
    ['ＦＲＥＥ trial today', 'decorative Unicode letters'],
    ['ꜰʀᴇᴇ ᴛʀɪᴀʟ for you', 'decorative Unicode letters'],
    ['𝘎𝘳𝘢𝘵𝘪𝘴 testen', 'decorative Unicode letters'],
  ])('blocks emoji and symbol stuffing: %p', (text, detail) => {
    expect(checkSpam(text)).toMatchObject({ passed: false, reason: 'spam_pattern', detail: expect.stringContaining(detail) });
  });

  it.each([
    ['Danke, Erika! 🙂'],
    ['Sounds great 👍 See you Tuesday 🙂'],
    ['Hi Tom, thanks for your message! Our CRM integrates with SAP and HubSpot. Shall I send details? 😊'],
    ['✅ Feature A\n✅ Feature B\n✅ Feature C: all included in the Business plan, which costs 79 € per user per month.'],
    ['Preis: 49 € pro Nutzer, 💰 sparen Sie mit dem Jahresplan.'],
    ['See you in Berlin 🇩🇪'],
    ['Salesforce™ and HubSpot® are supported.'],
    ['Onboarding: A → B → C, in two weeks.'],
    ['① Setup ② Training ③ Go-live'],
    ['Your question:\n> How much is it?\n===\nAnswer below.'],
  ])('lets a normal reply with a few emoji or symbols through: %p', (text) => {
    expect(checkSpam(text)).toEqual({ gate: 'spam', passed: true });
  });
});

describe('channel rules gate', () => {
  it('enforces each platform length limit', () => {
    expect(checkChannelRules('a'.repeat(4096), 'whatsapp').passed).toBe(true);
    expect(checkChannelRules('a'.repeat(4097), 'whatsapp')).toMatchObject({ passed: false, reason: 'too_long' });
    expect(checkChannelRules('a'.repeat(1301), 'linkedin')).toMatchObject({ passed: false, reason: 'too_long' });
    expect(checkChannelRules('a'.repeat(2201), 'instagram')).toMatchObject({ passed: false, reason: 'too_long' });
    expect(checkChannelRules('a'.repeat(2200), 'instagram').passed).toBe(true);
  });

  it('allows HTML only in email', () => {
    expect(checkChannelRules('Hello <b>there</b>', 'whatsapp')).toMatchObject({ passed: false, reason: 'html_not_allowed' });
    expect(checkChannelRules('Hello <b>there</b>', 'email').passed).toBe(true);
    expect(checkChannelRules('If x < 3 and y > 2 we talk', 'linkedin').passed).toBe(true);
  });

  it('refuses an empty reply', () => {
    expect(checkChannelRules('   ', 'email')).toMatchObject({ passed: false, reason: 'empty_reply' });
  });
});

describe('moderation (local word list) and opt-out gates', () => {
  it('flags abuse and labels the check as local', () => {
    expect(checkModerationLocally('You idiot.')).toMatchObject({ passed: false, reason: 'moderation_flagged', detail: expect.stringContaining('local word list') });
    expect(checkModerationLocally('Die Integration ist fertig.')).toMatchObject({ passed: true, detail: 'local word list' });
  });
  it('blocks an opted-out contact', () => {
    expect(checkOptOut(true)).toMatchObject({ passed: false, reason: 'contact_opted_out' });
    expect(checkOptOut(false).passed).toBe(true);
  });
});
