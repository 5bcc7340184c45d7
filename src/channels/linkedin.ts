import { NonRetryableSendError, type ChannelAdapter, type OutgoingReply, type PreparedMessage } from './types';

/**
 * LinkedIn's messaging API is open only to approved partners, and LinkedIn's User Agreement forbids automated
 * messages, so this adapter never sends by itself: the workflow hands the ready text and a link to the
 * conversation to a person (stage awaiting_human_send), who sends it and confirms.
 */

/** The conversation to open: the inbound event's own link, its thread id, or the messaging inbox. */
export function linkedinConversationUrl(metadata: Record<string, unknown>): string {
  const linkedin = (metadata.linkedin ?? {}) as { conversationUrl?: string; threadId?: string; threadUrn?: string };
  if (linkedin.conversationUrl && /^https:\/\/(www\.)?linkedin\.com\//.test(linkedin.conversationUrl)) return linkedin.conversationUrl;
  const thread = linkedin.threadId ?? linkedin.threadUrn?.split(':').pop();
  if (thread && /^[\w=-]+$/.test(thread)) return `https://www.linkedin.com/messaging/thread/${thread}/`;
  return 'https://www.linkedin.com/messaging/';
}

export function createLinkedInManualAdapter(): ChannelAdapter {
  return {
    channel: 'linkedin',
    name: 'linkedin-manual',
    validateRecipient(recipient) {
      if (!recipient.trim()) throw new NonRetryableSendError('missing LinkedIn member', 'invalid_recipient');
    },
    prepare(reply: OutgoingReply): PreparedMessage {
      return { channel: 'linkedin', recipient: reply.recipient, payload: { text: reply.text, conversationUrl: linkedinConversationUrl(reply.inReplyTo.metadata) } };
    },
    async isConnected() {
      return true; // a person sends from their own account: nothing to connect
    },
    async send() {
      throw new NonRetryableSendError('LinkedIn replies are sent by a person', 'manual_only');
    },
    supports(feature) {
      return feature !== 'automated_send' && feature !== 'read_receipts';
    },
  };
}
