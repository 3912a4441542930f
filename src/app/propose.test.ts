// A proposal from learn mode's would-deny traffic on a real SQLite store: the inline inspector
// in learn mode judges hand-made Modbus/TCP packets against the active policy, its events are
// stored as the engine stores them, and the proposal reads them back into a draft.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Inspector, type InspectionEvent } from '../enforce/inspector.js';
import type { Observation } from '../policy/adapt.js';
import { formatPolicy } from '../policy/document.js';
import { compilePolicy } from '../policy/evaluate.js';
import { Judge } from '../policy/verdict.js';
import { openDatabase, type Db } from '../store/database.js';
import { EventStore } from '../store/event-store.js';
import { cellPolicy } from '../test-support/cell-policy.js';
import { SYN, tcpSegment } from '../test-support/ip-packets.js';
import { ProposeError } from './propose.js';
import { PolicyReview } from './review.js';

const HMI = '10.0.0.21';
const PLC = '10.0.0.11';
const STRANGER = '10.0.0.99';
const DAY = 86400;

const adu = (tid: number, pdu: number[]) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, pdu.length + 1, 1, ...pdu]);
const readRegs = (tid: number, start: number, count: number) => adu(tid, [3, start >> 8, start & 0xff, 0, count]);
const writeReg = (tid: number, register: number) => adu(tid, [6, 0, register, 0, 42]);

/** A store whose active policy is the cell (the HMI may read registers 0-9 of the PLC), and learn mode's events on it. */
function plant(): { db: Db; review: PolicyReview; events: EventStore; inspected: InspectionEvent[] } {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-propose-')), 'b.db'));
  const review = new PolicyReview(db);
  const v = review.store(formatPolicy(cellPolicy(HMI, PLC)), 'cell', 'alice');
  review.approve(v, 'alice');
  review.apply(v, 'alice');
  return { db, review, events: new EventStore(db), inspected: [] };
}

/** Requests from `client` to the PLC through the inspector in learn mode, its events stored as the engine stores them. */
function learnMode(p: ReturnType<typeof plant>, client: string, requests: Buffer[]): void {
  const events: InspectionEvent[] = [];
  const inspector = new Inspector(compilePolicy(p.review.load('active').policy), 'learn', (e) => events.push(e));
  let seq = 1000;
  inspector.verdict(tcpSegment(client, PLC, 40000, 502, seq++, Buffer.alloc(0), SYN));
  for (const r of requests) {
    inspector.verdict(tcpSegment(client, PLC, 40000, 502, seq, r));
    seq += r.length;
  }
  p.inspected.push(...events);
  p.events.append(events.map((e) => ({ ts: Date.now() / 1000, kind: e.action, data: { ...e } })));
}

describe('a proposal from would-deny traffic', () => {
  it('stores a draft on the active version that lets through what was refused, and says how much', () => {
    const p = plant();
    learnMode(p, HMI, [readRegs(1, 0, 10), writeReg(2, 5), writeReg(3, 5), writeReg(4, 5), writeReg(5, 7), readRegs(6, 20, 10), readRegs(7, 20, 10)]);
    learnMode(p, STRANGER, [readRegs(1, 0, 10)]);
    // A link-layer refusal carries no request; an event from before the window is not read.
    p.events.append([
      { ts: Date.now() / 1000, kind: 'would-deny', data: { action: 'would-deny', reasonCode: 'unknown_vlan', reason: 'denied: frames tagged VLAN 30', client: '', server: '' } },
      { ts: Date.now() / 1000 - 10 * DAY, kind: 'would-deny', data: { ...p.inspected[1]! } },
    ]);
    expect(p.inspected.map((e) => e.reasonCode)).toEqual(['not_allowed_code', 'not_allowed_code', 'not_allowed_code', 'not_allowed_code', 'out_of_range', 'out_of_range', 'no_rule']);

    const r = p.review.propose({ by: 'bob' });
    expect(r.version).toBe(2);
    expect(r.base).toEqual({ version: 1, status: 'active', why: 'the active version' });
    expect(r.events).toEqual({ read: 8, truncated: false });
    expect(r.observations).toEqual({ made: 4, truncated: false, ungrouped: 0 });
    expect(r.additions.map((a) => [a.change, a.ruleId, a.observation.count])).toEqual([
      ['widened', 'hmi-reads', 2],
      ['widened', 'hmi-reads', 3],
      ['widened', 'hmi-reads', 1],
    ]);
    expect(r.additions[1]!.text).toMatch(/^allow Modbus Write Single Register \(FC 6\) on unit 1 holding registers 40006 \(5\) from 10\.0\.0\.21 \(Supervisory\) to 10\.0\.0\.11 \(Control\): rule hmi-reads widened in conduit Supervisory-Control; refused 3 times, .* \(would-deny events 1-3\)$/);
    expect(r.refused).toEqual([{ observation: expect.objectContaining({ client: { ip: STRANGER } }), what: 'Modbus Read Holding Registers (FC 3) on unit 1 holding registers 40001-40010 (0-9) from 10.0.0.99 to 10.0.0.11 (Control)', why: expect.stringMatching(/^10\.0\.0\.99 is in no zone of policy cell/) }]);
    expect(r.withoutRequest).toEqual([{ reasonCode: 'unknown_vlan', count: 1, why: expect.stringMatching(/^the link layer refused it/) }]);
    // Six of the eight refused in the window pass now: not the stranger, not the VLAN.
    expect(r.letThrough).toEqual({ allowed: 6, of: 8, share: 0.75, text: "would let through 6 of last week's 8 would-deny requests (75%)" });
    expect(r.diff.changes).toEqual([expect.stringMatching(/^rule hmi-reads: allows Read Holding Registers \(FC 3\) on unit 1 holding registers 40001-40010 \(0-9\) -> .* \(for 6 refused requests: would-deny events 1-6\)$/)]);

    // A draft, audited, nothing approved or applied by itself; it allows what was seen and nothing beside it.
    expect(p.review.list().map((v) => [v.version, v.status, v.createdBy, v.source])).toEqual([
      [1, 'active', 'alice', 'console'],
      [2, 'draft', 'bob', 'proposed from would-deny traffic on version 1'],
    ]);
    expect(p.db.prepare("SELECT actor, action, target FROM audit_log WHERE action = 'policy.create' ORDER BY id DESC LIMIT 1").get()).toEqual({ actor: 'bob', action: 'policy.create', target: 'policy 2' });
    const draft = p.review.load('2');
    expect(draft.text).toMatch(/^# Proposed .* from 8 would-deny events since .*, on version 1 \(the active version\)\.\n# 3 additions, 1 refused\./);
    const judge = new Judge(compilePolicy(draft.policy));
    const op = (e: InspectionEvent) => ({ protocol: 'modbus' as const, direction: 'request' as const, kind: e.operation!.kind, code: e.operation!.code, codeName: e.operation!.codeName, client: { ip: HMI, port: 40000 }, server: { ip: PLC, port: 502 }, flowId: '', targets: e.operation!.targets, anomalies: [], evidence: { ts: 0, frame: 0, bytes: 0 } });
    expect(judge.request(op(p.inspected[0]!)).action).toBe('allow');
    expect(judge.request({ ...op(p.inspected[0]!), targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', start: 6, count: 1 }] }).action).toBe('deny');
  });

  it('takes the decisions made on alerts beside the events, and builds on the latest approved version when none is active', () => {
    const p = plant();
    p.review.rollback('alice', 'test');
    const v = p.review.store(formatPolicy(cellPolicy(HMI, PLC)), 'cell again', 'alice');
    p.review.approve(v, 'alice');
    const alert: Observation = {
      protocol: 'modbus',
      client: { ip: HMI },
      server: { ip: PLC, port: 502 },
      kind: 'write',
      code: 16,
      codeName: 'Write Multiple Registers',
      targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', start: 40, count: 2 }],
      count: 4,
      firstSeen: 1000,
      lastSeen: 2000,
      evidence: { alert: 17, conversation: `${HMI}>${PLC}:502/modbus` },
    };
    const r = p.review.propose({ by: 'bob', extra: [alert] });
    expect(r.base).toMatchObject({ version: v, status: 'approved', why: 'the latest approved version (none is active)' });
    expect(r.events.read).toBe(0);
    expect(r.additions).toMatchObject([{ change: 'widened', ruleId: 'hmi-reads' }]);
    expect(r.letThrough).toMatchObject({ allowed: 0, of: 0, share: 0 });
    const rule = p.review.load(String(r.version)).policy.conduits[0]!.rules[0]!;
    expect(rule.evidence).toEqual({ conversations: [`${HMI}>${PLC}:502/modbus`], transactions: 4, firstSeen: 1000, lastSeen: 2000, alerts: [17] });
  });

  it('says so when there is no would-deny traffic in the window, and stores nothing', () => {
    const p = plant();
    p.events.append([{ ts: Date.now() / 1000 - 3 * DAY, kind: 'would-deny', data: { reasonCode: 'no_rule', client: HMI, server: PLC } }]);
    expect(() => p.review.propose({ by: 'bob', since: '24h' })).toThrow(ProposeError);
    expect(() => p.review.propose({ by: 'bob', since: '24h' })).toThrow(/^no would-deny events since \d{4}-.*Z \(24h\): nothing to propose from/);
    expect(() => p.review.propose({ by: 'bob', since: 'last week' })).toThrow(/since: must be like 7d/);
    expect(p.review.list()).toHaveLength(1);
    // An event without the request it refused is counted, not guessed at: nothing to add, nothing stored.
    const r = p.review.propose({ by: 'bob' });
    expect(r.version).toBeUndefined();
    expect(r.withoutRequest).toEqual([{ reasonCode: 'no_rule', count: 1, why: expect.stringMatching(/does not keep the request it refused/) }]);
    expect(p.review.list()).toHaveLength(1);
  });
});
