// The baseline fed by the real decoder and pairer on hand-made traffic: an HMI polling a PLC on
// a known schedule and writing once. What it learns is checked against that schedule.

import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../flow/limits.js';
import { OperationDecoder } from '../flow/operation-decoder.js';
import { TransactionPairer } from '../flow/transactions.js';
import { ModbusTraffic } from '../test-support/modbus-traffic.js';
import { Baseline } from './baseline.js';
import { mainPoll } from './operation-stats.js';

const HMI = { ip: '10.0.0.21', mac: '02:00:00:00:00:21' };
const PLC = { ip: '10.0.0.11', mac: '00:0e:8c:00:00:11' }; // a Siemens OUI

function learn(schedule: number[], write: number) {
  const baseline = new Baseline();
  const pairer = new TransactionPairer((t) => baseline.transaction(t), DEFAULT_LIMITS);
  const decoder = new OperationDecoder((op) => pairer.operation(op));
  const hmi = new ModbusTraffic((p) => decoder.packet(p)).connect(HMI, PLC, 40000, 0);
  for (const ts of schedule) hmi.readHolding(0, 10, ts);
  hmi.writeHolding(40, 7, write);
  decoder.flush();
  pairer.flush();
  return baseline.takeChanges();
}

describe('the baseline', () => {
  // A poll every 0.5 s with a known jitter.
  const schedule = Array.from({ length: 40 }, (_, k) => 10 + k * 0.5 + (k % 2 === 0 ? 0.01 : -0.01));
  const intervals = schedule.slice(1).map((t, k) => t - schedule[k]!);
  const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
  const jitter = Math.sqrt(intervals.reduce((a, dt) => a + (dt - mean) ** 2, 0) / intervals.length);

  it('learns the hosts, their MACs and vendors, and who serves whom', () => {
    const { assets } = learn(schedule, 40);
    const plc = assets.find((a) => a.ip === PLC.ip)!;
    const hmi = assets.find((a) => a.ip === HMI.ip)!;
    expect(plc.macs.map((m) => m.mac)).toEqual([PLC.mac]);
    expect(plc.macs[0]!.vendor).toMatch(/Siemens/i);
    expect(plc.roles).toEqual(['modbus_server']);
    expect(hmi.roles).toEqual(['modbus_client']);
  });

  it('learns each operation with its targets, outcome and the poll\'s period and jitter exactly', () => {
    const { conversations } = learn(schedule, 40);
    const conv = conversations.find((x) => x.key === `${HMI.ip}>${PLC.ip}:502/modbus`)!;
    expect(Object.keys(conv.operations).sort()).toEqual(['read/3', 'write/6']);
    const reads = conv.operations['read/3']!;
    expect(reads.count).toBe(40);
    expect(reads.outcomes).toEqual({ ok: 40 });
    expect(reads.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[0, 9]] }]);
    const poll = mainPoll(reads)!;
    expect(poll.interval).toBeCloseTo(mean, 9);
    expect(poll.jitter).toBeCloseTo(jitter, 9);
    expect(reads.responseTime!.mean).toBeCloseTo(0.004, 6);
    expect(conv.operations['write/6']!.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[40, 40]] }]);
  });

  it('starts empty: nothing to hand over before any traffic', () => {
    expect(new Baseline().takeChanges()).toEqual({ assets: [], conversations: [], discoveries: [] });
  });
});
