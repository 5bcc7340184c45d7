import { detectOptOut } from '../../src/domain/opt-out';

describe('detectOptOut', () => {
  describe('recognises an opt-out', () => {
    it.each([
      // English commands and phrases
      ['STOP'],
      ['stop.'],
      ['Stop!!!'],
      ['  stop please 🙏'],
      ['STOP, I told you before'],
      ['Unsubscribe'],
      ['unsubscribe me please'],
      ['Please remove me from your list.'],
      ['Take me off your mailing list'],
      ['Stop messaging me.'],
      ['Please stop sending me these messages'],
      ['Do not contact me again'],
      ["Don't email me anymore, thanks"],
      ['No more messages please'],
      ['Not interested, thanks.'],
      ["I'm not interested."],
      ['How do I unsubscribe from this?'],
      ['Opt me out'],
      ['Leave me alone'],
      ['I withdraw my consent to be contacted'],
      // German
      ['STOPP'],
      ['Stopp!'],
      ['abmelden'],
      ['Bitte abmelden'],
      ['Ich möchte mich abmelden.'],
      ['Melden Sie mich bitte ab.'],
      ['Bitte keine Nachrichten mehr'],
      ['Keine weiteren E-Mails, danke.'],
      ['Kein Interesse'],
      ['kein interesse!!'],
      ['Ich habe kein Interesse.'],
      ['Wir sind nicht interessiert.'],
      ['Bitte aus dem Verteiler nehmen'],
      ['Nehmen Sie mich bitte aus Ihrem Verteiler.'],
      ['Tragen Sie mich aus.'],
      ['Hören Sie auf, mir zu schreiben!'],
      ['Bitte nicht mehr kontaktieren.'],
      ['Schreiben Sie mir nicht mehr.'],
      ['Lassen Sie mich in Ruhe.'],
      ['Hallo, ich widerrufe hiermit meine Einwilligung.'],
      ['Newsletter abbestellen'],
    ])('%p', (text) => {
      expect(detectOptOut(text)).toMatchObject({ optOut: true });
    });
  });

  describe('does not fire on ordinary text', () => {
    it.each([
      ['We stopped using spreadsheets last year.'],
      ['Wir melden uns gleich zur Demo an.'],
      ['Ich melde mich ab Montag wieder bei Ihnen.'],
      ['Can we stop by your booth at the fair?'],
      ['What does it cost per seat?'],
      ["I don't want to unsubscribe, I just changed my address."],
      ['Bitte nicht abmelden, wir sind interessiert!'],
      ['Not interested in the basic plan, but tell me about enterprise.'],
      ['Kein Interesse an der Schulung, aber an den Preisen schon.'],
      ['Ich habe keine Nachrichten von Ihnen bekommen.'],
      ['Nonstop support would be great.'],
      ['Take me through the demo next week?'],
      ['The bus stop is right in front of our office.'],
      ['Is there a one-stop solution for invoices?'],
      ['Danke, das klingt interessant. Was kostet es?'],
      ['Kein Problem, wir können gerne nächste Woche telefonieren.'],
      ['Unsere Kunden können sich jederzeit für den Newsletter anmelden.'],
    ])('%p', (text) => {
      expect(detectOptOut(text)).toEqual({ optOut: false });
    });
  });

  it('reports the language and the matched words', () => {
    expect(detectOptOut('Bitte keine Nachrichten mehr')).toEqual({
      optOut: true,
      rule: 'phrase',
      matched: 'keine nachrichten mehr',
      language: 'de',
    });
    expect(detectOptOut('STOP')).toEqual({ optOut: true, rule: 'command', matched: 'stop', language: 'en' });
  });
});
