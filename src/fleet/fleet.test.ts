// The fleet's moving parts on one box, on loopback: a real nats-server as the centre, a real
// leaf node per gateway, real SQLite on both sides. The namespace test (testbench/tests/fleet)
// adds the cluster, cut links and a killed server; this one proves the parts agree.

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEngineHealth } from '../gateway/health.js';
import { formatPolicy } from '../policy/document.js';
import { openDatabase, type Db } from '../store/database.js';
import { EventStore } from '../store/event-store.js';
import { PolicyStore } from '../store/policy-store.js';
import { cellPolicy } from '../test-support/cell-policy.js';
import { CENTRAL_USER, LEAF_LOCAL, openLoopbackCentre, startLoopbackLeaf } from '../test-support/loopback-fleet.js';
import { issueClient, newAuthority } from './certificates.js';
import { Central } from './central.js';
import { decodeToken } from './enrolment.js';
import { until } from '../test-support/until.js';
import { GatewayLink } from './gateway-link.js';
import { NatsServer } from './nats-servers.js';
import { names, POLICY_KEY } from './names.js';
import { newSigningKey, signPackage } from './signed-policy.js';

const missing = spawnSync('nats-server', ['--version']).status === 0 ? undefined : 'nats-server is not installed (apt-get install nats-server)';
if (missing) console.warn(`SKIPPED: fleet on loopback: ${missing}`);

/** How long the centre or a gateway has to show what the test waits for. */
const WAIT = 20_000;


interface Box {
  id: string;
  db: Db;
  leaf: NatsServer;
  link: GatewayLink;
  leafUrl: string;
  lines: string[];
}

describe.skipIf(missing)('the fleet on loopback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bh-fleet-'));
  const centralDb = openDatabase(join(dir, 'central.db'));
  const boxes: Box[] = [];
  let hub: NatsServer;
  let central: Central;
  let hubUrl: string;
  let signingKey: string;

  beforeAll(async () => {
    ({ hub, central, hubUrl, signingKey } = await openLoopbackCentre(dir, centralDb, () => undefined));
    for (const id of ['cell-a', 'cell-b']) {
      const token = decodeToken(await central.enrol({ id, site: 'plant-1', cell: id, group: id === 'cell-a' ? 'pilot' : 'rest' }, 'alice'));
      const { leaf, port } = await startLoopbackLeaf(dir, token);
      const db = openDatabase(join(dir, `${id}.db`));
      const lines: string[] = [];
      const link = await GatewayLink.open({ db, gateway: id, leaf: { url: `127.0.0.1:${port}`, ...LEAF_LOCAL }, centralKey: token.centralKey, confirmWithin: 10, log: (l) => lines.push(l) });
      boxes.push({ id, db, leaf, link, leafUrl: `127.0.0.1:${port}`, lines });
    }
  }, 60_000);

  afterAll(async () => {
    for (const b of boxes) {
      await b.link.close();
      await b.leaf.stop();
    }
    await central?.close();
    await hub?.stop();
  });

  /** The engine's report that it enforces a version, as the running engine writes it. */
  const engineEnforces = (db: Db, version: number) =>
    writeEngineHealth(db, { ts: Date.now() / 1000, pid: process.pid, mode: 'enforce', policy: `version ${version}`, inspected: 0, denied: 0, reassembly: { heldBytes: 0, refused: 0 }, conduits: [] });

  it('sends a signed approved version that the gateway applies, and confirms once its engine enforces it', async () => {
    const policies = new PolicyStore(centralDb);
    const v = policies.add(formatPolicy(cellPolicy('10.0.0.2', '10.0.0.3')), 'cell', 'test', 'alice');
    await expect(central.send('cell-a', v, 'alice')).rejects.toThrow(/is draft: only an approved version goes to the fleet/);
    policies.approve(v, 'alice');
    policies.approve(v, 'bob');
    expect(await central.send('cell-a', v, 'alice')).toBe(1);
    const a = boxes[0]!;
    const local = new PolicyStore(a.db);
    const taken = await until('the version at gateway cell-a', () => local.pending(), WAIT);
    expect(local.get(taken.version).approvedBy).toBe('alice (at the centre)');
    expect(local.get(taken.version).secondApprover).toBe('bob (at the centre)');
    engineEnforces(a.db, taken.version);
    await until('confirmed at the centre', () => central.fleet.get('cell-a')?.policy?.outcome === 'confirmed', WAIT);
    expect(local.latest('active')?.version).toBe(taken.version);
    expect(central.fleet.records({ kind: 'policy-result', gateway: 'cell-a' }).map((r) => r.data.outcome)).toEqual(['applied', 'confirmed']);
  }, 30_000);

  it('refuses a package with a bad signature or an older version, and says why at the centre', async () => {
    const a = boxes[0]!;
    const kv = await new Kvm(await connect({ servers: hubUrl, user: CENTRAL_USER.user, pass: CENTRAL_USER.password })).open(names.policyBucket('cell-a'));
    const doc = formatPolicy(cellPolicy('10.0.0.2', '10.0.0.3'));
    await kv.put(POLICY_KEY, signPackage({ gateway: 'cell-a', version: 9, policyVersion: 1, name: 'forged', approvedBy: ['mallory'], signedAt: 0, document: doc }, newSigningKey().privatePem));
    await until('the forgery refused', () => central.fleet.records({ kind: 'policy-result', gateway: 'cell-a' }).find((r) => r.data.outcome === 'refused'), WAIT);
    await kv.put(POLICY_KEY, signPackage({ gateway: 'cell-a', version: 1, policyVersion: 1, name: 'replayed', approvedBy: ['alice'], signedAt: 0, document: doc }, signingKey));
    const refusals = await until('the replay refused', () => {
      const r = central.fleet.records({ kind: 'policy-result', gateway: 'cell-a' }).filter((x) => x.data.outcome === 'refused');
      return r.length === 2 && r;
    }, WAIT);
    expect(refusals.map((r) => r.data.reason)).toEqual([expect.stringMatching(/signature is not the centre's/), expect.stringMatching(/version 1 is not past version 1/)]);
    expect(new PolicyStore(a.db).list().length).toBe(1);
  }, 30_000);

  it("carries each gateway's events and audit entries up once, and takes nothing it sends as another gateway", async () => {
    const b = boxes[1]!;
    new EventStore(b.db).append(Array.from({ length: 30 }, (_, i) => ({ ts: Date.now() / 1000, kind: 'deny' as const, data: { reason: `test ${i}` } })));
    await until('30 events from cell-b', () => central.fleet.counts().find((c) => c.gateway === 'cell-b' && c.kind === 'event')?.count === 30, WAIT);
    // cell-a's audit chain (its approvals and applies) is at the centre whole, and checks out there.
    const audit = new PolicyStore(boxes[0]!.db).audit.lastId();
    expect(audit).toBeGreaterThan(3);
    await until(`cell-a's ${audit} audit entries`, () => central.fleet.counts().find((c) => c.gateway === 'cell-a' && c.kind === 'audit')?.count === audit, WAIT);
    expect(central.fleet.verifyAudit('cell-a')).toEqual({ entries: audit, ok: true });
    expect(central.fleet.get('cell-b')?.health?.mode).toBeDefined();
    // cell-b's box widens its own stream to cell-a's subjects and sends as cell-a: the centre sources only cell-b's.
    const local = await connect({ servers: b.leafUrl, user: LEAF_LOCAL.user, pass: LEAF_LOCAL.password });
    await (await jetstreamManager(local)).streams.update(names.telemetryStream('cell-b'), { subjects: [names.telemetryAll('cell-b'), names.telemetryAll('cell-a')] });
    await jetstream(local).publish(names.telemetry('cell-a', 'event'), JSON.stringify({ id: 'forged', ts: 0, data: { reason: 'sent by cell-b' } }));
    await jetstream(local).publish(names.telemetry('cell-b', 'event'), JSON.stringify({ id: 'after', ts: 0, data: { reason: 'marker' } }));
    await until('the marker from cell-b', () => central.fleet.records({ gateway: 'cell-b', kind: 'event' }).some((r) => r.localId === 'after'), WAIT);
    expect(central.fleet.records({ gateway: 'cell-a', kind: 'event' }).filter((r) => r.localId === 'forged')).toEqual([]);
    await local.close();
  }, 30_000);

  it("refuses a leaf whose certificate the centre did not issue, though it holds the gateway's secret, and lets the gateway's own in", async () => {
    const token = decodeToken(await central.enrol({ id: 'cell-y', site: 'plant-1', cell: 'y', group: 'rest' }, 'alice'));
    const elsewhere = await newAuthority('mallory');
    const forged = { ...token, ...(await issueClient(elsewhere, names.leafName('cell-y'))), authority: elsewhere.cert };
    const fake = await startLoopbackLeaf(join(dir, 'forged'), forged);
    // The centre reaches a gateway's JetStream only through its leaf link; the leaf may answer on $JSC.R only, as it answers the centre's source.
    const centre = await connect({ servers: hubUrl, user: CENTRAL_USER.user, pass: CENTRAL_USER.password, inboxPrefix: '$JSC.R' });
    const reaches = () => jetstreamManager(centre, { domain: 'cell-y', timeout: 1000 }).then(() => true, () => false);
    try {
      const said: string[] = [];
      fake.leaf.followErrors((line) => said.push(line));
      const why = await until('the forged leaf told why it is refused', () => said.find((l) => /tls|certificate/i.test(l)), WAIT);
      expect(why).toMatch(/^nats-server leaf-cell-y: /);
      expect(await reaches()).toBe(false);
    } finally {
      await fake.leaf.stop();
    }
    const real = await startLoopbackLeaf(dir, token);
    try {
      await until('the centre reaches cell-y through its own leaf', reaches, WAIT);
    } finally {
      await real.leaf.stop();
      await centre.close();
    }
  }, 45_000);

  it("refuses a gateway's credentials another cell's bucket and any write at the centre, and refuses them once removed", async () => {
    const secret = decodeToken(await central.enrol({ id: 'cell-x', site: 'plant-1', cell: 'x', group: 'rest' }, 'alice')).secret;
    // A short connect timeout: one try caught in a reload is tried again, not waited on for 20 s.
    const asX = () => connect({ servers: hubUrl, user: names.leafUser('cell-x'), pass: secret, maxReconnectAttempts: 0, timeout: 2000 });
    const nc = await asX();
    const central_ = new Kvm(jetstream(nc, { domain: 'central', timeout: 2000 }));
    await expect(central_.open(names.policyBucket('cell-a')).then((kv) => kv.get(POLICY_KEY))).rejects.toThrow();
    // Its own bucket at the centre: readable by its mirror only, writable by nobody but the centre (a put on a leaf's mirror is forwarded there).
    await expect(central_.open(names.policyBucket('cell-x')).then((kv) => kv.put(POLICY_KEY, 'forged'))).rejects.toThrow();
    await nc.close();
    expect(await (await new Kvm(await connect({ servers: hubUrl, user: CENTRAL_USER.user, pass: CENTRAL_USER.password })).open(names.policyBucket('cell-x'))).get(POLICY_KEY)).toBeNull();
    await central.remove('cell-x', 'alice');
    // The hub rereads its users on the removal; from then on the secret is refused. Until then a
    // try connects, or (a loaded machine, a server rereading) times out: both mean try again.
    const deadline = Date.now() + 30_000;
    let said = '';
    while (!/Authorization/i.test(said) && Date.now() < deadline) {
      said = await asX().then(async (c) => (await c.close(), 'connected'), (e: Error) => e.message);
      if (!/Authorization/i.test(said)) await new Promise((r) => setTimeout(r, 200));
    }
    if (!/Authorization/i.test(said)) console.error(`the hub's log: ${hub.log()}`);
    expect(said).toMatch(/Authorization/i);
  }, 45_000);
});
