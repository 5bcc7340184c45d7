import { normalizeHandle } from '../../src/domain/contact-handle';
import { workflowIdFor } from '../../src/domain/workflow-id';

describe('normalizeHandle', () => {
  it.each([
    ['+49 170 1234567', '491701234567'],
    ['0049 (170) 123-4567', '491701234567'],
    ['491701234567', '491701234567'],
    ['+1 (650) 555-1234', '16505551234'],
  ])('spells the WhatsApp number %p as %p', (raw, expected) => {
    expect(normalizeHandle('whatsapp', raw)).toEqual({ ok: true, handle: expected });
  });

  it.each([['hello'], ['+49 12'], ['1234567890123456'], ['']])('rejects %p as a WhatsApp handle', (raw) => {
    expect(normalizeHandle('whatsapp', raw)).toMatchObject({ ok: false });
  });

  it('lower-cases an email address and rejects a non-address', () => {
    expect(normalizeHandle('email', ' Erika.Muster@Example.DE ')).toEqual({ ok: true, handle: 'erika.muster@example.de' });
    expect(normalizeHandle('email', 'erika at example')).toMatchObject({ ok: false });
  });

  it('keeps platform ids as they are', () => {
    expect(normalizeHandle('instagram', '17841400000000000')).toEqual({ ok: true, handle: '17841400000000000' });
    expect(normalizeHandle('linkedin', 'urn:li:person:AbC123')).toEqual({ ok: true, handle: 'urn:li:person:AbC123' });
  });
});

describe('workflowIdFor', () => {
  const wamid = 'wamid.HBgLNDkxNzAxMjM0NTY3FQIAEhgUM0VCMDRCNTYzQjA0QjRFMkI5QkEA';

  it('is the same for the same delivery and different for another message, channel or user', () => {
    const id = workflowIdFor('whatsapp', 'user-1', wamid);
    expect(workflowIdFor('whatsapp', 'user-1', wamid)).toBe(id);
    expect(workflowIdFor('whatsapp', 'user-1', `${wamid}x`)).not.toBe(id);
    expect(workflowIdFor('email', 'user-1', wamid)).not.toBe(id);
    expect(workflowIdFor('whatsapp', 'user-2', wamid)).not.toBe(id);
  });

  it('carries no part of the provider id (a wamid encodes the phone number)', () => {
    const id = workflowIdFor('whatsapp', 'user-1', wamid);
    expect(id).toMatch(/^autopilot\/whatsapp\/user-1\/[0-9a-f]{32}$/);
    expect(id).not.toContain('HBgL');
  });
});
