// `bulkhead console`: the web console for this database, until stopped.

import { configDb, loadConfig } from '../../config/appliance-config.js';
import { serviceManager } from '../../gateway/sd-notify.js';
import { common, consolePort, dbPath, stopOnSignals, until, UsageError, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

const LOG_LEVELS = ['info', 'warn', 'error', 'silent'] as const;

export const registerConsole: Register = (root, io, act) => {
  common(root.command('console'))
    .description('the web console for this database, until Ctrl-C')
    .option('--host <h>', 'where it listens (default 127.0.0.1)')
    .option('--port <p>', 'its port (default 8443)')
    .option('--http', 'plain HTTP instead of HTTPS')
    .option('--config <file>', "listen where the appliance's configuration says (management address and port)")
    .option('--log-level <l>', `requests and errors as JSON lines on standard output: ${LOG_LEVELS.join(', ')} (default info)`)
    .action(
      act(async (o: Common & { host?: string; port?: string; http?: boolean; config?: string; logLevel?: string }) => {
        if (o.config) {
          const c = loadConfig(o.config);
          o.db ??= configDb(c);
          o.host ??= c.management.address;
          o.port ??= c.management.port?.toString();
        }
        const port = consolePort('console', o.port);
        const logLevel = o.logLevel ?? 'info';
        if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new UsageError(`bulkhead console: --log-level must be ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
        const notify = serviceManager();
        return withDb(o.db, async (db) => {
          const { serveConsole } = await import('../serve-console.js');
          const { app, url } = await serveConsole({ db, dbPath: dbPath(o.db), host: o.host ?? '127.0.0.1', port, http: o.http === true, log: io.err, logLevel: logLevel as (typeof LOG_LEVELS)[number] });
          notify?.ready(`console on ${url}`);
          await until(stopOnSignals().signal);
          // A listening server keeps the process alive: a stop must end it, not just close the store.
          await app.close();
          return 0;
        });
      }),
    );
};
