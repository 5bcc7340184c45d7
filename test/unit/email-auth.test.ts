import { assessSenderAuthentication, organizationalDomain, parseAuthenticationResults } from '../../src/domain/email-auth';

const ar = (value: string) => ({ name: 'Authentication-Results', value });

describe('assessSenderAuthentication', () => {
  it('verifies a sender that passed DMARC', () => {
    const verdict = assessSenderAuthentication(
      [ar('mx.postmarkapp.com; spf=pass smtp.mailfrom=bounce.mailer.com; dkim=pass header.d=example.com; dmarc=pass (p=REJECT) header.from=example.com')],
      'Lead@Example.com',
    );
    expect(verdict).toMatchObject({ verified: true, method: 'dmarc' });
  });

  it('verifies a DKIM pass for the From domain or its parent, not for another domain', () => {
    expect(assessSenderAuthentication([ar('mx.example.net; dkim=pass header.d=mail.example.com')], 'lead@example.com')).toMatchObject({
      verified: true,
      method: 'dkim',
    });
    expect(assessSenderAuthentication([ar('mx.example.net; dkim=pass header.i=@example.com')], 'lead@news.example.com')).toMatchObject({
      verified: true,
    });
    expect(assessSenderAuthentication([ar('mx.example.net; dkim=pass header.d=sendgrid.net; spf=pass smtp.mailfrom=bounces@sendgrid.net')], 'lead@example.com')).toMatchObject({
      verified: false,
    });
  });

  it('verifies an SPF pass only when the envelope sender is aligned with From', () => {
    expect(assessSenderAuthentication([ar('mx.example.net; spf=pass (sender ok) smtp.mailfrom=lead@example.co.uk')], 'lead@example.co.uk')).toMatchObject({
      verified: true,
      method: 'spf',
    });
    // co.uk is a public suffix: other.co.uk is not the same organisation as example.co.uk
    expect(assessSenderAuthentication([ar('mx.example.net; spf=pass smtp.mailfrom=x@other.co.uk')], 'lead@example.co.uk')).toMatchObject({ verified: false });
  });

  it('refuses failures, softfails and mails without any authentication results', () => {
    expect(assessSenderAuthentication([ar('mx.example.net; spf=softfail smtp.mailfrom=example.com; dkim=fail header.d=example.com; dmarc=fail')], 'a@example.com')).toMatchObject({
      verified: false,
      detail: expect.stringContaining('spf=softfail'),
    });
    expect(assessSenderAuthentication([], 'a@example.com')).toEqual({ verified: false, detail: 'no authentication results' });
  });

  it('trusts only the topmost Authentication-Results header, the one the receiving provider wrote', () => {
    const forgedBelow = [ar('mx.postmarkapp.com; spf=fail smtp.mailfrom=example.com; dmarc=fail header.from=example.com'), ar('forger.example; dmarc=pass header.from=example.com')];
    expect(assessSenderAuthentication(forgedBelow, 'ceo@example.com').verified).toBe(false);
    expect(assessSenderAuthentication(forgedBelow, 'ceo@example.com', { trustedAuthservId: 'forger.example' }).verified).toBe(true);
    expect(assessSenderAuthentication(forgedBelow, 'ceo@example.com', { trustedAuthservId: 'mx.postmarkapp.com' }).verified).toBe(false);
  });

  it('falls back to Received-SPF when there is no Authentication-Results header', () => {
    const headers = [{ name: 'Received-SPF', value: 'Pass (sender SPF authorized) identity=mailfrom; client-ip=209.85.1.1; envelope-from=lead@example.com; receiver=inbound' }];
    expect(assessSenderAuthentication(headers, 'lead@example.com')).toMatchObject({ verified: true, method: 'spf' });
    expect(assessSenderAuthentication([{ name: 'Received-SPF', value: 'Neutral (no policy)' }], 'lead@example.com')).toMatchObject({ verified: false });
  });

  it('does not verify a From address without a domain', () => {
    expect(assessSenderAuthentication([ar('mx; dmarc=pass')], 'not-an-address').verified).toBe(false);
  });
});

describe('parseAuthenticationResults', () => {
  it('reads methods, results and properties, ignoring comments', () => {
    const parsed = parseAuthenticationResults('mx.google.com; dkim=pass (test mode) header.i=@sendgrid.info; spf=pass (google.com: domain of x designates 1.2.3.4) smtp.mailfrom=x@y.com; dmarc=fail (p=NONE dis=NONE) header.from=sendgrid.com');
    expect(parsed.authservId).toBe('mx.google.com');
    expect(parsed.results).toEqual([
      { method: 'dkim', result: 'pass', props: { 'header.i': '@sendgrid.info' } },
      { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'x@y.com' } },
      { method: 'dmarc', result: 'fail', props: { 'header.from': 'sendgrid.com' } },
    ]);
  });

  it('finds the organizational domain', () => {
    expect(organizationalDomain('mail.eu.example.com')).toBe('example.com');
    expect(organizationalDomain('shop.example.co.uk')).toBe('example.co.uk');
    expect(organizationalDomain('example.de.')).toBe('example.de');
  });
});
