import type { Pool } from 'pg';
import type { Config } from '../config';
import { saveConnection } from '../db/connections';
import type { SecretBox } from '../domain/secrets';

type SmtpDefault = NonNullable<Config['email']['defaultConnection']>;

/**
 * The single-tenant connections from the environment (WHATSAPP_API_KEY + WHATSAPP_PHONE_NUMBER_ID,
 * INSTAGRAM_ACCESS_TOKEN + INSTAGRAM_ACCOUNT_ID, SMTP_*), stored for one user. Returns the channels it set.
 */
export async function saveDefaultConnections(
  db: Pool,
  secrets: SecretBox,
  userId: string,
  config: Config,
  email: SmtpDefault | undefined = config.email.defaultConnection,
): Promise<string[]> {
  const saved: string[] = [];
  if (email) {
    await saveConnection(db, secrets, {
      userId,
      channel: 'email',
      accountId: email.from.toLowerCase(),
      credentials: { ...(email.user ? { user: email.user } : {}), ...(email.pass ? { pass: email.pass } : {}) },
      settings: { host: email.host, port: email.port, secure: email.secure },
    });
    saved.push('email');
  }
  const instagram = config.instagram.defaultConnection;
  if (instagram) {
    await saveConnection(db, secrets, { userId, channel: 'instagram', accountId: instagram.accountId, credentials: { accessToken: instagram.accessToken }, settings: {} });
    saved.push('instagram');
  }
  const whatsapp = config.whatsapp.defaultConnection;
  if (whatsapp) {
    await saveConnection(db, secrets, { userId, channel: 'whatsapp', accountId: whatsapp.phoneNumberId, credentials: { accessToken: whatsapp.accessToken }, settings: {} });
    saved.push('whatsapp');
  }
  return saved;
}
