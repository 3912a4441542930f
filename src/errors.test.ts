// The error registry: every error a person may see is a BulkheadError with a code, an exit
// status and an HTTP status from one table, and no domain error reaches anyone as "internal".

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureError } from './capture/capture-reader.js';
import { LiveCaptureError } from './capture/live-capture.js';
import { ConsoleListenError } from './cli/serve-console.js';
import { ConfigError } from './config/appliance-config.js';
import { ConsoleError, toConsoleError } from './console/errors.js';
import { BypassDriverError } from './enforce/bypass-driver.js';
import { NfqueueUnavailable } from './enforce/nfqueue.js';
import { NftError } from './enforce/nft-apply.js';
import { EnforceError } from './enforce/ruleset.js';
import { BulkheadError, ERRORS, toBulkheadError, type ErrorCode } from './errors.js';
import { PolicyError } from './policy/document.js';
import { ZoneEditError } from './policy/edit.js';
import { ServiceManagerError } from './gateway/sd-notify.js';
import { StoreError } from './store/database.js';
import { PolicyStoreError } from './store/policy-store.js';
import { UserStoreError } from './store/user-store.js';
import { CLI } from './test-support/cli.js';

/** One of every domain error, as the code that raises it makes it. */
const SAMPLES: BulkheadError[] = [
  new CaptureError('unreadable', '/x.pcap', 'cannot open'),
  new LiveCaptureError('eth9', 'no such device'),
  new ConsoleListenError('cannot serve the console'),
  new ConfigError('/etc/bulkhead/bulkhead.yaml', ['bridge.name: must be a string']),
  new ConsoleError('BH_FORBIDDEN', 'viewers cannot approve'),
  new BypassDriverError('gpio 17: cannot write'),
  new NfqueueUnavailable('the addon is not built'),
  new NftError('nft refused the table'),
  new EnforceError('cannot enforce: no bridge'),
  new PolicyError('p.yaml', ['zones[0].id: is required']),
  new ZoneEditError("no zone 'x'"),
  new ServiceManagerError('cannot notify systemd'),
  new StoreError('/x.db', 'not a SQLite database'),
  new PolicyStoreError('no policy version 9', 'BH_NOT_FOUND'),
  new PolicyStoreError('version 3 is already approved'),
  new UserStoreError('weak_password', 'too short'),
];

/** Source files under src/, for the class walk. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'ui' || f === 'native' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('the error registry', () => {
  it('gives every code an exit status, an HTTP status and a meaning; only internal is 70 / 500', () => {
    for (const [code, [exit, http, what]] of Object.entries(ERRORS)) {
      expect(what.length, code).toBeGreaterThan(10);
      expect(exit === 70, code).toBe(code === 'BH_INTERNAL');
      expect(http === 500, code).toBe(code === 'BH_INTERNAL');
      expect(http >= 400 && http < 600, code).toBe(true);
      const e = new BulkheadError(code as ErrorCode, 'x');
      expect([e.exitStatus, e.statusCode]).toEqual([exit, http]);
    }
  });

  it('no domain error reaches the command line or the console as internal', () => {
    for (const e of SAMPLES) {
      expect(toBulkheadError(e), e.name).toBe(e);
      expect(e.code, e.name).not.toBe('BH_INTERNAL');
      expect(toConsoleError(e).statusCode, e.name).toBe(ERRORS[e.code][1]);
      expect(toConsoleError(e).code, e.name).toBe(e.code);
    }
    expect(new PolicyStoreError('no policy version 9', 'BH_NOT_FOUND').statusCode).toBe(404);
    expect(new UserStoreError('locked', 'locked').statusCode).toBe(423);
    const sqlite = Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' });
    expect(toBulkheadError(sqlite).code).toBe('BH_STORE');
    expect(toBulkheadError(new TypeError('x is undefined')).code).toBe('BH_INTERNAL');
    expect(toBulkheadError(Object.assign(new Error('no such column: x'), { code: 'SQLITE_ERROR' })).code).toBe('BH_INTERNAL');
    // The console says what failed, not where: no paths or tool output reach the browser.
    expect(toConsoleError(new StoreError('/var/lib/bulkhead/bulkhead.db', 'disk I/O error')).message).toBe('the database cannot be opened or refused a change: the details are in the console log');
    expect(toConsoleError(new TypeError('x is undefined')).message).not.toMatch(/x is undefined/);
  });

  it('every error class of the product extends BulkheadError', () => {
    const offenders: string[] = [];
    for (const file of sources(import.meta.dirname)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/class (\w+) extends (\w+)/g)) {
        if (/Error$|Unavailable$/.test(m[1]!) && m[2] === 'Error' && m[1] !== 'BulkheadError') offenders.push(`${file}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
    expect(SAMPLES.length).toBeGreaterThanOrEqual(15);
  });

  it('a missing capture is named, exits 2, and is no internal error', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'bulkhead-errors-')), 'b.db');
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--db', db], { encoding: 'utf8' });
    const before = run('simulate', '--policy', 'latest', '--pcap', '/nonexistent.pcap');
    expect(before.stderr).toMatch(/^bulkhead: no policy stored yet/);
    expect(before.status).toBe(2);
    expect(run('learn', '--pcap', join(import.meta.dirname, '..', 'testbench', 'fixtures', 'demo', 'modbus_example.pcap')).status).toBe(0);
    expect(run('derive').status).toBe(0);
    const r = run('simulate', '--policy', 'latest', '--pcap', '/nonexistent.pcap');
    expect(r.stderr).toMatch(/^bulkhead: \/nonexistent\.pcap: /);
    expect(r.stderr).not.toMatch(/internal| {4}at /);
    expect(r.status).toBe(2);
  });
});
