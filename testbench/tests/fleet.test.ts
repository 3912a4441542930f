// A fleet in network namespaces: the central site (`bulkhead central start --servers 3`, a real
// three-server JetStream cluster) in one namespace, three gateways in theirs, each with its leaf
// node and link (`bulkhead fleet link --run-leaf`) and its engine enforcing on its own bridge
// (`bulkhead enforce --policy active`). Policies roll out a group at a time and are confirmed only
// once each engine enforces them; one gateway's link is cut (iptables in its namespace) while it
// keeps enforcing and records events, and a new version goes out meanwhile; when the link returns
// the centre has every event once and the gateway the new version. Then a cluster server is
// killed and the fleet goes on. Addresses exist only inside the namespaces.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetView } from '../../src/app/fleet-view.js';
import type { Rollout } from '../../src/fleet/rollout.js';
import { formatPolicy, parsePolicy } from '../../src/policy/document.js';
import type { Policy } from '../../src/policy/model.js';
import { storeVersion } from '../../src/policy/stored.js';
import { openDatabase } from '../../src/store/database.js';
import { EventStore } from '../../src/store/event-store.js';
import { FleetStore } from '../../src/store/fleet-store.js';
import { PolicyStore } from '../../src/store/policy-store.js';
import { createLan, netnsUnavailable, type Lan } from '../plant/lan.js';
import { CLI, stopProcess, waitForLine } from '../lib/processes.js';
import { until } from '../../src/test-support/until.js';

const CENTRE = '10.254.9.10';
const GATEWAYS = [
  { id: 'gw-a', ip: '10.254.9.21', group: 'pilot', cell: 'line-1' },
  { id: 'gw-b', ip: '10.254.9.22', group: 'rest', cell: 'line-2' },
  { id: 'gw-c', ip: '10.254.9.23', group: 'rest', cell: 'line-3' },
];

const unavailable = netnsUnavailable() ?? (spawnSync('nats-server', ['--version']).status === 0 ? undefined : 'nats-server is not installed (apt-get install nats-server)');
if (unavailable) console.warn(`SKIPPED: the fleet in namespaces: ${unavailable}`);

/** A cell's policy: two zones and nothing allowed between them; `extra` members tell versions apart. */
function cellPolicy(extra: string[]): Policy {
  return {
    bulkheadPolicy: 1,
    name: 'line',
    defaultAction: 'deny',
    zones: [
      { id: 'control', name: 'Control', securityLevel: 3, members: ['10.60.0.11', ...extra] },
      { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: ['10.60.0.21'] },
    ],
    conduits: [],
  };
}

function store(db: ReturnType<typeof openDatabase>, p: Policy, approvers: string[]): number {
  const policies = new PolicyStore(db);
  const text = formatPolicy(p);
  const v = storeVersion(policies, text, p.name, 'test', 'alice', parsePolicy(text));
  for (const by of approvers) policies.approve(v, by);
  return v;
}


describe.skipIf(unavailable !== undefined)('a fleet of three gateways on a three-server cluster, in namespaces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bh-fleetns-'));
  const centralDir = join(dir, 'central');
  const centralDb = join(dir, 'central.db');
  const procs: ChildProcess[] = [];
  const logs = new Map<string, string>();
  let lan: Lan;

  const cli = (...args: string[]) => cliIn(undefined, ...args);
  /** The command, in a namespace when it talks to the cluster (only reachable there). */
  const cliIn = (host: string | undefined, ...args: string[]) => {
    const r = host ? spawnSync('ip', ['netns', 'exec', lan.nsOf(host), process.execPath, CLI, ...args], { encoding: 'utf8' }) : spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 3) throw new Error(`bulkhead ${args.join(' ')} (${r.status}): ${r.stderr}`);
    return r.stdout;
  };
  const run = (host: string, name: string, args: string[]) => {
    const p = lan.spawnIn(host, process.execPath, [CLI, ...args]);
    logs.set(name, '');
    p.stderr!.on('data', (d: Buffer) => logs.set(name, (logs.get(name)! + d.toString()).slice(-20_000)));
    procs.push(p);
    return p;
  };
  const gwDb = (id: string) => join(dir, `${id}.db`);
  const fleetDb = () => openDatabase(centralDb, { readonly: true });
  const view = () => JSON.parse(cli('central', 'status', '--json', '--db', centralDb)) as FleetView;
  const cut = (id: string, how: '-A' | '-D') => {
    for (const chain of [['OUTPUT', '-d'], ['INPUT', '-s']]) {
      const r = spawnSync('ip', ['netns', 'exec', lan.nsOf(id), 'iptables', how, chain[0]!, chain[1]!, CENTRE, '-j', 'DROP'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`iptables ${how} in ${id}: ${r.stderr}`);
    }
  };

  beforeAll(async () => {
    lan = createLan('bhfl', [{ name: 'centre', ip: CENTRE, mac: '02:00:00:00:09:10' }, ...GATEWAYS.map((g, i) => ({ name: g.id, ip: g.ip, mac: `02:00:00:00:09:2${i}` }))]);
    const centre = run('centre', 'centre', ['central', 'start', '--dir', centralDir, '--db', centralDb, '--servers', '3', '--host', CENTRE]);
    await waitForLine(centre, /central site ready/, 60_000);
    for (const g of GATEWAYS) {
      const token = (JSON.parse(cli('central', 'enrol', g.id, '--site', 'plant-1', '--cell', g.cell, '--group', g.group, '--dir', centralDir, '--db', centralDb, '--by', 'alice', '--json')) as { token: string }).token;
      cli('fleet', 'join', `nats-leaf://${CENTRE}:7422`, '--token', token, '--dir', join(dir, g.id), '--leaf-port', '4223');
      // Each gateway enforces a first version of its own before the centre sends any.
      const db = openDatabase(gwDb(g.id));
      new PolicyStore(db).apply(store(db, cellPolicy([]), ['carol']), 'carol');
      db.close();
      spawnSync('ip', ['-n', lan.nsOf(g.id), 'link', 'add', 'br0', 'type', 'bridge']);
      // A plant port on the bridge (the other end stays unplugged): the engine guards a bridge with ports.
      spawnSync('ip', ['-n', lan.nsOf(g.id), 'link', 'add', 'plant0', 'type', 'veth', 'peer', 'name', 'plant1']);
      spawnSync('ip', ['-n', lan.nsOf(g.id), 'link', 'set', 'plant0', 'master', 'br0', 'up']);
      spawnSync('ip', ['-n', lan.nsOf(g.id), 'link', 'set', 'br0', 'up']);
      const engine = run(g.id, `${g.id} engine`, ['enforce', '--policy', 'active', '--bridge', 'br0', '--db', gwDb(g.id), '--queues', '1', '--queue', '20']);
      await waitForLine(engine, /enforcing policy/, 30_000);
      const link = run(g.id, `${g.id} link`, ['fleet', 'link', '--dir', join(dir, g.id), '--db', gwDb(g.id), '--run-leaf', '--confirm-within', '60']);
      await waitForLine(link, /fleet link ready/, 60_000);
    }
    await until('every gateway heard at the centre', () => view().sites[0]?.cells.every((c) => c.gateways.every((g) => g.state === 'ok')), 60_000);
  }, 300_000);

  afterAll(async () => {
    for (const p of procs.reverse()) await stopProcess(p);
    lan?.destroy();
  });

  const rollout = (v: number, wait: number) => JSON.parse(cliIn('centre', 'central', 'rollout', String(v), '--groups', 'pilot,rest', '--wait', String(wait), '--dir', centralDir, '--db', centralDb, '--by', 'alice', '--json')) as Rollout;
  const activeDocument = (id: string) => {
    const db = openDatabase(gwDb(id), { readonly: true });
    try {
      return new PolicyStore(db).latest('active')?.document;
    } finally {
      db.close();
    }
  };

  it('rolls version 2 out a group at a time; each gateway confirms once its engine enforces it', async () => {
    const c = openDatabase(centralDb);
    const v2 = store(c, cellPolicy(['10.60.0.12']), ['alice', 'bob']);
    c.close();
    const r = rollout(v2, 90);
    expect(r.steps.map((s) => [s.group, s.gateway, s.outcome])).toEqual([
      ['pilot', 'gw-a', 'confirmed'],
      ['rest', 'gw-b', 'confirmed'],
      ['rest', 'gw-c', 'confirmed'],
    ]);
    expect(r.complete).toBe(true);
    for (const g of GATEWAYS) expect(activeDocument(g.id)).toContain('10.60.0.12');
  }, 180_000);

  it('a gateway cut off keeps enforcing and keeps its events; when the link returns the centre has each once and the gateway the version sent meanwhile', async () => {
    cut('gw-c', '-A');
    const db = openDatabase(gwDb('gw-c'));
    new EventStore(db).append(Array.from({ length: 50 }, (_, i) => ({ ts: Date.now() / 1000, kind: 'deny' as const, data: { reason: `while cut ${i}` } })));
    const c = openDatabase(centralDb);
    const v3 = store(c, cellPolicy(['10.60.0.12', '10.60.0.13']), ['alice']);
    c.close();
    const r = rollout(v3, 20);
    expect(r.steps.map((s) => [s.gateway, s.outcome])).toEqual([
      ['gw-a', 'confirmed'],
      ['gw-b', 'confirmed'],
      ['gw-c', 'no answer'],
    ]);
    // Cut off, it went on enforcing version 2 (its engine's heartbeat is fresh).
    const status = JSON.parse(cli('status', '--json', '--db', gwDb('gw-c'))) as { engine: { running: boolean; health?: { policy: string } } };
    expect(status.engine.running).toBe(true);
    expect(activeDocument('gw-c')).not.toContain('10.60.0.13');
    cut('gw-c', '-D');
    await until('version 3 enforced at gw-c', () => activeDocument('gw-c')?.includes('10.60.0.13'), 120_000);
    const f = fleetDb();
    try {
      const fleet = new FleetStore(f);
      await until("gw-c's 50 events at the centre", () => fleet.counts().find((x) => x.gateway === 'gw-c' && x.kind === 'event')?.count === 50, 120_000);
      await until('gw-c confirmed version 3', () => fleet.records({ gateway: 'gw-c', kind: 'policy-result' }).some((x) => x.data.policyVersion === v3 && x.data.outcome === 'confirmed'), 120_000);
      expect(fleet.verifyAudit('gw-c').ok).toBe(true);
    } finally {
      f.close();
    }
    db.close();
  }, 300_000);

  it('goes on with one cluster server killed: events arrive and a new version is confirmed everywhere', async () => {
    const killed = spawnSync('pkill', ['-KILL', '-f', `${join(centralDir, 'central-2.conf')}`]);
    expect(killed.status).toBe(0);
    const db = openDatabase(gwDb('gw-a'));
    new EventStore(db).append([{ ts: Date.now() / 1000, kind: 'deny', data: { reason: 'after the server died' } }]);
    db.close();
    const c = openDatabase(centralDb);
    const v4 = store(c, cellPolicy(['10.60.0.14']), ['alice']);
    c.close();
    const r = rollout(v4, 120);
    expect(r.complete).toBe(true);
    const f = fleetDb();
    try {
      await until("gw-a's event after the server died", () => new FleetStore(f).records({ gateway: 'gw-a', kind: 'event' }).some((x) => x.data.reason === 'after the server died'), 60_000);
    } finally {
      f.close();
    }
    for (const g of GATEWAYS) expect(activeDocument(g.id)).toContain('10.60.0.14');
  }, 300_000);
});
