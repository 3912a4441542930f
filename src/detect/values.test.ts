// Process values of BACnet and OPC UA on a learned baseline, through the real decoder, pairer,
// learner and SQLite store: two days of an operator writing a setpoint within its range, then a
// write far outside it raises the alert in the plant's words; values within the range do not.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PacketInput } from '../flow/operation-decoder.js';
import { Learner } from '../learn/learner.js';
import { AlertStore, type Alert } from '../store/alert-store.js';
import { openDatabase } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';
import { BacnetTraffic, OpcuaTraffic } from '../test-support/process-traffic.js';
import { Watch } from './watch.js';

process.env.TZ = 'UTC';

const BMS = { ip: '10.0.2.5', mac: '02:00:00:00:02:05' };
const DEVICE = { ip: '10.0.2.20', mac: '00:50:db:00:02:20' };
const HMI = { ip: '10.0.3.5', mac: '02:00:00:00:03:05' };
const SERVER = { ip: '10.0.3.20', mac: '02:00:00:00:03:20' };
const T0 = 1_760_000_000;
/** 96 writes this far apart span two days. */
const EVERY = 1820;
const AFTER = T0 + 96 * EVERY;
/** The setpoint's learned values: 18.0-24.5 in half degrees. */
const setpoint = (k: number) => 18 + ((k * 3) % 14) * 0.5;

/** What `traffic` sends into a learner watching it, then the alerts stored. */
function alerts(traffic: (sink: (p: PacketInput) => void) => void): Alert[] {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-values-')), 'b.db'));
  try {
    const learner = new Learner(new LearnStore(db), { watch: (b) => new Watch(b) });
    traffic((p) => learner.packet(p));
    learner.finish();
    return new AlertStore(db).list();
  } finally {
    db.close();
  }
}

describe('process values of BACnet and OPC UA', () => {
  it('a BACnet setpoint written far outside its learned range, said in the plant\'s words', () => {
    const found = alerts((sink) => {
      const t = new BacnetTraffic(sink);
      for (let k = 0; k < 96; k++) t.writeReal(BMS, DEVICE, 2, 1, setpoint(k), T0 + k * EVERY);
      t.writeReal(BMS, DEVICE, 2, 1, 21.7, AFTER);
      t.writeReal(BMS, DEVICE, 2, 1, 95.5, AFTER + 60);
      t.writeReal(BMS, DEVICE, 2, 1, 19.5, AFTER + 120);
    });
    expect(found.map((a) => a.type)).toEqual(['value_write_outside_baseline']);
    expect(found[0]).toMatchObject({ severity: 'high', attack: { id: 'T0836' }, asset: BMS.ip, seen: '95.5', baseline: '18-24.5 in 97 values over 2 days' });
    expect(found[0]!.summary).toBe('BACnet client 10.0.2.5 wrote 95.5 to analog-value 1 present-value on BACnet device 10.0.2.20; in 2 days it wrote 18-24.5 there, 97 times');
  });

  it('a BACnet reading far outside its range, and an OPC UA setpoint written far outside its range', () => {
    const found = alerts((sink) => {
      const b = new BacnetTraffic(sink);
      const hmi = new OpcuaTraffic(sink).connect(HMI, SERVER, 50000, T0);
      for (let k = 0; k < 96; k++) {
        b.readReal(BMS, DEVICE, 0, 3, 40 + (k % 12) * 0.25, T0 + k * EVERY + 1); // analog-input 3: 40-42.75
        hmi.writeDouble('ns=2;s=Line1.Setpoint', 1200 + (k % 10) * 25, T0 + k * EVERY + 2); // 1,200-1,425
      }
      b.readReal(BMS, DEVICE, 0, 3, 41.5, AFTER);
      b.readReal(BMS, DEVICE, 0, 3, -12.25, AFTER + 1);
      hmi.writeDouble('ns=2;s=Line1.Setpoint', 1300, AFTER + 2);
      hmi.writeDouble('ns=2;s=Line1.Setpoint', 9000.5, AFTER + 3);
    });
    expect(found.map((a) => [a.type, a.summary]).sort()).toEqual([
      ['value_reading_outside_baseline', 'BACnet device 10.0.2.20 answered -12.25 for analog-input 3 present-value to BACnet client 10.0.2.5; in 2 days it read 40-42.75 there, 97 times'],
      ['value_write_outside_baseline', 'OPC UA client 10.0.3.5 wrote 9,000.5 to ns=2;s=Line1.Setpoint on OPC UA server 10.0.3.20; in 2 days it wrote 1,200-1,425 there, 97 times'],
    ]);
  });
});
