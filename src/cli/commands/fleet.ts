// `bulkhead fleet`: this gateway's side of a fleet. `join` turns the centre's enrolment token into
// this gateway's fleet directory; `link` runs the leaf node and the link to the centre (the
// bulkhead-fleet service); `status` says what the link has sent and taken.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { configDb, fleetDir, loadConfig } from '../../config/appliance-config.js';
import { readMembership, joinFleet, runLink } from '../../fleet/gateway-site.js';
import { natsServerVersion } from '../../fleet/nats-servers.js';
import { followerState } from '../../fleet/policy-follower.js';
import { uplinkCursor } from '../../fleet/uplink.js';
import { common, group, portOption, positiveNumber, stopOnSignals, until, UsageError, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

const DEFAULT_DIR = '/var/lib/bulkhead/fleet';

interface Values extends Common {
  dir?: string;
  config?: string;
}

/** --dir, else the data directory's fleet/ in --config's appliance configuration, else the default; --config also names the database. */
function where(o: Values): string {
  if (!o.config) return o.dir ?? DEFAULT_DIR;
  const c = loadConfig(o.config);
  o.db ??= configDb(c);
  return o.dir ?? fleetDir(c);
}

function tokenFrom(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`bulkhead fleet join: --token-file ${file}: cannot read: ${(err as Error).message}`);
  }
}

export const registerFleet: Register = (root, io, act) => {
  const fleet = group(root.command('fleet').description("this gateway's membership of a fleet: join, link, status"));

  common(fleet.command('join'))
    .description("join the fleet with the token the centre made (bulkhead central enrol): writes this gateway's fleet directory and leaf node configuration")
    .argument('<url>', "the centre's leaf node address, nats-leaf://HOST:PORT (the connection is always opened from here)")
    .option('--token <t>', 'the enrolment token')
    .option('--token-file <file>', 'a file holding the token (keeps its key out of the process list and the shell history)')
    .option('--dir <dir>', `the fleet directory (default ${DEFAULT_DIR})`)
    .option('--config <file>', "the appliance's configuration: its data directory holds the database and the fleet directory")
    .option('--leaf-port <p>', 'the local leaf node port, on loopback only (default 4223)')
    .action(
      act((url: string, o: Values & { token?: string; tokenFile?: string; leafPort?: string }) => {
        if (!o.token === !o.tokenFile) throw new UsageError('bulkhead fleet join: give the enrolment token (bulkhead central enrol prints it) with --token or --token-file, one of them');
        const token = o.token ?? tokenFrom(o.tokenFile!);
        const leafPort = portOption('fleet join', 'leaf-port', o.leafPort, 4223);
        const dir = where(o);
        const m = joinFleet(dir, url, token, leafPort);
        io.out(o.json ? JSON.stringify({ gateway: m.gateway, hub: m.hub, dir }) : `joined as gateway ${m.gateway} (centre ${m.hub.join(', ')}); start the link: systemctl enable --now bulkhead-fleet, or bulkhead fleet link --dir ${dir} --run-leaf`);
        return 0;
      }),
    );

  common(fleet.command('link'))
    .description("run the link to the centre until stopped: telemetry up through the leaf node's stream, signed policies down with commit-confirm")
    .option('--dir <dir>', `the fleet directory (default ${DEFAULT_DIR})`)
    .option('--config <file>', "the appliance's configuration: its data directory holds the database and the fleet directory")
    .option('--run-leaf', 'start the leaf node (nats-server) here too, and stop it with the link')
    .option('--confirm-within <s>', 'seconds the engine has to enforce a version from the centre before it rolls back (default 60)')
    .action(
      act((o: Values & { runLeaf?: boolean; confirmWithin?: string }) => {
        const dir = where(o);
        readMembership(dir);
        if (o.runLeaf) natsServerVersion();
        const confirmWithin = positiveNumber('fleet link', 'confirm-within', o.confirmWithin);
        return withDb(o.db, async (db) => {
          const stop = stopOnSignals();
          const run = await runLink({ dir, db, runLeaf: !!o.runLeaf, log: io.err, ...(confirmWithin ? { confirmWithin } : {}) });
          io.err('fleet link ready');
          await until(stop.signal);
          await run.stop();
          return 0;
        });
      }),
    );

  common(fleet.command('status'))
    .description('what the link has sent up and taken down')
    .option('--dir <dir>', `the fleet directory (default ${DEFAULT_DIR})`)
    .option('--config <file>', "the appliance's configuration: its data directory holds the database and the fleet directory")
    .action(
      act((o: Values) => {
        const m = readMembership(where(o));
        return withDb(o.db, (db) => {
          const cert = new X509Certificate(m.cert);
          const s = { gateway: m.gateway, hub: m.hub, joinedAt: m.joinedAt, certificate: { subject: cert.subject, expires: new Date(cert.validTo).toISOString() }, sent: uplinkCursor(db), ...followerState(db) };
          io.out(
            o.json
              ? JSON.stringify(s)
              : `gateway ${s.gateway} of the fleet at ${s.hub.join(', ')} (joined ${s.joinedAt}; its certificate ${s.certificate.subject} expires ${s.certificate.expires.slice(0, 10)}: enrol it anew before then); sent up to audit entry ${s.sent.audit}, event ${s.sent.event}, alert change ${s.sent.alert}, discovery ${s.sent.discovery}; last policy package taken: ${s.lastPackage || 'none'}${s.waiting ? `; version ${s.waiting.local} waits for the engine until ${new Date(s.waiting.deadline * 1000).toISOString()}` : ''}`,
          );
          return 0;
        });
      }),
    );
};
