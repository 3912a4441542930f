// Inline cost, measured on a network-namespace bridge in one run. First the cost curve: Modbus
// round trips with 1, 10 and 100 client connections all kept busy (median, p99, transactions/s)
// through a plain bridge, through a minimal C NFQUEUE consumer that accepts everything on the
// same steering rules (the floor of user-space inspection; built here from nfqueue-accept.c),
// and through Bulkhead's deep inspection on one queue and on several (a worker thread each), the
// connections coming from eight HMI addresses the kernel spreads over the queues. Then round trips (median, p99) through (a) a plain bridge, (b) Bulkhead with a kernel-only policy,
// (c) Bulkhead with deep inspection, (c2) the same with detection watching beside it (its own
// process, as the supervised gateway runs it); and the transactions/s (c) sustains. Then the one-way
// latency of a hand-made Modbus read frame, untagged and 802.1Q-tagged (VLAN 10), across the
// plain bridge and through deep inspection (this kernel has no VLAN devices, so tagged traffic
// between real TCP stacks cannot be made: frames are sent and received by AF_PACKET, one clock).
// Targets on a 2-core machine: (b) adds at most 10 us median; deep inspection adds at most 30 us
// median and 200 us p99 over the plain bridge, is within 1.5x of the C floor's p99, and sustains
// at least 80% of the plain bridge's transactions/s.
//
//   sudo npm run bench:inline [-- --json]

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHAIN, queueRules, removeQueueRules } from '../../src/enforce/queue-rules.js';
import { run, type SyncRunner } from '../../src/enforce/exec.js';
import { formatPolicy } from '../../src/policy/document.js';
import type { Policy, Rule } from '../../src/policy/model.js';
import { createLan, netnsUnavailable, type Lan } from '../plant/lan.js';
import { printCurves, type Curve } from '../lib/curve.js';
import { CLI, startGateway, stopProcess, waitForLine, waitForStdout } from '../lib/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PEERS = join(ROOT, 'testbench', 'plant', 'peers');
const hmi = { name: 'hmi', ip: '10.253.1.21', mac: '02:00:00:00:04:21' };
const plc = { name: 'plc', ip: '10.253.1.11', mac: '02:00:00:00:04:11' };
/** The busy connections come from eight HMI addresses: eight host pairs for the kernel to spread over the engine's queues. */
const CLIENTS = [hmi.ip, ...Array.from({ length: 7 }, (_, i) => `10.253.1.${30 + i}`)];

const why = netnsUnavailable();
if (why) {
  console.log(`SKIPPED: ${why}`);
  process.exit(0);
}

const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
/** Helpers that are not TypeScript: from the source tree whether this runs built or not. */
const SOURCE = join(ROOT, ...(import.meta.dirname.includes('/dist/') ? ['..'] : []), 'testbench');
const FRAME_LATENCY = join(SOURCE, 'lib', 'frame-latency.py');
const CONNECTIONS = [1, 10, 100];
/** The queues (and workers) the several-queue curve uses: one per core of this machine, at least 2. */
const SEVERAL = Math.max(2, Math.min(availableParallelism(), 4));

interface Rtt {
  medianUs: number;
  p99Us: number;
  transactionsPerSecond: number;
  loadedMedianUs: number;
  loadedP99Us: number;
}

/** The C floor, built with the system's compiler; a reason string when it cannot be. */
function buildFloor(dir: string): string | { binary: string } {
  const binary = join(dir, 'nfqueue-accept');
  const r = spawnSync('cc', ['-O2', '-o', binary, join(SOURCE, 'bench', 'nfqueue-accept.c'), '-lnetfilter_queue'], { encoding: 'utf8' });
  if (r.error) return `no C compiler (cc): ${r.error.message}`;
  if (r.status !== 0) return `the C floor did not build (libnetfilter-queue-dev missing?): ${r.stderr.trim().split('\n')[0]}`;
  return { binary };
}

/** Commands in the switch's namespace, for the floor's steering rules. */
const inSwitch =
  (lan: Lan): SyncRunner =>
  (cmd, args, input) =>
    run('ip', ['netns', 'exec', lan.nsOf('switch'), cmd, ...args], input);

/**
 * Runs `measure` with the C floor on the queue, steered by the same rules Bulkhead installs for
 * the policy (queue 0, no bypass: a packet the floor did not take would be lost, not excused).
 */
async function withFloor<T>(lan: Lan, binary: string, p: Policy, measure: () => T): Promise<T | string> {
  const ns = inSwitch(lan);
  const sysctl = ns('sh', ['-c', 'echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables']);
  if (sysctl.status !== 0) return `bridged traffic cannot be queued here (br_netfilter): ${sysctl.stderr.trim()}`;
  const { input } = queueRules(p, { first: 0, count: 1 }, () => false);
  const restore = ns('iptables-restore', ['--noflush'], input);
  if (restore.status !== 0) return `iptables-restore refused the steering rules: ${restore.stderr.trim()}`;
  ns('iptables', ['-I', 'FORWARD', '1', '-i', 'br0', '-j', CHAIN]);
  const floor = lan.spawnIn('switch', binary, ['0']);
  try {
    await waitForStdout(floor, /accepting queue 0/, 10_000);
    return measure();
  } finally {
    await stopProcess(floor);
    await removeQueueRules(ns);
    ns('sh', ['-c', 'echo 0 > /proc/sys/net/bridge/bridge-nf-call-iptables']);
  }
}

/** The three curves (p99, median, throughput) of one configuration against a yardstick's. */
function curvesOf(label: string, ours: Rtt[], yardstick: Rtt[], name: string): Curve[] {
  const point = (pick: (r: Rtt) => number) => (r: Rtt, i: number) => ({ size: CONNECTIONS[i]!, value: pick(r), yardstick: pick(yardstick[i]!) });
  const curve = (what: string, unit: string, better: Curve['better'], pick: (r: Rtt) => number): Curve => ({ name: `${label}: ${what}`, sizeUnit: 'connections', unit, yardstick: name, better, per: 'transaction', points: ours.map(point(pick)) });
  return [
    curve('p99 round trip', 'us', 'lower', (r) => r.loadedP99Us),
    curve('median round trip', 'us', 'lower', (r) => r.loadedMedianUs),
    curve('throughput', 'transactions/s', 'higher', (r) => r.transactionsPerSecond),
  ].map((c) => (c.better === 'lower' ? { ...c, per: undefined } : c));
}

function policy(inspect: boolean): Policy {
  const rule: Rule = { id: 'hmi-plc', protocol: 'modbus', port: 502, client: { hosts: CLIENTS }, server: { hosts: [plc.ip] } };
  if (inspect) rule.allow = [{ kinds: ['read'], codes: [3], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[0, 99]] }] }];
  return {
    bulkheadPolicy: 1,
    name: inspect ? 'inspected' : 'kernel-only',
    defaultAction: 'deny',
    zones: [
      { id: 'control', name: 'Control', securityLevel: 3, members: [plc.ip], vlans: [10] },
      { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: CLIENTS, vlans: [10] },
    ],
    conduits: [{ id: 'c', name: 'C', zones: ['control', 'supervisory'], rules: [rule] }],
    // As a derived policy has it: the layer-2 rules are part of what every frame pays for.
    link: { etherTypes: ['arp'], bindings: [...CLIENTS.map((ip) => ({ ip, mac: hmi.mac })), { ip: plc.ip, mac: plc.mac }] },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'bulkhead-inline-'));
const lan = createLan(`bhi${process.pid % 100000}`, [hmi, plc]);
const procs: ChildProcess[] = [];
for (const ip of CLIENTS.slice(1)) spawnSync('ip', ['-n', lan.nsOf('hmi'), 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
try {
  procs.push(lan.spawnIn('plc', process.execPath, [join(PEERS, 'modbus-responder.js'), JSON.stringify({ host: plc.ip })]));
  await new Promise((r) => setTimeout(r, 1000));
  const measure = (connections = 8, seconds = 5): Rtt => {
    const r = spawnSync('ip', ['netns', 'exec', lan.nsOf('hmi'), process.execPath, join(PEERS, 'modbus-rtt.js'), JSON.stringify({ server: plc.ip, samples: 5000, connections, seconds, sources: CLIENTS })], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as Rtt;
  };
  const curve = () => CONNECTIONS.map((n) => measure(n, 4));
  /** The gateway on `queues` inspection queues (the default: one per core, at most 4). */
  const gateway = async (p: Policy, queues?: number) => {
    const file = join(dir, `${p.name}.yaml`);
    writeFileSync(file, formatPolicy(p));
    const g = await startGateway(lan, file, ['--db', join(dir, 'b.db'), ...(queues ? ['--queues', String(queues)] : [])]);
    procs.push(g);
    return g;
  };
  const stop = (g: ChildProcess) => new Promise((r) => { g.once('exit', r); g.kill('SIGTERM'); });
  const line = (label: string, m: ReturnType<typeof measure>, base?: ReturnType<typeof measure>) =>
    console.log(`${label.padEnd(34)} median ${m.medianUs.toFixed(0).padStart(5)} us  p99 ${m.p99Us.toFixed(0).padStart(5)} us  ${Math.round(m.transactionsPerSecond).toLocaleString('en').padStart(7)} transactions/s${base ? `  (+${(m.medianUs - base.medianUs).toFixed(0)} us median, +${(m.p99Us - base.p99Us).toFixed(0)} us p99)` : ''}`);

  // The cost curve: plain bridge, the C floor, Bulkhead's deep inspection, at each load.
  const plain = curve();
  const built = buildFloor(dir);
  const floor = typeof built === 'string' ? built : await withFloor(lan, built.binary, policy(true), curve);
  let g = await gateway(policy(true), 1);
  const single = curve();
  await stop(g);
  g = await gateway(policy(true), SEVERAL);
  const inspected = curve();
  await stop(g);
  const curves = [...curvesOf(`deep inspection, ${SEVERAL} queues`, inspected, plain, 'plain bridge'), ...curvesOf('deep inspection, 1 queue', single, plain, 'plain bridge')];
  if (typeof floor !== 'string') curves.push(...curvesOf(`deep inspection, ${SEVERAL} queues`, inspected, floor, 'the C floor (NFQUEUE, accept all)').slice(0, 1), ...curvesOf('the C floor', floor, plain, 'plain bridge'));
  printCurves(curves, values.json === true, { floor: typeof floor === 'string' ? `SKIPPED: ${floor}` : 'measured' });
  if (typeof floor === 'string') console.log(`the C floor: SKIPPED: ${floor}`);
  for (const [i, n] of CONNECTIONS.entries()) {
    const [c, p] = [inspected[i]!, plain[i]!];
    const f = typeof floor === 'string' ? undefined : floor[i]!;
    const s = single[i]!;
    console.log(`${String(n).padStart(3)} connections: on 1 queue p99 +${(s.loadedP99Us - p.loadedP99Us).toFixed(0)} us, ${Math.round(s.transactionsPerSecond).toLocaleString('en')} transactions/s; on ${SEVERAL} queues p99 +${(c.loadedP99Us - p.loadedP99Us).toFixed(0)} us, ${Math.round(c.transactionsPerSecond).toLocaleString('en')} transactions/s`);
    console.log(`${String(n).padStart(3)} connections: deep inspection (${SEVERAL} queues) adds +${(c.loadedMedianUs - p.loadedMedianUs).toFixed(0)} us median (<= 30), +${(c.loadedP99Us - p.loadedP99Us).toFixed(0)} us p99 (<= 200), ${((100 * c.transactionsPerSecond) / p.transactionsPerSecond).toFixed(0)}% of the plain bridge's transactions/s (>= 80%)${f ? `; p99 ${(c.loadedP99Us / f.loadedP99Us).toFixed(2)}x the C floor's (<= 1.5x), which itself adds +${(f.loadedP99Us - p.loadedP99Us).toFixed(0)} us p99` : ''}`);
  }
  // The single figures, watched inspection and tagged frames (not part of the --json curves).
  if (!values.json) {
    const a = measure();
    line('(a) plain bridge', a);
    g = await gateway(policy(false));
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
  }
} finally {
  for (const p of procs) p.kill('SIGKILL');
  lan.destroy();
}
