import type { Pool } from 'pg';
import { findConnection, type Connection } from '../db/connections';
import type { Channel } from '../domain/channels';
import type { SecretBox } from '../domain/secrets';
import { NonRetryableSendError } from './types';

/** Whether the user has a working connection on the channel (a broken one needs a person first). */
export async function hasActiveConnection(db: Pool, secrets: SecretBox, userId: string, channel: Channel): Promise<boolean> {
  const connection = await findConnection(db, secrets, userId, channel);
  return connection !== undefined && connection.status === 'active';
}

/** The user's working connection for a send; without one the reply goes to review (not connected / broken). */
export async function requireActiveConnection(
  db: Pool,
  secrets: SecretBox,
  userId: string,
  channel: Channel,
  label: string,
): Promise<Connection> {
  const connection = await findConnection(db, secrets, userId, channel);
  if (!connection) throw new NonRetryableSendError(`${label} is not connected for this user`, 'channel_not_connected');
  if (connection.status === 'broken') {
    throw new NonRetryableSendError(`the ${label} connection is broken: ${connection.brokenReason}`, 'connection_broken');
  }
  return connection;
}
