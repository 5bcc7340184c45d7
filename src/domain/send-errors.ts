/** Failure types a send can never recover from by retrying (used by the activity and the workflow's retry policy). */
export const NON_RETRYABLE_SEND_ERRORS = [
  'InvalidRecipient',
  'NonRetryableSendError',
  'JobNotSendable',
  'ChannelNotConnected',
  'ConnectionBroken',
  'OutsideWindow',
  'SendUncertain',
];

/** Send failures a human can resolve (connect the channel, renew a token, answer differently): back to review. */
export const REVIEWABLE_SEND_FAILURES: Record<string, string> = {
  ChannelNotConnected: 'channel_not_connected',
  ConnectionBroken: 'connection_broken',
  OutsideWindow: 'outside_window',
  SendUncertain: 'send_uncertain',
};

/** The failure type for a transport's non-retryable reason. */
export function sendFailureType(reason: string): string {
  switch (reason) {
    case 'invalid_recipient':
      return 'InvalidRecipient';
    case 'channel_not_connected':
      return 'ChannelNotConnected';
    case 'connection_broken':
      return 'ConnectionBroken';
    case 'outside_window':
      return 'OutsideWindow';
    default:
      return 'NonRetryableSendError';
  }
}
