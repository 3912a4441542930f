// BACnet/IP inline: the BMS may read present values from the controller. Its WriteProperty,
// DeviceCommunicationControl and ReinitializeDevice are stopped by deep inspection, the same from
// a host the policy does not know by the kernel table; the controller's own log shows none of
// them arrived, while ReadProperty keeps working.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPolicy } from '../../src/policy/document.js';
import type { Policy } from '../../src/policy/model.js';
import { createLan, type Lan } from '../plant/lan.js';
import { inlineUnavailable, PEERS } from '../lib/inline.js';
import { startGateway, stopProcess } from '../lib/processes.js';

const controller = { name: 'ctl', ip: '10.252.3.31', mac: '02:00:00:00:05:31' };
const bms = { name: 'bms', ip: '10.252.3.41', mac: '02:00:00:00:05:41' };
const intruder = { name: 'intruder', ip: '10.252.3.66', mac: '02:00:00:00:05:66' };
const BROADCAST = '10.252.3.255';

const unavailable = inlineUnavailable();
if (unavailable) console.warn(`SKIPPED: inline BACnet tests: ${unavailable}`);

const policy: Policy = {
  bulkheadPolicy: 1,
  name: 'building',
  defaultAction: 'deny',
  zones: [
    { id: 'field', name: 'Building field', securityLevel: 2, members: [controller.ip] },
    { id: 'bms', name: 'BMS', securityLevel: 2, members: [bms.ip, intruder.ip] },
  ],
  conduits: [
    {
      id: 'bms-field',
      name: 'BMS-Field',
      zones: ['bms', 'field'],
      rules: [{ id: 'bms-reads', protocol: 'bacnet', client: { hosts: [bms.ip] }, server: { hosts: [controller.ip] }, allow: [{ kinds: ['read'], codes: [12] }] }],
    },
  ],
};

describe.skipIf(unavailable !== undefined)('BACnet/IP inline', () => {
  let lan: Lan;
  let device: ChildProcess;
  let gateway: ChildProcess;
  let events = '';
  const deviceLog: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-bacnet-'));

  const probe = (from: string, requests: object[]): string[] => {
    const r = spawnSync('ip', ['netns', 'exec', lan.nsOf(from), process.execPath, join(PEERS, 'bacnet-probe.js'), JSON.stringify({ device: controller.ip, broadcast: BROADCAST, requests, timeoutMs: 1500 })], { encoding: 'utf8' });
    return JSON.parse(r.stdout) as string[];
  };
  const read = { service: 'readProperty', type: 0, instance: 1 };

  beforeAll(async () => {
    lan = createLan(`bhb${process.pid % 100000}`, [controller, bms, intruder]);
    device = lan.spawnIn('ctl', process.execPath, [join(PEERS, 'bacnet-device.js'), JSON.stringify({ broadcast: BROADCAST, deviceInstance: 1001, vendorId: 7 })]);
    device.stdout!.on('data', (d: Buffer) => deviceLog.push(...d.toString().split('\n').filter((l) => l.includes('"write"'))));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, formatPolicy(policy));
    gateway = await startGateway(lan, file, ['--db', join(dir, 'b.db'), '--queue', '13']);
    gateway.stdout!.on('data', (d: Buffer) => (events += d.toString()));
  }, 30_000);

  afterAll(() => {
    gateway?.kill('SIGKILL');
    device?.kill('SIGKILL');
    lan?.destroy();
  });

  it('lets the BMS read and stops its write, DeviceCommunicationControl and ReinitializeDevice', async () => {
    expect(probe('bms', [read, { service: 'writeProperty', type: 0, instance: 1 }, { service: 'deviceCommunicationControl' }, { service: 'reinitializeDevice' }, read])).toEqual(['answered', 'timeout', 'timeout', 'timeout', 'answered']);
    await new Promise((r) => setTimeout(r, 300));
    expect(deviceLog).toEqual([]);
    const denials = events.trim().split('\n').map((l) => JSON.parse(l) as { action: string; code: number; reason: string; client: string });
    expect(denials.map((d) => d.code)).toEqual([15, 17, 20]);
    expect(denials.every((d) => d.action === 'deny' && d.client === bms.ip)).toBe(true);
    expect(denials[1]!.reason).toMatch(/^denied: BACnet deviceCommunicationControl .* from 10\.252\.3\.41/);
  });

  it('stops every request of a host in the zone that no rule names, reads included', async () => {
    expect(probe('intruder', [read, { service: 'deviceCommunicationControl' }])).toEqual(['timeout', 'timeout']);
    await new Promise((r) => setTimeout(r, 300));
    expect(deviceLog).toEqual([]);
    expect(probe('bms', [read])).toEqual(['answered']);
  });

  it('without enforcement every one of them reaches the controller (the ground truth works)', async () => {
    await stopProcess(gateway);
    expect(probe('intruder', [{ service: 'writeProperty', type: 0, instance: 1 }, { service: 'deviceCommunicationControl' }, { service: 'reinitializeDevice' }])).toEqual(['answered', 'answered', 'answered']);
    await new Promise((r) => setTimeout(r, 300));
    expect(deviceLog.map((l) => (JSON.parse(l) as { write: string }).write)).toEqual(['0:1', 'deviceCommunicationControl', 'reinitializeDevice']);
  });
});
