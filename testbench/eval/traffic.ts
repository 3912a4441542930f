// The plant's normal traffic as tasks: HMIs, SCADA servers and the historian polling with jitter,
// engineering stations changing setpoints at random moments of the shift. A poll asks the
// attacks whether they change it (a PLC gone silent, slow, failing, answering from another MAC
// or with an impossible value; a poll that stops), so an attack is the plant's own traffic gone
// wrong where it should be.

import { ModbusTraffic, type Host, type ModbusConnection } from '../../src/test-support/modbus-traffic.js';
import { Rng } from '../lib/rng.js';
import { type Client, type Plant, type Plc, HOUR, SHIFT, holdingRegisters, hourAt, inShift } from './plant.js';
import type { Recorder, Task } from './schedule.js';

/** How an attack changes one poll of a PLC. */
export type Fault =
  | { kind: 'silent' }
  | { kind: 'skip' }
  | { kind: 'slow'; delay: number }
  | { kind: 'exception'; code: number }
  | { kind: 'answer_from'; mac: string }
  | { kind: 'value'; register: number; value: number };

export interface Faults {
  /** The fault on this poll, and the label its packets belong to. */
  on(client: Client, plc: Plc, ts: number): { fault: Fault; label: string } | undefined;
}

/** Responses take 2-12 ms. */
const delay = (rng: Rng) => rng.between(0.002, 0.012);

/** The plant's TCP connections, one per client and server, opened on first use. */
export class Wire {
  readonly traffic: ModbusTraffic;
  private readonly connections = new Map<string, ModbusConnection>();
  private readonly ports = new Map<string, number>();

  constructor(readonly recorder: Recorder) {
    this.traffic = new ModbusTraffic(recorder.sink);
  }

  to(client: Host, server: Host, ts: number): ModbusConnection {
    const key = `${client.ip}>${server.ip}`;
    let c = this.connections.get(key);
    if (!c) {
      const port = (this.ports.get(client.ip) ?? 40_000) + 1;
      this.ports.set(client.ip, port);
      c = this.traffic.connect(client, server, port, ts - 0.001);
      this.connections.set(key, c);
    }
    return c;
  }

  /** Whatever `make` sends is labelled `label`. */
  labelled(label: string | undefined, make: () => void): void {
    this.recorder.tag = label;
    make();
    this.recorder.tag = undefined;
  }
}

/** The bytes of a read response carrying `values`. */
export function readResponse(fc: number, values: readonly number[]): number[] {
  const out = [fc, values.length * 2];
  for (const v of values) out.push((v >> 8) & 0xff, v & 0xff);
  return out;
}

interface Poll {
  client: Client;
  plc: Plc;
  unit: number;
  fc: 3 | 4;
  count: number;
  period: number;
}

function pollTask(wire: Wire, faults: Faults, poll: Poll, first: number, rng: Rng): Task {
  const task: Task = {
    next: first,
    fire: () => {
      const ts = task.next;
      const f = faults.on(poll.client, poll.plc, ts);
      wire.labelled(f?.label, () => ask(wire, poll, ts, rng, f?.fault));
      // Jitter: each period 10% either way.
      return ts + poll.period * rng.between(0.9, 1.1);
    },
  };
  return task;
}

function ask(wire: Wire, poll: Poll, ts: number, rng: Rng, fault: Fault | undefined): void {
  // Drawn whatever the fault, so that the copy with attacks stays the normal one everywhere else.
  const values = holdingRegisters(poll.plc, poll.unit, ts, rng).slice(0, poll.count);
  const wait = delay(rng);
  if (fault?.kind === 'skip') return;
  const c = wire.to(poll.client, poll.plc, ts);
  const request = [poll.fc, 0, 0, 0, poll.count];
  if (fault?.kind === 'silent') return c.ask(request, ts, poll.unit);
  if (fault?.kind === 'value') values[fault.register] = fault.value;
  const response = fault?.kind === 'exception' ? [poll.fc | 0x80, fault.code] : readResponse(poll.fc, values);
  const server = c.server;
  if (fault?.kind === 'answer_from') c.server = { ip: server.ip, mac: fault.mac };
  c.exchange(request, response, ts, poll.unit, fault?.kind === 'slow' ? fault.delay : wait);
  c.server = server;
}

/** Setpoint changes at random moments of the shift (about every 40 min per PLC), within 40-60. */
function setpointTask(wire: Wire, ews: Client, plc: Plc, first: number, rng: Rng): Task {
  const nextInShift = (ts: number): number => {
    const t = ts + rng.between(0.2, 1.8) * 40 * 60;
    if (inShift(t)) return t;
    // Past the shift's end: the next morning's start, a little after it.
    const h = hourAt(t);
    const toStart = ((SHIFT.from - h + 24) % 24) * HOUR - (t % HOUR);
    return t + toStart + rng.between(0, 30 * 60);
  };
  const task: Task = {
    next: nextInShift(first),
    fire: () => {
      const ts = task.next;
      plc.setpoint = Math.round(rng.between(40, 60));
      const pdu = [6, 0, 6, plc.setpoint >> 8, plc.setpoint & 0xff];
      wire.to(ews, plc, ts).exchange(pdu, pdu, ts, 1, delay(rng));
      return nextInShift(ts);
    },
  };
  return task;
}

/** Every task of the plant's normal traffic, starting at its start. */
export function normalTasks(plant: Plant, wire: Wire, faults: Faults, seed: number): Task[] {
  const rng = new Rng(seed);
  const tasks: Task[] = [];
  const offset = (period: number) => plant.start + rng.between(0, period);
  for (const cell of plant.cells) {
    for (const plc of cell.plcs) {
      for (const unit of plc.units) {
        const hmi: Poll = { client: cell.hmi, plc, unit, fc: 3, count: 10, period: plant.size.hmiPeriod };
        tasks.push(pollTask(wire, faults, hmi, offset(hmi.period), rng));
      }
      const scada = plant.scada[plc.cell % plant.scada.length]!;
      tasks.push(pollTask(wire, faults, { client: scada, plc, unit: 1, fc: 3, count: 10, period: 30 }, offset(30), rng));
      tasks.push(pollTask(wire, faults, { client: plant.historian, plc, unit: 1, fc: 4, count: 4, period: 60 }, offset(60), rng));
      tasks.push(setpointTask(wire, plant.ews[plc.cell % plant.ews.length]!, plc, plant.start, rng));
    }
  }
  return tasks;
}
