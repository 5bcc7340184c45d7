import { checkChannelRules, checkCompliance, checkModerationLocally, checkOptOut, checkSpam } from '../../src/domain/quality-gates';

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
