/**
 * Whether an inbound mail's sender is who the From header says, from the receiving provider's authentication
 * results (RFC 8601 Authentication-Results; RFC 7208 Received-SPF as a fallback). An automatic reply goes only to
 * a sender that passed DMARC, or SPF or DKIM for a domain aligned with the From domain (RFC 7489 §3.1, relaxed
 * alignment): otherwise a forged From could make the autopilot write to a stranger.
 */

export interface SenderAuthentication {
  verified: boolean;
  /** What verified it, or why not. */
  method?: 'dmarc' | 'dkim' | 'spf';
  detail: string;
}

export interface MailHeader {
  name: string;
  value: string;
}

// Public suffixes of two labels that commonly carry mail (a short list: alignment needs the organizational domain,
// RFC 7489 §3.2; the full Public Suffix List is larger, and an unknown suffix errs on the strict side).
const TWO_LABEL_SUFFIXES = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'ltd.uk', 'plc.uk', 'me.uk', 'co.at', 'or.at', 'gv.at', 'com.au', 'net.au', 'org.au',
  'co.nz', 'co.jp', 'ne.jp', 'or.jp', 'co.za', 'com.br', 'com.mx', 'com.tr', 'com.cn', 'com.hk', 'com.sg', 'co.in', 'co.il',
  'com.ar', 'com.pl', 'co.kr',
]);

export function organizationalDomain(domain: string): string {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  if (labels.length <= 2) return labels.join('.');
  const lastTwo = labels.slice(-2).join('.');
  return TWO_LABEL_SUFFIXES.has(lastTwo) ? labels.slice(-3).join('.') : lastTwo;
}

function domainOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const at = value.lastIndexOf('@');
  const domain = (at >= 0 ? value.slice(at + 1) : value).trim().replace(/[<>"]/g, '').toLowerCase();
  return /^[a-z0-9.-]+\.[a-z]{2,}$/.test(domain) ? domain : undefined;
}

function aligned(a: string | undefined, fromDomain: string): boolean {
  return a !== undefined && organizationalDomain(a) === organizationalDomain(fromDomain);
}

/** RFC 8601 comments "( … )" removed, nesting included, quoted strings kept. */
function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (const ch of value) {
    if (ch === '"' && depth === 0) quoted = !quoted;
    if (!quoted && ch === '(') depth += 1;
    else if (!quoted && ch === ')' && depth > 0) depth -= 1;
    else if (depth === 0) out += ch;
  }
  return out;
}

interface ResInfo {
  method: string;
  result: string;
  props: Record<string, string>;
}

/** One Authentication-Results value: its authserv-id and each method's result with its properties. */
export function parseAuthenticationResults(value: string): { authservId: string; results: ResInfo[] } {
  const [head, ...parts] = stripComments(value).split(';').map((p) => p.trim());
  const authservId = (head ?? '').split(/\s+/)[0]?.toLowerCase() ?? '';
  const results: ResInfo[] = [];
  for (const part of parts) {
    const tokens = part.split(/\s+/).filter(Boolean);
    const first = tokens.shift();
    const match = first && /^([a-z0-9-]+)(?:\/[0-9]+)?=([a-z]+)$/i.exec(first);
    if (!match) continue;
    const props: Record<string, string> = {};
    for (const token of tokens) {
      const prop = /^([a-z]+\.[a-z0-9-]+)=(.+)$/i.exec(token);
      if (prop) props[prop[1]!.toLowerCase()] = prop[2]!.replace(/^"|"$/g, '');
    }
    results.push({ method: match[1]!.toLowerCase(), result: match[2]!.toLowerCase(), props });
  }
  return { authservId, results };
}

/**
 * The verdict for a mail from `fromAddress`. Only the topmost Authentication-Results header counts (the receiving
 * provider adds it on top; any below could have been written by the sender), or the one whose authserv-id is
 * `trustedAuthservId` when given.
 */
export function assessSenderAuthentication(
  headers: MailHeader[],
  fromAddress: string,
  options: { trustedAuthservId?: string } = {},
): SenderAuthentication {
  const fromDomain = domainOf(fromAddress);
  if (!fromDomain) return { verified: false, detail: 'the From address has no domain' };
  const named = (name: string) => headers.filter((h) => h.name.toLowerCase() === name);
  const trusted = options.trustedAuthservId?.toLowerCase();
  const candidates = named('authentication-results').map((h) => parseAuthenticationResults(h.value));
  const ar = trusted ? candidates.find((c) => c.authservId === trusted) : candidates[0];
  if (ar) {
    const passed = (method: string) => ar.results.filter((r) => r.method === method && r.result === 'pass');
    const dmarc = passed('dmarc').find((r) => !r.props['header.from'] || aligned(r.props['header.from'], fromDomain));
    if (dmarc) return { verified: true, method: 'dmarc', detail: `dmarc=pass (${ar.authservId})` };
    const dkim = passed('dkim').find((r) => aligned(r.props['header.d'] ?? domainOf(r.props['header.i']), fromDomain));
    if (dkim) return { verified: true, method: 'dkim', detail: `dkim=pass header.d=${dkim.props['header.d'] ?? dkim.props['header.i']}` };
    const spf = passed('spf').find((r) => aligned(domainOf(r.props['smtp.mailfrom']) ?? r.props['smtp.helo'], fromDomain));
    if (spf) return { verified: true, method: 'spf', detail: `spf=pass smtp.mailfrom=${domainOf(spf.props['smtp.mailfrom'])}` };
    const seen = ar.results.map((r) => `${r.method}=${r.result}`).join(' ') || 'no results';
    return { verified: false, detail: `no aligned pass in Authentication-Results (${seen})` };
  }
  // Received-SPF: "Pass (…) … envelope-from=<addr>;" (RFC 7208 §9.1)
  const receivedSpf = named('received-spf')[0]?.value;
  if (receivedSpf && /^\s*pass\b/i.test(receivedSpf)) {
    const envelopeFrom = /envelope-from=("?)([^";\s]+)\1/i.exec(receivedSpf)?.[2];
    if (aligned(domainOf(envelopeFrom), fromDomain)) return { verified: true, method: 'spf', detail: `Received-SPF: pass for ${domainOf(envelopeFrom)}` };
    return { verified: false, detail: 'Received-SPF passed for a domain not aligned with From' };
  }
  return { verified: false, detail: receivedSpf ? `Received-SPF: ${receivedSpf.trim().split(/\s/)[0]}` : 'no authentication results' };
}

/**
 * For an inbound email posted to the API: the provider's results come as `metadata.email.authenticationResults` (the
 * Authentication-Results header value or values, topmost first) and `metadata.email.receivedSpf`; the verdict is
 * always computed here, never taken from the caller.
 */
export function senderAuthenticationFromMetadata(metadata: Record<string, unknown>, fromAddress: string, options: { trustedAuthservId?: string } = {}): SenderAuthentication {
  const email = (metadata.email ?? {}) as { authenticationResults?: unknown; receivedSpf?: unknown };
  const values = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const headers: MailHeader[] = [
    ...values(email.authenticationResults).map((value) => ({ name: 'Authentication-Results', value })),
    ...values(email.receivedSpf).map((value) => ({ name: 'Received-SPF', value })),
  ];
  return assessSenderAuthentication(headers, fromAddress, options);
}
