// The risk plant (issue 17): devices that say they are real products — a Schneider Modicon M340
// (Modbus MEI 14), a Siemens Desigo PXC4 (BACnet device object properties), an OPC UA .NET
// Standard server (its ServerStatus) — and one Modbus device outside every advisory (a
// "Bulkhead Testbench TB-100"), each asked what it is by its client as real front ends do, on a
// LAN of network namespaces learned live from the switch. Then chosen CISA advisories are
// imported (the four that name these products and three near misses), `bulkhead risk` must
// find each product's advisory and nothing for the TB-100, and the M340's virtual patch
// (refuse UMAS, Modbus FC 90) drafted from the report, approved and enforced with deep
// inspection must stop an FC 90 before the PLC (its own request log is the ground truth) while
// its reads pass; the derived policy alone let that FC 90 through.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskReport } from '../../src/app/risk.js';
import { openDatabase } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';
import type { Asset } from '../../src/learn/model.js';
import { advisoriesUnavailable, csafFile, KEV_FILE } from '../../src/test-support/advisories.js';
import { until } from '../../src/test-support/until.js';
import { createLan, type Lan } from '../plant/lan.js';
import { inlineUnavailable, PEERS } from '../lib/inline.js';
import { CLI, stopProcess, waitForLine } from '../lib/processes.js';

const SUBNET = '10.253.7';
const HOSTS = {
  m340: { name: 'm340', ip: `${SUBNET}.11`, mac: '00:80:f4:00:07:11' }, // Telemecanique (Schneider)
  tb100: { name: 'tb100', ip: `${SUBNET}.12`, mac: '02:00:00:00:07:12' },
  pxc4: { name: 'pxc4', ip: `${SUBNET}.50`, mac: '02:00:00:00:07:50' },
  opcua: { name: 'opcua', ip: `${SUBNET}.30`, mac: '02:00:00:00:07:30' },
  ews: { name: 'ews', ip: `${SUBNET}.21`, mac: '02:00:00:00:07:21' },
  bms: { name: 'bms', ip: `${SUBNET}.60`, mac: '02:00:00:00:07:60' },
  hmi: { name: 'hmi', ip: `${SUBNET}.40`, mac: '02:00:00:00:07:40' },
};
const BROADCAST = `${SUBNET}.255`;

const M340 = { vendorName: 'Schneider Electric', productCode: 'BMX P34 2020', revision: 'v2.70', productName: 'Modicon M340' };
const TB100 = { vendorName: 'Bulkhead Testbench', productCode: 'TB-100', revision: '1.0' };
const PXC4 = { deviceInstance: 1050, vendorId: 7, identity: { modelName: 'Desigo PXC4', firmwareRevision: '02.20.100.1', applicationSoftwareVersion: 'PXC4.E16 V2.20', vendorName: 'Siemens Schweiz AG' } };
// Affected by ICSA-21-133-03 (< 1.4.365.48).
const DOTNET = { manufacturerName: 'OPC Foundation', productName: 'OPC UA .NET Standard', softwareVersion: '1.4.363.107', buildNumber: '1.4.363.107' };

/** The advisories naming the plant's products, and near misses: Modicon M221, APOGEE PXC panels, Unified Automation's .NET SDK. */
const EXPECTED = { m340: ['ICSA-21-194-02', 'ICSA-23-201-01'], pxc4: ['ICSA-22-132-10'], opcua: ['ICSA-21-133-03'] };
const NEAR_MISSES = ['ICSA-18-324-02', 'ICSA-17-285-05', 'ICSA-21-133-04'];

/** Raw Modbus/TCP ADUs for unit 1: read holding registers 0-9, and a UMAS request (FC 90, read the PLC's id). */
const READ_ADU = '00010000000601030000000a';
const UMAS_ADU = '000200000004015a0002';

const unavailable = inlineUnavailable() ?? advisoriesUnavailable();
if (unavailable) console.warn(`SKIPPED: risk plant (identities, advisories, virtual patch enforced): ${unavailable}`);

const cli = (db: string, ...args: string[]): string => {
  const r = spawnSync(process.execPath, [CLI, ...args, '--db', db], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bulkhead ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};

interface Peer {
  proc: ChildProcess;
  lines: string[];
}

describe.skipIf(unavailable !== undefined)('the risk plant: identities learned, advisories matched, a virtual patch enforced', () => {
  let lan: Lan;
  const peers = new Map<string, Peer>();
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-risk-plant-'));
  const db = join(dir, 'risk.db');
  let assets: Asset[];
  let report: RiskReport;

  const start = (host: keyof typeof HOSTS, script: string, config: object): Peer => {
    const proc = lan.spawnIn(host, process.execPath, [join(PEERS, `${script}.js`), JSON.stringify(config)]);
    const peer: Peer = { proc, lines: [] };
    let partial = '';
    proc.stdout!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      peer.lines.push(...parts.filter(Boolean));
    });
    proc.stderr!.on('data', (d: Buffer) => peer.lines.push(`stderr: ${d.toString().trim()}`));
    peers.set(host, peer);
    return peer;
  };
  const logged = (host: keyof typeof HOSTS, pattern: RegExp) => peers.get(host)!.lines.some((l) => pattern.test(l));
  const tail = (host: keyof typeof HOSTS) => () => `${host}: ${peers.get(host)!.lines.slice(-5).join(' | ') || 'no output'}`;
  /**
   * The function codes of the requests the PLC logged since `since` (seconds, its log's clock).
   * By time, not by line: the probes run synchronously, so its output is read late.
   */
  const plcRequests = (since: number) =>
    peers.get('m340')!.lines.flatMap((l) => {
      if (!l.includes('"request"')) return [];
      const e = JSON.parse(l) as { ts: number; request: { fc: number } };
      return e.ts >= since ? [e.request.fc] : [];
    });
  const now = () => Date.now() / 1000;
  /** One ADU to the M340 from the engineering station on a connection of its own: reply, reset or blocked. */
  const send = (adu: string): string => {
    const r = spawnSync('ip', ['netns', 'exec', lan.nsOf('ews'), process.execPath, join(PEERS, 'tcp-probe.js'), JSON.stringify({ host: HOSTS.m340.ip, port: 502, timeoutMs: 2000, send: adu })], { encoding: 'utf8' });
    return (JSON.parse(r.stdout) as { result: string }).result;
  };

  beforeAll(async () => {
    lan = createLan(`bhr${process.pid % 100000}`, Object.values(HOSTS));
    // The devices first; learning starts once they listen, their clients once it runs.
    start('m340', 'modbus-plc', { host: HOSTS.m340.ip, unit: 1, identity: M340 });
    start('tb100', 'modbus-plc', { host: HOSTS.tb100.ip, unit: 1, identity: TB100 });
    start('pxc4', 'bacnet-device', { broadcast: BROADCAST, ...PXC4 });
    start('opcua', 'opcua-server', { host: HOSTS.opcua.ip, variables: ['Temperature'], buildInfo: DOTNET });
    for (const h of ['m340', 'tb100', 'pxc4', 'opcua'] as const) await until(() => `${h} ready. ${tail(h)()}`, () => logged(h, /"ready":true/), 90_000);
    const learner = lan.spawnIn('switch', process.execPath, [CLI, 'learn', '--interface', 'br0', '--db', db]);
    const exited = new Promise<string>((r) => learner.once('exit', (code, signal) => r(`exit ${code ?? signal}`)));
    let learnerLog = '';
    learner.stderr!.on('data', (d: Buffer) => (learnerLog += d.toString()));
    await waitForLine(learner, /learning on br0/, 30_000);
    // Each client asks its device what it is, then polls; the engineering station also speaks
    // UMAS to the M340 once (so the derived policy allows it, and only the patch refuses it).
    start('ews', 'modbus-client', {
      tasks: [
        { server: HOSTS.m340.ip, unit: 1, fc: 43, start: 0, count: 0 },
        { server: HOSTS.m340.ip, unit: 1, fc: 3, start: 0, count: 10, every: 1 },
        { server: HOSTS.m340.ip, unit: 1, fc: 90, start: 0, count: 0, after: 1 },
        { server: HOSTS.tb100.ip, unit: 1, fc: 43, start: 0, count: 0 },
        { server: HOSTS.tb100.ip, unit: 1, fc: 3, start: 0, count: 10, every: 1 },
      ],
    });
    start('bms', 'bacnet-client', { broadcast: BROADCAST, device: HOSTS.pxc4.ip, objects: [{ type: 0, instance: 1 }], every: 2, identify: PXC4.deviceInstance });
    start('hmi', 'opcua-client', { endpoint: `opc.tcp://${HOSTS.opcua.ip}:4840`, nodes: ['ns=1;s=Line1.Temperature'], every: 1, serverStatus: true });
    await until(() => `the engineering station answered. ${tail('ews')()}`, () => logged('ews', /"ready":true/), 60_000);
    await until(() => `the BMS read the PXC4. ${tail('bms')()}`, () => logged('bms', /"identity"/) && logged('bms', /"ready":true/), 60_000);
    await until(() => `the HMI read the OPC UA server. ${tail('hmi')()}`, () => logged('hmi', /"ready":true/), 90_000);
    // A few polls more, so every conversation has its operations learned.
    await new Promise((r) => setTimeout(r, 4000));
    learner.kill('SIGINT');
    expect(await exited, learnerLog).toBe('exit 0');
    for (const h of ['ews', 'bms', 'hmi'] as const) await stopProcess(peers.get(h)!.proc);
    const store = new LearnStore(openDatabase(db));
    assets = store.assets();
    store.db.close();
    const files = [...EXPECTED.m340, ...EXPECTED.pxc4, ...EXPECTED.opcua, ...NEAR_MISSES].map(csafFile);
    cli(db, 'advisories', 'import', ...files, KEV_FILE, '--by', 'alice');
    report = JSON.parse(cli(db, 'risk', '--json')) as RiskReport;
  }, 300_000);

  afterAll(() => {
    for (const p of peers.values()) p.proc.kill('SIGKILL');
    lan?.destroy();
  });

  const assetAt = (ip: string) => {
    const a = assets.find((x) => x.ip === ip);
    if (!a) throw new Error(`asset ${ip} missing; have ${assets.map((x) => x.ip).join(', ')}`);
    return a;
  };
  const assessed = (ip: string) => report.assets.find((a) => a.ip === ip);
  const advisoriesOf = (ip: string) => [...new Set(assessed(ip)?.matches.map((m) => m.advisoryId) ?? [])].sort();

  it('learns what each device says it is, from the requests its client sends', () => {
    expect(assetAt(HOSTS.m340.ip).identity.modbus).toEqual(M340);
    expect(assetAt(HOSTS.tb100.ip).identity.modbus).toEqual(TB100);
    expect(assetAt(HOSTS.pxc4.ip).identity.bacnet).toMatchObject({
      deviceInstance: 1050,
      vendorId: 7,
      modelName: 'Desigo PXC4',
      firmwareRevision: '02.20.100.1',
      applicationSoftwareVersion: 'PXC4.E16 V2.20',
      vendorNameProperty: 'Siemens Schweiz AG',
    });
    expect(assetAt(HOSTS.opcua.ip).identity.opcua).toMatchObject(DOTNET);
  });

  it("matches each product's advisories, with the CVEs the files name, and nothing for the TB-100", () => {
    expect(advisoriesOf(HOSTS.m340.ip)).toEqual(EXPECTED.m340);
    expect(advisoriesOf(HOSTS.pxc4.ip)).toEqual(EXPECTED.pxc4);
    expect(advisoriesOf(HOSTS.opcua.ip)).toEqual(EXPECTED.opcua);
    expect(assessed(HOSTS.tb100.ip)).toBeUndefined();
    for (const near of NEAR_MISSES) expect(report.assets.flatMap((a) => a.matches.map((m) => m.advisoryId))).not.toContain(near);
    // The M340's part number and firmware are both in the advisory: high confidence, with the
    // authentication bypass of ICSA-21-194-02 among the CVEs its file lists.
    const umas = assessed(HOSTS.m340.ip)!.matches.find((m) => m.advisoryId === 'ICSA-21-194-02')!;
    expect(umas.confidence).toBe('high');
    const cves = umas.cves.map((c) => c.cve).sort();
    expect(cves).toContain('CVE-2021-22779');
    expect(cves).toEqual(cvesIn('ICSA-21-194-02'));
    expect(assessed(HOSTS.m340.ip)!.matches.find((m) => m.advisoryId === 'ICSA-23-201-01')).toMatchObject({ confidence: 'high', counted: true });
    // The server's software version and the PXC4's firmware, read from the wire, are what put them in range.
    const dotnet = assessed(HOSTS.opcua.ip)!.matches.find((m) => m.advisoryId === 'ICSA-21-133-03')!;
    expect(dotnet.cves.map((c) => c.cve)).toEqual(['CVE-2021-27432']);
    expect(dotnet.why.join('; ')).toMatch(/1\.4\.363\.107 .*1\.4\.365\.48/);
    const desigo = assessed(HOSTS.pxc4.ip)!.matches.find((m) => m.advisoryId === 'ICSA-22-132-10')!;
    expect(desigo.counted).toBe(true);
    // CISA's file lists only the DXR2 as known affected, but scores every CVE for the PXC4 too.
    expect(desigo.cves.map((c) => c.cve)).toContain('CVE-2022-24039');
    expect(desigo.why.join('; ')).toMatch(/02\.20\.100\.1 .*02\.20\.142\.10-10884/);
  });

  it('refuses UMAS to the M340 once its virtual patch is in force, and lets the reads through', async () => {
    cli(db, 'derive', '--by', 'alice');
    const afterDerive = JSON.parse(cli(db, 'risk', '--json')) as RiskReport;
    const id = `vp-umas-modicon@${HOSTS.m340.ip}`;
    const patch = afterDerive.countermeasures.find((c) => c.id === id);
    expect(patch, `countermeasures: ${afterDerive.countermeasures.map((c) => c.id).join(', ')}`).toMatchObject({ kind: 'virtual_patch', draftable: true, inForce: false });
    const draft = JSON.parse(cli(db, 'risk', 'draft', id, '--by', 'alice', '--json')) as { version: number; base: { version: number } };
    expect(draft.version).toBe(draft.base.version + 1);
    cli(db, 'policy', 'approve', String(draft.base.version), '--by', 'alice');
    cli(db, 'policy', 'approve', String(draft.version), '--by', 'bob');
    // The derived policy alone: the engineering station's UMAS was learned, so it passes.
    cli(db, 'apply', String(draft.base.version), '--by', 'alice');
    const gateway = lan.spawnIn('switch', process.execPath, [CLI, 'enforce', '--policy', 'active', '--db', db, '--queue', '23']);
    let events = '';
    gateway.stdout!.on('data', (d: Buffer) => (events += d.toString()));
    try {
      await waitForLine(gateway, /enforcing policy/, 30_000);
      const unpatched = now();
      expect(send(READ_ADU)).toBe('reply');
      expect(send(UMAS_ADU)).toBe('reply');
      await until(() => `the PLC logged the UMAS request the derived policy allows. ${tail('m340')()}`, () => plcRequests(unpatched).includes(90), 10_000);
      // The patched version: the engine follows the active version on its own.
      cli(db, 'apply', String(draft.version), '--by', 'alice');
      // The swap lands between two probes: UMAS is probed until one is refused (those before it reach the PLC).
      await until(() => `FC 90 refused under the patched policy. events: ${events.slice(-500)}`, () => send(UMAS_ADU) !== 'reply', 30_000);
      const patched = now();
      expect([send(READ_ADU), send(READ_ADU)]).toEqual(['reply', 'reply']);
      expect(['reset', 'blocked']).toContain(send(UMAS_ADU));
      expect(send(READ_ADU)).toBe('reply');
      // The ground truth: the reads reached the PLC, the UMAS request never did.
      await until(() => `the PLC logged the reads. ${tail('m340')()}`, () => plcRequests(patched).filter((fc) => fc === 3).length >= 3, 10_000);
      expect(plcRequests(patched)).toEqual([3, 3, 3]);
      const denial = events
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { action: string; code: number; ruleId?: string; reason: string })
        .find((e) => e.code === 90);
      expect(denial).toMatchObject({ action: 'deny', ruleId: expect.stringMatching(/^vp-umas-modicon-/) });
      console.log(`risk plant: FC 90 refused: ${denial!.reason}`);
    } finally {
      await stopProcess(gateway);
    }
  }, 120_000);
});

/** The CVEs an advisory's file lists. */
function cvesIn(id: string): string[] {
  const doc = JSON.parse(readFileSync(csafFile(id), 'utf8')) as { vulnerabilities?: { cve?: string }[] };
  return (doc.vulnerabilities ?? []).flatMap((v) => (v.cve ? [v.cve] : [])).sort();
}
