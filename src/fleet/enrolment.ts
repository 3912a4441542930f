// Enrolment: the centre makes a gateway's identity and hands it over as one token, which
// `bulkhead fleet join` turns into the gateway's leaf configuration. The token carries the
// gateway's id, the centre's leaf addresses, the gateway's secret and the key the centre signs
// policies with; the centre keeps only the secret's bcrypt hash (the hub checks it), so the hub's
// configuration holds no usable credential. Whoever holds the token can join as that gateway
// until it joins: it is to be carried like a password, and a gateway removed at the centre is
// refused from then on whatever it holds.

import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { BulkheadError } from '../errors.js';
import { checkGatewayId } from './names.js';

const TOKEN_PREFIX = 'bhfleet1.';
/** bcrypt cost: the hub checks a gateway's secret once per leaf connection. */
const BCRYPT_ROUNDS = 10;

export interface JoinToken {
  gateway: string;
  /** The centre's leaf node addresses, host:port. */
  hub: string[];
  secret: string;
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
  if (typeof t.gateway !== 'string' || !Array.isArray(t.hub) || !t.hub.length || typeof t.secret !== 'string' || typeof t.centralKey !== 'string') {
    throw bad('a field is missing (gateway, hub, secret, centralKey)');
  }
  checkGatewayId(t.gateway);
  return t as JoinToken;
}
