// A policy version as the centre sends it to one gateway: the document, the centre's version
// number, who approved it, signed with the centre's Ed25519 key. The signature covers the exact
// bytes that travel (the gzip of the package), so nothing is parsed before it is verified. A
// gateway accepts a package only if the signature is the centre's, it is addressed to this
// gateway, and its version is past the last one it took: a replayed or older package is refused
// like a forged one, each with its own reason.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { MAX_PAYLOAD } from './nats-config.js';

export interface PolicyPackage {
  gateway: string;
  /** The centre's count of packages for this gateway: moves forward only, even when an older policy is sent again. */
  version: number;
  /** The policy version at the centre it carries. */
  policyVersion: number;
  name: string;
  approvedBy: string[];
  /** Seconds since the epoch. */
  signedAt: number;
  /** The policy document (YAML), as approved. */
  document: string;
}

/** How a package travels: its gzip and the signature over exactly those bytes. */
interface Wire {
  package: string;
  signature: string;
}

export type Refusal = 'not-a-package' | 'bad-signature' | 'other-gateway' | 'not-newer';

export type Verified = { ok: true; pkg: PolicyPackage } | { ok: false; refusal: Refusal; reason: string; version?: number };

export function newSigningKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function publicKeyOf(privatePem: string): string {
  return createPublicKey(createPrivateKey(privatePem)).export({ type: 'spki', format: 'pem' }).toString();
}

/** The bytes to put in the gateway's bucket; throws if the package would not fit in one message. */
export function signPackage(pkg: PolicyPackage, privatePem: string): Uint8Array {
  const bytes = gzipSync(JSON.stringify(pkg));
  const wire: Wire = { package: bytes.toString('base64'), signature: sign(null, bytes, createPrivateKey(privatePem)).toString('base64') };
  const out = Buffer.from(JSON.stringify(wire));
  if (out.length > MAX_PAYLOAD) {
    throw new Error(`policy version ${pkg.version} for ${pkg.gateway} is ${out.length} bytes signed and compressed, over the ${MAX_PAYLOAD}-byte message limit`);
  }
  return out;
}

/** Checks a package from the bucket against the centre's key, this gateway and the last version taken. */
export function verifyPackage(value: Uint8Array, publicKey: KeyObject | string, gateway: string, lastVersion: number): Verified {
  let wire: Wire;
  let bytes: Buffer;
  try {
    wire = JSON.parse(Buffer.from(value).toString('utf8')) as Wire;
    if (typeof wire.package !== 'string' || typeof wire.signature !== 'string') throw new Error('fields');
    bytes = Buffer.from(wire.package, 'base64');
  } catch {
    return { ok: false, refusal: 'not-a-package', reason: `not a signed policy package (${value.length} bytes)` };
  }
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  if (!verify(null, bytes, key, Buffer.from(wire.signature, 'base64'))) {
    return { ok: false, refusal: 'bad-signature', reason: "its signature is not the centre's: the package was altered or signed by another key" };
  }
  let pkg: PolicyPackage;
  try {
    pkg = JSON.parse(gunzipSync(bytes, { maxOutputLength: 512 * 1024 * 1024 }).toString('utf8')) as PolicyPackage;
  } catch (err) {
    return { ok: false, refusal: 'not-a-package', reason: `signed, but not a readable package: ${(err as Error).message}` };
  }
  if (pkg.gateway !== gateway) {
    return { ok: false, refusal: 'other-gateway', reason: `addressed to gateway ${pkg.gateway}, not to ${gateway}`, version: pkg.version };
  }
  if (!Number.isInteger(pkg.version) || pkg.version <= lastVersion) {
    return { ok: false, refusal: 'not-newer', reason: `version ${pkg.version} is not past version ${lastVersion}, the last this gateway took`, version: pkg.version };
  }
  return { ok: true, pkg };
}
