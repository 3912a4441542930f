// The ground-truth plant on a LAN of network namespaces, learned live from the switch's bridge
// (a mirror port): the inventory, roles, identities, operations, ranges and polling periods
// must be exactly what the plant was scripted to do. Then a policy is derived from what was
// learned, and a second capture (normal traffic plus three unauthorised operations) is
// simulated against it: only the three are denied, each with the right reason.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset, Conversation, OperationStats } from '../../src/learn/model.js';
import { CUT_OFF_OUTCOME, mainPoll } from '../../src/learn/operation-stats.js';
import { macVendor } from '../../src/learn/oui.js';
import { openDatabase } from '../../src/store/database.js';
import { LearnStore, type LearnClock } from '../../src/store/learn-store.js';
import type { Policy } from '../../src/policy/model.js';
import type { SimulationReport } from '../../src/policy/simulate.js';
import { ATTACKER, BACNET_DEVICE, BMS_PERIOD, BROADCAST, createPlantLan, HISTORIAN_PERIOD, HMI_PERIOD, HOSTS, startAttacks, startClients, startServers, type Plant } from '../plant/ground-truth-plant.js';
import { netnsUnavailable, type Lan } from '../plant/lan.js';
import { waitForLine } from '../lib/processes.js';
import { tsharkAvailable, tsharkFields } from '../lib/tshark.js';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`SKIPPED: ground-truth plant learning test: ${unavailable}`);

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');
/** Runs the command; simulate exits 3 when something would be denied, which is no failure here. */
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0 && r.status !== 3) throw new Error(`bulkhead ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};
const RUN_SECONDS = 16;

const op = (c: Conversation | undefined, key: string): OperationStats => {
  const o = c?.operations[key];
  if (!o) throw new Error(`operation ${key} missing in ${c?.key}: has ${Object.keys(c?.operations ?? {}).join(', ')}`);
  return o;
};

describe.skipIf(unavailable !== undefined)('learning the ground-truth plant live from a mirror port', () => {
  let lan: Lan;
  let plant: Plant;
  let assets: Asset[];
  let conversations: Conversation[];
  let status: { learning: boolean; converged: boolean; perHour: unknown[] };
  let policy: Policy;
  /** When the learner stopped: the plant's write logs are compared up to here. */
  let learnedUntil = 0;
  /** The learning clock: lastSeen is the capture time of the last packet learned. */
  let clock: LearnClock;
  let attackSimulation: SimulationReport;
  let baselineSimulation: SimulationReport;
  const db = join(mkdtempSync(join(tmpdir(), 'bulkhead-plant-')), 'plant.db');
  const hmiCapture = join(dirname(db), 'hmi-plc1.pcap');

  beforeAll(async () => {
    lan = createPlantLan(`bh${process.pid % 100000}`);
    // The servers listen before learning starts; the clients start once it runs, so their
    // sessions are learned from the first packet; the window counts from when all of them run.
    const servers = await startServers(lan);
    const learner = lan.spawnIn('switch', process.execPath, [CLI, 'learn', '--interface', 'br0', '--db', db]);
    const exited = new Promise<string>((r) => learner.once('exit', (code, signal) => r(`exit ${code ?? signal}`)));
    let learnerLog = '';
    learner.stderr!.on('data', (d: Buffer) => (learnerLog += d.toString()));
    await waitForLine(learner, /learning on br0/, 30_000);
    // The HMI's polls of PLC 1 as the wire carried them, beside the learner: the jitter's ground truth.
    const hmiWire = lan.spawnIn('switch', 'tcpdump', ['-i', 'br0', '-U', '-n', '-w', hmiCapture, `tcp port 502 and host ${HOSTS.hmi.ip} and host ${HOSTS.plc1.ip}`]);
    await waitForLine(hmiWire, /listening on/, 30_000);
    const clients = await startClients(lan);
    plant = { lan, logs: new Map([...servers.logs, ...clients.logs]), stop: async () => (await clients.stop(), await servers.stop()) };
    await new Promise((r) => setTimeout(r, RUN_SECONDS * 1000));
    learner.kill('SIGINT');
    const hmiWireDone = new Promise((r) => hmiWire.once('exit', r));
    hmiWire.kill('SIGINT');
    await hmiWireDone;
    expect(await exited, learnerLog).toBe('exit 0');
    learnedUntil = Date.now() / 1000;
    // Second capture, the plant still running: normal traffic and the unauthorised operations.
    const attackCapture = join(dirname(db), 'attacks.pcap');
    const tcpdump = lan.spawnIn('switch', 'tcpdump', ['-i', 'br0', '-U', '-n', '-w', attackCapture]);
    await waitForLine(tcpdump, /listening on/, 30_000);
    const attacks = startAttacks(lan);
    await new Promise((r) => setTimeout(r, 8000));
    await attacks.stop();
    await plant.stop();
    const tcpdumpDone = new Promise((r) => tcpdump.once('exit', r));
    tcpdump.kill('SIGINT');
    await tcpdumpDone;
    const store = new LearnStore(openDatabase(db));
    assets = store.assets();
    conversations = store.conversations();
    clock = store.clock()!;
    store.db.close();
    const st = spawn(process.execPath, [CLI, 'learn', '--status', '--json', '--db', db]);
    let out = '';
    st.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => st.once('exit', r));
    status = JSON.parse(out);
    policy = JSON.parse(cli('derive', '--db', db, '--json')).policy;
    attackSimulation = JSON.parse(cli('simulate', '--policy', 'latest', '--pcap', attackCapture, '--db', db, '--json'));
    baselineSimulation = JSON.parse(cli('simulate', '--policy', 'latest', '--since', '1h', '--db', db, '--json'));
  }, 180_000);

  afterAll(async () => {
    await plant?.stop();
    lan?.destroy();
  });

  const asset = (ip: string) => {
    const a = assets.find((x) => x.ip === ip);
    if (!a) throw new Error(`asset ${ip} missing; have ${assets.map((x) => x.ip).join(', ')}`);
    return a;
  };
  const conv = (client: string, server: string, port: number, protocol: string) => conversations.find((c) => c.key === `${client}>${server}:${port}/${protocol}`);

  it('finds exactly the plant hosts, with their MAC vendors and roles', () => {
    expect(assets.map((a) => a.ip).sort()).toEqual(Object.values(HOSTS).map((h) => h.ip).sort());
    for (const h of Object.values(HOSTS)) {
      const a = asset(h.ip);
      expect(a.macs.map((m) => m.mac)).toEqual([h.mac]);
      expect(a.macs[0]!.vendor).toBe(macVendor(h.mac));
      expect(a.macs[0]!.vendor).toBeTruthy();
    }
    expect(asset(HOSTS.plc1.ip).macs[0]!.vendor).toMatch(/Siemens/i);
    expect(asset(HOSTS.plc1.ip).roles).toEqual(['modbus_server']);
    expect(asset(HOSTS.plc2.ip).roles).toEqual(['modbus_server']);
    expect(asset(HOSTS.hmi.ip).roles).toEqual(['modbus_client']);
    expect(asset(HOSTS.ews.ip).roles).toEqual(['modbus_client']);
    expect(asset(HOSTS.opcua.ip).roles).toEqual(['opcua_server']);
    expect(asset(HOSTS.historian.ip).roles).toEqual(['opcua_client']);
    expect(asset(HOSTS.bacnet.ip).roles).toEqual(['bacnet_device']);
    expect(asset(HOSTS.bms.ip).roles).toEqual(['bacnet_client']);
  });

  it('takes identities from the traffic: BACnet I-Am, OPC UA application descriptions', () => {
    expect(asset(HOSTS.bacnet.ip).identity.bacnet).toMatchObject({ deviceInstance: BACNET_DEVICE.deviceInstance, vendorId: BACNET_DEVICE.vendorId, vendorName: 'Delta Controls' });
    expect(asset(HOSTS.opcua.ip).identity.opcua?.applicationUri).toBe('urn:bulkhead:testbench:opcua-server');
    expect(asset(HOSTS.historian.ip).identity.opcuaClient?.applicationUri).toBe('urn:bulkhead:testbench:historian');
  });

  it('guesses Purdue levels with reasons that fit the scripted roles', () => {
    const level = (ip: string) => asset(ip).purdue;
    expect(level(HOSTS.plc1.ip)).toMatchObject({ level: 1 });
    expect(level(HOSTS.plc2.ip)).toMatchObject({ level: 1 });
    expect(level(HOSTS.bacnet.ip)).toMatchObject({ level: 1 });
    expect(level(HOSTS.hmi.ip)).toMatchObject({ level: 2, reason: expect.stringMatching(/polls 2 devices every (49\d|50\d) ms/) });
    expect(level(HOSTS.ews.ip)).toMatchObject({ level: 2, reason: expect.stringMatching(/engineering workstation/) });
    expect(level(HOSTS.bms.ip)).toMatchObject({ level: 2 });
    expect(level(HOSTS.historian.ip)).toMatchObject({ level: 3 });
  });

  it('learns exactly the scripted conversations', () => {
    const { plc1, plc2, hmi, ews, opcua, historian, bacnet, bms } = HOSTS;
    expect(conversations.map((c) => c.key).sort()).toEqual(
      [
        `${hmi.ip}>${plc1.ip}:502/modbus`,
        `${hmi.ip}>${plc2.ip}:502/modbus`,
        `${ews.ip}>${plc1.ip}:502/modbus`,
        `${ews.ip}>${plc2.ip}:502/modbus`,
        `${historian.ip}>${opcua.ip}:4840/opcua`,
        `${bms.ip}>${bacnet.ip}:47808/bacnet`,
        `${bms.ip}>${BROADCAST}:47808/bacnet`,
        `${bacnet.ip}>${BROADCAST}:47808/bacnet`,
      ].sort(),
    );
    expect(conversations.every((c) => c.packets > 0 && c.bytes > 0)).toBe(true);
  });

  it('learns the HMI polls: codes, register ranges, period and jitter, all answered', () => {
    const toPlc1 = conv(HOSTS.hmi.ip, HOSTS.plc1.ip, 502, 'modbus');
    expect(Object.keys(toPlc1!.operations).sort()).toEqual(['read/1', 'read/3']);
    const fc3 = op(toPlc1, 'read/3');
    expect(fc3.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[0, 9]] }]);
    expect(op(toPlc1, 'read/1').targets).toEqual([{ type: 'modbus', unit: 1, table: 'coils', ranges: [[0, 15]] }]);
    const poll = mainPoll(fc3)!;
    expect(poll.interval).toBeGreaterThan(HMI_PERIOD * 0.9);
    expect(poll.interval).toBeLessThan(HMI_PERIOD * 1.1);
    // The period and jitter learned are the wire's. Live capture stamps packets when they reach
    // the learner (the libpcap binding does not expose the kernel's stamps), so on a loaded
    // machine a late read moves a poll by up to a few hundred milliseconds: live, the period is
    // held to the wire's within 5 %; the jitter is checked exactly by learning the same traffic
    // from a capture taken beside the learner, against tshark's reading of its kernel stamps.
    if (!tsharkAvailable()) console.warn('SKIPPED: the learned period and jitter against the wire: tshark is not installed');
    else {
      const sent = tsharkFields(hmiCapture, `modbus.func_code == 3 && ip.src == ${HOSTS.hmi.ip} && !tcp.analysis.retransmission`, ['frame.time_epoch']).map((r) => Number(r.values[0]![0]));
      const intervals = sent.slice(1).map((t, i) => t - sent[i]!);
      const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
      const wireJitter = Math.sqrt(intervals.reduce((a, dt) => a + (dt - mean) ** 2, 0) / intervals.length);
      expect(intervals.length).toBeGreaterThan(10);
      expect(Math.abs(poll.interval - mean), `learned live ${poll.interval}, the wire's ${mean}`).toBeLessThan(mean * 0.05);
      const fromCapture = join(dirname(db), 'hmi-plc1.db');
      cli('learn', '--pcap', hmiCapture, '--db', fromCapture);
      const store = new LearnStore(openDatabase(fromCapture));
      const captured = mainPoll(op(store.conversations().find((c) => c.key === `${HOSTS.hmi.ip}>${HOSTS.plc1.ip}:502/modbus`), 'read/3'))!;
      store.db.close();
      expect(Math.abs(captured.interval - mean), `learned ${captured.interval}, the wire's ${mean}`).toBeLessThan(0.0005);
      expect(Math.abs(captured.jitter - wireJitter), `learned ${captured.jitter}, the wire's ${wireJitter}`).toBeLessThan(0.0005);
    }
    expect(fc3.count).toBeGreaterThan((RUN_SECONDS - 4) / HMI_PERIOD);
    // Every poll answered; the last may have been cut off by the end of the learning run.
    const { ok = 0, [CUT_OFF_OUTCOME]: cutOff = 0, ...others } = fc3.outcomes;
    expect(others).toEqual({});
    expect(cutOff).toBeLessThanOrEqual(1);
    expect(ok + cutOff).toBe(fc3.count);
    expect(fc3.responseTime!.mean).toBeLessThan(0.05);
    const toPlc2 = op(conv(HOSTS.hmi.ip, HOSTS.plc2.ip, 502, 'modbus'), 'read/3');
    expect(toPlc2.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[100, 119]] }]);
  });

  it("learns the engineering station's writes, and they match what the PLCs logged receiving", () => {
    const fc6 = op(conv(HOSTS.ews.ip, HOSTS.plc1.ip, 502, 'modbus'), 'write/6');
    expect(fc6.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[40, 40]] }]);
    const written = (host: string) => plant.logs.get(host)!.flatMap((l) => (l.includes('"write"') ? [JSON.parse(l) as { ts: number; addr: number }] : [])).filter((w) => w.ts < learnedUntil);
    // A write the PLC logged before the last captured packet crossed the bridge while the
    // capture ran; one logged between the capture's stop and the learner's exit may or may not
    // have been seen.
    const toPlc1 = written('plc1').filter((w) => w.addr === 40);
    const surelySeen = toPlc1.filter((w) => w.ts <= clock.lastSeen).length;
    expect(surelySeen).toBeGreaterThanOrEqual(2);
    expect(fc6.count).toBeGreaterThanOrEqual(surelySeen);
    expect(fc6.count).toBeLessThanOrEqual(toPlc1.length);
    const fc16 = op(conv(HOSTS.ews.ip, HOSTS.plc2.ip, 502, 'modbus'), 'write/16');
    expect(fc16.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[200, 203]] }]);
    expect(fc16.count).toBe(1);
    expect(written('plc2')).toHaveLength(4);
  });

  it("learns the historian's OPC UA reads: node ids and period", () => {
    const c = conv(HOSTS.historian.ip, HOSTS.opcua.ip, 4840, 'opcua')!;
    const read = Object.values(c.operations).find((o) => o.codeName === 'ReadRequest')!;
    expect(read.kind).toBe('read');
    expect(read.targets.map((t) => (t.type === 'opcua' ? t.nodeId : '')).sort()).toEqual(['ns=1;s=Line1.Pressure', 'ns=1;s=Line1.Temperature']);
    const poll = mainPoll(read)!;
    expect(Math.abs(poll.interval - HISTORIAN_PERIOD)).toBeLessThan(0.1);
    expect(Object.values(c.operations).map((o) => o.codeName)).toEqual(expect.arrayContaining(['Hello', 'OpenSecureChannelRequest', 'CreateSessionRequest', 'ActivateSessionRequest']));
  });

  it('learns the BMS: Who-Is broadcast, I-Am, and periodic readProperty of present-value', () => {
    const reads = op(conv(HOSTS.bms.ip, HOSTS.bacnet.ip, 47808, 'bacnet'), 'read/12/0');
    expect(reads.targets).toEqual([
      { type: 'bacnet', objectType: 0, objectTypeName: 'analog-input', instance: 1, properties: ['present-value'] },
      { type: 'bacnet', objectType: 0, objectTypeName: 'analog-input', instance: 2, properties: ['present-value'] },
    ]);
    expect(Math.abs(mainPoll(reads)!.interval - BMS_PERIOD)).toBeLessThan(0.2);
    expect(Object.values(conv(HOSTS.bms.ip, BROADCAST, 47808, 'bacnet')!.operations).map((o) => o.codeName)).toEqual(['who-Is']);
    expect(Object.values(conv(HOSTS.bacnet.ip, BROADCAST, 47808, 'bacnet')!.operations).map((o) => o.codeName)).toEqual(['i-Am']);
  });

  it('reports learning progress (not converged after seconds of traffic)', () => {
    expect(status.learning).toBe(true);
    expect(status.converged).toBe(false);
    expect(status.perHour.length).toBeGreaterThan(0);
  });

  describe('the policy derived from what was learned', () => {
    const zoneOf = (ip: string) => policy.zones.find((z) => z.members.includes(ip))?.id;

    it('puts the controllers, the supervisory hosts and the historian in their own zones', () => {
      const { plc1, plc2, hmi, ews, opcua, historian, bacnet, bms } = HOSTS;
      expect(policy.defaultAction).toBe('deny');
      expect(Object.fromEntries(policy.zones.map((z) => [z.id, [...z.members].sort()]))).toEqual({
        control: [plc1.ip, plc2.ip, bacnet.ip].sort(),
        supervisory: [hmi.ip, ews.ip, opcua.ip, bms.ip].sort(),
        operations: [historian.ip],
      });
      expect(policy.zones.find((z) => z.id === 'control')!.securityLevel).toBe(3);
      expect(zoneOf(ATTACKER.ip)).toBeUndefined();
      expect(policy.conduits.map((c) => c.id).sort()).toEqual(['control--supervisory', 'control-internal', 'operations--supervisory', 'supervisory-internal']);
      // Never any-to-any: every rule names its hosts (or, for discovery, the broadcast).
      for (const r of policy.conduits.flatMap((c) => c.rules)) {
        expect(r.client.hosts?.length).toBeGreaterThan(0);
        expect(r.server.hosts?.length || r.server.broadcast).toBeTruthy();
        expect(r.evidence!.transactions).toBeGreaterThan(0);
      }
    });

    it('allows the HMI exactly its reads, with codes and register ranges (SL-T 3)', () => {
      const rules = policy.conduits.find((c) => c.id === 'control--supervisory')!.rules.filter((r) => r.client.hosts!.includes(HOSTS.hmi.ip));
      const allow = rules.flatMap((r) => r.allow ?? []);
      expect(allow.every((a) => a.kinds?.length === 1 && a.kinds[0] === 'read' && a.codes?.length === 1)).toBe(true);
      expect(allow.flatMap((a) => a.modbus ?? []).map((m) => [m.table, m.ranges])).toEqual(
        expect.arrayContaining([
          ['holding_registers', [[0, 9]]],
          ['coils', [[0, 15]]],
          ['holding_registers', [[100, 119]]],
        ]),
      );
    });

    it('denies nothing of the traffic it was derived from', () => {
      expect(baselineSimulation.evaluated).toBeGreaterThan(10);
      expect(baselineSimulation.denials).toEqual([]);
    });

    it('denies exactly the three unauthorised operations in new traffic, each with its reason', () => {
      expect(attackSimulation.allowed).toBeGreaterThan(20);
      const denied = attackSimulation.denials.map((g) => [g.client, g.server, g.protocol, g.operation]).sort();
      expect(denied).toEqual(
        [
          [HOSTS.hmi.ip, HOSTS.plc1.ip, 'modbus', 'Write Single Register (FC 6)'],
          [ATTACKER.ip, HOSTS.bacnet.ip, 'bacnet', 'deviceCommunicationControl (confirmed service 17)'],
          [HOSTS.historian.ip, HOSTS.opcua.ip, 'opcua', 'Write (service 673)'],
        ].sort(),
      );
      const reason = (client: string) => attackSimulation.denials.find((g) => g.client === client)!.reason;
      expect(reason(HOSTS.hmi.ip)).toMatch(/^denied: Modbus Write Single Register \(FC 6\) on unit 1 holding registers 40006 \(5\) from 10\.250\.1\.21 \(Supervisory \(L2\)\) to 10\.250\.1\.11 \(Control \(L1\)\): conduit .* allows Read Coils \(FC 1\) on unit 1 coils 00001-00016 \(0-15\); Read Holding Registers \(FC 3\) on unit 1 holding registers 40001-40010 \(0-9\)/);
      expect(reason(ATTACKER.ip)).toMatch(/deviceCommunicationControl .* from 10\.250\.1\.66 to .*: 10\.250\.1\.66 is in no zone$/);
      expect(reason(HOSTS.historian.ip)).toMatch(/Write \(service 673\) on ns=1;s=Line1\.Temperature.* from 10\.250\.1\.40 \(Operations \(L3\)\).*allows .*(Read \(service 631\)|read)/);
    });
  });
});
