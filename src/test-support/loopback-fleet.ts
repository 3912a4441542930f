// A fleet on loopback for the fleet test and bench:fleet: one real nats-server as the centre (its
// leaf port mutual TLS from the centre's own authority, as a site runs it) with the centre on it,
// and for each enrolled gateway a real leaf node started from its join token.

import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { Db } from '../store/database.js';
import { issueServer, newAuthority, writeTls } from '../fleet/certificates.js';
import { Central } from '../fleet/central.js';
import type { JoinToken } from '../fleet/enrolment.js';
import { freePort } from '../fleet/free-port.js';
import { hubConfig, leafConfig } from '../fleet/nats-config.js';
import { NatsServer } from '../fleet/nats-servers.js';
import { newSigningKey } from '../fleet/signed-policy.js';

export const CENTRAL_USER = { user: 'central', password: 'central-secret' };
/** The gateway processes' user on each leaf node. */
export const LEAF_LOCAL = { user: 'link', password: 'local' };

export interface LoopbackCentre {
  hub: NatsServer;
  central: Central;
  /** The hub's client port, host:port. */
  hubUrl: string;
  leafPort: number;
  /** The centre's policy signing key (PEM), for a test that replays what it signed. */
  signingKey: string;
}

export async function openLoopbackCentre(dir: string, db: Db, log: (line: string) => void): Promise<LoopbackCentre> {
  const ports = { client: await freePort(), leaf: await freePort() };
  const authority = await newAuthority('loopback');
  const tls = writeTls(join(dir, 'hub', 'tls'), await issueServer(authority, ['127.0.0.1']), authority.cert);
  const central = { user: CENTRAL_USER.user, passwordHash: bcrypt.hashSync(CENTRAL_USER.password, 4) };
  const hub = new NatsServer('central-1', join(dir, 'hub', 'nats.conf'));
  const render = (gateways: { id: string; passwordHash: string }[]) =>
    hubConfig({ servers: [{ name: 'central-1', host: '127.0.0.1', clientPort: ports.client, clusterPort: 0, leafPort: ports.leaf }], self: 0, storeDir: join(dir, 'hub', 'js'), central, gateways, tls });
  hub.write(render([]));
  await hub.start();
  const hubUrl = `127.0.0.1:${ports.client}`;
  const signingKey = newSigningKey().privatePem;
  try {
    const c = await Central.open({
      db,
      servers: [hubUrl],
      ...CENTRAL_USER,
      signingKey,
      authority,
      clusterSize: 1,
      leafAddresses: [`127.0.0.1:${ports.leaf}`],
      onCredentials: async (gws) => (hub.write(render(gws)), hub.reload()),
      log,
    });
    return { hub, central: c, hubUrl, leafPort: ports.leaf, signingKey };
  } catch (err) {
    await hub.stop();
    throw err;
  }
}

/** A gateway's leaf node from its token, started; its client port (loopback) for the link. */
export async function startLoopbackLeaf(dir: string, token: JoinToken): Promise<{ leaf: NatsServer; port: number }> {
  const id = token.gateway;
  const port = await freePort();
  const tls = writeTls(join(dir, id, 'tls'), token, token.authority);
  const leaf = new NatsServer(`leaf-${id}`, join(dir, id, 'leaf.conf'));
  leaf.write(leafConfig({ gateway: id, port, storeDir: join(dir, id, 'js'), hub: token.hub, secret: token.secret, tls, local: LEAF_LOCAL, maxStoreBytes: 512 * 1024 * 1024 }));
  await leaf.start();
  return { leaf, port };
}
