import { Pool } from 'pg';

export type { Pool };

export function createPool(connectionString: string, max = 10): Pool {
  const pool = new Pool({ connectionString, max });
  // An idle client losing its connection (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // The pool listens for that only while a client is idle: a client checked out (a transaction) whose connection
  // the server ends (57P01 on a restart) emits 'error' with no listener, and Node ends the process
  // (brianc/node-postgres#1324, #3083). Its pending query fails on its own and release() discards the client, so
  // the event itself needs nothing more.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
