import type { Channel } from '../domain/channels';

/** One reply on its way to a lead, as the workflow hands it to a channel. */
export interface OutgoingReply {
  jobId: string;
  userId: string;
  contactId: string;
  channel: Channel;
  recipient: string;
  text: string;
  /** The inbound message this answers (threading: email In-Reply-To, Instagram reply-to). */
  inReplyTo: { externalId: string; metadata: Record<string, unknown> };
  /** Whether a human approved it (some platforms allow more for human-sent messages). */
  humanApproved: boolean;
}

export interface PreparedMessage {
  channel: Channel;
  recipient: string;
  /** The exact payload the platform receives. */
  payload: Record<string, unknown>;
}

export interface SendResult {
  providerMessageId: string;
  /** True when the message went to the sandbox outbox, not to the platform. */
  sandbox: boolean;
}

/** idempotent_send: sending the same job twice delivers once (so a send cut off mid-way may simply be retried). */
export type ChannelFeature = 'read_receipts' | 'attachments' | 'html' | 'threading' | 'automated_send' | 'idempotent_send';

/** One transport per channel (novu's providers/ shape). */
export interface ChannelAdapter {
  readonly channel: Channel;
  readonly name: string;
  /** Throws a NonRetryableSendError when the recipient cannot be reached on this channel at all. */
  validateRecipient(recipient: string): void;
  prepare(reply: OutgoingReply): PreparedMessage;
  /** Whether the user has a working connection on this channel (the sandbox always has). */
  isConnected(userId: string): Promise<boolean>;
  /** Sends the prepared message. The sandbox sends once per jobId; a real platform call is made per attempt. */
  send(reply: OutgoingReply, prepared: PreparedMessage): Promise<SendResult>;
  supports(feature: ChannelFeature): boolean;
  /**
   * Whether this user's sends go through a transport that delivers a job once however often it is sent: asked by an
   * adapter whose transport depends on the user (a connection, or the sandbox standing in for one). Without it,
   * `supports('idempotent_send')` answers for everyone.
   */
  sendsIdempotently?(userId: string): Promise<boolean>;
}

export type ChannelRegistry = ReadonlyMap<Channel, ChannelAdapter>;

/** Errors a transport throws, by what the caller should do. */
export class RetryableSendError extends Error {
  override name = 'RetryableSendError';
}
export class RateLimitedSendError extends Error {
  override name = 'RateLimitedSendError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}
/** A platform's Retry-After header (seconds) in milliseconds, or the fallback when it is absent or unreadable. */
export function retryAfterMs(header: string | null, fallbackMs: number): number {
  const seconds = Number(header);
  return header !== null && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallbackMs;
}

export class NonRetryableSendError extends Error {
  override name = 'NonRetryableSendError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}
