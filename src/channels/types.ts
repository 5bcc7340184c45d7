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

/**
 * Errors a transport throws, by what is certain about the message and so what the caller may do:
 * - RetryableSendError, RateLimitedSendError: certainly not sent (refused before a byte was written, or the
 *   platform answered that it did not take it); safe to try again (after `retryAfterMs` for a rate limit).
 * - NonRetryableSendError: certainly not sent, and trying again cannot help (`reason` says why).
 * - SendOutcomeUnknownError: the platform may have the message (a timeout, a connection dropped after the
 *   request was written, a 5xx, a success without the platform's message id, an SMTP session lost after the
 *   end of the data). Never repeated blindly: a second try may reach the lead twice.
 */
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

export type NonRetryableReason =
  | 'invalid_recipient'
  | 'connection_broken'
  | 'channel_not_connected'
  | 'outside_window'
  | 'blocked'
  | 'rejected'
  | 'manual_only';

export class NonRetryableSendError extends Error {
  override name = 'NonRetryableSendError';
  constructor(
    message: string,
    readonly reason: NonRetryableReason,
  ) {
    super(message);
  }
}

/** The platform may have the message: a person (or a later status from the platform) has to settle it. */
export class SendOutcomeUnknownError extends Error {
  override name = 'SendOutcomeUnknownError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What a platform's refusal means for the reply (the platform certainly did not take the message). */
export type SendFailureKind = 'rate_limited' | 'retry_not_sent' | 'connection_broken' | 'outside_window' | 'invalid_recipient' | 'blocked' | 'rejected';

/**
 * One adapter's table from the platform's documented error codes to what they mean. Keys are the platform's
 * codes (Graph `code`, or `code/subcode` where the subcode decides; an SMTP reply code; an HTTP status where the
 * platform has no codes of its own). A code the table does not list is decided by the adapter's rule for its
 * class (an HTTP 4xx: `rejected`).
 */
export type PlatformErrorTable = Readonly<Record<number | `${number}/${number}`, SendFailureKind>>;

/** The table's entry for a code (a `code/subcode` entry before the code's own), if it lists one. */
export function listedFailure(table: PlatformErrorTable, code: number | undefined, subcode?: number): SendFailureKind | undefined {
  if (code === undefined) return undefined;
  const entries = table as Readonly<Record<string, SendFailureKind>>;
  return (subcode !== undefined ? entries[`${code}/${subcode}`] : undefined) ?? entries[String(code)];
}

/** The error a transport throws for a refusal (`retryAfterMs` counts for a rate limit only). */
export function sendFailure(kind: SendFailureKind, detail: string, retryAfter: number): RetryableSendError | RateLimitedSendError | NonRetryableSendError {
  if (kind === 'rate_limited') return new RateLimitedSendError(detail, retryAfter);
  if (kind === 'retry_not_sent') return new RetryableSendError(detail);
  return new NonRetryableSendError(detail, kind);
}
