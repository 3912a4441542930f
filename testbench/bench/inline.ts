// Inline cost, measured on a network-namespace bridge in one run: Modbus request/response round
// trips (median, p99) through (a) a plain bridge, (b) Bulkhead with a kernel-only policy,
// (c) Bulkhead with deep inspection, (c2) the same with detection watching beside it (its own
// process, as the supervised gateway runs it); and the transactions/s (c) sustains. Then the one-way
// latency of a hand-made Modbus read frame, untagged and 802.1Q-tagged (VLAN 10), across the
// plain bridge and through deep inspection (this kernel has no VLAN devices, so tagged traffic
// between real TCP stacks cannot be made: frames are sent and received by AF_PACKET, one clock).
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
import { CLI, startGateway, waitForLine } from '../lib/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PEERS = join(ROOT, 'testbench', 'plant', 'peers');
const hmi = { name: 'hmi', ip: '10.253.1.21', mac: '02:00:00:00:04:21' };
const plc = { name: 'plc', ip: '10.253.1.11', mac: '02:00:00:00:04:11' };

const why = netnsUnavailable();
if (why) {
  console.log(`SKIPPED: ${why}`);
  process.exit(0);
}

/** A Python helper: from the source tree whether this runs built or not. */
const FRAME_LATENCY = join(ROOT, ...(import.meta.dirname.includes('/dist/') ? ['..'] : []), 'testbench', 'lib', 'frame-latency.py');

function policy(inspect: boolean): Policy {
  const rule: Rule = { id: 'hmi-plc', protocol: 'modbus', port: 502, client: { hosts: [hmi.ip] }, server: { hosts: [plc.ip] } };
  if (inspect) rule.allow = [{ kinds: ['read'], codes: [3], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[0, 99]] }] }];
  return {
    bulkheadPolicy: 1,
    name: inspect ? 'inspected' : 'kernel-only',
    defaultAction: 'deny',
    zones: [
      { id: 'control', name: 'Control', securityLevel: 3, members: [plc.ip], vlans: [10] },
      { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: [hmi.ip], vlans: [10] },
    ],
    conduits: [{ id: 'c', name: 'C', zones: ['control', 'supervisory'], rules: [rule] }],
    // As a derived policy has it: the layer-2 rules are part of what every frame pays for.
    link: { etherTypes: ['arp'], bindings: [hmi, plc].map((h) => ({ ip: h.ip, mac: h.mac })) },
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
  // Detection runs in the watcher, a process of its own on a copy of the bridge's traffic, as the
  // supervised gateway runs it: it must add nothing to the verdict path.
  g = await gateway(policy(true));
  const watcher = lan.spawnIn('switch', process.execPath, [CLI, 'learn', '--interface', 'br0', '--respond', '--db', join(dir, 'watch.db')]);
  procs.push(watcher);
  let report = '';
  watcher.stdout!.on('data', (d: Buffer) => (report += d.toString()));
  await waitForLine(watcher, /learning on br0/, 15_000);
  const cw = measure();
  await stop(watcher);
  await stop(g);
  line('(c2) deep inspection + detection', cw, a);
  const watched = Number(/([\d,]+) packets/.exec(report)?.[1]?.replace(/,/g, '') ?? 0);
  console.log(`${''.padEnd(34)} the watcher judged ${watched.toLocaleString('en')} packets beside the engine: ${(cw.medianUs - c.medianUs).toFixed(0)} us median, ${(cw.p99Us - c.p99Us).toFixed(0)} us p99 against (c)`);
  // One-way, frame by frame: untagged and tagged, plain bridge then inspected.
  const oneWay = (tags: [number, number][]) => {
    const frame = { dstMac: plc.mac, srcMac: hmi.mac, src: hmi.ip, dst: plc.ip, sport: 40000 + tags.length, dport: 502, seq: 1000, payloadHex: '00010000000601030000000a', tags };
    const r = spawnSync('python3', [FRAME_LATENCY, JSON.stringify({ fromNs: lan.nsOf('hmi'), toNs: lan.nsOf('plc'), iface: 'eth0', frame, count: 3000, timeoutMs: 200 })], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as { samples: number; lost: number; medianUs: number; p99Us: number };
  };
  const frames = (label: string, m: ReturnType<typeof oneWay>, base?: ReturnType<typeof oneWay>) =>
    console.log(`${label.padEnd(34)} one-way median ${m.medianUs.toFixed(0).padStart(4)} us  p99 ${m.p99Us.toFixed(0).padStart(5)} us  (${m.samples} frames, ${m.lost} lost)${base ? `  (+${(m.medianUs - base.medianUs).toFixed(0)} us median, +${(m.p99Us - base.p99Us).toFixed(0)} us p99)` : ''}`);
  const plainUntagged = oneWay([]);
  const plainTagged = oneWay([[0x8100, 10]]);
  g = await gateway(policy(true));
  const inspectedUntagged = oneWay([]);
  const inspectedTagged = oneWay([[0x8100, 10]]);
  await stop(g);
  frames('(d) frame, plain bridge', plainUntagged);
  frames('(e) frame, inspected', inspectedUntagged, plainUntagged);
  frames('(f) frame in VLAN 10, plain bridge', plainTagged);
  frames('(g) frame in VLAN 10, inspected', inspectedTagged, plainTagged);
  console.log(`targets: (b) +${(b.medianUs - a.medianUs).toFixed(0)} us median (<= 10); (c) +${(c.medianUs - a.medianUs).toFixed(0)} us median (<= 100), +${(c.p99Us - a.p99Us).toFixed(0)} us p99 (<= 500), ${Math.round(c.transactionsPerSecond).toLocaleString('en')} transactions/s (>= 20,000)`);
} finally {
  for (const p of procs) p.kill('SIGKILL');
  lan.destroy();
}
