// Enrolment: the centre makes a gateway's identity and hands it over as one token, which
// `bulkhead fleet join` turns into the gateway's leaf configuration. The token carries the
// gateway's id, the centre's leaf addresses, its client certificate and key (issued by the
// centre's authority, whose certificate comes too, so the gateway knows the real hub), its
// secret and the key the centre signs policies with. The centre keeps only the secret's bcrypt
// hash (the hub checks it) and the certificate's fingerprint (in the audit entry), so the hub's
// configuration holds no usable credential. Whoever holds the token can join as that gateway
// until it joins: it is to be carried like a password, and a gateway removed at the centre is
// refused from then on whatever it holds.

import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { BulkheadError } from '../errors.js';
import { AuditLog } from '../store/audit-log.js';
import type { Db } from '../store/database.js';
import { FleetStore } from '../store/fleet-store.js';
import { fingerprint, issueClient, type Pems } from './certificates.js';
import { checkGatewayId, names } from './names.js';
import { publicKeyOf } from './signed-policy.js';

const TOKEN_PREFIX = 'bhfleet1.';
/** bcrypt cost: the hub checks a gateway's secret once per leaf connection. */
const BCRYPT_ROUNDS = 10;

export interface JoinToken {
  gateway: string;
  /** The centre's leaf node addresses, host:port. */
  hub: string[];
  secret: string;
  /** The gateway's client certificate and key (PEM). */
  cert: string;
  key: string;
  /** The centre's certificate authority (PEM): the hub's certificate must come from it. */
  authority: string;
  /** The centre's Ed25519 public key (PEM), which every policy package must verify against. */
  centralKey: string;
}

export function newSecret(): { secret: string; hash: string } {
  const secret = randomBytes(24).toString('base64url');
  return { secret, hash: bcrypt.hashSync(secret, BCRYPT_ROUNDS) };
}

export function encodeToken(t: JoinToken): string {
  return TOKEN_PREFIX + Buffer.from(JSON.stringify(t)).toString('base64url');
}

export function decodeToken(text: string): JoinToken {
  const bad = (why: string) => new BulkheadError('BH_VALIDATION', `not an enrolment token made by bulkhead central enrol: ${why}`);
  if (!text.startsWith(TOKEN_PREFIX)) throw bad(`it does not start with '${TOKEN_PREFIX}'`);
  let t: Partial<JoinToken>;
  try {
    t = JSON.parse(Buffer.from(text.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')) as Partial<JoinToken>;
  } catch {
    throw bad('its body is not readable (cut short when copied?)');
  }
  const texts = ['gateway', 'secret', 'cert', 'key', 'authority', 'centralKey'] as const;
  const missing = [...texts.filter((f) => typeof t[f] !== 'string'), ...(Array.isArray(t.hub) && t.hub.length ? [] : ['hub'])];
  if (missing.length) throw bad(`${missing.join(', ')} missing (a token from an older centre carries no certificate: enrol the gateway anew)`);
  checkGatewayId(t.gateway!);
  return t as JoinToken;
}

export interface NewGateway {
  id: string;
  site: string;
  cell: string;
  /** The rollout group: a rollout goes a group at a time. */
  group: string;
}

/**
 * Records a gateway and the hash of its new secret (with its audit entry, both or neither) and
 * returns its join token. The cluster takes the credentials when the centre next renders its
 * servers' users (at once from Central.enrol; within a second from a running site otherwise).
 */
export async function enrolGateway(db: Db, g: NewGateway, by: string, centre: { leafAddresses: string[]; signingKey: string; authority: Pems }): Promise<string> {
  checkGatewayId(g.id);
  for (const [what, v] of [['site', g.site], ['cell', g.cell], ['group', g.group]] as const) {
    if (!v.trim()) throw new BulkheadError('BH_VALIDATION', `gateway ${g.id}: its ${what} is empty`);
  }
  const fleet = new FleetStore(db);
  const { secret, hash } = newSecret();
  const own = await issueClient(centre.authority, names.leafName(g.id));
  db.transaction(() => {
    const known = fleet.get(g.id);
    if (known) throw new BulkheadError('BH_CONFLICT', `gateway ${g.id} is enrolled already${known.removedAt ? ' and was removed: a removed id is not reused' : ''}`);
    fleet.enrol({ ...g, secretHash: hash }, by);
    new AuditLog(db).append(by, 'fleet.enrol', `gateway ${g.id}`, { site: g.site, cell: g.cell, group: g.group, certificate: fingerprint(own.cert) });
  }).immediate();
  return encodeToken({ gateway: g.id, hub: centre.leafAddresses, secret, cert: own.cert, key: own.key, authority: centre.authority.cert, centralKey: publicKeyOf(centre.signingKey) });
}

/** Marks a gateway removed, with its audit entry; the cluster refuses it once its users are rendered again. */
export function removeGateway(db: Db, id: string, by: string): void {
  db.transaction(() => {
    if (!new FleetStore(db).remove(id)) throw new BulkheadError('BH_NOT_FOUND', `no enrolled gateway ${id}`);
    new AuditLog(db).append(by, 'fleet.remove', `gateway ${id}`, {});
  }).immediate();
}
