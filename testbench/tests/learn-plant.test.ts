// The ground-truth plant on a LAN of network namespaces, learned live from the switch's bridge
// (a mirror port): the inventory, roles, identities, operations, ranges and polling periods
// must be exactly what the plant was scripted to do.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset, Conversation, OperationStats } from '../../src/learn/model.js';
import { mainPoll } from '../../src/learn/operation-stats.js';
import { macVendor } from '../../src/learn/oui.js';
import { openDatabase } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { BACNET_DEVICE, BMS_PERIOD, BROADCAST, createPlantLan, HISTORIAN_PERIOD, HMI_PERIOD, HOSTS, startPeers, type Plant } from '../plant/ground-truth-plant.js';
import { netnsUnavailable, type Lan } from '../plant/lan.js';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`SKIPPED: ground-truth plant learning test: ${unavailable}`);

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');
const RUN_SECONDS = 16;

function waitForLine(proc: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no '${pattern}' within ${timeoutMs} ms; output: ${seen}`)), timeoutMs);
    proc.stderr!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`exited with ${code} before '${pattern}': ${seen}`)));
  });
}

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
  const db = join(mkdtempSync(join(tmpdir(), 'bulkhead-plant-')), 'plant.db');

  beforeAll(async () => {
    lan = createPlantLan(`bh${process.pid % 100000}`);
    const learner = lan.spawnIn('switch', process.execPath, [CLI, 'learn', '--interface', 'br0', '--seconds', String(RUN_SECONDS + 2), '--db', db]);
    const exited = new Promise<number | null>((r) => learner.once('exit', (code) => r(code)));
    await waitForLine(learner, /learning on br0/, 10_000);
    plant = startPeers(lan);
    await new Promise((r) => setTimeout(r, RUN_SECONDS * 1000));
    await plant.stop();
    expect(await exited).toBe(0);
    const store = new LearnStore(openDatabase(db));
    assets = store.assets<Asset>();
    conversations = store.conversations<Conversation>();
    store.db.close();
    const st = spawn(process.execPath, [CLI, 'learn', '--status', '--json', '--db', db]);
    let out = '';
    st.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => st.once('exit', r));
    status = JSON.parse(out);
  }, 90_000);

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
    expect(poll.jitter).toBeLessThan(0.05);
    expect(fc3.count).toBeGreaterThan((RUN_SECONDS - 4) / HMI_PERIOD);
    expect(fc3.outcomes).toEqual({ ok: fc3.count });
    expect(fc3.responseTime!.mean).toBeLessThan(0.05);
    const toPlc2 = op(conv(HOSTS.hmi.ip, HOSTS.plc2.ip, 502, 'modbus'), 'read/3');
    expect(toPlc2.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[100, 119]] }]);
  });

  it("learns the engineering station's writes, and they match what the PLCs logged receiving", () => {
    const fc6 = op(conv(HOSTS.ews.ip, HOSTS.plc1.ip, 502, 'modbus'), 'write/6');
    expect(fc6.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[40, 40]] }]);
    const plc1Writes = plant.logs.get('plc1')!.filter((l) => l.includes('"write"'));
    expect(fc6.count).toBe(plc1Writes.length);
    const fc16 = op(conv(HOSTS.ews.ip, HOSTS.plc2.ip, 502, 'modbus'), 'write/16');
    expect(fc16.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[200, 203]] }]);
    expect(fc16.count).toBe(1);
    expect(plant.logs.get('plc2')!.filter((l) => l.includes('"write"'))).toHaveLength(4);
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
});
