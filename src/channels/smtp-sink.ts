import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { SMTPServer } from 'smtp-server';

/**
 * A local SMTP server for `npm start` without SMTP_HOST: it accepts every mail and keeps it as an .eml file
 * in `dir`, so a developer sees exactly what a lead would receive. Never delivers anything.
 */
export async function startSmtpSink(options: { port: number; dir: string; logger: Logger }): Promise<{ port: number; stop(): Promise<void> }> {
  fs.mkdirSync(options.dir, { recursive: true });
  let counter = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        counter += 1;
        const file = path.join(options.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${counter}.eml`);
        fs.writeFileSync(file, Buffer.concat(chunks));
        options.logger.info({ event: 'smtp_sink.caught', file, recipients: session.envelope.rcptTo.length });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
