// nats-server configurations for the fleet: the centre's JetStream cluster (one server for a
// demo, three for production) and each gateway's leaf node. Rendered as JSON, which nats-server
// reads as its own format, so no value needs quoting rules of ours.
//
// Security rests on the hub's permissions for each gateway's leaf user, written here from the
// names in names.ts. A leaf connection carries what its user may publish up and what it may
// subscribe to down, and nothing else: a gateway can reach its own bucket's consumer API at the
// centre and the deliveries under its own prefixes, never another gateway's, never a KV write at
// the centre (a KV put on a leaf's mirror is forwarded to the origin bucket unless the hub
// refuses it; here nothing grants it). The server release must be at least MIN_SERVER_VERSION in
// production: 2.9.10 (Debian 12) runs the demo and the tests, and this configuration does not rely
// on its known flaws (it has no system account, no JetStream admin user for gateways, and no
// authentication other than the users listed here).
//
// The leaf port is mutual TLS (certificates.ts): the hub maps a leaf's client certificate to its
// user (verify_and_map), and that user's password must match as well. The password is what keeps
// the user closed on the client port, where no certificate is asked for: a user without one would
// let anyone in by its name. The client port is the centre's own, for its processes: it listens
// on the centre's network, never where gateways reach it.

import type { TlsFiles } from './certificates.js';
import { CENTRAL_DOMAIN, FLEET_ACCOUNT, LOCAL_ACCOUNT, names } from './names.js';

/** The release production needs: 2.9.23 fixed an authentication bypass and JetStream admin API authorisation gaps. */
export const MIN_SERVER_VERSION = '2.9.23';
/** Largest message: a signed policy package (gzip) travels as one KV value. */
export const MAX_PAYLOAD = 8 * 1024 * 1024;

export interface CentralServer {
  name: string;
  host: string;
  clientPort: number;
  clusterPort: number;
  leafPort: number;
}

export interface HubInput {
  servers: CentralServer[];
  /** Which of `servers` this configuration is for. */
  self: number;
  storeDir: string;
  /** The centre's own user: all of the fleet account. */
  central: { user: string; passwordHash: string };
  /** Enrolled gateways and the bcrypt hash of each one's secret; a gateway left out is refused. */
  gateways: { id: string; passwordHash: string }[];
  /** The leaf port's certificate and the authority its gateways' certificates must come from. */
  tls: TlsFiles;
  maxStoreBytes?: number;
}

/** A TLS handshake may take longer than nats-server's half second on a loaded box or a slow link. */
const TLS_TIMEOUT_S = 5;

/** What a gateway's leaf user may carry, from the hub's side: publish = up, subscribe = down. */
export function gatewayPermissions(gw: string): { publish: { allow: string[] }; subscribe: { allow: string[] } } {
  const bucket = names.policyStream(gw);
  const api = names.centralApi;
  return {
    publish: {
      allow: [
        // The leaf's mirror of its own bucket: its consumer, nothing else of the centre's API.
        `${api}.CONSUMER.CREATE.${bucket}`,
        `${api}.CONSUMER.CREATE.${bucket}.>`,
        `${api}.CONSUMER.INFO.${bucket}.>`,
        `${api}.CONSUMER.DELETE.${bucket}.>`,
        `${api}.STREAM.INFO.${bucket}`,
        `$JS.ACK.${bucket}.>`,
        `$JS.FC.${bucket}.>`,
        // Answers to the centre's requests into this gateway's domain (the centre's source consumer).
        '$JSC.R.>',
        `${names.deliverUp(gw)}.>`,
      ],
    },
    subscribe: {
      allow: [`${names.gatewayApi(gw)}.>`, '$JSC.R.>', `${names.deliverDown(gw)}.>`, `$JS.FC.${names.telemetryStream(gw)}.>`],
    },
  };
}

export function hubConfig(h: HubInput): string {
  const me = h.servers[h.self];
  if (!me) throw new Error(`no central server ${h.self} among ${h.servers.length}`);
  const cluster =
    h.servers.length > 1
      ? {
          cluster: {
            name: 'bulkhead-central',
            listen: `${me.host}:${me.clusterPort}`,
            routes: h.servers.filter((s) => s !== me).map((s) => `nats-route://${s.host}:${s.clusterPort}`),
          },
        }
      : {};
  return `${JSON.stringify(
    {
      server_name: me.name,
      listen: `${me.host}:${me.clientPort}`,
      max_payload: MAX_PAYLOAD,
      ...cluster,
      jetstream: { domain: CENTRAL_DOMAIN, store_dir: h.storeDir, ...(h.maxStoreBytes ? { max_file_store: h.maxStoreBytes } : {}) },
      leafnodes: { listen: `${me.host}:${me.leafPort}`, tls: { ...h.tls, verify_and_map: true, timeout: TLS_TIMEOUT_S } },
      accounts: {
        [FLEET_ACCOUNT]: {
          jetstream: 'enabled',
          users: [
            { user: h.central.user, password: h.central.passwordHash },
            ...h.gateways.map((g) => ({ user: names.leafUser(g.id), password: g.passwordHash, permissions: gatewayPermissions(g.id) })),
          ],
        },
      },
    },
    null,
    2,
  )}\n`;
}

export interface LeafInput {
  gateway: string;
  /** Where the leaf listens for the gateway's own processes: loopback only. */
  port: number;
  storeDir: string;
  /** The centre's leaf node addresses (host:port), tried in turn. */
  hub: string[];
  secret: string;
  /** The gateway's certificate and the centre's authority, which the hub's certificate must come from. */
  tls: TlsFiles;
  /** The gateway processes' user on the leaf. */
  local: { user: string; password: string };
  maxStoreBytes: number;
}

export function leafConfig(l: LeafInput): string {
  const user = encodeURIComponent(names.leafUser(l.gateway));
  const secret = encodeURIComponent(l.secret);
  return `${JSON.stringify(
    {
      server_name: `bulkhead-${l.gateway}`,
      listen: `127.0.0.1:${l.port}`,
      max_payload: MAX_PAYLOAD,
      jetstream: { domain: l.gateway, store_dir: l.storeDir, max_file_store: l.maxStoreBytes, max_memory_store: 64 * 1024 * 1024 },
      leafnodes: { remotes: [{ urls: l.hub.map((h) => `nats-leaf://${user}:${secret}@${h}`), account: LOCAL_ACCOUNT, tls: { ...l.tls, timeout: TLS_TIMEOUT_S } }] },
      accounts: { [LOCAL_ACCOUNT]: { jetstream: 'enabled', users: [{ user: l.local.user, password: l.local.password }] } },
    },
    null,
    2,
  )}\n`;
}
