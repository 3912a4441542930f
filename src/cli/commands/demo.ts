// `bulkhead demo` (`npm start`): the bundled demo plant learned into a fresh database, a draft
// policy derived from it, both shown, and the console on localhost until stopped.

import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { learnPcaps } from '../../app/learn.js';
import { derive } from '../../app/policy.js';
import { openDatabase } from '../../store/database.js';
import { LearnStore } from '../../store/learn-store.js';
import { PolicyStore } from '../../store/policy-store.js';
import { formatAssets } from '../format/inventory.js';
import { formatLearnReport } from '../format/learn.js';
import { formatTable } from '../format/table.js';
import { common, consolePort, stopOnSignals, until, UsageError, type Common } from '../io.js';
import type { Register } from '../register.js';

const DEMO = join('testbench', 'fixtures', 'demo');

/** The shipped demo captures: testbench/fixtures/demo in the package this runs from (built or not). */
function demoCaptures(): string[] {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (!existsSync(join(dir, DEMO))) continue;
    return readdirSync(join(dir, DEMO))
      .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
      .sort()
      .map((f) => join(dir, DEMO, f));
  }
  return [];
}

type Options = Common & { host?: string; port?: string; http?: boolean; console?: boolean };

export const registerDemo: Register = (root, io, act) => {
  common(root.command('demo'))
    .description('learn the bundled demo plant into a fresh database, derive a draft policy, show both, and serve the console on https://127.0.0.1:8443/ until Ctrl-C')
    .option('--host <h>', 'where the console listens (default 127.0.0.1)')
    .option('--port <p>', "the console's port (default 8443)")
    .option('--http', 'plain HTTP instead of HTTPS')
    .option('--no-console', 'exit after showing the plant and its policy')
    .action(
      act(async (o: Options) => {
        const port = consolePort('demo', o.port);
        const files = demoCaptures();
        if (files.length === 0) throw new UsageError(`bulkhead demo: the bundled demo captures are missing (${DEMO})`);
        const path = o.db ?? join(mkdtempSync(join(tmpdir(), 'bulkhead-demo-')), 'bulkhead.db');
        const db = openDatabase(path);
        const store = new LearnStore(db);
        try {
          const { report } = await learnPcaps(store, files);
          const derived = derive(store, new PolicyStore(db), { name: 'Demo plant' }, 'bulkhead demo');
          if (o.json) {
            io.out(JSON.stringify({ db: path, report, assets: store.assets(), conversations: store.conversations(), policy: { version: derived.version, policy: derived.policy, findings: derived.findings } }));
            return 0;
          }
          io.out(`Bulkhead demo plant learned into ${path}\n`);
          io.out(formatLearnReport(report));
          io.out('\nAssets\n');
          io.out(formatAssets(store.assets()));
          const rules = derived.policy.conduits.reduce((n, c) => n + c.rules.length, 0);
          io.out(`\nDraft policy (version ${derived.version}): ${derived.policy.zones.length} zones, ${derived.policy.conduits.length} conduits, ${rules} rules, ${derived.findings.filter((f) => f.severity !== 'info').length} lint warnings`);
          io.out(formatTable(['zone', 'SL-T', 'Purdue', 'members'], derived.policy.zones.map((z) => [`${z.id} (${z.name})`, String(z.securityLevel), String(z.purdueLevel ?? '-'), z.members.join(', ')])));
          io.out(`\nExplore further: bulkhead conversations --db ${path}; bulkhead policy show --db ${path}; bulkhead report compliance --db ${path}`);
          if (o.console === false) return 0;
          // Enforcement needs root and a bridge: the demo console reviews and monitors, and says so.
          const { serveConsole } = await import('../serve-console.js');
          const { app } = await serveConsole({ db, dbPath: path, host: o.host ?? '127.0.0.1', port, http: o.http === true, log: io.out });
          io.out('Ctrl-C stops the console.');
          await until(stopOnSignals().signal);
          await app.close();
          return 0;
        } finally {
          db.close();
        }
      }),
    );
};
