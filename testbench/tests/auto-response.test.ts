// Automatic response on the namespace plant: the supervised gateway (`bulkhead start`) enforces a
// cell whose conduit lets the HMI read registers 0-9 and write register 40, over a baseline learned
// from a day of that traffic (setpoints 0-118). With automatic response set on the conduit, the
// allowed HMI writing 4,800 to register 40 is seen by the watcher beside the engine, and cut off
// on the bridge: its next read goes unanswered until an engineer releases it. A write inside the
// learned range isolates nothing. The time from the attack's packet (its capture time) to the
// isolation being in force (the engine's log) is printed.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPolicy } from '../../src/policy/document.js';
import type { Alert } from '../../src/store/records.js';
import type { GatewayStatus } from '../../src/app/status.js';
import { writeModbusCapture } from '../../src/test-support/modbus-traffic.js';
import { createLan, type Lan } from '../plant/lan.js';
import { cellPolicy, inlineUnavailable, PEERS } from '../lib/inline.js';
import { CLI, waitForLine } from '../lib/processes.js';

const hmi = { name: 'hmi', ip: '10.252.5.21', mac: '02:00:00:00:05:21' };
const plc = { name: 'plc', ip: '10.252.5.11', mac: '02:00:00:00:05:11' };

const unavailable = inlineUnavailable();
if (unavailable) console.warn(`SKIPPED: automatic response tests: ${unavailable}`);

/** A day and two hours up to a minute ago: the HMI reads registers 0-9 every minute and writes register 40 every half hour. */
function writeBaseline(path: string): void {
  const end = Date.now() / 1000 - 60;
  const start = end - 26 * 3600;
  // What the PLC peer holds: register i is i.
  const read = [3, 20, ...Array.from({ length: 10 }, (_, i) => [0, i]).flat()];
  writeModbusCapture(path, (t) => {
    const c = t.connect(hmi, plc, 41000, start);
    let n = 0;
    for (let ts = start + 1; ts < end; ts += 60, n++) {
      c.exchange([3, 0, 0, 0, 10], read, ts);
      if (n % 30 === 15) {
        const v = (n * 7) % 119;
        c.exchange([6, 0, 40, v >> 8, v & 0xff], [6, 0, 40, v >> 8, v & 0xff], ts + 20);
      }
    }
  });
}

describe.skipIf(unavailable !== undefined)('automatic response: a value attack from an allowed HMI, isolated', () => {
  let lan: Lan;
  let server: ChildProcess;
  let gateway: ChildProcess;
  let log = '';
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-respond-'));
  const db = join(dir, 'b.db');

  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args, '--db', db], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 3) throw new Error(`bulkhead ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const probe = (requests: object[]): string[] => {
    const r = spawnSync('ip', ['netns', 'exec', lan.nsOf('hmi'), process.execPath, join(PEERS, 'modbus-probe.js'), JSON.stringify({ server: plc.ip, unit: 1, requests, timeoutMs: 1500 })], { encoding: 'utf8' });
    return JSON.parse(r.stdout) as string[];
  };
  const waitLog = (pattern: RegExp, timeoutMs: number, from: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const t = setInterval(() => {
        const m = pattern.exec(log.slice(from));
        if (!m) return;
        clearInterval(t);
        clearTimeout(limit);
        resolve(m);
      }, 20);
      const limit = setTimeout(() => {
        clearInterval(t);
        reject(new Error(`no ${pattern} within ${timeoutMs} ms; log since: ${log.slice(from)}`));
      }, timeoutMs);
    });
  const isolations = () => (JSON.parse(cli('status', '--json')) as GatewayStatus).isolations;

  beforeAll(async () => {
    lan = createLan(`bhr${process.pid % 100000}`, [hmi, plc]);
    server = lan.spawnIn('plc', process.execPath, [join(PEERS, 'modbus-plc.js'), JSON.stringify({ host: plc.ip, unit: 1 })]);
    writeBaseline(join(dir, 'baseline.pcap'));
    cli('learn', '--pcap', join(dir, 'baseline.pcap'));
    const policy = cellPolicy(hmi.ip, plc.ip);
    policy.conduits[0]!.rules[0]!.allow!.push({ kinds: ['write'], codes: [6], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[40, 40]] }] });
    writeFileSync(join(dir, 'cell.yaml'), formatPolicy(policy));
    cli('policy', 'import', join(dir, 'cell.yaml'), '--by', 'alice');
    cli('policy', 'approve', '1', '--by', 'alice');
    cli('apply', '1', '--by', 'alice');
    gateway = lan.spawnIn('switch', process.execPath, [CLI, 'start', '--bridge', 'br0', '--db', db, '--queue', '13', '--mode', 'enforce', '--by', 'carol']);
    gateway.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitForLine(gateway, /enforcing policy/, 20_000);
    await waitLog(/learning on br0/, 20_000, 0);
  }, 90_000);

  afterAll(() => {
    gateway?.kill('SIGTERM');
    server?.kill('SIGKILL');
    // The supervisor removes its rules on SIGTERM; give it a moment before the namespaces go.
    spawnSync('sleep', ['1']);
    gateway?.kill('SIGKILL');
    lan?.destroy();
  });

  it('refuses automatic response on a conduit the policy does not have, naming the ones it has', () => {
    const r = spawnSync(process.execPath, [CLI, 'respond', 'set', '--conduit', 'nope', '--by', 'alice', '--db', db], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no conduit 'nope' in the active policy \(its conduits: sup-ctl\)/);
  });

  it('isolates the HMI that wrote far outside the learned range, not for a write inside it; release undoes it', async () => {
    expect(cli('respond', 'set', '--conduit', 'sup-ctl', '--severity', 'high', '--by', 'alice')).toMatch(/conduit sup-ctl: the source of an alert of severity high or above is isolated at once/);
    // The watcher reads the rule from the store; a write inside the learned range is normal.
    expect(probe([{ fc: 3, start: 0, count: 10 }, { fc: 6, start: 40, value: 60 }])).toEqual(['answered', 'answered']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(isolations()).toEqual([]);

    const from = log.length;
    expect(probe([{ fc: 6, start: 40, value: 4800 }])).toEqual(['answered']); // allowed by the policy: it is the behaviour that is wrong
    const inForce = await waitLog(/island mode: 10\.252\.5\.21 cut off, in force at (\S+)/, 20_000, from);
    expect(probe([{ fc: 3, start: 0, count: 10 }])[0]).toMatch(/timeout|Timed Out/);
    const [i] = isolations();
    expect(i).toMatchObject({ target: hmi.ip, addresses: [hmi.ip], by: 'auto-response', reason: expect.stringMatching(/^automatic response \(conduit sup-ctl: .*\): value_write_outside_baseline: Modbus client 10\.252\.5\.21 wrote 4,800 to unit 1 holding registers 40041 \(40\)/) });

    // Its alert stays for people: the numbers, and when the packet was seen.
    const alerts = JSON.parse(cli('alerts', '--json')) as Alert[];
    const a = alerts.find((x) => x.type === 'value_write_outside_baseline');
    expect(a).toMatchObject({ severity: 'high', source: hmi.ip, attack: { id: 'T0836' } });
    const ms = Date.parse(inForce[1]!) - a!.firstSeen * 1000;
    const detected = /isolated automatically, ([\d.]+) ms after the packet that showed it \(detected after ([\d.]+) ms/.exec(log.slice(from));
    console.log(`time to isolation: ${ms.toFixed(0)} ms from the attack's packet to the rule in force on the bridge (detected ${detected?.[2] ?? "?"} ms after it, isolation recorded at ${detected?.[1] ?? "?"} ms); target 100 ms`);
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(15_000); // under load; the figure itself is printed

    cli('release', hmi.ip, '--by', 'carol');
    await waitLog(/island mode: nobody cut off/, 10_000, from);
    expect(probe([{ fc: 3, start: 0, count: 10 }])).toEqual(['answered']);
  }, 60_000);
});
