import { createHash } from 'node:crypto';
import type { Channel } from './channels';

/**
 * The workflow id is the business key of an inbound message: the same delivery always maps to the same id, so
 * a duplicate webhook finds the running or finished workflow instead of starting a second one. The provider's
 * message id is hashed because some embed personal data (a WhatsApp wamid encodes the sender's number, an
 * email Message-ID often a domain), and workflow ids are shown to operators.
 */
export function workflowIdFor(channel: Channel, userId: string, externalId: string): string {
  const key = createHash('sha256').update(externalId).digest('hex').slice(0, 32);
  return `autopilot/${channel}/${userId}/${key}`;
}
