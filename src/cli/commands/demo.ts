// `bulkhead demo` (`npm start`): the demo plant generated into a fresh temporary directory
// (dated the last three days), learned into a fresh database, a draft policy derived from it,
// both shown, and the console on localhost until stopped. Without the generator (a package
// built without the testbench) the bundled shared captures stand in, and it says so.

import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Advisories } from '../../app/advisories.js';
import { learnPcaps } from '../../app/learn.js';
import { derive } from '../../app/policy.js';
import { openDatabase } from '../../store/database.js';
import { LearnStore } from '../../store/learn-store.js';
import { PolicyStore } from '../../store/policy-store.js';
import { formatAssets } from '../format/inventory.js';
import { formatLearnReport } from '../format/learn.js';
import { formatTable } from '../format/table.js';
import { CONFIRM_WITHIN } from '../../fleet/gateway-site.js';
import { natsServerVersion } from '../../fleet/nats-servers.js';
import type { Db } from '../../store/database.js';
import { DEMO_GATEWAYS, DEMO_SITE, startDemoFleet } from '../demo-fleet.js';
import { common, consolePort, stopOnSignals, until, UsageError, type Common, type Io } from '../io.js';
import type { Register } from '../register.js';

const DEMO = join('testbench', 'fixtures', 'demo');
/** A handful of real CISA advisories for the demo plant's devices, so its Risk page has something to show. */
const ADVISORIES = join('testbench', 'fixtures', 'advisories');
/** The demo plant's generator, built beside the command (dist/testbench/demo). */
const GENERATOR = join('testbench', 'demo', 'generate.js');

/** The nearest `rel` above this module (built or not), or undefined. */
function findUp(rel: string): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, rel))) return join(dir, rel);
  return undefined;
}

/** The shipped shared captures: testbench/fixtures/demo in the package this runs from. */
function sharedCaptures(): string[] {
  const dir = findUp(DEMO);
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
    .sort()
    .map((f) => join(dir, f));
}

interface Generated {
  files: string[];
  packets: number;
  seconds: number;
}

/** The demo plant's captures written into `dir` by the built generator; undefined when it is not there. */
async function generatedCaptures(dir: string): Promise<Generated | undefined> {
  const generator = findUp(GENERATOR);
  if (!generator) return undefined;
  // Loaded by path, like the shared captures: the command does not depend on the testbench's code.
  const { writeDemoPlant } = (await import(pathToFileURL(generator).href)) as { writeDemoPlant: (dir: string) => Generated };
  return writeDemoPlant(dir);
}

type Options = Common & { host?: string; port?: string; http?: boolean; console?: boolean; fleet?: boolean };

/** The console (and with --fleet the demo fleet beside it) until Ctrl-C. Enforcement needs root and a bridge: the demo reviews and monitors, and says so. */
async function serve(o: Options, at: { db: Db; path: string; temp: string; port: number }, io: Io): Promise<void> {
  const fleet = o.fleet ? await startDemoFleet({ temp: at.temp, db: at.db, log: io.err }) : undefined;
  try {
    const { serveConsole } = await import('../serve-console.js');
    const { app, url } = await serveConsole({ db: at.db, dbPath: at.path, host: o.host ?? '127.0.0.1', port: at.port, http: o.http === true, log: io.out });
    if (fleet) {
      io.out(`\nFleet: a central site and ${DEMO_GATEWAYS.length} gateways of ${DEMO_SITE} (${DEMO_GATEWAYS.map((g) => `${g.id}, group ${g.group}`).join('; ')}), each with its own copy of the plant, its leaf node and link, on loopback: ${url}#/fleet`);
      io.out(`Roll a policy out once you approved it (two approvers as usual): bulkhead central rollout VERSION --dir ${fleet.dir} --db ${at.path}`);
      io.out(`The demo's gateways run no engine, so each applies a version and, unconfirmed by an engine, rolls it back after ${CONFIRM_WITHIN} s: commit-confirm as a real gateway does when its engine does not take a version.`);
    }
    io.out('Ctrl-C stops the console.');
    await until(stopOnSignals().signal);
    await app.close();
  } finally {
    await fleet?.stop();
  }
}

export const registerDemo: Register = (root, io, act) => {
  common(root.command('demo'))
    .description('learn the bundled demo plant into a fresh database, derive a draft policy, show both, and serve the console on https://127.0.0.1:8443/ until Ctrl-C')
    .option('--host <h>', 'where the console listens (default 127.0.0.1)')
    .option('--port <p>', "the console's port (default 8443)")
    .option('--http', 'plain HTTP instead of HTTPS')
    .option('--no-console', 'exit after showing the plant and its policy')
    .option('--fleet', 'also run a small fleet: a central site and three gateways on the demo plant (needs nats-server), shown on the Fleet page')
    .action(
      act(async (o: Options) => {
        const port = consolePort('demo', o.port);
        if (o.fleet && o.console === false) throw new UsageError('bulkhead demo: --fleet is shown in the console: leave out --no-console');
        // Said before minutes of learning, not after.
        if (o.fleet) natsServerVersion();
        const temp = mkdtempSync(join(tmpdir(), 'bulkhead-demo-'));
        const generated = await generatedCaptures(temp);
        const files = generated?.files ?? sharedCaptures();
        if (files.length === 0) throw new UsageError(`bulkhead demo: neither the demo plant's generator (${GENERATOR}) nor the shared demo captures (${DEMO}) are in this package`);
        const path = o.db ?? join(temp, 'bulkhead.db');
        const db = openDatabase(path);
        const store = new LearnStore(db);
        try {
          const learnStart = performance.now();
          const { report } = await learnPcaps(store, files);
          const learnSeconds = (performance.now() - learnStart) / 1000;
          const advisories = findUp(ADVISORIES);
          const imported = advisories ? new Advisories(db).importAdvisories([advisories], { by: 'bulkhead demo' }) : undefined;
          const source = generated
            ? `the demo plant (a water works of three production cells of ten PLCs, a building of six BACnet controllers, a DMZ historian reading OPC UA; the last three days) generated in ${generated.seconds.toFixed(1)} s (${generated.packets} packets), learned in ${learnSeconds.toFixed(1)} s`
            : `the shared test captures (the demo plant's generator is not built in this package), learned in ${learnSeconds.toFixed(1)} s`;
          const derived = derive(store, new PolicyStore(db), { name: 'Demo plant' }, 'bulkhead demo');
          if (o.json) {
            io.out(JSON.stringify({ db: path, source, report, assets: store.assets(), conversations: store.conversations(), policy: { version: derived.version, policy: derived.policy, findings: derived.findings } }));
            return 0;
          }
          io.out(`Bulkhead demo: ${source}, into ${path}\n`);
          io.out(formatLearnReport(report));
          io.out(imported ? `Advisories: ${imported.added + imported.updated + imported.unchanged} CISA advisories imported (${ADVISORIES}); bulkhead risk --db ${path} ranks the devices they concern` : `Advisories: none imported (${ADVISORIES} is not in this package)`);
          io.out('\nAssets\n');
          io.out(formatAssets(store.assets()));
          const rules = derived.policy.conduits.reduce((n, c) => n + c.rules.length, 0);
          io.out(`\nDraft policy (version ${derived.version}): ${derived.policy.zones.length} zones, ${derived.policy.conduits.length} conduits, ${rules} rules, ${derived.findings.filter((f) => f.severity !== 'info').length} lint warnings`);
          io.out(formatTable(['zone', 'SL-T', 'Purdue', 'members'], derived.policy.zones.map((z) => [`${z.id} (${z.name})`, String(z.securityLevel), String(z.purdueLevel ?? '-'), z.members.join(', ')])));
          io.out(`\nExplore further: bulkhead conversations --db ${path}; bulkhead policy show --db ${path}; bulkhead report compliance --db ${path}`);
          if (o.console === false) return 0;
          await serve(o, { db, path, temp, port }, io);
          return 0;
        } finally {
          db.close();
        }
      }),
    );
};
