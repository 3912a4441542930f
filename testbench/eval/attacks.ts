// The scripted attacks, each with its label: the alert types that count as detecting it, the
// addresses it concerns, its time window (capture time) and, once written, its frames. They fall
// in the judged day, an hour or so apart and on different cells, so that one does not hide
// another; setpoints are changed in shift hours, except the one that is meant to be out of them.

import { HOUR, type Client, type Plant, type Plc } from './plant.js';
import { readResponse, type Fault, type Faults, type Wire } from './traffic.js';
import type { Task } from './schedule.js';

export interface Label {
  name: string;
  /** What it is, in the plant's words. */
  description: string;
  /** Alert types that detect it. */
  expects: string[];
  /** Addresses an alert must concern (its asset, source or request's client or server). */
  subjects: string[];
  from: number;
  to: number;
}

export interface Attack {
  label: Label;
  /** How it changes the plant's own polls. */
  fault?: (client: Client, plc: Plc, ts: number) => Fault | undefined;
  /** Traffic of its own. */
  tasks?: (wire: Wire) => Task[];
}

const ROGUE = { name: 'rogue laptop', ip: '10.10.100.99', mac: '02:00:5e:00:00:99' };
const SCANNER = { name: 'scanner', ip: '10.10.100.98', mac: '02:00:5e:00:00:98' };
const SPOOF_ONE = '02:00:5e:00:66:01';
const SPOOF_TWO = '02:00:5e:00:66:02';

/** Requests at `times`, each made by `send`: one task. */
function script(times: number[], send: (ts: number, i: number) => void): Task {
  let i = 0;
  const task: Task = {
    next: times[0]!,
    fire: () => {
      send(task.next, i);
      i++;
      return times[i];
    },
  };
  return task;
}

const every = (from: number, n: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);
const writeSetpoint = (value: number) => [6, 0, 6, value >> 8, value & 0xff];
/** Read Device Identification (FC 43 / MEI 14), basic objects, and its answer: vendor, product code, revision. */
const DEVICE_ID = [43, 14, 1, 0];
const DEVICE_ID_ANSWER = [43, 14, 1, 1, 0, 0, 3, 0, 7, ...Buffer.from('Siemens'), 1, 4, ...Buffer.from('S7-1'), 2, 4, ...Buffer.from('V4.5')];

/** Where and when the attacks fall: the judged day's hours (it starts at noon), cells and PLCs by number. */
interface Ground {
  plant: Plant;
  at(hours: number): number;
  cell(i: number): Plant['cells'][number];
  plc(i: number, k: number): Plc;
  ewsOf(p: Plc): Client;
}

const label = (name: string, description: string, expects: string[], subjects: Client[], from: number, to: number): Label => ({ name, description, expects, subjects: subjects.map((s) => s.ip), from, to });

/** A fault on every poll of `p` (by `by` only, when given) from `from` for `seconds`. */
const during =
  (p: Plc, from: number, seconds: number, fault: Fault, by?: Client) =>
  (c: Client, q: Plc, ts: number): Fault | undefined =>
    q === p && (!by || c === by) && ts >= from && ts < from + seconds ? fault : undefined;

/** One request (and its answer) from `client` to `p` at `t`. */
const once = (client: Client, p: Plc, t: number, request: number[], response: number[]) => (w: Wire) => [script([t], (ts) => w.to(client, p, ts).exchange(request, response, ts))];

/** Something new writing, asking, scanning. */
function newcomers(g: Ground): Attack[] {
  const rogueAt = g.at(1); // 13:00
  const target = g.plc(0, 1);
  const other = g.plc(1, 0);
  const ewsA = g.plant.ews[0]!;
  const [hmi3, hmi4] = [g.cell(3).hmi, g.cell(4).hmi];
  const [idAt, diagAt, scanAt] = [g.at(3), g.at(3.5), g.at(4)];
  const plcs = g.plant.plcs;
  return [
    {
      label: label('rogue_asset', `${ROGUE.name} ${ROGUE.ip}, never seen, writes a setpoint to ${target.name}`, ['new_asset'], [ROGUE, target], rogueAt, rogueAt + 2),
      tasks: (w) => [script([rogueAt, rogueAt + 2], (ts, i) => w.to(ROGUE, target, ts).exchange(i === 0 ? writeSetpoint(55) : [3, 0, 0, 0, 10], i === 0 ? writeSetpoint(55) : readResponse(3, Array<number>(10).fill(0)), ts))],
    },
    { label: label('new_conversation', `${ewsA.name} writes a setpoint to ${other.name}, a PLC it never talked to`, ['new_conversation'], [ewsA, other], g.at(1.5), g.at(1.5)), tasks: once(ewsA, other, g.at(1.5), writeSetpoint(50), writeSetpoint(50)) },
    { label: label('new_operation_device_id', `${hmi3.name}, which only reads, asks ${g.plc(3, 0).name} for its device identification (FC 43)`, ['new_operation'], [hmi3, g.plc(3, 0)], idAt, idAt), tasks: once(hmi3, g.plc(3, 0), idAt, DEVICE_ID, DEVICE_ID_ANSWER) },
    { label: label('new_operation_diagnostics', `${hmi4.name} sends ${g.plc(4, 0).name} a diagnostics request (FC 8, return query data)`, ['new_operation'], [hmi4, g.plc(4, 0)], diagAt, diagAt), tasks: once(hmi4, g.plc(4, 0), diagAt, [8, 0, 0, 0x12, 0x34], [8, 0, 0, 0x12, 0x34]) },
    {
      label: label('scan', `${SCANNER.name} ${SCANNER.ip} asks every PLC for its identity, one every 2 s`, ['scan'], [SCANNER], scanAt, scanAt + 2 * plcs.length),
      tasks: (w) => [script(every(scanAt, plcs.length, 2), (ts, i) => w.to(SCANNER, plcs[i]!, ts).exchange(DEVICE_ID, DEVICE_ID_ANSWER, ts))],
    },
  ];
}

/** Known stations doing what they never did. */
function insiders(g: Ground): Attack[] {
  const swept = g.plc(5, 0);
  const scada = g.plant.scada[swept.cell % g.plant.scada.length]!;
  const sweepAt = g.at(4.5);
  const high = g.plc(0, 0);
  const night = g.plc(0, 2);
  const malformed = g.plc(5, 1);
  const hmi5 = g.cell(5).hmi;
  return [
    {
      label: label('point_sweep', `${scada.name} reads holding registers 100-599 of ${swept.name}, which it never read`, ['point_sweep'], [scada, swept], sweepAt, sweepAt + 100),
      tasks: (w) => [script(every(sweepAt, 50, 2), (ts, i) => w.to(scada, swept, ts).exchange([3, (100 + i * 10) >> 8, (100 + i * 10) & 0xff, 0, 10], readResponse(3, Array<number>(10).fill(0)), ts))],
    },
    { label: label('setpoint_out_of_range', `${g.ewsOf(high).name} writes 4,800 to ${high.name}'s setpoint (it writes 40-60)`, ['value_write_outside_baseline'], [g.ewsOf(high), high], g.at(5.5), g.at(5.5)), tasks: once(g.ewsOf(high), high, g.at(5.5), writeSetpoint(4800), writeSetpoint(4800)) },
    { label: label('write_outside_hours', `${g.ewsOf(night).name} writes ${night.name}'s setpoint at 03:00 (operators write 06:00-18:00)`, ['operation_outside_hours'], [g.ewsOf(night), night], g.at(15), g.at(15)), tasks: once(g.ewsOf(night), night, g.at(15), writeSetpoint(50), writeSetpoint(50)) },
    {
      label: label('malformed_pdu', `${hmi5.name} sends ${malformed.name} a read with 2 bytes past its end (a malformed PDU); it answers Illegal Data Value`, ['protocol_violation'], [hmi5, malformed], g.at(16), g.at(16)),
      tasks: once(hmi5, malformed, g.at(16), [3, 0, 0, 0, 10, 0xde, 0xad], [0x83, 3]),
    },
  ];
}

/** The plant's own devices misbehaving, or someone answering in their name. */
function impostorsAndFaults(g: Ground): Attack[] {
  const spoofed = g.plc(1, 1);
  const [a, b] = [g.plc(2, 0), g.plc(2, 1)];
  const both = { kind: 'answer_from', mac: SPOOF_TWO } as const;
  const t = { spoof: g.at(2), arp: g.at(2.5), reading: g.at(0.5), silent: g.at(7), stop: g.at(8), slow: g.at(9), exceptions: g.at(10) };
  const [reading, silent, stopped, slow, failing] = [g.plc(6, 0), g.plc(6, 1), g.plc(7, 2), g.plc(7, 0), g.plc(6, 3)];
  const hmi7 = g.cell(7).hmi;
  return [
    { label: label('mac_change', `${spoofed.name} answers from ${SPOOF_ONE}, a MAC it never had (a man in the middle), for 10 min`, ['mac_change', 'mac_claims_several_addresses'], [spoofed], t.spoof, t.spoof + 600), fault: during(spoofed, t.spoof, 600, { kind: 'answer_from', mac: SPOOF_ONE }) },
    { label: label('arp_several_addresses', `${SPOOF_TWO} answers for both ${a.name} and ${b.name} (ARP spoofing), for 10 min`, ['mac_claims_several_addresses'], [a, b], t.arp, t.arp + 600), fault: (c, q, ts) => during(a, t.arp, 600, both)(c, q, ts) ?? during(b, t.arp, 600, both)(c, q, ts) },
    { label: label('impossible_reading', `${reading.name} reports a tank level of 65,000 for 2 min`, ['value_reading_outside_baseline'], [reading], t.reading, t.reading + 120), fault: during(reading, t.reading, 120, { kind: 'value', register: 0, value: 65_000 }) },
    { label: label('plc_stops_answering', `${silent.name} stops answering for 15 min`, ['failure_burst', 'poll_stopped'], [silent], t.silent, t.silent + 900), fault: during(silent, t.silent, 900, { kind: 'silent' }) },
    { label: label('poll_stops', `${hmi7.name} stops polling ${stopped.name} for 30 min`, ['poll_stopped'], [stopped], t.stop, t.stop + 1800), fault: during(stopped, t.stop, 1800, { kind: 'skip' }, hmi7) },
    { label: label('slow_responses', `${slow.name} takes 2.5 s to answer, for 5 min`, ['slow_response'], [slow], t.slow, t.slow + 300), fault: during(slow, t.slow, 300, { kind: 'slow', delay: 2.5 }) },
    { label: label('exception_burst', `${failing.name} answers every poll with an exception (Server Device Failure), for 3 min`, ['failure_burst'], [failing], t.exceptions, t.exceptions + 180), fault: during(failing, t.exceptions, 180, { kind: 'exception', code: 4 }) },
  ];
}

/** Every attack on `plant`, in its judged day (which starts at noon): 12:30 the first, 04:00 the last. */
export function attacks(plant: Plant): Attack[] {
  const cell = (i: number) => plant.cells[i % plant.cells.length]!;
  const g: Ground = {
    plant,
    at: (hours) => plant.judgedFrom + hours * HOUR,
    cell,
    plc: (i, k) => cell(i).plcs[k % plant.size.plcsPerCell]!,
    ewsOf: (p) => plant.ews[p.cell % plant.ews.length]!,
  };
  return [...newcomers(g), ...insiders(g), ...impostorsAndFaults(g)].sort((x, y) => x.label.from - y.label.from);
}

/** The attacks' faults, for the plant's polls. */
export function faultsOf(list: readonly Attack[]): Faults {
  const withFaults = list.filter((x) => x.fault);
  return {
    on(client, plc, ts) {
      for (const x of withFaults) {
        const fault = x.fault!(client, plc, ts);
        if (fault) return { fault, label: x.label.name };
      }
      return undefined;
    },
  };
}
