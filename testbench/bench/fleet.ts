// The fleet at size on loopback: one hub nats-server as the centre, a leaf nats-server and a
// gateway link (each gateway with its own SQLite store) per gateway, wired as the loopback fleet
// test wires two (src/fleet/fleet.test.ts), everything on 127.0.0.1. Measured, in one run:
//  1. a policy's way to every gateway: an approved version sent to each (Central.send), from the
//     first send until every gateway's store holds it applied, and until the centre has each
//     one's 'confirmed' (its engine's report is written the moment the version arrives); p50, max;
//  2. events per second into the centre: --events written into every gateway's store at once,
//     until the centre's read model holds each exactly once; beside the store's floor (the same
//     records straight into FleetStore.receive) and the uplink's own pace (UPLINK_BATCH of each
//     kind per gateway per 1 s round);
//  3. the centre's memory: the hub's resident set (now and peak), this process's (the centre with
//     every link), and the leaf nodes' median (a leaf is said to take ~12 MB).
// Enrolment and start-up times are printed too: each enrolment reloads the hub and updates the
// fleet stream's sources.
//
//   npm run bench:fleet [-- --gateways 50 --events 2000 --json]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Central, READ_BATCH } from '../../src/fleet/central.js';
import { decodeToken } from '../../src/fleet/enrolment.js';
import { GatewayLink } from '../../src/fleet/gateway-link.js';
import { FLEET_STREAM, names } from '../../src/fleet/names.js';
import { NatsServer, natsServerVersion } from '../../src/fleet/nats-servers.js';
import { UPLINK_BATCH } from '../../src/fleet/uplink.js';
import { writeEngineHealth } from '../../src/gateway/health.js';
import { formatPolicy } from '../../src/policy/document.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { EventStore, MAX_EVENTS } from '../../src/store/event-store.js';
import { FleetStore } from '../../src/store/fleet-store.js';
import { PolicyStore } from '../../src/store/policy-store.js';
import { cellPolicy } from '../../src/test-support/cell-policy.js';
import { CENTRAL_USER, LEAF_LOCAL, openLoopbackCentre, startLoopbackLeaf } from '../../src/test-support/loopback-fleet.js';
import { until } from '../../src/test-support/until.js';
import { printCurves, type Curve } from '../lib/curve.js';

const { values } = parseArgs({ options: { gateways: { type: 'string', default: '50' }, events: { type: 'string', default: '2000' }, json: { type: 'boolean' } } });
const GATEWAYS = Number(values.gateways);
const EVENTS = Number(values.events);
/** However loaded the box, what has not arrived by then is missing. */
const WITHIN_MS = 120_000;
/** Set once the run ends: pollers still waiting (another one failed first) stop. */
let stopping = false;

interface Box {
  id: string;
  db: Db;
  leaf: NatsServer;
  link?: GatewayLink;
  /** What its link said last, for the message when this gateway is missing. */
  last: string;
}

interface Fleet {
  dir: string;
  hub?: NatsServer;
  centralDb: Db;
  central?: Central;
  hubUrl: string;
  boxes: Box[];
}

const since = (start: number) => performance.now() - start;
/** The nearest-rank quantile. */
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(q * xs.length) - 1)]!;

/** The hub, and the centre on it, as the loopback test opens them. */
async function openCentre(f: Fleet): Promise<void> {
  const c = await openLoopbackCentre(f.dir, f.centralDb, (line) => console.error(`centre: ${line}`));
  Object.assign(f, { hub: c.hub, central: c.central, hubUrl: c.hubUrl });
}

/** Enrols a gateway, starts its leaf node and its link; returns how long the enrolment took (ms). */
async function addGateway(f: Fleet, id: string): Promise<number> {
  const start = performance.now();
  const token = decodeToken(await f.central!.enrol({ id, site: 'bench', cell: id, group: 'all' }, 'bench'));
  const enrolMs = since(start);
  const { leaf, port } = await startLoopbackLeaf(f.dir, token);
  const box: Box = { id, db: openDatabase(join(f.dir, `${id}.db`)), leaf, last: '' };
  f.boxes.push(box);
  // A slow confirmation under load is measured, not rolled back: the engine has the whole bound.
  box.link = await GatewayLink.open({ db: box.db, gateway: id, leaf: { url: `127.0.0.1:${port}`, ...LEAF_LOCAL }, centralKey: token.centralKey, confirmWithin: WITHIN_MS / 1000, log: (l) => (box.last = l) });
  return enrolMs;
}

/**
 * Polls every `everyMs` until each gateway has arrived; `round` is asked once a round (one query
 * serves every gateway). Returns each one's ms since `start`, in `boxes` order; throws naming the
 * gateways still missing after WITHIN_MS.
 */
async function arrivals(what: string, boxes: Box[], start: number, everyMs: number, round: () => (b: Box) => boolean, onArrival?: (b: Box) => void): Promise<number[]> {
  const at = new Map<Box, number>();
  const all = () => {
    if (stopping) throw new Error('stopped');
    const arrived = round();
    for (const b of boxes) {
      if (at.has(b) || !arrived(b)) continue;
      const t = since(start);
      onArrival?.(b);
      at.set(b, t);
    }
    return at.size === boxes.length;
  };
  try {
    await until(what, all, WITHIN_MS, everyMs);
  } catch (err) {
    const missing = boxes.filter((b) => !at.has(b));
    throw new Error(`${(err as Error).message}: missing at ${missing.length} of ${boxes.length} gateways: ${missing.map((b) => b.id).join(', ')} (${missing[0]!.id}'s link said last: ${missing[0]!.last || 'nothing'})`, { cause: err });
  }
  return boxes.map((b) => at.get(b)!);
}

/** The report the engine writes once it enforces a version (as the loopback test's engineEnforces). */
const engineEnforces = (db: Db, version: number) =>
  writeEngineHealth(db, { ts: Date.now() / 1000, pid: process.pid, mode: 'enforce', policy: `version ${version}`, inspected: 0, denied: 0, reassembly: { heldBytes: 0, refused: 0 }, conduits: [] });

interface PolicyFigures {
  sentAllMs: number;
  reached: { p50Ms: number; maxMs: number };
  confirmed: { p50Ms: number; maxMs: number };
}

/** One approved version sent to every gateway; the sends, arrivals and confirmations timed together from the first send. */
async function policyReach(f: Fleet): Promise<PolicyFigures> {
  const central = f.central!;
  const policies = new PolicyStore(f.centralDb);
  const v = policies.add(formatPolicy(cellPolicy('10.0.0.2', '10.0.0.3')), 'cell', 'bench', 'alice');
  policies.approve(v, 'alice');
  policies.approve(v, 'bob');
  const local = new Map(f.boxes.map((b) => [b, new PolicyStore(b.db)]));
  // Applied is pending here until the engine's report (written by this bench only) is confirmed.
  const taken = (b: Box) => local.get(b)!.pending()?.version;
  const sent = new Map<Box, number>();
  const start = performance.now();
  const send = async () => {
    for (const b of f.boxes) sent.set(b, await central.send(b.id, v, 'bench'));
    return since(start);
  };
  // One query a round for the whole fleet: the poller should not be what loads the centre.
  const confirmed = () => {
    const results = new Map(central.fleet.list().map((g) => [g.id, g.policy]));
    return (b: Box) => results.get(b.id)?.outcome === 'confirmed' && results.get(b.id)?.version === sent.get(b);
  };
  const [sentAllMs, reached, confirmedAt] = await Promise.all([
    send(),
    arrivals('the policy at the gateways', f.boxes, start, 20, () => (b) => taken(b) !== undefined, (b) => engineEnforces(b.db, taken(b)!)),
    arrivals("the gateways' confirmations at the centre", f.boxes, start, 20, confirmed),
  ]);
  const figures = (xs: number[]) => ({ p50Ms: quantile(xs, 0.5), maxMs: Math.max(...xs) });
  return { sentAllMs, reached: figures(reached), confirmed: figures(confirmedAt) };
}

/** A denial as the engine records it. */
const denial = (i: number) => ({ action: 'deny', reasonCode: 'not_allowed_code', reason: `function code 6 is not allowed (bench ${i})`, ruleId: 'hmi-reads', client: '10.0.0.2', server: '10.0.0.3', code: 6 });

interface EventFigures {
  written: number;
  seconds: number;
  perSecond: number;
  /** Event messages in the fleet stream: more than written would be duplicates the store absorbed. */
  inStream: number;
}

/** The fleet stream's event messages, counted by subject at the hub. */
async function streamEvents(hubUrl: string): Promise<number> {
  const nc = await connect({ servers: hubUrl, user: CENTRAL_USER.user, pass: CENTRAL_USER.password });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(FLEET_STREAM, { subjects_filter: names.telemetry('*', 'event') });
    return Object.values(info.state.subjects ?? {}).reduce((a, n) => a + n, 0);
  } finally {
    await nc.close();
  }
}

/** Every gateway's events written at once; timed until the read model holds them all. */
async function eventsIn(f: Fleet): Promise<EventFigures> {
  const start = performance.now();
  const ts = Date.now() / 1000;
  for (const b of f.boxes) new EventStore(b.db).append(Array.from({ length: EVENTS }, (_, i) => ({ ts, kind: 'deny' as const, data: denial(i) })));
  const counts = () => {
    const n = new Map(f.central!.fleet.counts().filter((c) => c.kind === 'event').map((c) => [c.gateway, c.count]));
    return (b: Box) => n.get(b.id) === EVENTS;
  };
  // Counting 100,000 records takes ~13 ms: four times a second is resolution enough.
  const times = await arrivals('the events at the centre', f.boxes, start, 250, counts);
  const seconds = Math.max(...times) / 1000;
  const written = EVENTS * f.boxes.length;
  const held = f.central!.fleet.counts().filter((c) => c.kind === 'event').reduce((a, c) => a + c.count, 0);
  if (held !== written) throw new Error(`the read model holds ${held} events; ${written} were written`);
  return { written, seconds, perSecond: written / seconds, inStream: await streamEvents(f.hubUrl) };
}

/** The store's floor: the same records straight into a fresh centre's FleetStore, a read loop's batch at a time (records/s). */
function storeFloor(dir: string, ids: string[]): number {
  const db = openDatabase(join(dir, 'floor.db'));
  try {
    const fleet = new FleetStore(db);
    for (const id of ids) fleet.enrol({ id, site: 'bench', cell: id, group: 'all', secretHash: '-' }, 'bench');
    const ts = Date.now() / 1000;
    const records = ids.flatMap((gateway) => Array.from({ length: EVENTS }, (_, i) => ({ gateway, kind: 'event', localId: String(i + 1), ts, data: { kind: 'deny', ...denial(i) } })));
    const start = performance.now();
    for (let i = 0; i < records.length; i += READ_BATCH) fleet.receive(records.slice(i, i + READ_BATCH));
    return records.length / (since(start) / 1000);
  } finally {
    db.close();
  }
}

/** A server's resident set now and at its peak, in MB. */
function resident(server: NatsServer): { rssMb: number; peakMb: number } {
  if (server.pid === undefined) throw new Error(`nats-server ${server.name} is not running: ${server.log().trim()}`);
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
  return { rssMb: mb('VmRSS'), peakMb: mb('VmHWM') };
}

/** The event loop's delay (the centre's read loop shares it with every link): a fetch waiting longer than 1 s for its heartbeat gives up. */
const loopDelay = (h: IntervalHistogram) => ({ p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 });

function memory(f: Fleet) {
  const leaves = f.boxes.map((b) => resident(b.leaf).rssMb);
  const m = process.memoryUsage();
  return {
    hub: resident(f.hub!),
    node: { rssMb: m.rss / 2 ** 20, peakMb: process.resourceUsage().maxRSS / 1024, heapUsedMb: m.heapUsed / 2 ** 20 },
    leaf: { medianMb: quantile(leaves, 0.5), maxMb: Math.max(...leaves) },
  };
}

const ms = (x: number) => Math.round(x).toLocaleString('en');
const mb = (x: number) => `${x.toFixed(1)} MB`;

interface Results {
  startup: { seconds: number; enrolMs: number[] };
  policy: { first: PolicyFigures; next: PolicyFigures };
  events: EventFigures & { floorPerSecond: number; uplinkCeiling: number };
  memory: ReturnType<typeof memory>;
  loop: ReturnType<typeof loopDelay>;
}

function report(r: Results): void {
  const { startup, policy, events, memory: m, loop } = r;
  const curve: Curve = {
    name: `events into the centre from ${GATEWAYS} gateways`,
    sizeUnit: 'events',
    unit: 'events/s, from the write at the gateways until the read model holds each once',
    yardstick: 'the same records straight into FleetStore.receive',
    better: 'higher',
    per: 'event',
    points: [{ size: events.written, value: events.perSecond, yardstick: events.floorPerSecond }],
  };
  const e = startup.enrolMs;
  const enrol = { totalMs: e.reduce((a, x) => a + x, 0), p50Ms: quantile(e, 0.5), maxMs: Math.max(...e), firstMs: e[0]!, lastMs: e.at(-1)! };
  printCurves([curve], values.json === true, { gateways: GATEWAYS, eventsPerGateway: EVENTS, natsServer: natsServerVersion(), startup: { seconds: startup.seconds, enrol }, policy, events, memory: m, eventLoop: loop });
  if (values.json) return;
  console.log(`  ${ms(events.written)} events in ${events.seconds.toFixed(1)} s; the read model holds each once, the fleet stream ${ms(events.inStream)} event messages`);
  console.log(`  the uplink's own pace: ${UPLINK_BATCH} events a round (1 s) per gateway = ${ms(events.uplinkCeiling)} events/s for ${GATEWAYS}`);
  console.log(`policy to all ${GATEWAYS} gateways (ms from the first send; reached: applied in each gateway's store; confirmed: at the centre, each engine's report written on arrival)`);
  console.log(`  ${''.padEnd(28)}${['sent all', 'reached p50', 'reached all', 'confirmed p50', 'confirmed all'].map((h) => h.padStart(15)).join('')}`);
  for (const [label, p] of [['first version after joining', policy.first], ['next version', policy.next]] as const) {
    console.log(`  ${label.padEnd(28)}${[p.sentAllMs, p.reached.p50Ms, p.reached.maxMs, p.confirmed.p50Ms, p.confirmed.maxMs].map((x) => ms(x).padStart(15)).join('')}`);
  }
  console.log('memory');
  console.log(`  hub nats-server: ${mb(m.hub.rssMb)} resident (peak ${mb(m.hub.peakMb)})`);
  console.log(`  this process (the centre and ${GATEWAYS} links): ${mb(m.node.rssMb)} resident (peak ${mb(m.node.peakMb)}), heap used ${mb(m.node.heapUsedMb)}`);
  console.log(`  leaf nats-server: median ${mb(m.leaf.medianMb)} resident, max ${mb(m.leaf.maxMb)}`);
  console.log(`this process's event loop while measuring (the centre and every link share it): delay p99 ${ms(loop.p99Ms)} ms, max ${ms(loop.maxMs)} ms`);
  console.log(`start-up: ${GATEWAYS} gateways enrolled, leaf nodes and links started in ${startup.seconds.toFixed(1)} s; enrolments ${ms(enrol.totalMs)} ms of it (each: p50 ${ms(enrol.p50Ms)} ms, max ${ms(enrol.maxMs)} ms; the first ${ms(enrol.firstMs)} ms, the last ${ms(enrol.lastMs)} ms)`);
}

/** Stops whatever was started, whatever failed: links and leaf nodes, the centre, the hub; then the files. */
async function stop(f: Fleet): Promise<void> {
  stopping = true;
  try {
    await Promise.allSettled(
      f.boxes.map(async (b) => {
        try {
          await b.link?.close();
        } finally {
          await b.leaf.stop();
          b.db.close();
        }
      }),
    );
    await f.central?.close();
  } finally {
    await f.hub?.stop();
    f.centralDb.close();
    rmSync(f.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(GATEWAYS) || GATEWAYS < 1) throw new Error(`--gateways ${values.gateways}: a whole number, at least 1`);
  if (!Number.isInteger(EVENTS) || EVENTS < 1 || EVENTS > MAX_EVENTS) throw new Error(`--events ${values.events}: a whole number from 1 to ${MAX_EVENTS} (a gateway's store keeps ${MAX_EVENTS})`);
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-bench-fleet-'));
  const f: Fleet = { dir, centralDb: openDatabase(join(dir, 'central.db')), hubUrl: '', boxes: [] };
  try {
    const start = performance.now();
    await openCentre(f);
    const enrolMs: number[] = [];
    for (let i = 1; i <= GATEWAYS; i++) enrolMs.push(await addGateway(f, `gw-${String(i).padStart(3, '0')}`));
    const startup = { seconds: since(start) / 1000, enrolMs };
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    // The first version after joining is slower (a new leaf's mirror takes its first delivery late); the next one is the steady state.
    const policy = { first: await policyReach(f), next: await policyReach(f) };
    const events = await eventsIn(f);
    // Memory before the floor's records join this process's heap.
    const held = memory(f);
    loop.disable();
    const floorPerSecond = storeFloor(dir, f.boxes.map((b) => b.id));
    report({ startup, policy, events: { ...events, floorPerSecond, uplinkCeiling: GATEWAYS * UPLINK_BATCH }, memory: held, loop: loopDelay(loop) });
  } finally {
    await stop(f);
  }
}

if (spawnSync('nats-server', ['--version']).status !== 0) {
  console.log('SKIPPED: bench:fleet: nats-server is not installed (apt-get install nats-server)');
} else {
  await main().catch((err: Error) => {
    console.error(`bench:fleet: ${err.message}`);
    process.exitCode = 1;
  });
}
