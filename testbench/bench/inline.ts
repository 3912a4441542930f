// Inline cost, measured on a network-namespace bridge in one run: Modbus request/response round
// trips (median, p99) through (a) a plain bridge, (b) Bulkhead with a kernel-only policy,
// (c) Bulkhead with deep inspection; and the transactions/s (c) sustains.
// Targets on a 2-core machine: (b) adds at most 10 us median, (c) at most 100 us median and
// 500 us p99, (c) sustains at least 20,000 transactions/s.
//
//   sudo npm run bench:inline

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPolicy } from '../../src/policy/document.js';
import type { Policy, Rule } from '../../src/policy/model.js';
import { createLan, netnsUnavailable } from '../plant/lan.js';
import { startGateway } from '../lib/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PEERS = join(ROOT, 'testbench', 'plant', 'peers');
const hmi = { name: 'hmi', ip: '10.253.1.21', mac: '02:00:00:00:04:21' };
const plc = { name: 'plc', ip: '10.253.1.11', mac: '02:00:00:00:04:11' };

const why = netnsUnavailable();
if (why) {
  console.log(`SKIPPED: ${why}`);
  process.exit(0);
}

function policy(inspect: boolean): Policy {
  const rule: Rule = { id: 'hmi-plc', protocol: 'modbus', port: 502, client: { hosts: [hmi.ip] }, server: { hosts: [plc.ip] } };
  if (inspect) rule.allow = [{ kinds: ['read'], codes: [3], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[0, 99]] }] }];
  return {
    bulkheadPolicy: 1,
    name: inspect ? 'inspected' : 'kernel-only',
    defaultAction: 'deny',
    zones: [
      { id: 'control', name: 'Control', securityLevel: 3, members: [plc.ip] },
      { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: [hmi.ip] },
    ],
    conduits: [{ id: 'c', name: 'C', zones: ['control', 'supervisory'], rules: [rule] }],
  };
}

const dir = mkdtempSync(join(tmpdir(), 'bulkhead-inline-'));
const lan = createLan(`bhi${process.pid % 100000}`, [hmi, plc]);
const procs: ChildProcess[] = [];
try {
  procs.push(lan.spawnIn('plc', process.execPath, [join(PEERS, 'modbus-responder.js'), JSON.stringify({ host: plc.ip })]));
  await new Promise((r) => setTimeout(r, 1000));
  const measure = () => {
    const r = spawnSync('ip', ['netns', 'exec', lan.nsOf('hmi'), process.execPath, join(PEERS, 'modbus-rtt.js'), JSON.stringify({ server: plc.ip, samples: 5000, connections: 8, seconds: 5 })], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as { medianUs: number; p99Us: number; transactionsPerSecond: number };
  };
  const gateway = async (p: Policy) => {
    const file = join(dir, `${p.name}.yaml`);
    writeFileSync(file, formatPolicy(p));
    const g = await startGateway(lan, file, ['--db', join(dir, 'b.db')]);
    procs.push(g);
    return g;
  };
  const stop = (g: ChildProcess) => new Promise((r) => { g.once('exit', r); g.kill('SIGTERM'); });
  const line = (label: string, m: ReturnType<typeof measure>, base?: ReturnType<typeof measure>) =>
    console.log(`${label.padEnd(34)} median ${m.medianUs.toFixed(0).padStart(5)} us  p99 ${m.p99Us.toFixed(0).padStart(5)} us  ${Math.round(m.transactionsPerSecond).toLocaleString('en').padStart(7)} transactions/s${base ? `  (+${(m.medianUs - base.medianUs).toFixed(0)} us median, +${(m.p99Us - base.p99Us).toFixed(0)} us p99)` : ''}`);

  const a = measure();
  line('(a) plain bridge', a);
  let g = await gateway(policy(false));
  const b = measure();
  await stop(g);
  line('(b) kernel-only policy', b, a);
  g = await gateway(policy(true));
  const c = measure();
  await stop(g);
  line('(c) deep inspection (NFQUEUE)', c, a);
  console.log(`targets: (b) +${(b.medianUs - a.medianUs).toFixed(0)} us median (<= 10); (c) +${(c.medianUs - a.medianUs).toFixed(0)} us median (<= 100), +${(c.p99Us - a.p99Us).toFixed(0)} us p99 (<= 500), ${Math.round(c.transactionsPerSecond).toLocaleString('en')} transactions/s (>= 20,000)`);
} finally {
  for (const p of procs) p.kill('SIGKILL');
  lan.destroy();
}
