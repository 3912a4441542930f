// `bulkhead central`: the central site of a fleet. `start` runs it (its JetStream servers and
// the centre); `enrol` and `remove` change who may connect; `rollout` sends an approved policy
// version a rollout group at a time; `status` is the fleet at a glance.

import { fleetView, type FleetView } from '../../app/fleet-view.js';
import { Central } from '../../fleet/central.js';
import { CentralSite, centralConnection, centralState } from '../../fleet/central-site.js';
import { enrolGateway, removeGateway } from '../../fleet/enrolment.js';
import { MIN_SERVER_VERSION } from '../../fleet/nats-config.js';
import { natsServerVersion, olderThan } from '../../fleet/nats-servers.js';
import { rollout, type RolloutStep } from '../../fleet/rollout.js';
import { actor, common, consolePort, dbPath, group, portOption, positiveNumber, stopOnSignals, until, UsageError, withDb, type Common, type Io } from '../io.js';
import type { Command } from 'commander';
import type { Db } from '../../store/database.js';
import type { Register } from '../register.js';

const DEFAULT_DIR = '/var/lib/bulkhead/central';

interface Values extends Common {
  dir?: string;
  by?: string;
}

function describeView(v: FleetView): string[] {
  const lines = [`${v.gateways} gateway(s), ${v.silent} silent or never heard`];
  for (const s of v.sites) {
    lines.push(`site ${s.site}`);
    for (const c of s.cells) {
      lines.push(`  cell ${c.cell}`);
      for (const g of c.gateways) {
        const heard = g.lastHeardAgo === undefined ? 'never heard' : `heard ${g.lastHeardAgo} s ago`;
        const policy = g.lastPolicyResult ? `; last policy package ${g.lastPolicyResult.version ?? '?'}: ${g.lastPolicyResult.outcome}` : '';
        const budgets = g.overBudget.length ? `; over latency budget: ${g.overBudget.join(', ')}` : '';
        lines.push(`    ${g.id} [${g.state}] (group ${g.group}) ${heard}; ${g.mode ?? '?'} ${g.policy ?? 'no policy'}; engine ${g.engine ?? '?'}${budgets}${policy}; ${g.events} events, ${g.alerts} alert changes`);
      }
    }
  }
  if (v.queue.length) lines.push('latest across the fleet:', ...v.queue.slice(-10).map((q) => `  ${new Date(q.ts * 1000).toISOString()} ${q.gateway} ${q.kind}: ${q.summary}`));
  return lines;
}

type Sub = (central: Command, io: Io, act: Parameters<Register>[2]) => void;

const start: Sub = (central, io, act) => {
  common(central.command('start'))
    .description("run the central site: its JetStream servers, the centre, and the console with the fleet view (https://127.0.0.1:8443/#/fleet), until stopped")
    .option('--dir <dir>', `its state: signing key, servers, JetStream store (default ${DEFAULT_DIR})`)
    .option('--servers <n>', 'JetStream servers on this box: 1 (a demo) or 3 (a cluster) (default 1; first start only)')
    .option('--host <ip>', 'the address the servers listen on (default 127.0.0.1; first start only)')
    .option('--advertise <host>', 'how gateways reach this host, when not --host (first start only)')
    .option('--client-port <p>', 'first client port (default 4222)')
    .option('--leaf-port <p>', "first port for gateways' leaf nodes (default 7422)")
    .option('--cluster-port <p>', 'first cluster route port (default 6222)')
    .option('--console-host <h>', 'where the console listens (default 127.0.0.1)')
    .option('--console-port <p>', "the console's port (default 8443; 0: any free port)")
    .option('--http', 'the console on plain HTTP instead of HTTPS')
    .option('--no-console', 'no console: `bulkhead central status` shows the fleet')
    .action(
      act((o: Values & { servers?: string; host?: string; advertise?: string; clientPort?: string; leafPort?: string; clusterPort?: string; consoleHost?: string; consolePort?: string; http?: boolean; console?: boolean }) => {
        const servers = o.servers === undefined ? 1 : Number(o.servers);
        const dir = o.dir ?? DEFAULT_DIR;
        const layout = { host: o.host ?? '127.0.0.1', servers, clientPort: portOption('central start', 'client-port', o.clientPort, 4222), leafPort: portOption('central start', 'leaf-port', o.leafPort, 7422), clusterPort: portOption('central start', 'cluster-port', o.clusterPort, 6222), ...(o.advertise ? { advertise: o.advertise } : {}) };
        const consoleAt = o.console === false ? undefined : { host: o.consoleHost ?? '127.0.0.1', port: consolePort('central start', o.consolePort, 'console-port'), http: o.http === true };
        const version = natsServerVersion();
        return withDb(o.db, async (db) => {
          const stop = stopOnSignals();
          const site = await CentralSite.start({ dir, db, layout, log: io.err });
          io.err(`nats-server ${version}${olderThan(version, MIN_SERVER_VERSION) ? ` (a demo: production needs ${MIN_SERVER_VERSION} or later)` : ''}; central site ready`);
          const web = consoleAt ? await serveFleetConsole(db, dbPath(o.db), consoleAt, io) : undefined;
          await until(stop.signal);
          await web?.close();
          await site.stop();
          return 0;
        });
      }),
    );
};

/** The console on the centre's store: its Fleet page is the fleet view. */
export async function serveFleetConsole(db: Db, path: string, at: { host: string; port: number; http: boolean }, io: Io): Promise<{ close: () => Promise<void> }> {
  const { serveConsole } = await import('../serve-console.js');
  const { app, url } = await serveConsole({ db, dbPath: path, ...at, log: io.out });
  io.out(`the fleet: ${url}#/fleet`);
  return { close: () => app.close() };
}

const membership: Sub = (central, io, act) => {
  common(central.command('enrol'))
    .description("enrol a gateway: prints its one-time join token (carry it like a password); the running site lets it in within a second")
    .argument('<id>', 'the gateway id (lower-case letters, digits, dashes)')
    .option('--site <s>', 'its site (required)')
    .option('--cell <c>', 'its cell (required)')
    .option('--group <g>', 'its rollout group (default: its cell)')
    .option('--dir <dir>', `the central site's state (default ${DEFAULT_DIR})`)
    .option('--by <name>', 'who enrols it (default: the login name)')
    .action(
      act((id: string, o: Values & { site?: string; cell?: string; group?: string }) => {
        if (!o.site || !o.cell) throw new UsageError('bulkhead central enrol: say where the gateway is with --site and --cell');
        return withDb(o.db, async (db) => {
          const state = await centralState(o.dir ?? DEFAULT_DIR);
          const token = await enrolGateway(db, { id, site: o.site!, cell: o.cell!, group: o.group ?? o.cell! }, actor(o.by), state);
          io.out(o.json ? JSON.stringify({ gateway: id, token }) : token);
          if (!o.json) io.err(`the token holds gateway ${id}'s key: carry it like a password (save it to a file, 0600), and on the gateway: bulkhead fleet join nats-leaf://${state.leafAddresses[0]} --token-file FILE`);
          return 0;
        });
      }),
    );

  common(central.command('remove'))
    .description('remove a gateway: its credentials are refused from now on; what it sent is kept')
    .argument('<id>', 'the gateway id')
    .option('--by <name>', 'who removes it (default: the login name)')
    .action(
      act((id: string, o: Values) =>
        withDb(o.db, (db) => {
          removeGateway(db, id, actor(o.by));
          io.out(o.json ? JSON.stringify({ removed: id }) : `gateway ${id} removed: the running site refuses it within a second`);
          return 0;
        }),
      ),
    );
};

const rolloutCommand: Sub = (central, io, act) => {
  common(central.command('rollout'))
    .description('send an approved policy version to the fleet a rollout group at a time, stopping at the first gateway that does not confirm it (exit status 3)')
    .argument('<version>', 'the policy version at the centre')
    .option('--groups <g1,g2>', 'the groups, in order (default: every group, in name order)')
    .option('--wait <s>', 'seconds each group has to confirm (default 120)')
    .option('--dir <dir>', `the central site's state (default ${DEFAULT_DIR})`)
    .option('--by <name>', 'who rolls it out (default: the login name)')
    .action(
      act((version: string, o: Values & { groups?: string; wait?: string }) => {
        const v = Number(version);
        if (!Number.isInteger(v) || v < 1) throw new UsageError(`bulkhead central rollout: the version must be a number, got '${version}'`);
        const waitSeconds = positiveNumber('central rollout', 'wait', o.wait) ?? 120;
        return withDb(o.db, async (db) => {
          const state = await centralState(o.dir ?? DEFAULT_DIR);
          // One-off: the running site reads the gateways' answers into the store; this waits for them there.
          const c = await Central.open({ db, ...centralConnection(state), onCredentials: async () => undefined, read: false, log: io.err });
          try {
            const step = (s: RolloutStep) => io.err(`${s.group}: ${s.gateway} package ${s.package}: ${s.outcome} (${s.reason})`);
            const r = await rollout(c, v, actor(o.by), { ...(o.groups ? { groups: o.groups.split(',') } : {}), waitSeconds, onStep: step });
            io.out(o.json ? JSON.stringify(r) : r.complete ? `policy version ${v} confirmed by every gateway of ${r.groups.join(', ')}` : `rollout of policy version ${v} stopped at ${r.stopped}`);
            return r.complete ? 0 : 3;
          } finally {
            await c.close();
          }
        });
      }),
    );
};

const status: Sub = (central, io, act) => {
  common(central.command('status'))
    .description('the fleet at a glance: sites, cells, gateways with their health, and the latest alerts and events')
    .action(
      act((o: Values) =>
        withDb(o.db, (db) => {
          const v = fleetView(db);
          io.out(o.json ? JSON.stringify(v) : describeView(v).join('\n'));
          return 0;
        }),
      ),
    );
};

export const registerCentral: Register = (root, io, act) => {
  const central = group(root.command('central').description('the central site of a fleet of gateways: start, enrol, remove, rollout, status'));
  for (const sub of [start, membership, rolloutCommand, status]) sub(central, io, act);
};
