// The console in Chromium against a running engine on the namespace plant: the supervised gateway
// (`bulkhead start --bridge br0`) learns an HMI reading a PLC and an engineering station reading
// and writing a setpoint; version 1 (everything learned) is put in force, version 2 drops the
// station's write. Version 2 is approved and applied with commit-confirm in the console (the UI,
// not the API): while the countdown runs the station's real write is refused by the engine, and
// the events page shows the denial with its reason naming the operation. Confirmed, then rolled
// back from the console: the same write passes again. The console and the engine share the store
// (the engine follows the store's active version), which is how "Apply" reaches the engine.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConsole } from '../../src/cli/serve-console.js';
import { derive } from '../../src/app/policy.js';
import { formatPolicy } from '../../src/policy/document.js';
import type { Policy } from '../../src/policy/model.js';
import { loadPolicy } from '../../src/gateway/policy-ref.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { PolicyStore } from '../../src/store/policy-store.js';
import { until } from '../../src/test-support/until.js';
import { createLan, type Lan } from '../plant/lan.js';
import { chromiumUnavailable, consoleAsAdmin, launchChromium } from '../lib/console-browser.js';
import { guideShot } from '../lib/guide-shots.js';
import { inlineUnavailable, PEERS } from '../lib/inline.js';
import { CLI, stopProcess, waitForLine } from '../lib/processes.js';

const hmi = { name: 'hmi', ip: '10.252.9.21', mac: '02:00:00:00:09:21' };
const station = { name: 'es', ip: '10.252.9.31', mac: '02:00:00:00:09:31' };
const plc = { name: 'plc', ip: '10.252.9.11', mac: '02:00:00:00:09:11' };
const UI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'console', 'ui', 'app.js');
/** The setpoint the engineering station writes: holding register 40006 (address 5). */
const SETPOINT = 5;

const unavailable = inlineUnavailable() ?? chromiumUnavailable() ?? (existsSync(CLI) && existsSync(UI) ? undefined : 'the CLI and console are not built (npm run build)');
if (unavailable) console.warn(`SKIPPED: console against a running engine: ${unavailable}`);

/** Version 1 without what it lets anyone write: the reads stay, every write goes. */
function withoutWrites(p: Policy): Policy {
  const q = structuredClone(p);
  q.name = `${p.name} (reads only)`;
  for (const c of q.conduits) {
    c.rules = c.rules
      .map((r) => (r.allow ? { ...r, allow: r.allow.filter((a) => !a.kinds?.includes('write')) } : r))
      .filter((r) => !r.allow || r.allow.length > 0);
  }
  return q;
}

describe.skipIf(unavailable !== undefined)('the console against a running engine', () => {
  let lan: Lan;
  let server: ChildProcess;
  let gateway: ChildProcess;
  let db: Db;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let log = '';
  let base = '';
  const plcWrites: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-engine-ui-'));
  const dbPath = join(dir, 'b.db');
  const t0 = Date.now();

  /** Runs a peer script in `host`'s namespace and returns the JSON it prints. */
  const peer = <T>(host: string, script: string, arg: object) =>
    new Promise<T>((resolve, reject) => {
      const p = lan.spawnIn(host, process.execPath, [join(PEERS, script), JSON.stringify(arg)]);
      let out = '';
      p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      p.once('exit', () => {
        try {
          resolve(JSON.parse(out) as T);
        } catch {
          reject(new Error(`${script} in ${host} printed no result: '${out}'`));
        }
      });
    });
  /** A real Modbus client; per request 'answered', 'timeout' or the error it saw. */
  const probe = (host: string, requests: object[]) => peer<string[]>(host, 'modbus-probe.js', { server: plc.ip, unit: 1, requests, timeoutMs: 3000 });
  const write = () => probe(station.name, [{ fc: 6, start: SETPOINT }]).then((r) => r[0]);
  /** The same write as one raw Modbus ADU (unit 1, FC 6, register 5): says whether the connection was reset, and when. */
  const rawWrite = () => peer<{ result: string; ms: number }>(station.name, 'tcp-probe.js', { host: plc.ip, port: 502, timeoutMs: 3000, send: '00020000000601060005002a' });
  /** Resolves once the gateway's log shows `pattern` after position `from`. */
  const logShows = (pattern: RegExp, from: number, timeoutMs = 30_000) => until(() => `${pattern} in the gateway's log; since: ${log.slice(from)}`, () => pattern.test(log.slice(from)), timeoutMs);

  beforeAll(async () => {
    lan = createLan(`bhc${process.pid % 100000}`, [hmi, station, plc]);
    server = lan.spawnIn('plc', process.execPath, [join(PEERS, 'modbus-plc.js'), JSON.stringify({ host: plc.ip, unit: 1 })]);
    server.stdout!.on('data', (d: Buffer) => plcWrites.push(...d.toString().split('\n').filter((l) => l.includes('"write"'))));
    // A fresh box: the gateway learns on its bridge until a policy is applied.
    gateway = spawn('ip', ['netns', 'exec', lan.switchNs, process.execPath, CLI, 'start', '--bridge', 'br0', '--db', dbPath, '--queue', '14', '--mode', 'enforce'], { stdio: ['ignore', 'pipe', 'pipe'] });
    gateway.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitForLine(gateway, /learning on br0/, 30_000);

    // The plant at work: the HMI polls, the station reads and writes the setpoint.
    db = openDatabase(dbPath);
    const learn = new LearnStore(db);
    // "kind/code/subCode" keys: the HMI's reads and, from the station, its write (FC 6) too.
    const learned = () => new Map(learn.conversations().map((c) => [c.client.ip, Object.keys(c.operations)]));
    await until('learned reads of the HMI and write of the station', async () => {
      await probe(hmi.name, [{ fc: 3, start: 0, count: 10 }]);
      await probe(station.name, [{ fc: 3, start: 0, count: 10 }, { fc: 6, start: SETPOINT }]);
      const ops = learned();
      return !!ops.get(hmi.ip)?.length && !!ops.get(station.ip)?.some((k) => k.startsWith('write/6'));
    }, 60_000, 200);

    // Version 1: what was learned, in force; version 2 without the write, a draft for the console.
    const policies = new PolicyStore(db);
    const v1 = derive(learn, policies, { name: 'Cell 1' }, 'bulkhead start');
    policies.approve(v1.version, 'bob');
    const from = log.length;
    policies.apply(v1.version, 'bob');
    await logShows(/enforcing policy version 1/, from);
    policies.add(formatPolicy(withoutWrites(loadPolicy(policies, String(v1.version)).policy)), 'Cell 1 (reads only)', 'edited in the test', 'bob');

    const lines: string[] = [];
    const served = await serveConsole({ db, dbPath, host: '127.0.0.1', port: 0, log: (l) => lines.push(l) });
    app = served.app;
    base = served.url;
    const token = /setup token:\s+(\S+)/.exec(lines.join('\n'))![1]!;
    browser = await launchChromium();
    page = await consoleAsAdmin(browser, base, token);
    console.log(`plant learned, version 1 in force, console up: ${Date.now() - t0} ms`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (gateway) await Promise.race([stopProcess(gateway), new Promise((r) => setTimeout(r, 15_000))]);
    gateway?.kill('SIGKILL');
    server?.kill('SIGKILL');
    db?.close();
    lan?.destroy();
  });

  it('lets the learned write through under version 1', async () => {
    expect(await write()).toBe('answered');
    expect(await probe(hmi.name, [{ fc: 3, start: 0, count: 10 }])).toEqual(['answered']);
  });

  it('approves and applies version 2 with commit-confirm in the console; the engine refuses the write and the events page says why', async () => {
    await page.goto(`${base}#/policy?v=2`);
    await page.getByRole('heading', { name: /Version 2: .* \(draft\)/ }).waitFor();
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByRole('heading', { name: /Version 2: .* \(approved\)/ }).waitFor();
    await page.fill('input[name=confirm-within]', '600');
    const from = log.length;
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('.countdown').waitFor();
    await logShows(/enforcing policy version 2/, from);
    await guideShot(page, 'enforce-commit-confirm');

    const writesBefore = plcWrites.length;
    const refused = await write();
    console.log(`the station's write under version 2: '${refused}'`);
    expect(refused).not.toBe('answered');
    // The derived policy says 'on deny: reset': the engine resets the connection, the client does not wait out its timeout.
    const raw = await rawWrite();
    console.log(`the same write as a raw request: '${raw.result}' after ${raw.ms} ms`);
    expect(raw.result).toBe('reset');
    expect(raw.ms).toBeLessThan(3000);
    expect(await probe(station.name, [{ fc: 3, start: 0, count: 10 }])).toEqual(['answered']);
    expect(await probe(hmi.name, [{ fc: 3, start: 0, count: 10 }])).toEqual(['answered']);
    expect(plcWrites.length).toBe(writesBefore);

    await page.goto(`${base}#/events`);
    const denial = page.locator('main table tbody tr', { hasText: `from ${station.ip}` }).filter({ hasText: 'Write Single Register (FC 6)' }).first();
    await denial.waitFor({ timeout: 30_000 });
    expect(await denial.textContent()).toMatch(/denied: Modbus Write Single Register \(FC 6\) on unit 1 holding registers 40006 \(5\) from 10\.252\.9\.31 .*allows Read Holding Registers \(FC 3\).*; connection reset/);
    await guideShot(page, 'enforce-denied-event');

    await page.goto(`${base}#/policy?v=2`);
    await page.locator('.countdown').waitFor();
    expect(Number((await page.textContent('.countdown'))!.replace(' s', ''))).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('.countdown').waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: /Version 2: .* \(active\)/ }).waitFor();
    expect(new PolicyStore(db).pending()).toBeUndefined();
  }, 120_000);

  it('rolls back from the console to version 1: the same write passes again', async () => {
    const from = log.length;
    await page.getByRole('button', { name: 'Roll back' }).click();
    await logShows(/enforcing policy version 1/, from);
    await page.goto(`${base}#/policy?v=1`);
    await page.getByRole('heading', { name: /Version 1: .* \(active\)/ }).waitFor();
    const writesBefore = plcWrites.length;
    expect(await write()).toBe('answered');
    await expect.poll(() => plcWrites.length, { timeout: 10_000 }).toBe(writesBefore + 1);
    await guideShot(page, 'enforce-rolled-back');
    console.log(`whole run: ${Date.now() - t0} ms`);
  }, 60_000);
});
