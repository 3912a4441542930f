// Adaptive policy, with a person in the loop: what was seen and refused (learn mode's would-deny
// events, a detector alert an engineer chose to allow) becomes the narrowest rule that lets it
// through, in the conduit between its two ends' zones. The result is a proposal, stored as a
// draft and reviewed like any other version. What cannot be placed is refused with its reason.
// No zone is invented and no address is put in a zone here: membership decides a device's target
// security level, which is the zone map's decision (move the address there, then propose again).

import { isGroupAddress } from '../../protocols/net/address.js';
import type { Operation, OperationKind, Protocol, Target } from '../../protocols/operation.js';
import { allowancesFor, conduitFor, mergeRanges, ruleRate, type DeriveTarget } from './derive.js';
import { RuleIds } from './rule-ids.js';
import { compilePolicy, type Evaluator, type VerdictCode } from './evaluate.js';
import { lintPolicy, type Finding } from './lint.js';
import type { Allowance, BacnetScope, Conduit, HostSelector, ModbusScope, Policy, Rule, Zone } from './model.js';
import { Judge } from './verdict.js';
import { describeRule } from './words.js';

/** What was seen and refused: one operation between two endpoints, as often as it was seen. */
export interface Observation {
  protocol: Protocol;
  client: { ip: string; vlan?: number };
  /** `broadcast`: a broadcast or multicast destination (BACnet Who-Is). */
  server: { ip: string; port: number; vlan?: number; broadcast?: boolean };
  kind: OperationKind;
  code: number;
  codeName: string;
  subCode?: number;
  targets: Target[];
  targetsTruncated?: boolean;
  /** Why it was refused, as the verdict said (absent: it is judged here against the policy). */
  reasonCode?: VerdictCode;
  count: number;
  firstSeen: number;
  lastSeen: number;
  evidence: { events?: number[]; alert?: number; conversation?: string };
}

export interface Addition {
  /** In the plant's words: what is let through, by which rule of which conduit, and why. */
  text: string;
  /** `covered`: a rule added or widened for an earlier observation lets it through already. */
  change: 'new rule' | 'widened' | 'covered';
  conduitId: string;
  conduitName: string;
  newConduit: boolean;
  ruleId: string;
  /** What the rule allows now, as the diff says it. */
  allows: string;
  observation: Observation;
}

export interface Refusal {
  observation: Observation;
  /** What was refused, in the plant's words. */
  what: string;
  why: string;
}

export interface Adaptation {
  policy: Policy;
  additions: Addition[];
  refused: Refusal[];
}

/** Event and alert ids kept on one rule's evidence: the latest. */
export const EVIDENCE_IDS = 20;

/** Reasons the rules decide: a change of rules changes the verdict. */
export const RULE_DECIDED = ['no_rule', 'not_allowed_code', 'out_of_range', 'denied_by_rule'] as const satisfies readonly VerdictCode[];
type RuleDecided = (typeof RULE_DECIDED)[number];

/** Why a request refused for a reason the rules do not decide cannot be let through by a rule. */
const UNPLACEABLE: Record<Exclude<VerdictCode, RuleDecided>, string> = {
  allowed: 'it was allowed: nothing to add',
  allowed_by_default: 'it was allowed by the default action: nothing to add',
  response: "a response rides on its request's rule: nothing to add",
  encrypted_channel: 'the channel is encrypted, so its services cannot be inspected: only a rule allowing the whole channel would let it through, which is no narrow rule (write it by hand if it is wanted)',
  malformed: 'the request was malformed: what a device makes of it is its own guess, and no rule lets it through',
  uninspectable: 'the request could not be read inline (an IP fragment, or bytes inspection cannot follow): no rule lets it through',
  stream_integrity: "the connection's stream could not be followed (a gap, a conflicting retransmission): no rule lets it through",
  isolated: 'an end of it was isolated (island mode): release it instead of allowing it',
  address_spoofing: "the link layer refused it as address spoofing (an address from another MAC than its binding): if the device was replaced, change its binding in the policy's link section",
  unknown_vlan: 'the link layer refused it: a VLAN no zone lives on (add the VLAN to its zone on the zone map if it belongs there)',
  ether_type: "the link layer refused it: an EtherType the policy's link section does not pass (add it there if it belongs)",
};

/** Why no rule can let through what was refused for `code` (undefined: a rule can). */
export function unplaceable(code: VerdictCode): string | undefined {
  return (RULE_DECIDED as readonly string[]).includes(code) ? undefined : UNPLACEABLE[code as Exclude<VerdictCode, RuleDecided>];
}

/** The observation as the verdict reads a request. */
export function observedOperation(o: Observation): Operation {
  const op: Operation = {
    protocol: o.protocol,
    direction: o.server.broadcast ? 'unsolicited' : 'request',
    kind: o.kind,
    code: o.code,
    codeName: o.codeName,
    client: { ip: o.client.ip, port: 0, ...(o.client.vlan !== undefined ? { vlan: o.client.vlan } : {}) },
    server: { ip: o.server.ip, port: o.server.port, ...(o.server.vlan !== undefined ? { vlan: o.server.vlan } : {}), ...(o.server.broadcast ? { mac: 'ff:ff:ff:ff:ff:ff' } : {}) },
    flowId: o.evidence.conversation ?? '',
    targets: o.targets,
    anomalies: [],
    evidence: { ts: o.lastSeen, frame: 0, bytes: 0 },
  };
  if (o.subCode !== undefined) op.subCode = o.subCode;
  if (o.targetsTruncated) op.targetsTruncated = true;
  return op;
}

/**
 * The policy with each observation let through by the narrowest rule: a rule of its own
 * (protocol, port, the two hosts, the operation's kind and code, exactly the targets touched) in
 * the conduit between the two zones (a new conduit if they have none), or, where the conduit has
 * a rule for just these two hosts already, that rule widened. What would add a lint error the
 * policy did not have (a conduit from the enterprise straight to control) is refused in lint's
 * words. The input is not touched; the same observations give the same result in any order.
 */
export function allowObserved(policy: Policy, observations: Observation[]): Adaptation {
  const sorted = [...observations].sort((a, b) => compareText(orderKey(a), orderKey(b)));
  // Judged against the policy as given; rules added for one observation are found by their hosts for the next.
  const evaluator = compilePolicy(policy);
  const first = place(policy, evaluator, sorted);
  const key = (f: Finding) => `${f.code}|${f.where}|${f.message}`;
  const before = new Set(lintPolicy(policy).filter((f) => f.severity === 'error').map(key));
  const fresh = lintPolicy(first.policy).filter((f) => f.severity === 'error' && !before.has(key(f)));
  if (fresh.length === 0) return first;
  const blocked = new Map<Observation, string>();
  for (const a of first.additions) {
    const f = fresh.find((x) => x.where === `conduit ${a.conduitId}` || x.where === `conduit ${a.conduitId} rule ${a.ruleId}`);
    if (f) blocked.set(a.observation, `it would need conduit ${a.conduitName}, which lint refuses: ${f.message} (${f.clause})`);
  }
  const second = place(policy, evaluator, sorted.filter((o) => !blocked.has(o)));
  const refused = [...second.refused, ...[...blocked].map(([observation, why]) => ({ observation, what: evaluator.describe(observedOperation(observation)), why }))];
  return { ...second, refused: refused.sort((a, b) => sorted.indexOf(a.observation) - sorted.indexOf(b.observation)) };
}

/** Ids in order, runs of consecutive ones as first-last: "381-400, 412". */
export function idList(ids: readonly number[]): string {
  const runs: [number, number][] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const run = runs.at(-1);
    if (run && id <= run[1] + 1) run[1] = id;
    else runs.push([id, id]);
  }
  return runs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ');
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function orderKey(o: Observation): string {
  return JSON.stringify([o.protocol, o.client.ip, o.server.ip, o.server.port, o.code, o.subCode ?? -1, o.kind, o.targets, o.firstSeen, o.lastSeen, o.count, o.evidence]);
}

function place(policy: Policy, evaluator: Evaluator, observations: Observation[]): Adaptation {
  const p = structuredClone(policy);
  const judge = new Judge(evaluator);
  const ids = new RuleIds(p.conduits.flatMap((c) => c.rules.map((r) => r.id)));
  const additions: Addition[] = [];
  const refused: Refusal[] = [];
  for (const o of observations) {
    const op = observedOperation(o);
    const ends = zonesOf(evaluator, op);
    const why = typeof ends === 'string' ? ends : refusal(o, op, ends, judge);
    if (why !== undefined) refused.push({ observation: o, what: evaluator.describe(op), why });
    else additions.push(addRule(p, o, op, ends as [Zone, Zone], evaluator, ids));
  }
  return { policy: p, additions, refused };
}

/** The zones of the two ends (a broadcast stays in its sender's zone), or why there are none. */
function zonesOf(evaluator: Evaluator, op: Operation): [Zone, Zone] | string {
  const cz = evaluator.zoneOf(op.client);
  const sz = isGroupAddress(op.server) ? cz : evaluator.zoneOf(op.server);
  const nowhere = (ip: string) => `${ip} is in no zone of policy ${evaluator.policy.name}: zones are not invented here; put it in a zone on the zone map, then propose again`;
  if (!cz) return nowhere(op.client.ip);
  if (!sz) return nowhere(op.server.ip);
  return [cz, sz];
}

function refusal(o: Observation, op: Operation, zones: [Zone, Zone], judge: Judge): string | undefined {
  const beyond = o.reasonCode !== undefined ? unplaceable(o.reasonCode) : undefined;
  if (beyond !== undefined) return beyond;
  for (const [end, zone] of [[o.client, zones[0]], [o.server, zones[1]]] as const) {
    if (end.vlan !== undefined && zone.vlans?.length && !zone.vlans.includes(end.vlan)) {
      return `${end.ip} was seen on VLAN ${end.vlan}, but its zone ${zone.name} lives on VLAN ${zone.vlans.join(', ')}: the link layer refuses it whatever the rules say (change the zone's VLANs on the zone map if it belongs there)`;
    }
  }
  if (o.targetsTruncated) return 'it touched more targets than were kept: a rule scoped to exactly what it touched cannot be written (allow it by hand if it is wanted)';
  const v = judge.request(op);
  if (v.action === 'allow') return `already allowed: ${v.reason}`;
  if (v.code === 'denied_by_rule') return `${v.reason}: an explicit deny is an engineer's decision, changed by hand only`;
  return undefined;
}

/** A selector naming exactly this one host. */
const only = (s: HostSelector, ip: string) => s.zone === undefined && !s.broadcast && s.hosts?.length === 1 && s.hosts[0] === ip;

function addRule(p: Policy, o: Observation, op: Operation, [cz, sz]: [Zone, Zone], evaluator: Evaluator, ids: RuleIds): Addition {
  let conduit = p.conduits.find((c) => (c.zones[0] === cz.id && c.zones[1] === sz.id) || (c.zones[0] === sz.id && c.zones[1] === cz.id));
  const newConduit = !conduit;
  if (!conduit) p.conduits.push((conduit = uniqueConduit(conduitFor(cz, sz), p.conduits)));
  const allowance = allowancesFor([{ kind: o.kind, code: o.code, ...(o.subCode !== undefined ? { subCode: o.subCode } : {}), count: o.count, firstSeen: o.firstSeen, lastSeen: o.lastSeen, targets: o.targets.map(deriveTarget) }], 4, 0)![0]!;
  const broadcast = o.server.broadcast === true;
  let rule = conduit.rules.find((r) => (r.action ?? 'allow') === 'allow' && r.allow && r.protocol === o.protocol && r.port === o.server.port && only(r.client, o.client.ip) && (broadcast ? r.server.broadcast === true : only(r.server, o.server.ip)));
  let change: Addition['change'] = 'new rule';
  if (rule) {
    const before = JSON.stringify(rule.allow);
    widen(rule.allow!, allowance);
    change = JSON.stringify(rule.allow) === before ? 'covered' : 'widened';
  } else {
    rule = { id: '', protocol: o.protocol, port: o.server.port, client: { hosts: [o.client.ip] }, server: broadcast ? { broadcast: true } : { hosts: [o.server.ip] }, allow: [allowance] };
    rule.id = ids.name(rule);
    if ((conduit.securityLevel ?? Math.max(cz.securityLevel, sz.securityLevel)) >= 4) rule.ratePerSecond = ruleRate(o.count, o.firstSeen, o.lastSeen);
    conduit.rules.push(rule);
  }
  addEvidence(rule, o);
  const done = { 'new rule': `new rule ${rule.id}`, widened: `rule ${rule.id} widened`, covered: `rule ${rule.id}, as proposed above` }[change];
  const [first, last] = [o.firstSeen, o.lastSeen].map((t) => `${new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19)}Z`);
  const when = first === last ? `at ${first}` : `${first} to ${last}`;
  const from = [o.evidence.events?.length ? `would-deny events ${idList(o.evidence.events)}` : '', o.evidence.alert !== undefined ? `alert ${o.evidence.alert}` : ''].filter(Boolean).join(', ');
  return {
    text: `allow ${evaluator.describe(op)}: ${done} in conduit ${conduit.name}${newConduit ? ' (a new conduit)' : ''}; refused ${o.count} time${o.count === 1 ? '' : 's'}, ${when}${from ? ` (${from})` : ''}`,
    change,
    conduitId: conduit.id,
    conduitName: conduit.name,
    newConduit,
    ruleId: rule.id,
    allows: describeRule(rule, evaluator.names),
    observation: o,
  };
}

/** A new conduit's id, unique among the policy's (a written policy may use the derived id for other zones). */
function uniqueConduit(c: Conduit, conduits: Conduit[]): Conduit {
  const ids = new Set(conduits.map((x) => x.id));
  const base = c.id;
  for (let n = 2; ids.has(c.id); n++) c.id = `${base}-${n}`;
  return c;
}

/** A decoded target as derivation reads a learned one. */
function deriveTarget(t: Target): DeriveTarget {
  switch (t.type) {
    case 'modbus':
      return { type: 'modbus', unit: t.unit, ...(t.table ? { table: t.table } : {}), ranges: t.start === undefined ? [] : [[t.start, t.start + Math.max(1, t.count ?? 1) - 1]] };
    case 'bacnet': {
      const property = t.propertyName ?? (t.property !== undefined ? String(t.property) : undefined);
      return { type: 'bacnet', objectType: t.objectType, instance: t.instance, properties: property === undefined ? [] : [property] };
    }
    case 'opcua':
      return { type: 'opcua', nodeId: t.nodeId };
  }
}

const scoped = (a: Allowance) => a.modbus !== undefined || a.bacnet !== undefined || a.opcua !== undefined;
const codesOf = (a: Allowance) => JSON.stringify([a.kinds, a.codes, a.subCodes]);

/** `add` joined into the allowance with the same kinds and codes (their targets united), else beside the others. */
function widen(list: Allowance[], add: Allowance): void {
  const into = scoped(add) ? list.find((a) => scoped(a) && codesOf(a) === codesOf(add)) : undefined;
  if (!into) {
    if (!list.some((a) => JSON.stringify(a) === JSON.stringify(add))) list.push(add);
    return;
  }
  for (const s of add.modbus ?? []) joinScope((into.modbus ??= []), s, (x: ModbusScope) => x.unit === s.unit && x.table === s.table, 'ranges');
  for (const s of add.bacnet ?? []) joinScope((into.bacnet ??= []), s, (x: BacnetScope) => x.objectType === s.objectType && JSON.stringify(x.properties) === JSON.stringify(s.properties), 'instances');
  if (add.opcua?.nodes) into.opcua = { ...into.opcua, nodes: [...new Set([...(into.opcua?.nodes ?? []), ...add.opcua.nodes])].sort() };
}

/** A scope joined into the one it extends (absent ranges: all of it), else added. */
function joinScope<S extends ModbusScope | BacnetScope, K extends 'ranges' | 'instances'>(list: S[], add: S, same: (x: S) => boolean, key: K & keyof S): void {
  const into = list.find(same);
  if (!into) {
    list.push(structuredClone(add));
    return;
  }
  const a = into[key] as [number, number][] | undefined;
  const b = add[key] as [number, number][] | undefined;
  if (!a) return;
  if (!b) delete into[key];
  else (into[key] as [number, number][]) = mergeRanges([...a, ...b], 0);
}

function addEvidence(r: Rule, o: Observation): void {
  const e = (r.evidence ??= { conversations: [], transactions: 0 });
  const c = o.evidence.conversation;
  if (c !== undefined && !e.conversations.includes(c)) e.conversations.push(c);
  e.transactions += o.count;
  e.firstSeen = Math.min(e.firstSeen ?? o.firstSeen, o.firstSeen);
  e.lastSeen = Math.max(e.lastSeen ?? o.lastSeen, o.lastSeen);
  const latest = (ids: number[]) => [...new Set(ids)].sort((x, y) => x - y).slice(-EVIDENCE_IDS);
  if (o.evidence.events?.length) e.events = latest([...(e.events ?? []), ...o.evidence.events]);
  if (o.evidence.alert !== undefined) e.alerts = latest([...(e.alerts ?? []), o.evidence.alert]);
}
