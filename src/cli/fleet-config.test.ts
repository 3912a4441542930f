// A gateway joining a fleet through its appliance configuration: `fleet join` writes its
// membership in the data directory, `config render` writes its leaf node's configuration from
// it (readable by the service user only: it holds the gateway's secret), `fleet status` finds it, and a second join is refused rather than overwriting the first.

import { chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueClient, newAuthority } from '../fleet/certificates.js';
import { encodeToken } from '../fleet/enrolment.js';
import { newSigningKey } from '../fleet/signed-policy.js';
import { runCli } from './program.js';

function run(argv: string[]): { code: Promise<number>; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { code: runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), exitAtOnce: () => undefined }), out, err };
}

describe('a gateway joining a fleet through its appliance configuration', () => {
  it('joins, renders its leaf node, tells its status, and refuses a second join', async () => {
    // The box's root is a temporary directory (config render --root): nothing is written outside it.
    const root = mkdtempSync(join(tmpdir(), 'bh-fleet-config-'));
    const dataDir = '/var/lib/bulkhead';
    const fleetDir = join(root, dataDir, 'fleet');
    mkdirSync(join(root, 'etc'));
    // The data directory is the service user's (nobody here); root joins and renders for it.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      mkdirSync(join(root, dataDir), { recursive: true });
      chownSync(join(root, dataDir), 65534, 65534);
    } else console.warn('SKIPPED: fleet files owned by the data directory\'s user: needs root to write as root and give them away');
    const config = join(root, 'etc', 'bulkhead.yaml');
    writeFileSync(config, `bulkheadConfig: 1\ndataDir: ${dataDir}\nbridge: { name: br0 }\nmanagement: { address: 127.0.0.1 }\n`);
    const authority = await newAuthority('test');
    const own = await issueClient(authority, 'gw-cell-7');
    const token = encodeToken({ gateway: 'cell-7', hub: ['10.99.0.1:7422'], secret: 's3cret-s3cret', ...own, authority: authority.cert, centralKey: newSigningKey().publicPem });

    // From a file: the token holds the gateway's key, which a command line would show in the process list.
    const tokenFile = join(root, 'cell-7.token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const joined = run(['fleet', 'join', 'nats-leaf://10.99.0.1:7422', '--token-file', tokenFile, '--dir', fleetDir, '--leaf-port', '4299']);
    expect(await joined.code).toBe(0);
    expect(joined.out.join('\n')).toMatch(/joined as gateway cell-7 \(centre 10\.99\.0\.1:7422\)/);

    const rendered = run(['config', 'render', config, '--no-network', '--root', root, '--json']);
    expect(await rendered.code).toBe(0);
    const r = JSON.parse(rendered.out[0]!) as { written: string[] };
    expect(r.written).toContain(join(dataDir, 'fleet', 'leaf.conf'));
    const leaf = join(fleetDir, 'leaf.conf');
    expect(statSync(leaf).mode & 0o777).toBe(0o600);
    const text = readFileSync(leaf, 'utf8');
    // As the box sees it, not where the image or test keeps it.
    expect(text).not.toContain(root);
    expect(text).toContain('10.99.0.1:7422');
    expect(text).toContain(join(dataDir, 'fleet', 'jetstream'));
    expect(statSync(join(root, 'etc', 'sysctl.d', '60-bulkhead.conf')).isFile()).toBe(true);
    expect(text).toMatch(/127\.0\.0\.1/);
    // Mutual TLS to the centre: its certificate and key (readable by the service user only) and the centre's authority.
    expect(text).toContain(join(dataDir, 'fleet', 'tls', 'key.pem'));
    expect(statSync(join(fleetDir, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(fleetDir, 'tls', 'authority.pem'), 'utf8')).toBe(authority.cert);
    if (asRoot) for (const f of ['', 'fleet.json', 'leaf.conf', 'tls', 'tls/key.pem', 'tls/cert.pem']) expect([f, statSync(join(fleetDir, f)).uid]).toEqual([f, 65534]);

    const status = run(['fleet', 'status', '--dir', fleetDir, '--db', join(root, 'bulkhead.db'), '--json']);
    expect(await status.code).toBe(0);
    expect(JSON.parse(status.out[0]!)).toMatchObject({ gateway: 'cell-7', hub: ['10.99.0.1:7422'], certificate: { subject: 'CN=gw-cell-7', expires: expect.stringMatching(/^20\d\d-/) }, lastPackage: 0 });

    await expect(run(['fleet', 'join', 'nats-leaf://10.99.0.1:7422', '--token', token, '--dir', fleetDir]).code).rejects.toThrow(/already holds the membership of gateway cell-7/);
  });
});
