import { detectIntent, detectLanguage } from '../../src/domain/intent';
import { renderTemplate, templateFor, firstNameOf } from '../../src/domain/templates';

describe('detectIntent', () => {
  it.each([
    ['What does the Pro plan cost?', 'pricing', 'en'],
    ['How much is it per user per month?', 'pricing', 'en'],
    ['Hallo, was kostet das Pro-Paket?', 'pricing', 'de'],
    ['Können Sie mir ein Angebot schicken?', 'pricing', 'de'],
    ['Can we schedule a demo next week?', 'meeting_request', 'en'],
    ['Hätten Sie diese Woche Zeit für ein kurzes Gespräch?', 'meeting_request', 'de'],
    ['Could you send me more information about the integrations?', 'information_request', 'en'],
    ['Wie funktioniert die Schnittstelle zu SAP?', 'information_request', 'de'],
    ['Sounds interesting but it is too expensive for us.', 'objection', 'en'],
    ['Das ist uns leider zu teuer.', 'objection', 'de'],
    ['Thanks!', 'thanks', 'en'],
    ['Vielen Dank!', 'thanks', 'de'],
  ])('%p → %s (%s)', (text, intent, language) => {
    const result = detectIntent(text);
    expect(result.intent).toBe(intent);
    expect(result.language).toBe(language);
  });

  it('is confident about a clear pricing question and sends it on', () => {
    expect(detectIntent('Was kostet das Pro-Paket?').confidence).toBeGreaterThanOrEqual(0.85);
    expect(detectIntent('What is your pricing per seat? And how much for 20 users?').confidence).toBeGreaterThan(0.9);
  });

  it('is unsure about a message with no recognisable request', () => {
    const result = detectIntent('Hmm, interesting.');
    expect(result).toMatchObject({ intent: 'unclear' });
    expect(result.confidence).toBeLessThan(0.5);
  });

  it('is unsure when two requests compete equally', () => {
    expect(detectIntent('What does it cost, and can we book a demo?').confidence).toBeLessThan(0.85);
  });

  it('keeps objections below the auto-send bar', () => {
    expect(detectIntent('We already use another tool, not sure we need this.').confidence).toBeLessThan(0.85);
  });
});

describe('detectLanguage', () => {
  it('tells German from English', () => {
    expect(detectLanguage('Ich hätte gerne mehr Infos')).toBe('de');
    expect(detectLanguage('I would like more info')).toBe('en');
  });
});

describe('templates', () => {
  it("fills in the lead's first name", () => {
    expect(renderTemplate(templateFor('pricing', 'en', undefined), { firstName: 'Erika' }, 'en')).toMatch(/^Hi Erika, thanks for asking about pricing!/);
  });
  it('reads well without a name', () => {
    expect(renderTemplate(templateFor('pricing', 'de', undefined), {}, 'de')).toMatch(/^Hallo, danke für Ihre Frage/);
    expect(renderTemplate(templateFor('thanks', 'de', undefined), {}, 'de')).toBe('Sehr gerne! Melden Sie sich jederzeit, wenn noch etwas offen ist.');
  });
  it("prefers the user's own template", () => {
    expect(templateFor('pricing', 'en', { pricing: { en: 'Our price list: {{firstName}}' } })).toBe('Our price list: {{firstName}}');
    expect(templateFor('pricing', 'de', { pricing: { en: 'x' } })).toContain('Hallo');
  });
  it('takes a plausible first name only', () => {
    expect(firstNameOf('Erika Mustermann')).toBe('Erika');
    expect(firstNameOf('+49 170 123')).toBeUndefined();
    expect(firstNameOf(null)).toBeUndefined();
  });
});
