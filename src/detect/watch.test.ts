// The detectors on a learned baseline, fed by the real decoder, pairer, learner and SQLite store:
// a day of an HMI polling a PLC, then one attack each. Nothing is raised while the baseline
// learns or for normal traffic after it; each attack raises its alert with the baseline's numbers.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Learner } from '../learn/learner.js';
import { AlertStore, type Alert } from '../store/alert-store.js';
import { openDatabase } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';
import { ModbusTraffic } from '../test-support/modbus-traffic.js';
import { Watch } from './watch.js';
import type { PacketInput } from '../flow/operation-decoder.js';

// Hours of the day are the plant's (the gateway's time zone): these tests are written in UTC.
process.env.TZ = 'UTC';

const HMI = { ip: '10.0.0.21', mac: '02:00:00:00:00:21' };
const PLC = { ip: '10.0.0.11', mac: '00:0e:8c:00:00:11' };
const ROGUE = { ip: '10.0.0.66', mac: '02:00:00:00:00:66' };
const T0 = 1_760_000_000;
const HOUR = 3600;

/**
 * A day and an hour of polling (every 60 s), with what `learning` adds to it, then `attack` from
 * T0 + 25 h; the alerts stored.
 */
function run(attack: (t: ModbusTraffic, at: number) => void, learning: (t: ModbusTraffic) => void = () => {}, pollAfter = true): Alert[] {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-detect-')), 'b.db'));
  try {
    const learner = new Learner(new LearnStore(db), { watch: (b) => new Watch(b) });
    // Each phase's traffic is made host by host, then fed in time order, as a capture has it.
    let held: PacketInput[] = [];
    const inOrder = () => {
      held.sort((a, b) => a.ts - b.ts).forEach((p) => learner.packet(p));
      held = [];
    };
    const traffic = new ModbusTraffic((p) => held.push(p));
    const hmi = traffic.connect(HMI, PLC, 40000, T0);
    for (let ts = T0 + 1; ts < T0 + 25 * HOUR; ts += 60) hmi.readHolding(0, 10, ts);
    learning(traffic);
    inOrder();
    learner.flush();
    attack(traffic, T0 + 25 * HOUR);
    // Normal traffic goes on after the attack, and raises nothing.
    if (pollAfter) for (let ts = T0 + 25 * HOUR + 600; ts < T0 + 26 * HOUR; ts += 60) hmi.readHolding(0, 10, ts);
    inOrder();
    learner.finish();
    return new AlertStore(db).list();
  } finally {
    db.close();
  }
}

describe('detection on the learned baseline', () => {
  it('raises nothing while learning, nor for the traffic it learned', () => {
    expect(run(() => {})).toEqual([]);
  });

  it('a new operation on a known conversation: the HMI writes a register for the first time', () => {
    const [a, ...rest] = run((t, at) => t.connect(HMI, PLC, 40001, at).writeHolding(40, 4800, at + 1));
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ type: 'new_operation', severity: 'high', status: 'new', attack: { id: 'T0836', name: 'Modify Parameter' }, asset: HMI.ip, conversation: `${HMI.ip}>${PLC.ip}:502/modbus`, count: 1 });
    expect(a!.summary).toMatch(/^Modbus client 10\.0\.0\.21 sent a write, Write Single Register \(FC 6\), to Modbus server 10\.0\.0\.11.* for the first time$/);
    expect(a!.baseline).toMatch(/^in 25 h it sent .*Read Holding Registers.* ×1,500$/);
    expect(a!.evidence).toEqual([{ ts: T0 + 25 * HOUR + 1, frame: expect.any(Number), flowId: expect.any(String) }]);
  });

  it('a target outside the baseline: registers the HMI never read, aggregated into one alert', () => {
    const alerts = run((t, at) => {
      const c = t.connect(HMI, PLC, 40001, at);
      c.readHolding(100, 10, at + 1);
      c.readHolding(200, 10, at + 2);
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ type: 'target_outside_baseline', severity: 'medium', attack: { id: 'T0861' }, count: 2 });
    expect(alerts[0]!.baseline).toMatch(/touched unit 1 holding registers 40001-40010 \(0-9\) \(1,500 times\)$/);
    // The latest sighting's words; the first and the latest are both in the evidence.
    expect(alerts[0]!.summary).toMatch(/Read Holding Registers \(FC 3\) on unit 1 holding registers 40201-40210 \(200-209\) of Modbus server 10\.0\.0\.11, outside what it touched before$/);
    expect(alerts[0]!.evidence.map((e) => e.ts)).toEqual([T0 + 25 * HOUR + 1, T0 + 25 * HOUR + 2]);
  });

  it('a new asset writing to the PLC: a rogue master; what it does next adds to its alert', () => {
    const alerts = run((t, at) => {
      const c = t.connect(ROGUE, PLC, 50000, at);
      c.writeHolding(40, 1, at + 1);
      c.writeHolding(41, 1, at + 2);
    });
    expect(alerts.map((a) => a.type)).toEqual(['new_asset']);
    expect(alerts[0]).toMatchObject({ severity: 'high', attack: { id: 'T0848' }, asset: ROGUE.ip });
    expect(alerts[0]!.summary).toMatch(/^a new modbus host 10\.0\.0\.66 \(02:00:00:00:00:66\) sent .*Write Single Register.* to 10\.0\.0\.11$/);
  });

  it('a known address answering from another MAC (a man in the middle)', () => {
    const alerts = run((t, at) => t.connect(HMI, { ...PLC, mac: '02:00:00:00:00:66' }, 40001, at).readHolding(0, 10, at + 1));
    expect(alerts.map((a) => a.type)).toEqual(['mac_change']);
    expect(alerts[0]).toMatchObject({ severity: 'high', attack: { id: 'T0830' }, asset: PLC.ip, baseline: `${PLC.ip} used ${PLC.mac}` });
  });

  it('a scan: one source reaching a dozen services it never talked to', () => {
    const alerts = run((t, at) => {
      for (let k = 0; k < 12; k++) t.connect(ROGUE, { ip: `10.0.0.${100 + k}`, mac: `02:00:00:00:01:${(16 + k).toString(16)}` }, 50000 + k, at + k).readHolding(0, 1, at + k + 0.5);
    });
    expect(alerts.map((a) => a.type).sort()).toEqual(['new_asset', 'scan']);
    const scan = alerts.find((a) => a.type === 'scan')!;
    expect(scan).toMatchObject({ severity: 'high', attack: { id: 'T0846' }, asset: ROGUE.ip });
    expect(scan.summary).toMatch(/^10\.0\.0\.66 reached 10 modbus services it never talked to \(10 hosts\)/);
  });

  it('a burst of Modbus exceptions on a conversation that never failed', () => {
    const alerts = run((t, at) => {
      const c = t.connect(HMI, PLC, 40001, at);
      for (let k = 0; k < 12; k++) c.exchange([3, 0, 0, 0, 10], [0x83, 2], at + k);
    });
    expect(alerts.map((a) => a.type)).toEqual(['failure_burst']);
    expect(alerts[0]!.summary).toMatch(/^Modbus server 10\.0\.0\.11.* failed 10 of 10 requests from Modbus client 10\.0\.0\.21 within \d+ s \(latest: exception 2/);
    expect(alerts[0]!.baseline).toBe('0.00% of its transactions failed while learning');
  });

  it('a setpoint written far outside anything written there: in the plant\'s words, with the numbers', () => {
    const ENG = { ip: '10.0.0.31', mac: '02:00:00:00:00:31' };
    const alerts = run(
      (t, at) => t.connect(ENG, PLC, 41001, at).writeHolding(40, 4800, at + 1),
      (t) => {
        // The engineering station writes the setpoint through its range every hour of the day.
        const eng = t.connect(ENG, PLC, 41000, T0 + 5);
        for (let k = 0; k < 24; k++) eng.writeHolding(40, (k * 37) % 121, T0 + 10 + k * HOUR);
      },
    );
    expect(alerts.map((a) => a.type)).toEqual(['value_write_outside_baseline']);
    expect(alerts[0]).toMatchObject({ severity: 'high', attack: { id: 'T0836' }, asset: ENG.ip, seen: '4,800' });
    expect(alerts[0]!.summary).toBe('Modbus client 10.0.0.31 wrote 4,800 to unit 1 holding registers 40041 (40) on Modbus server 10.0.0.11; in 23 h it wrote 0-118 there, 24 times');
  });

  it('a coil set to a value it never had, and a reading far outside its range', () => {
    const alerts = run(
      (t, at) => {
        const c = t.connect(HMI, PLC, 40001, at);
        c.exchange([5, 0, 7, 0xff, 0], [5, 0, 7, 0xff, 0], at + 1); // coil 7 on
        c.exchange([4, 0, 0, 0, 1], [4, 2, 0x27, 0x10], at + 2); // input register 0 reads 10,000
      },
      (t) => {
        const c = t.connect(HMI, PLC, 40002, T0 + 5);
        for (let k = 0; k < 150; k++) {
          c.exchange([5, 0, 7, 0, 0], [5, 0, 7, 0, 0], T0 + 10 + k * 600); // coil 7 off, always
          c.exchange([4, 0, 0, 0, 1], [4, 2, 0, 50 + (k % 10)], T0 + 11 + k * 600); // 50-59
        }
      },
    );
    expect(alerts.map((a) => [a.type, a.seen, a.baseline]).sort()).toEqual([
      // Ten distinct readings: a measurement, judged by its range.
      ['value_reading_outside_baseline', '10,000', '50-59 in 150 values over 25 h'],
      // One value only: a coil that was never switched on.
      ['value_write_outside_baseline', '1', 'only 0 in 150 values over 25 h'],
    ]);
  });

  it('a poll that stops: the HMI goes silent while the rest of the plant carries on', () => {
    const ENG = { ip: '10.0.0.31', mac: '02:00:00:00:00:31' };
    const alerts = run(
      (t, at) => {
        // Only the engineering station's own poll goes on, for the next hour.
        const eng = t.connect(ENG, PLC, 41001, at);
        for (let ts = at; ts < at + HOUR; ts += 300) eng.readHolding(500, 1, ts);
      },
      (t) => {
        const eng = t.connect(ENG, PLC, 41000, T0 + 5);
        for (let ts = T0 + 10; ts < T0 + 25 * HOUR; ts += 300) eng.readHolding(500, 1, ts);
      },
      false,
    );
    expect(alerts.map((a) => [a.type, a.conversation, a.baseline])).toEqual([['poll_stopped', `${HMI.ip}>${PLC.ip}:502/modbus`, 'a poll every 60 s']]);
    expect(alerts[0]!.summary).toMatch(/^Modbus client 10\.0\.0\.21 stopped polling Modbus server 10\.0\.0\.11 with Read Holding Registers \(FC 3\): nothing for 5\d min$/);
  });

  it('writes at random moments of a shift are no poll: the night after the shift raises nothing', () => {
    const ENG = { ip: '10.0.0.31', mac: '02:00:00:00:00:31' };
    const day = Math.floor(T0 / 86400) * 86400;
    // Minutes between an operator's setpoint changes: anything from 3 to 70.
    const gaps = [7, 31, 62, 18, 45, 3, 70, 25, 12, 38];
    const alerts = run(
      (t, at) => {
        const hmi = t.connect(HMI, PLC, 40005, at);
        for (let ts = at + 1; ts < at + 6 * HOUR; ts += 60) hmi.readHolding(0, 10, ts);
      },
      (t) => {
        const eng = t.connect(ENG, PLC, 41000, T0 + 5);
        let i = 0;
        for (const [from, to] of [[day + 9 * HOUR, day + 18 * HOUR], [day + 30 * HOUR, T0 + 25 * HOUR]] as const) {
          for (let ts = from; ts < to; ts += gaps[i++ % gaps.length]! * 60) eng.writeHolding(40, 50 + (i % 7), ts);
        }
      },
      false,
    );
    expect(alerts).toEqual([]);
  });

  it('a response far slower than the PLC ever answered', () => {
    const alerts = run((t, at) => t.connect(HMI, PLC, 40001, at).exchange([3, 0, 0, 0, 10], [3, 20, ...Array<number>(20).fill(0)], at + 1, 1, 2.5));
    expect(alerts.map((a) => [a.type, a.severity, a.seen, a.baseline])).toEqual([['slow_response', 'low', '2500 ms', 'a mean of 4.0 ms over 1,500 responses']]);
  });

  it('a write at an hour the station never writes in; shift edges and hours within the shift raise nothing', () => {
    // T0 is 08:53 UTC: the HMI writes a setpoint every hour from 09:00 to 18:00, and from 06:00 the next day.
    const day = Math.floor(T0 / 86400) * 86400;
    const shift = (t: ModbusTraffic) => {
      const w = t.connect(HMI, PLC, 40002, T0 + 60);
      for (const h of [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 30, 31, 32, 33]) w.writeHolding(40, 50 + (h % 24), day + h * HOUR + 300);
    };
    const poll = (t: ModbusTraffic, from: number, to: number) => {
      const c = t.connect(HMI, PLC, 40003, from);
      for (let ts = from + 1; ts < to; ts += 60) c.readHolding(0, 10, ts);
    };
    const quiet = run((t, at) => {
      poll(t, at + 600, day + 2 * 86400 + 12 * HOUR);
      const w = t.connect(HMI, PLC, 40004, at + 700);
      w.writeHolding(40, 60, day + 24 * HOUR + 19 * HOUR + 1200); // 19:20, an hour after the shift's last write
      w.writeHolding(40, 61, day + 2 * 86400 + 5 * HOUR + 1800); // 05:30, just before the next shift
      w.writeHolding(40, 62, day + 2 * 86400 + 11 * HOUR); // within the shift
    }, shift, false);
    expect(quiet).toEqual([]);
    const [a, ...rest] = run((t, at) => {
      poll(t, at + 600, day + 2 * 86400 + 4 * HOUR);
      t.connect(HMI, PLC, 40004, at + 700).writeHolding(40, 60, day + 2 * 86400 + 3 * HOUR + 720);
    }, shift, false);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ type: 'operation_outside_hours', detector: 'time-of-day', severity: 'medium', attack: { id: 'T0836' }, asset: HMI.ip, count: 1 });
    expect(a!.summary).toMatch(/^Modbus client 10\.0\.0\.21 sent a write, Write Single Register \(FC 6\), to Modbus server 10\.0\.0\.11.* at 03:12, an hour it never did so while learning$/);
    expect(a!.baseline).toMatch(/it sent it 14 times, between 06:00 and 18:59 \(plant time\)$/);
  });

  it('a malformed request on a settled conversation is a protocol violation; a quirk learned with the conversation is not', () => {
    // FC 3 with quantity 0: the decoder's quantity_out_of_range.
    const malformed = (c: { exchange: (req: number[], resp: number[], ts: number) => void }, ts: number, fc = 3) => c.exchange([fc, 0, 0, 0, 0], [0x80 | fc, 3], ts);
    const [a, ...rest] = run((t, at) => malformed(t.connect(HMI, PLC, 40005, at), at + 1));
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ type: 'protocol_violation', detector: 'violations', severity: 'medium', asset: HMI.ip, seen: expect.stringMatching(/^quantity_out_of_range/) });
    expect(a!.summary).toMatch(/^Modbus client 10\.0\.0\.21 sent Modbus server 10\.0\.0\.11.* a malformed modbus .*Read Holding Registers.*: quantity out of range/);
    // The same fault in an FC 4 read the HMI already sent so while learning.
    const learned = run(
      (t, at) => malformed(t.connect(HMI, PLC, 40005, at), at + 1, 4),
      (t) => malformed(t.connect(HMI, PLC, 40006, T0 + 120), T0 + 121, 4),
    );
    expect(learned).toEqual([]);
  });
});
