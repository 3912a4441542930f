// The fleet's certificates: the centre is its own certificate authority (made on its first start,
// its key never leaves the centre's directory). It issues the cluster's leaf port a server
// certificate naming the addresses gateways use, and each gateway at enrolment a client
// certificate whose subject is its hub user (CN=gw-ID). The link is mutual TLS: a gateway talks
// only to a hub its token's authority vouches for, and the hub maps each leaf's certificate to
// its user, whose password must match too. A removed gateway's user is gone from the hub's
// configuration, so its certificate maps to no one; ids are never reused, so no later gateway
// inherits it. No revocation list is kept for that reason.

import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface Pems {
  cert: string;
  key: string;
}

/** The authority lives as long as the site; each certificate it issues for a little over two years (what TLS clients still take). */
const AUTHORITY_DAYS = 20 * 365;
const ISSUED_DAYS = 825;

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

export async function newAuthority(site: string): Promise<Pems> {
  const p = await selfsigned.generate([{ name: 'commonName', value: `Bulkhead central ${site}` }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: days(AUTHORITY_DAYS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { cert: p.cert, key: p.private };
}

/** The certificate of the cluster's leaf port: valid for every address (IP or name) a gateway dials. */
export async function issueServer(ca: Pems, addresses: string[]): Promise<Pems> {
  const hosts = [...new Set(addresses)];
  const altNames = hosts.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }));
  return issue(ca, `Bulkhead central ${hosts[0] ?? ''}`.trim(), [
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
}

/** A gateway's client certificate: its subject is exactly the hub user it maps to. */
export async function issueClient(ca: Pems, commonName: string): Promise<Pems> {
  return issue(ca, commonName, [
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
}

type Extensions = NonNullable<Parameters<typeof selfsigned.generate>[1]>['extensions'];

async function issue(ca: Pems, commonName: string, extensions: Extensions): Promise<Pems> {
  const p = await selfsigned.generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: days(ISSUED_DAYS),
    extensions: [{ name: 'basicConstraints', cA: false, critical: true }, ...(extensions ?? [])],
    ca,
  });
  return { cert: p.cert, key: p.private };
}

/** The SHA-256 fingerprint the centre records of a certificate it issued. */
export function fingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** A party's TLS files as its nats-server configuration names them. */
export interface TlsFiles {
  ca_file: string;
  cert_file: string;
  key_file: string;
}

/** Where a party's TLS files are in `dir`. */
export function tlsFiles(dir: string): TlsFiles {
  return { ca_file: join(dir, 'authority.pem'), cert_file: join(dir, 'cert.pem'), key_file: join(dir, 'key.pem') };
}

/** Writes a party's certificate, key (0600) and the authority it trusts into `dir`, where its nats-server reads them. */
export function writeTls(dir: string, own: Pems, authority: string): TlsFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = tlsFiles(dir);
  writeFileSync(files.ca_file, authority);
  writeFileSync(files.cert_file, own.cert);
  writeFileSync(files.key_file, own.key, { mode: 0o600 });
  return files;
}
