import { NonRetryableSendError, RateLimitedSendError, RetryableSendError, SendOutcomeUnknownError } from '../../src/channels/types';

/**
 * What an adapter's send ended in, in one word: `sent`, `unknown` (the platform may have it), `rate_limited`,
 * `retry_not_sent`, or the non-retryable reason. Any other error is rethrown.
 */
export async function outcomeOf(send: Promise<unknown>): Promise<string> {
  try {
    await send;
    return 'sent';
  } catch (err) {
    if (err instanceof SendOutcomeUnknownError) return 'unknown';
    if (err instanceof RateLimitedSendError) return 'rate_limited';
    if (err instanceof RetryableSendError) return 'retry_not_sent';
    if (err instanceof NonRetryableSendError) return err.reason;
    throw err;
  }
}
