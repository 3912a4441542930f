// A gateway's membership of the fleet on disk: `fleet join` turns an enrolment token into the
// gateway's fleet directory (its identity: secret, certificate and key; the centre's authority and
// policy key; its leaf node's configuration and TLS files), and
// `fleet link` runs the leaf node from there with the link beside it. The leaf's JetStream store
// is in the same directory, so what was buffered while the uplink was down survives a restart.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ownLike } from '../config/system-files.js';
import { BulkheadError } from '../errors.js';
import type { Db } from '../store/database.js';
import { tlsFiles, writeTls } from './certificates.js';
import { decodeToken } from './enrolment.js';
import { GatewayLink } from './gateway-link.js';
import { leafConfig } from './nats-config.js';
import { NatsServer, type Spawner } from './nats-servers.js';

const MEMBERSHIP = 'fleet.json';
/** The leaf node's certificate, key and the centre's authority, beside its configuration. */
const TLS_DIR = 'tls';
/** The leaf node's store: the telemetry buffer (256 MB) and the policy mirror, with room. */
const LEAF_STORE_BYTES = 512 * 1024 * 1024;
/** Seconds the engine has to report a version from the centre before it rolls back. */
export const CONFIRM_WITHIN = 60;

export interface Membership {
  gateway: string;
  hub: string[];
  secret: string;
  cert: string;
  key: string;
  authority: string;
  centralKey: string;
  leaf: { port: number; user: string; password: string };
  joinedAt: string;
}

/** host:port from `nats-leaf://host:port`, `tls://host:port` or `host:port`; the leaf port 7422 when none is given. */
function hubAddress(url: string): string {
  const m = /^(?:[a-z-]+:\/\/)?([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(url.trim());
  if (!m) throw new BulkheadError('BH_VALIDATION', `'${url}' is not the centre's address (nats-leaf://HOST:PORT or HOST:PORT)`);
  return `${m[1]}:${m[2] ?? 7422}`;
}

/** Writes the gateway's fleet directory from its token; refuses to overwrite another membership. */
export function joinFleet(dir: string, url: string, tokenText: string, leafPort: number): Membership {
  const token = decodeToken(tokenText);
  const file = join(dir, MEMBERSHIP);
  if (existsSync(file)) {
    const known = JSON.parse(readFileSync(file, 'utf8')) as Membership;
    throw new BulkheadError('BH_CONFLICT', `${dir} already holds the membership of gateway ${known.gateway} (joined ${known.joinedAt}): remove it to join again`);
  }
  const first = hubAddress(url);
  const m: Membership = {
    gateway: token.gateway,
    hub: [first, ...token.hub.filter((h) => h !== first)],
    secret: token.secret,
    cert: token.cert,
    key: token.key,
    authority: token.authority,
    centralKey: token.centralKey,
    leaf: { port: leafPort, user: 'link', password: randomBytes(18).toString('base64url') },
    joinedAt: new Date().toISOString(),
  };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tls = writeTls(join(dir, TLS_DIR), m, m.authority);
  writeFileSync(join(dir, 'leaf.conf'), renderLeaf(dir, m), { mode: 0o600 });
  writeFileSync(file, JSON.stringify(m, null, 2), { mode: 0o600 });
  // Joined as root, read by the fleet service as the data directory's user.
  ownLike(dirname(dir), [dir, join(dir, TLS_DIR), ...Object.values(tls), join(dir, 'leaf.conf'), file]);
  return m;
}

export function readMembership(dir: string): Membership {
  const file = join(dir, MEMBERSHIP);
  if (!existsSync(file)) throw new BulkheadError('BH_NOT_FOUND', `this gateway is not in a fleet: no ${file} (bulkhead fleet join URL --token T)`);
  const m = JSON.parse(readFileSync(file, 'utf8')) as Partial<Membership>;
  if (!m.cert || !m.key || !m.authority) throw new BulkheadError('BH_CONFLICT', `${file} is the membership of gateway ${m.gateway}, joined before the fleet's links were mutual TLS: it holds no certificate. Enrol the gateway anew at the centre (bulkhead central enrol) and join with the new token`);
  return m as Membership;
}

/**
 * The leaf node's configuration file of the gateway whose fleet directory is `dir`, as `config
 * render` writes it (under `root`, an image being built, when not /); undefined when it has not
 * joined a fleet.
 */
export function leafConfigFile(dir: string, root = '/'): { path: string; content: string; gateway: string; hub: string[] } | undefined {
  if (!existsSync(join(root, dir, MEMBERSHIP))) return undefined;
  const m = readMembership(join(root, dir));
  return { path: join(dir, 'leaf.conf'), content: renderLeaf(dir, m), gateway: m.gateway, hub: m.hub };
}

function renderLeaf(dir: string, m: Membership): string {
  const tls = tlsFiles(join(dir, TLS_DIR));
  return leafConfig({ gateway: m.gateway, port: m.leaf.port, storeDir: join(dir, 'jetstream'), hub: m.hub, secret: m.secret, tls, local: { user: m.leaf.user, password: m.leaf.password }, maxStoreBytes: LEAF_STORE_BYTES });
}

/** The leaf node (when this process runs it) and the link, until `stop`. */
export async function runLink(o: { dir: string; db: Db; runLeaf: boolean; log: (line: string) => void; spawner?: Spawner; confirmWithin?: number }): Promise<{ link: GatewayLink; stop: () => Promise<void> }> {
  const m = readMembership(o.dir);
  let leaf: NatsServer | undefined;
  if (o.runLeaf) {
    leaf = new NatsServer(`leaf-${m.gateway}`, join(o.dir, 'leaf.conf'), o.spawner);
    writeTls(join(o.dir, TLS_DIR), m, m.authority);
    leaf.write(renderLeaf(o.dir, m));
    // A hub that refuses the link (a certificate, a removed gateway) says why in the leaf's log only: in the service's journal too.
    leaf.followErrors(o.log);
    await leaf.start();
  }
  try {
    const link = await GatewayLink.open({ db: o.db, gateway: m.gateway, leaf: { url: `127.0.0.1:${m.leaf.port}`, user: m.leaf.user, password: m.leaf.password }, centralKey: m.centralKey, confirmWithin: o.confirmWithin ?? CONFIRM_WITHIN, log: o.log });
    return {
      link,
      stop: async () => {
        await link.close();
        await leaf?.stop();
      },
    };
  } catch (err) {
    await leaf?.stop();
    throw err;
  }
}
