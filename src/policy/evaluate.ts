// The policy's rules, compiled: which rule decides an operation, by its endpoints, code and
// targets. The policy is compiled into lookup structures (zone of an address, rules indexed by
// protocol and client) so a verdict costs a few map lookups, and every verdict carries the rule,
// a reason code and a reason a person can read. Every judge asks through verdict.ts, which adds
// what the rules cannot see (malformed, uninspectable and encrypted requests, isolation).

import { isGroupAddress } from '../../protocols/net/address.js';
import type { Endpoint, Operation, Protocol, Target } from '../../protocols/operation.js';
import type { TargetNames } from '../../protocols/protocol.js';
import { protocolModule } from '../../protocols/registry.js';
import { AddressSet, parseMember, type Member } from './addresses.js';
import { describeAllowance, describeTarget } from './words.js';
import type { Allowance, BacnetScope, Conduit, ModbusScope, Policy, Rule, Zone } from './model.js';

/**
 * Why a request was allowed or denied: a closed set. The code travels on events, SIEM lines, the
 * API and the console; the sentence is built from it (and the request) where it is read.
 */
export const VERDICT_CODES = [
  'allowed',
  'allowed_by_default',
  'response',
  'no_rule',
  'denied_by_rule',
  'not_allowed_code',
  'out_of_range',
  'encrypted_channel',
  'malformed',
  'uninspectable',
  'stream_integrity',
  'isolated',
  // Refused by the kernel table's layer 2 (the policy's link section), seen by the link watch.
  'address_spoofing',
  'unknown_vlan',
  'ether_type',
] as const;
export type VerdictCode = (typeof VERDICT_CODES)[number];

export interface Verdict {
  action: 'allow' | 'deny';
  code: VerdictCode;
  /** The rule that decided, if one did (absent: default action). */
  ruleId?: string;
  conduitId?: string;
  reason: string;
}

type Why = 'response' | 'rule' | 'default';

/**
 * A verdict whose reason is written only when someone reads it (enforcement mostly does not):
 * it keeps what the reason is made of, one object per evaluation and nothing else.
 */
class Decision implements Verdict {
  private text: string | undefined;

  constructor(
    readonly action: 'allow' | 'deny',
    readonly code: VerdictCode,
    readonly ruleId: string | undefined,
    readonly conduitId: string | undefined,
    private readonly why: Why,
    private readonly evaluator: Evaluator,
    private readonly op: Operation,
    private readonly clientZone: Zone | undefined,
    private readonly serverZone: Zone | undefined,
    private readonly rule: CompiledRule | undefined,
  ) {}

  get reason(): string {
    return (this.text ??= this.evaluator.explain(this.action, this.why, this.op, this.clientZone, this.serverZone, this.rule));
  }

  toJSON(): Verdict {
    const v: Verdict = { action: this.action, code: this.code, reason: this.reason };
    if (this.ruleId !== undefined) v.ruleId = this.ruleId;
    if (this.conduitId !== undefined) v.conduitId = this.conduitId;
    return v;
  }
}

interface CompiledAllowance {
  source: Allowance;
  kinds?: Set<string>;
  codes?: Set<number>;
  subCodes?: Set<number>;
  modbus?: ModbusScope[];
  bacnet?: BacnetScope[];
  nodes?: Set<string>;
  namespaces?: Set<number>;
}

interface CompiledRule {
  rule: Rule;
  conduit: Conduit;
  deny: boolean;
  clientZone?: string;
  clientHosts?: AddressSet;
  serverZone?: string;
  serverHosts?: AddressSet;
  serverBroadcast: boolean;
  allow?: CompiledAllowance[];
}

interface ProtocolIndex {
  /** Rules naming exact client and server hosts (what derivation writes): client -> server -> rules. */
  byPair: Map<string, Map<string, CompiledRule[]>>;
  byClientIp: Map<string, CompiledRule[]>;
  byClientZone: Map<string, CompiledRule[]>;
  /** Rules whose client is given by CIDR blocks or MACs without a zone: checked every time. */
  wide: CompiledRule[];
}

const GROUP_CACHE_LIMIT = 65_536;

function opcuaNamespace(nodeId: string): number {
  const m = /^ns=(\d+);/.exec(nodeId);
  return m ? Number(m[1]) : 0;
}

function within(ranges: [number, number][] | undefined, first: number, last: number): boolean {
  if (!ranges) return true;
  for (const [a, b] of ranges) if (first >= a && last <= b) return true;
  return false;
}

function targetAllowed(a: CompiledAllowance, t: Target): boolean {
  switch (t.type) {
    case 'modbus': {
      if (!a.modbus) return true;
      for (const s of a.modbus) {
        if (s.unit !== t.unit) continue;
        if (s.table !== undefined && s.table !== t.table) continue;
        if (!s.ranges) return true;
        // An address range is allowed only when it is known and inside.
        if (t.start === undefined) continue;
        if (within(s.ranges, t.start, t.start + Math.max(1, t.count ?? 1) - 1)) return true;
      }
      return false;
    }
    case 'bacnet': {
      if (!a.bacnet) return true;
      for (const s of a.bacnet) {
        if (s.objectType !== t.objectType || !within(s.instances, t.instance, t.instance)) continue;
        if (!s.properties) return true;
        const prop = t.propertyName ?? (t.property !== undefined ? String(t.property) : undefined);
        if (prop === undefined || s.properties.includes(prop) || (t.property !== undefined && s.properties.includes(String(t.property)))) return true;
      }
      return false;
    }
    case 'opcua': {
      if (!a.nodes && !a.namespaces) return true;
      if (a.nodes?.has(t.nodeId)) return true;
      return a.namespaces?.has(opcuaNamespace(t.nodeId)) ?? false;
    }
  }
}

/** The allowance's kinds and codes take the operation, whatever its targets. */
function codeMatches(a: CompiledAllowance, op: Operation): boolean {
  return (!a.kinds || a.kinds.has(op.kind)) && (!a.codes || a.codes.has(op.code)) && (!a.subCodes || (op.subCode !== undefined && a.subCodes.has(op.subCode)));
}

function allowanceMatches(a: CompiledAllowance, op: Operation): boolean {
  if (!codeMatches(a, op)) return false;
  const scoped = a.modbus !== undefined || a.bacnet !== undefined || a.nodes !== undefined || a.namespaces !== undefined;
  if (!scoped) return true;
  // Scoped access needs every target known: a truncated or target-less request cannot be shown to stay inside.
  if (op.targetsTruncated) return false;
  for (const t of op.targets) if (!targetAllowed(a, t)) return false;
  return op.targets.length > 0;
}

function anyAllowance(list: CompiledAllowance[], op: Operation): boolean {
  for (let i = 0; i < list.length; i++) if (allowanceMatches(list[i]!, op)) return true;
  return false;
}

function compileAllowance(a: Allowance): CompiledAllowance {
  const c: CompiledAllowance = { source: a };
  if (a.kinds) c.kinds = new Set(a.kinds);
  if (a.codes) c.codes = new Set(a.codes);
  if (a.subCodes) c.subCodes = new Set(a.subCodes);
  if (a.modbus) c.modbus = a.modbus;
  if (a.bacnet) c.bacnet = a.bacnet;
  if (a.opcua?.nodes) c.nodes = new Set(a.opcua.nodes);
  if (a.opcua?.namespaces) c.namespaces = new Set(a.opcua.namespaces);
  return c;
}

function members(texts: string[]): Member[] {
  return texts.map(parseMember).filter((m): m is Member => typeof m !== 'string');
}

/** "FC 6 (Write Single Register)", "writeProperty", "WriteRequest": as each protocol names its codes. */
export function describeCode(op: Operation): string {
  return protocolModule(op.protocol).describeCode(op);
}

export class Evaluator {
  private readonly zones: { zone: Zone; set: AddressSet }[] = [];
  private readonly zoneByIp = new Map<string, Zone | null>();
  private readonly index = new Map<Protocol, ProtocolIndex>();
  private readonly conduitByPair = new Map<string, Conduit>();
  /** During one evaluation: an allow rule whose endpoints matched but whose allowances did not. */
  private near: CompiledRule | undefined;

  /**
   * @param names what the plant's devices call their targets (learned OPC UA browse names), for
   * the reasons of verdicts
   */
  constructor(
    readonly policy: Policy,
    readonly names?: TargetNames,
  ) {
    for (const z of policy.zones) this.zones.push({ zone: z, set: new AddressSet(members(z.members)) });
    for (const c of policy.conduits) {
      this.conduitByPair.set(`${c.zones[0]}\u0000${c.zones[1]}`, c);
      this.conduitByPair.set(`${c.zones[1]}\u0000${c.zones[0]}`, c);
      for (const rule of c.rules) this.add(rule, c);
    }
  }

  private add(rule: Rule, conduit: Conduit): void {
    const cr: CompiledRule = { rule, conduit, deny: rule.action === 'deny', serverBroadcast: rule.server.broadcast === true };
    if (rule.client.zone) cr.clientZone = rule.client.zone;
    if (rule.client.hosts) cr.clientHosts = new AddressSet(members(rule.client.hosts));
    if (rule.server.zone) cr.serverZone = rule.server.zone;
    if (rule.server.hosts) cr.serverHosts = new AddressSet(members(rule.server.hosts));
    if (rule.allow) cr.allow = rule.allow.map(compileAllowance);
    let ix = this.index.get(rule.protocol);
    if (!ix) this.index.set(rule.protocol, (ix = { byPair: new Map(), byClientIp: new Map(), byClientZone: new Map(), wide: [] }));
    const push = (map: Map<string, CompiledRule[]>, key: string) => {
      const list = map.get(key);
      if (list) list.push(cr);
      else map.set(key, [cr]);
    };
    const exactServers = cr.serverHosts?.onlyExact && !cr.serverZone && !cr.serverBroadcast;
    if (cr.clientHosts?.onlyExact && !cr.clientZone && exactServers) {
      for (const ip of cr.clientHosts.addresses) {
        let servers = ix.byPair.get(ip);
        if (!servers) ix.byPair.set(ip, (servers = new Map()));
        for (const server of cr.serverHosts!.addresses) push(servers, server);
      }
    } else if (cr.clientHosts?.onlyExact && !cr.clientZone) for (const ip of cr.clientHosts.addresses) push(ix.byClientIp, ip);
    else if (cr.clientZone) push(ix.byClientZone, cr.clientZone);
    else ix.wide.push(cr);
  }

  /** The zone an endpoint belongs to (by address, else by MAC). */
  zoneOf(e: Endpoint): Zone | undefined {
    let z = this.zoneByIp.get(e.ip);
    if (z === undefined) {
      z = null;
      for (const { zone, set } of this.zones) {
        if (set.has(e.ip)) {
          z = zone;
          break;
        }
      }
      if (this.zoneByIp.size >= GROUP_CACHE_LIMIT) this.zoneByIp.clear();
      this.zoneByIp.set(e.ip, z);
    }
    if (z) return z;
    if (e.mac) for (const { zone, set } of this.zones) if (set.has('', e.mac)) return zone;
    return undefined;
  }

  /** The conduit between two endpoints' zones, if the policy has one. */
  conduitBetween(client: Endpoint, server: Endpoint): Conduit | undefined {
    const a = this.zoneOf(client);
    const b = this.zoneOf(server);
    return a && b ? this.conduitByPair.get(`${a.id}\u0000${b.id}`) : undefined;
  }

  evaluate(op: Operation): Verdict {
    const ix = this.index.get(op.protocol);
    const clientZone = this.zoneOf(op.client);
    const broadcast = isGroupAddress(op.server);
    const serverZone = broadcast ? undefined : this.zoneOf(op.server);
    this.near = undefined;
    if (ix) {
      const byPair = ix.byPair.get(op.client.ip)?.get(op.server.ip);
      const byIp = ix.byClientIp.get(op.client.ip);
      const byZone = clientZone ? ix.byClientZone.get(clientZone.id) : undefined;
      // Explicit denies first, across every list: a deny anywhere wins over any allow.
      const v =
        this.scan(byPair, true, op, clientZone, serverZone, broadcast) ??
        this.scan(byIp, true, op, clientZone, serverZone, broadcast) ??
        this.scan(byZone, true, op, clientZone, serverZone, broadcast) ??
        this.scan(ix.wide, true, op, clientZone, serverZone, broadcast) ??
        this.scan(byPair, false, op, clientZone, serverZone, broadcast) ??
        this.scan(byIp, false, op, clientZone, serverZone, broadcast) ??
        this.scan(byZone, false, op, clientZone, serverZone, broadcast) ??
        this.scan(ix.wide, false, op, clientZone, serverZone, broadcast);
      if (v) return v;
    }
    const endpointMatch = this.near;
    return this.otherwise(op, clientZone, serverZone, broadcast, endpointMatch);
  }

  /** The first rule of `list` (denies or allows) that decides the operation. */
  private scan(list: CompiledRule[] | undefined, deny: boolean, op: Operation, clientZone: Zone | undefined, serverZone: Zone | undefined, broadcast: boolean): Verdict | undefined {
    if (!list) return undefined;
    for (const cr of list) {
      if (cr.deny !== deny || !this.endpointsMatch(cr, op, clientZone, serverZone, broadcast)) continue;
      // A response rides on its request's rule: only the endpoints are checked.
      if (op.direction === 'response') {
        if (deny) continue;
        return new Decision('allow', 'response', cr.rule.id, cr.conduit.id, 'response', this, op, clientZone, serverZone, cr);
      }
      if (cr.allow && !anyAllowance(cr.allow, op)) {
        if (!deny) this.near ??= cr;
        continue;
      }
      return new Decision(deny ? 'deny' : 'allow', deny ? 'denied_by_rule' : 'allowed', cr.rule.id, cr.conduit.id, 'rule', this, op, clientZone, serverZone, cr);
    }
    return undefined;
  }

  private endpointsMatch(cr: CompiledRule, op: Operation, clientZone: Zone | undefined, serverZone: Zone | undefined, broadcast: boolean): boolean {
    const r = cr.rule;
    if (r.port !== undefined && r.port !== op.server.port) return false;
    if (cr.clientZone !== undefined && cr.clientZone !== clientZone?.id) return false;
    if (cr.clientHosts && !cr.clientHosts.has(op.client.ip, op.client.mac)) return false;
    if (cr.serverBroadcast) return broadcast;
    if (broadcast) return false;
    if (cr.serverZone !== undefined && cr.serverZone !== serverZone?.id) return false;
    if (cr.serverHosts && !cr.serverHosts.has(op.server.ip, op.server.mac)) return false;
    return cr.serverZone !== undefined || cr.serverHosts !== undefined;
  }

  /** An operation in the plant's words: protocol, code by name, kind, targets, and each end with its zone. */
  describe(op: Operation): string {
    return this.what(op, this.zoneOf(op.client), isGroupAddress(op.server) ? undefined : this.zoneOf(op.server));
  }

  private what(op: Operation, clientZone: Zone | undefined, serverZone: Zone | undefined): string {
    const target = op.targets.length ? ` on ${op.targets.slice(0, 2).map((t) => describeTarget(t, this.names)).join(', ')}${op.targets.length > 2 ? ` and ${op.targets.length - 2} more` : ''}` : '';
    const server = isGroupAddress(op.server) ? `broadcast ${op.server.ip}` : `${op.server.ip}${serverZone ? ` (${serverZone.name})` : ''}`;
    return `${protocolModule(op.protocol).title} ${describeCode(op)}${target} from ${op.client.ip}${clientZone ? ` (${clientZone.name})` : ''} to ${server}`;
  }

  private otherwise(op: Operation, clientZone: Zone | undefined, serverZone: Zone | undefined, broadcast: boolean, near: CompiledRule | undefined): Verdict {
    const conduit = near ? near.conduit : clientZone && (broadcast || serverZone) ? this.conduitByPair.get(`${clientZone.id}\u0000${(serverZone ?? clientZone).id}`) : undefined;
    const code: VerdictCode = this.policy.defaultAction === 'allow' ? 'allowed_by_default' : !near ? 'no_rule' : near.allow!.some((a) => codeMatches(a, op)) ? 'out_of_range' : 'not_allowed_code';
    return new Decision(this.policy.defaultAction, code, undefined, conduit?.id, 'default', this, op, clientZone, serverZone, near);
  }

  /** The reason of a verdict, in words (called only when a reason is read). */
  explain(action: 'allow' | 'deny', why: Why, op: Operation, clientZone: Zone | undefined, serverZone: Zone | undefined, cr: CompiledRule | undefined): string {
    if (why === 'response') return `allowed: response on conduit ${cr!.conduit.name} rule ${cr!.rule.id}`;
    const what = this.what(op, clientZone, serverZone);
    if (why === 'rule') {
      if (action === 'deny') return `denied: ${what}: rule ${cr!.rule.id} of conduit ${cr!.conduit.name} denies it${cr!.rule.comment ? ` (${cr!.rule.comment})` : ''}`;
      return `allowed: ${what}: conduit ${cr!.conduit.name} rule ${cr!.rule.id}`;
    }
    const broadcast = isGroupAddress(op.server);
    let reason: string;
    if (cr) reason = `conduit ${cr.conduit.name} rule ${cr.rule.id} allows ${cr.allow!.map((a) => describeAllowance(a.source, cr.rule.protocol, this.names)).join('; ')}`;
    else if (!clientZone) reason = `${op.client.ip} is in no zone`;
    else if (!broadcast && !serverZone) reason = `${op.server.ip} is in no zone`;
    else {
      const conduit = this.conduitByPair.get(`${clientZone.id}\u0000${(serverZone ?? clientZone).id}`);
      reason = conduit ? `conduit ${conduit.name} has no rule for ${protocolModule(op.protocol).title} from ${op.client.ip} to ${broadcast ? 'broadcast' : op.server.ip}:${op.server.port}` : `no conduit between ${clientZone.name} and ${(serverZone ?? clientZone).name}`;
    }
    return action === 'allow' ? `allowed by the default action (no rule matched: ${reason})` : `denied: ${what}: ${reason}`;
  }
}

export function compilePolicy(policy: Policy, names?: TargetNames): Evaluator {
  return new Evaluator(policy, names);
}
