// The central site on one box: its state directory (the policy signing key, the certificate
// authority, the centre's own NATS password, where its servers listen), the JetStream cluster run as child processes (one
// server for a demo, three for a cluster on one box; a production cluster on three machines runs
// the same configurations, rendered here, under its own service manager), and the centre itself.
// Enrolments and removals made by other commands (`bulkhead central enrol`) reach the servers
// through the store: the site looks at the enrolled gateways every second and, when they
// changed, rewrites every server's configuration and has it reread.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { BulkheadError } from '../errors.js';
import type { Db } from '../store/database.js';
import { FleetStore } from '../store/fleet-store.js';
import { issueServer, newAuthority, writeTls, type Pems } from './certificates.js';
import { Central, type CentralOptions } from './central.js';
import { hubConfig, type CentralServer } from './nats-config.js';
import { NatsServer, type Spawner } from './nats-servers.js';
import { newSigningKey } from './signed-policy.js';

/** How often the site looks for enrolments and removals made by other processes. */
const CREDENTIALS_MS = 1000;
const STATE = 'central.json';

export interface CentralState {
  user: string;
  password: string;
  signingKey: string;
  /** Made with the site; a state from before the fleet used TLS gets one on its next start. */
  authority: Pems;
  servers: CentralServer[];
  /** How gateways reach the cluster's leaf ports (host:port). */
  leafAddresses: string[];
}

export interface SiteLayout {
  host: string;
  servers: number;
  clientPort: number;
  clusterPort: number;
  leafPort: number;
  /** The address gateways use to reach this host, when it is not `host` (a NAT, a name). */
  advertise?: string;
}

/** The centre's state: read from `dir`, or made there on the first start (the keys and password never leave it). */
export async function centralState(dir: string, layout?: SiteLayout): Promise<CentralState> {
  const file = join(dir, STATE);
  if (existsSync(file)) {
    const known = JSON.parse(readFileSync(file, 'utf8')) as Partial<CentralState> & Omit<CentralState, 'authority'>;
    if (known.authority) return known as CentralState;
    const state = { ...known, authority: await newAuthority(dir) };
    writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
    return state;
  }
  if (!layout) throw new BulkheadError('BH_NOT_FOUND', `no central site in ${dir}: start it first (bulkhead central start --dir ${dir})`);
  if (![1, 3].includes(layout.servers)) throw new BulkheadError('BH_VALIDATION', `a central cluster has 1 server (a demo) or 3 (production), not ${layout.servers}`);
  const servers = Array.from({ length: layout.servers }, (_, i) => ({
    name: `central-${i + 1}`,
    host: layout.host,
    clientPort: layout.clientPort + i,
    clusterPort: layout.clusterPort + i,
    leafPort: layout.leafPort + i,
  }));
  const state: CentralState = {
    user: 'central',
    password: randomBytes(24).toString('base64url'),
    signingKey: newSigningKey().privatePem,
    authority: await newAuthority(dir),
    servers,
    leafAddresses: servers.map((s) => `${layout.advertise ?? s.host}:${s.leafPort}`),
  };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

/** How the centre reaches and speaks for the cluster its state describes: the running site and one-off commands alike. */
export function centralConnection(state: CentralState): Pick<CentralOptions, 'servers' | 'user' | 'password' | 'signingKey' | 'authority' | 'clusterSize' | 'leafAddresses'> {
  return {
    servers: state.servers.map((s) => `${s.host}:${s.clientPort}`),
    user: state.user,
    password: state.password,
    signingKey: state.signingKey,
    authority: state.authority,
    clusterSize: state.servers.length,
    leafAddresses: state.leafAddresses,
  };
}

/** The hosts gateways dial (from the leaf addresses) and those the servers listen on: the leaf port's certificate names them all. */
export function leafPortHosts(state: Pick<CentralState, 'servers' | 'leafAddresses'>): string[] {
  return [...state.leafAddresses.map((a) => a.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')), ...state.servers.map((s) => s.host)];
}

export class CentralSite {
  private watch?: NodeJS.Timeout;
  private enrolled = '';

  private constructor(
    readonly central: Central,
    readonly servers: NatsServer[],
    /** Puts these gateways' credentials in force on every server: configurations rewritten, reread. */
    private readonly inForce: (gateways: { id: string; passwordHash: string }[]) => void,
    private readonly fleet: FleetStore,
    private readonly log: (line: string) => void,
  ) {}

  static async start(o: { dir: string; db: Db; layout: SiteLayout; log: (line: string) => void; spawner?: Spawner }): Promise<CentralSite> {
    const state = await centralState(o.dir, o.layout);
    const fleet = new FleetStore(o.db);
    const passwordHash = bcrypt.hashSync(state.password, 10);
    // Issued anew at each start: a changed address is in it, and it never outlives the site's authority.
    const tls = writeTls(join(o.dir, 'tls'), await issueServer(state.authority, leafPortHosts(state)), state.authority.cert);
    const servers = state.servers.map((s) => new NatsServer(s.name, join(o.dir, `${s.name}.conf`), o.spawner));
    // A gateway refused (its certificate, its removal) shows in the site's log, not only in the server's.
    for (const s of servers) s.followErrors(o.log);
    const render = (gateways: { id: string; passwordHash: string }[]) =>
      state.servers.forEach((s, i) => servers[i]!.write(hubConfig({ servers: state.servers, self: i, storeDir: join(o.dir, 'jetstream', s.name), central: { user: state.user, passwordHash }, gateways, tls })));
    const inForce = (gateways: { id: string; passwordHash: string }[]) => {
      render(gateways);
      servers.forEach((s) => s.reload());
    };
    render(fleet.credentials());
    try {
      await Promise.all(servers.map((s) => s.start()));
      const central = await Central.open({ db: o.db, ...centralConnection(state), onCredentials: async (gateways) => inForce(gateways), log: o.log });
      const site = new CentralSite(central, servers, inForce, fleet, o.log);
      site.enrolled = JSON.stringify(fleet.credentials());
      site.watch = setInterval(() => void site.followEnrolments(), CREDENTIALS_MS);
      o.log(`central site: ${servers.length} JetStream server(s) (${state.servers.map((s) => `${s.name} clients ${s.host}:${s.clientPort}, gateways ${s.host}:${s.leafPort}`).join('; ')}); ${fleet.list().length} gateway(s) enrolled`);
      return site;
    } catch (err) {
      await Promise.all(servers.map((s) => s.stop()));
      throw err;
    }
  }

  /** Puts enrolments and removals made elsewhere in force on every server. */
  private async followEnrolments(): Promise<void> {
    const now = JSON.stringify(this.fleet.credentials());
    if (now === this.enrolled) return;
    this.enrolled = now;
    this.inForce(this.fleet.credentials());
    try {
      await this.central.afterReload((timeout) => this.central.ensureFleet(timeout));
      this.log(`central site: the enrolled gateways changed (${this.fleet.list().length} now): the servers reread their users`);
    } catch (err) {
      this.log(`central site: after an enrolment change: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.watch);
    await this.central.close();
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}
