// HTTPS by default: a key and self-signed certificate made on first start in the data directory
// (replace the two files with the plant's own to use them), reused afterwards.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface TlsFiles {
  key: string;
  cert: string;
  created: boolean;
}

export async function consoleCertificate(dir: string, names: string[] = []): Promise<TlsFiles> {
  const keyPath = join(dir, 'console-key.pem');
  const certPath = join(dir, 'console-cert.pem');
  if (existsSync(keyPath) && existsSync(certPath)) return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), created: false };
  mkdirSync(dir, { recursive: true });
  const dns = (value: string) => ({ type: 2 as const, value });
  const ip = (address: string) => ({ type: 7 as const, ip: address });
  const altNames = [dns('localhost'), dns(hostname()), ip('127.0.0.1'), ...names.map((n) => (/^[\d.]+$|:/.test(n) ? ip(n) : dns(n)))];
  const pems = await selfsigned.generate([{ name: 'commonName', value: `Bulkhead console ${hostname()}` }], {
    keyType: 'ec',
    notAfterDate: new Date(Date.now() + 825 * 86400_000),
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames }],
  });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
  return { key: pems.private, cert: pems.cert, created: true };
}
