/** Failure types a send can never recover from by retrying (used by the activity and the workflow's retry policy). */
export const NON_RETRYABLE_SEND_ERRORS = ['InvalidRecipient', 'NonRetryableSendError', 'JobNotSendable', 'ChannelNotConnected'];
