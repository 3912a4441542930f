// `bulkhead console` (and the demo's `bulkhead start`): the web console on this box, HTTPS with a
// certificate made on first start, and the one-time setup token while no account exists.

import { dirname, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildConsole } from '../console/server.js';
import { consoleCertificate } from '../console/tls.js';
import type { Db } from '../store/database.js';
import { UserStore } from '../store/user-store.js';
import { BulkheadError } from '../errors.js';

export interface ServeOptions {
  db: Db;
  dbPath: string;
  host: string;
  port: number;
  /** Plain HTTP (behind the plant's own TLS proxy); HTTPS otherwise. */
  http?: boolean;
  log: (line: string) => void;
  /** pino's level for the console's own log (JSON lines on standard output). */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

export class ConsoleListenError extends BulkheadError {
  constructor(message: string, options?: ErrorOptions) {
    super('BH_LISTEN', message, options);
    this.name = 'ConsoleListenError';
  }
}

export async function serveConsole(o: ServeOptions): Promise<{ app: FastifyInstance; url: string }> {
  const tls = o.http ? undefined : await consoleCertificate(dirname(resolve(o.dbPath)), [o.host]);
  if (tls?.created) o.log(`made a self-signed certificate for the console in ${dirname(resolve(o.dbPath))} (console-cert.pem; replace it and console-key.pem with the plant's own)`);
  const { app } = await buildConsole(o.db, { logLevel: o.logLevel ?? 'warn', ...(tls ? { tls } : {}) });
  let address: string;
  try {
    address = await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use (another console? choose one with --port)' : code === 'EADDRNOTAVAIL' ? 'no interface of this box has that address' : code === 'EACCES' ? 'ports below 1024 need root' : (err as Error).message;
    throw new ConsoleListenError(`cannot serve the console on ${o.host}:${o.port}: ${why}`, { cause: err });
  }
  const url = `${o.http ? 'http' : 'https'}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${new URL(address).port}/`;
  const token = new UserStore(o.db).issueSetupToken();
  o.log(`console: ${url}`);
  if (token) o.log(`first start: no account exists yet. Open ${url}#/setup and create the first administrator with this one-time setup token:\n\n    ${token}\n`);
  return { app, url };
}
