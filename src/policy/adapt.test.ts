// Allowing what was observed and refused: the narrowest rule in the right conduit, widening a
// host pair's rule instead of piling up near-duplicates, refusals in words, and a result that
// loads, lints no worse and lets through exactly what was seen.

import { describe, expect, it } from 'vitest';
import { allowObserved, observedOperation, type Observation } from './adapt.js';
import { derivePolicy, type DeriveAsset, type DeriveConversation } from './derive.js';
import { diffPolicies } from './diff.js';
import { formatPolicy, parsePolicy } from './document.js';
import { compilePolicy } from './evaluate.js';
import { lintPolicy } from './lint.js';
import type { Policy } from './model.js';
import { Judge } from './verdict.js';

const HMI = '10.0.1.10';
const PLC1 = '10.0.2.11';
const PLC2 = '10.0.2.12';
const HISTORIAN = '10.0.3.5';
const ERP = '10.0.4.9';

const asset = (ip: string, level: number): DeriveAsset => ({ ip, purdue: { level, reason: 'test' } });

function poll(client: string, server: string, start: number, protocol: DeriveConversation['protocol'] = 'modbus', port = 502): DeriveConversation {
  return {
    key: `${client}>${server}:${port}/${protocol}`,
    protocol,
    client: { ip: client },
    server: { ip: server, port },
    firstSeen: 100,
    lastSeen: 200,
    transactions: 10,
    operations: { fc3: { kind: 'read', code: 3, count: 10, firstSeen: 100, lastSeen: 200, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[start, start + 9]] }] } },
  };
}

/** An HMI polling two PLCs (distinct ranges: one rule each), a historian reading the HMI, an ERP host reading the historian. */
const base: Policy = derivePolicy([asset(HMI, 2), asset(PLC1, 1), asset(PLC2, 1), asset(HISTORIAN, 3), asset(ERP, 4)], [poll(HMI, PLC1, 0), poll(HMI, PLC2, 100), poll(HISTORIAN, HMI, 0), poll(ERP, HISTORIAN, 0)]);

function write(client: string, server: string, register: number, events: number[], extra: Partial<Observation> = {}): Observation {
  return {
    protocol: 'modbus',
    client: { ip: client },
    server: { ip: server, port: 502 },
    kind: 'write',
    code: 6,
    codeName: 'Write Single Register',
    targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', start: register, count: 1 }],
    reasonCode: 'not_allowed_code',
    count: events.length,
    firstSeen: 1000 + events[0]!,
    lastSeen: 1000 + events.at(-1)!,
    evidence: { events },
    ...extra,
  };
}

const judge = (p: Policy) => {
  const j = new Judge(compilePolicy(p));
  return (o: Observation) => j.request(observedOperation(o));
};

const rulesOf = (p: Policy) => p.conduits.flatMap((c) => c.rules.map((r) => `${c.id}/${r.id}`));

describe('allowing what was observed and refused', () => {
  it('widens the host pair rule of the right conduit, and lets through that write and no other', () => {
    const w5 = write(HMI, PLC1, 5, [1, 2, 3]);
    expect(judge(base)(w5)).toMatchObject({ action: 'deny', code: 'not_allowed_code' });
    const r = allowObserved(base, [w5]);
    expect(r.refused).toEqual([]);
    expect(r.additions).toHaveLength(1);
    const a = r.additions[0]!;
    expect(a).toMatchObject({ change: 'widened', conduitId: 'control--supervisory', newConduit: false, ruleId: 'modbus-10-0-1-10-to-10-0-2-11' });
    expect(a.text).toMatch(/^allow Modbus Write Single Register \(FC 6\) on unit 1 holding registers 40006 \(5\) from 10\.0\.1\.10 \(Supervisory \(L2\)\) to 10\.0\.2\.11 \(Control \(L1\)\): rule modbus-10-0-1-10-to-10-0-2-11 widened in conduit .*; refused 3 times, .* \(would-deny events 1-3\)$/);
    expect(rulesOf(r.policy)).toEqual(rulesOf(base));
    const verdict = judge(r.policy);
    expect(verdict(w5)).toMatchObject({ action: 'allow', ruleId: 'modbus-10-0-1-10-to-10-0-2-11' });
    // Its neighbours were not observed: another register, the same register on the other PLC, a write of many registers.
    expect(verdict(write(HMI, PLC1, 6, [9]))).toMatchObject({ action: 'deny', code: 'out_of_range' });
    expect(verdict(write(HMI, PLC2, 5, [9]))).toMatchObject({ action: 'deny' });
    expect(verdict({ ...w5, code: 16, codeName: 'Write Multiple Registers' })).toMatchObject({ action: 'deny', code: 'not_allowed_code' });
    // The polls still pass, and the rule keeps its evidence of why it was widened.
    expect(verdict({ ...w5, kind: 'read', code: 3, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', start: 0, count: 10 }] }).action).toBe('allow');
    const rule = r.policy.conduits.flatMap((c) => c.rules).find((x) => x.id === a.ruleId)!;
    expect(rule.evidence).toMatchObject({ conversations: [`${HMI}>${PLC1}:502/modbus`], transactions: 13, events: [1, 2, 3] });
    expect(diffPolicies(base, r.policy).changes).toEqual([expect.stringMatching(/^rule modbus-10-0-1-10-to-10-0-2-11: allows .* -> .*Write Single Register \(FC 6\) on unit 1 holding registers 40006 \(5\) \(for 3 refused requests: would-deny events 1-3\)$/)]);
    expect(base.conduits.flatMap((c) => c.rules).find((x) => x.id === a.ruleId)!.allow).toHaveLength(1); // the input is not touched
  });

  it('joins later observations of the same pair into that rule instead of adding near-duplicates', () => {
    const r = allowObserved(base, [write(HMI, PLC1, 6, [5]), write(HMI, PLC1, 5, [4]), write(HMI, PLC1, 9, [6]), write(HMI, PLC1, 5, [7])]);
    expect(r.additions.map((a) => a.change)).toEqual(['widened', 'covered', 'widened', 'widened']);
    const rule = r.policy.conduits.flatMap((c) => c.rules).find((x) => x.id === 'modbus-10-0-1-10-to-10-0-2-11')!;
    expect(rule.allow!.filter((a) => a.codes?.includes(6))).toEqual([{ kinds: ['write'], codes: [6], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[5, 6], [9, 9]] }] }]);
    expect(rule.evidence!.events).toEqual([4, 5, 6, 7]);
    expect(judge(r.policy)(write(HMI, PLC1, 7, [9])).action).toBe('deny');
  });

  it('opens a conduit between zones that had none, with a rule of its own', () => {
    const read = { ...write(HISTORIAN, PLC1, 0, [11, 12]), kind: 'read' as const, code: 3, codeName: 'Read Holding Registers', reasonCode: 'no_rule' as const, targets: [{ type: 'modbus' as const, unit: 1, table: 'holding_registers' as const, start: 0, count: 4 }] };
    expect(judge(base)(read)).toMatchObject({ action: 'deny', code: 'no_rule' });
    const r = allowObserved(base, [read]);
    expect(r.additions).toMatchObject([{ change: 'new rule', newConduit: true, conduitId: 'control--operations', ruleId: 'modbus-10-0-3-5-to-10-0-2-11' }]);
    const conduit = r.policy.conduits.find((c) => c.id === 'control--operations')!;
    expect(conduit).toMatchObject({ zones: ['control', 'operations'], securityLevel: 3, failMode: 'open' });
    expect(conduit.rules).toEqual([
      expect.objectContaining({ protocol: 'modbus', port: 502, client: { hosts: [HISTORIAN] }, server: { hosts: [PLC1] }, allow: [{ kinds: ['read'], codes: [3], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[0, 3]] }] }], evidence: { conversations: [], transactions: 2, firstSeen: 1011, lastSeen: 1012, events: [11, 12] } }),
    ]);
    expect(judge(r.policy)(read).action).toBe('allow');
    expect(judge(r.policy)({ ...read, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', start: 0, count: 5 }] }).action).toBe('deny');
  });

  it('refuses, in words, what it cannot place: an address in no zone, a conduit lint forbids, what no rule decides', () => {
    const stranger = write('10.9.9.9', PLC1, 5, [21]);
    const erp = write(ERP, PLC1, 5, [22]);
    const malformed = write(HMI, PLC1, 5, [23], { reasonCode: 'malformed' });
    const allowed = { ...write(HMI, PLC1, 0, [24]), kind: 'read' as const, code: 3, codeName: 'Read Holding Registers', reasonCode: undefined };
    const r = allowObserved(base, [stranger, erp, malformed, allowed, write(HMI, PLC2, 105, [25])]);
    expect(r.additions.map((a) => a.observation.evidence.events)).toEqual([[25]]);
    const why = new Map(r.refused.map((x) => [x.observation, x.why]));
    expect(why.get(stranger)).toBe('10.9.9.9 is in no zone of policy Derived policy: zones are not invented here; put it in a zone on the zone map, then propose again');
    expect(why.get(erp)).toMatch(/^it would need conduit Control \(L1\) - Enterprise \(L4\), which lint refuses: connects Purdue level 4 directly with level 1: such traffic must cross an industrial DMZ/);
    expect(why.get(malformed)).toMatch(/^the request was malformed/);
    expect(why.get(allowed)).toMatch(/^already allowed: allowed: Modbus Read Holding Registers \(FC 3\) on unit 1 holding registers 40001 \(0\)/);
    expect(r.policy.zones).toEqual(base.zones);
    expect(r.policy.conduits.map((c) => c.id)).toEqual(base.conduits.map((c) => c.id));
  });

  it('gives a document that loads, lints no worse, and is the same whatever the order of the observations', () => {
    const observations = [write(HMI, PLC1, 5, [1]), write(HMI, PLC2, 105, [2, 3]), write(HISTORIAN, PLC2, 100, [4]), write('10.9.9.9', PLC1, 5, [5]), write(HMI, PLC1, 7, [6])];
    const r = allowObserved(base, observations);
    expect(r.additions).toHaveLength(4);
    const text = formatPolicy(r.policy);
    expect(parsePolicy(text)).toEqual(r.policy);
    expect(text).toMatch(/# learned: 1 transactions in 0 conversations, .*; proposed from would-deny events 4/);
    const errors = (p: Policy) => lintPolicy(p).filter((f) => f.severity === 'error');
    expect(errors(r.policy)).toEqual(errors(base));
    expect(allowObserved(base, [...observations].reverse())).toEqual(r);
  });
});
