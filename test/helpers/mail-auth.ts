/**
 * The inbound provider's verdict on an email's sender, as POST /v1/events takes it (metadata.email), for a sender
 * that passed DMARC: an automatic reply may go to it.
 */
export function authenticatedSender(address: string) {
  const domain = address.split('@')[1];
  return { email: { authenticationResults: `mx.inbound.example; spf=pass smtp.mailfrom=${address}; dkim=pass header.d=${domain}; dmarc=pass header.from=${domain}` } };
}
