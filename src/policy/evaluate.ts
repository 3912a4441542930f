// The policy's rules, compiled: which rule decides an operation, by its endpoints, code and
// targets. The policy is compiled into lookup structures (zone of an address, rules indexed by
// protocol and client) so a verdict costs a few map lookups, and every verdict carries the rule,
// a reason code and a reason a person can read. A protocol whose rules all name exact IPv4 client
// and server hosts (a derived policy) is judged from a flat table of address pairs instead
// (pair-table.ts), its zones looked up only when a reason is read or no rule allows. Every judge
// asks through verdict.ts, which adds what the rules cannot see (malformed, uninspectable and
// encrypted requests, isolation).

import { isGroupAddress, isGroupMac } from '../../protocols/net/address.js';
import type { Endpoint, Operation, Protocol } from '../../protocols/operation.js';
import type { TargetNames } from '../../protocols/protocol.js';
import { protocolModule } from '../../protocols/registry.js';
import { AddressBook, type Address } from './address-book.js';
import { anyAllowance, codeMatches, compileAllowance, type CompiledAllowance } from './allowance-match.js';
import { AddressSet, parseMember, type Member } from './addresses.js';
import { PairTable, ipv4Number, isGroupIpv4, type PairLists } from './pair-table.js';
import { describeAllowance, describeTarget } from './words.js';
import type { Conduit, Policy, Rule, Zone } from './model.js';

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

/**
 * 'pair' and 'pair-default': as 'rule' and 'default', for a request judged by its addresses
 * (the pair table), whose zones are looked up only if the reason is read.
 */
type Why = 'response' | 'rule' | 'pair' | 'default' | 'pair-default';

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

/** One index entry's rules, the denies apart: every deny is tried before any allow, and most lists have none. */
interface RuleList {
  deny: CompiledRule[];
  allow: CompiledRule[];
}

/**
 * The rules naming one client address exactly, for one protocol; a client speaking several
 * protocols has a short chain of them (a chain, not a map: one pointer fewer to chase per
 * request, which is what a large policy's verdict costs).
 */
interface ClientRules {
  protocol: Protocol;
  /** Those naming exact server hosts too (what derivation writes): server -> rules. */
  pairs: Map<Address<ClientRules>, RuleList>;
  /** The others. */
  byIp: RuleList;
  next?: ClientRules;
}

interface ProtocolIndex {
  byClientZone: Map<string, RuleList>;
  /** Rules whose client is given by CIDR blocks or MACs without a zone: checked every time. */
  wide: RuleList;
  /** Whether any rule of the protocol denies: most policies have none, and skip the deny pass. */
  denies: boolean;
  /** Lists of rules naming an exact client and server: every one made, for the pair table. */
  pairLists: PairLists<CompiledRule>[];
  /**
   * Rules found another way (by client address only, by zone, wide) that can take a request to
   * one host: none lets the pair table decide alone. Broadcast rules take only broadcasts, which
   * the table leaves to the lists (a derived policy's BACnet Who-Is and I-Am).
   */
  others: number;
  pairs?: PairTable<CompiledRule>;
}

const NO_RULES: RuleList = { deny: [], allow: [] };

/** The link of a client's chain for `protocol`, if it has one. */
function rulesFor(chain: ClientRules | undefined, protocol: Protocol): ClientRules | undefined {
  while (chain && chain.protocol !== protocol) chain = chain.next;
  return chain;
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
  private readonly addresses = new AddressBook<ClientRules>((ip) => this.zoneOfIp(ip));
  private readonly index = new Map<Protocol, ProtocolIndex>();
  /** zone id -> zone id -> the conduit between them, both ways round. */
  private readonly conduits = new Map<string, Map<string, Conduit>>();
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
      for (const [a, b] of [c.zones, [c.zones[1], c.zones[0]]]) {
        let to = this.conduits.get(a);
        if (!to) this.conduits.set(a, (to = new Map()));
        to.set(b, c);
      }
      for (const rule of c.rules) this.add(rule, c);
    }
    for (const ix of this.index.values()) if (ix.others === 0 && ix.pairLists.length > 0) ix.pairs = new PairTable(ix.pairLists);
  }

  private add(rule: Rule, conduit: Conduit): void {
    const cr: CompiledRule = { rule, conduit, deny: rule.action === 'deny', serverBroadcast: rule.server.broadcast === true };
    if (rule.client.zone) cr.clientZone = rule.client.zone;
    if (rule.client.hosts) cr.clientHosts = new AddressSet(members(rule.client.hosts));
    if (rule.server.zone) cr.serverZone = rule.server.zone;
    if (rule.server.hosts) cr.serverHosts = new AddressSet(members(rule.server.hosts));
    if (rule.allow) cr.allow = rule.allow.map(compileAllowance);
    let ix = this.index.get(rule.protocol);
    if (!ix) this.index.set(rule.protocol, (ix = { byClientZone: new Map(), wide: { deny: [], allow: [] }, denies: false, pairLists: [], others: 0 }));
    ix.denies ||= cr.deny;
    const join = (list: RuleList) => (cr.deny ? list.deny : list.allow).push(cr);
    const listIn = <K>(map: Map<K, RuleList>, key: K, made?: (list: RuleList) => void): RuleList => {
      let list = map.get(key);
      if (!list) {
        map.set(key, (list = { deny: [], allow: [] }));
        made?.(list);
      }
      return list;
    };
    const exactServers = cr.serverHosts?.onlyExact && !cr.serverZone && !cr.serverBroadcast;
    if (cr.clientHosts?.onlyExact && !cr.clientZone) {
      for (const ip of cr.clientHosts.addresses) {
        const mine = this.clientRules(ip, rule.protocol);
        if (!exactServers) {
          join(mine.byIp);
          if (!cr.serverBroadcast) ix.others++;
          continue;
        }
        for (const server of cr.serverHosts!.addresses) {
          join(listIn(mine.pairs, this.addresses.pin(server), (l) => ix.pairLists.push({ client: ip, server, deny: l.deny, allow: l.allow })));
        }
      }
      return;
    }
    if (!cr.serverBroadcast) ix.others++;
    join(cr.clientZone ? listIn(ix.byClientZone, cr.clientZone) : ix.wide);
  }

  private clientRules(ip: string, protocol: Protocol): ClientRules {
    const a = this.addresses.pin(ip);
    let mine = rulesFor(a.rules, protocol);
    if (!mine) {
      mine = { protocol, pairs: new Map(), byIp: { deny: [], allow: [] } };
      if (a.rules) mine.next = a.rules;
      a.rules = mine;
    }
    return mine;
  }

  /** The zone an endpoint belongs to (by address, else by MAC). */
  zoneOf(e: Endpoint): Zone | undefined {
    return this.addresses.get(e.ip).zone ?? this.zoneOfMac(e.mac);
  }

  private zoneOfIp(ip: string): Zone | null {
    for (const { zone, set } of this.zones) if (set.has(ip)) return zone;
    return null;
  }

  private zoneOfMac(mac: string | undefined): Zone | undefined {
    if (mac) for (const { zone, set } of this.zones) if (set.has('', mac)) return zone;
    return undefined;
  }

  /** The conduit between two endpoints' zones, if the policy has one. */
  conduitBetween(client: Endpoint, server: Endpoint): Conduit | undefined {
    const a = this.zoneOf(client);
    const b = this.zoneOf(server);
    return a && b ? this.conduitOf(a, b) : undefined;
  }

  private conduitOf(a: Zone, b: Zone): Conduit | undefined {
    return this.conduits.get(a.id)?.get(b.id);
  }

  evaluate(op: Operation): Verdict {
    const pairs = this.index.get(op.protocol)?.pairs;
    return (pairs && this.byPair(pairs, op)) || this.byLists(op);
  }

  /**
   * The verdict of a protocol whose rules all name exact client and server hosts, from the pair
   * table: the same as byLists, whose other lists are empty. Undefined where the table cannot
   * say (an end not written as IPv4, a broadcast): byLists does.
   */
  private byPair(pairs: PairTable<CompiledRule>, op: Operation): Verdict | undefined {
    const c = ipv4Number(op.client.ip);
    const s = c < 0 ? -1 : ipv4Number(op.server.ip);
    if (s < 0 || isGroupIpv4(s) || isGroupMac(op.server.mac)) return undefined;
    const slot = pairs.find(c, s);
    let near: CompiledRule | undefined;
    if (slot >= 0) {
      const response = op.direction === 'response';
      const denied = response ? undefined : pairs.denying(slot, op);
      if (denied) return new Decision('deny', 'denied_by_rule', denied.rule.id, denied.conduit.id, 'pair', this, op, undefined, undefined, denied);
      const allowed = pairs.allowing(slot, op);
      if (allowed) return new Decision('allow', response ? 'response' : 'allowed', allowed.rule.id, allowed.conduit.id, response ? 'response' : 'pair', this, op, undefined, undefined, allowed);
      near = pairs.near;
    }
    // The rule that came nearest names the conduit: the zones are not needed unless none did.
    if (!near) return this.otherwise(op, this.zoneOf(op.client), this.zoneOf(op.server), false, undefined);
    const code: VerdictCode = this.policy.defaultAction === 'allow' ? 'allowed_by_default' : pairs.nearCode ? 'out_of_range' : 'not_allowed_code';
    return new Decision(this.policy.defaultAction, code, undefined, near.conduit.id, 'pair-default', this, op, undefined, undefined, near);
  }

  /** The verdict from the indexed rule lists: denies first across every list, then allows. */
  private byLists(op: Operation): Verdict {
    const client = this.addresses.get(op.client.ip);
    const server = this.addresses.get(op.server.ip);
    const clientZone = client.zone ?? this.zoneOfMac(op.client.mac);
    const broadcast = server.group || isGroupMac(op.server.mac);
    const serverZone = broadcast ? undefined : (server.zone ?? this.zoneOfMac(op.server.mac));
    const ix = this.index.get(op.protocol);
    this.near = undefined;
    if (ix) {
      const mine = rulesFor(client.rules, op.protocol);
      const pair = mine?.pairs.get(server) ?? NO_RULES;
      const byIp = mine?.byIp ?? NO_RULES;
      const byZone = (clientZone && ix.byClientZone.get(clientZone.id)) || NO_RULES;
      // Explicit denies first, across every list: a deny anywhere wins over any allow.
      const denied = ix.denies
        ? (this.scan(pair.deny, true, true, op, clientZone, serverZone, broadcast) ??
          this.scan(byIp.deny, true, false, op, clientZone, serverZone, broadcast) ??
          this.scan(byZone.deny, true, false, op, clientZone, serverZone, broadcast) ??
          this.scan(ix.wide.deny, true, false, op, clientZone, serverZone, broadcast))
        : undefined;
      const v =
        denied ??
        this.scan(pair.allow, false, true, op, clientZone, serverZone, broadcast) ??
        this.scan(byIp.allow, false, false, op, clientZone, serverZone, broadcast) ??
        this.scan(byZone.allow, false, false, op, clientZone, serverZone, broadcast) ??
        this.scan(ix.wide.allow, false, false, op, clientZone, serverZone, broadcast);
      if (v) return v;
    }
    const endpointMatch = this.near;
    return this.otherwise(op, clientZone, serverZone, broadcast, endpointMatch);
  }

  /**
   * The first rule of `list` (all denies or all allows) that decides the operation. `paired`:
   * the list was found by the request's client and server addresses, so only the port is left
   * to check of its endpoints.
   */
  private scan(list: CompiledRule[], deny: boolean, paired: boolean, op: Operation, clientZone: Zone | undefined, serverZone: Zone | undefined, broadcast: boolean): Verdict | undefined {
    for (let i = 0; i < list.length; i++) {
      const cr = list[i]!;
      if (paired ? broadcast || (cr.rule.port !== undefined && cr.rule.port !== op.server.port) : !this.endpointsMatch(cr, op, clientZone, serverZone, broadcast)) continue;
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
    const conduit = near ? near.conduit : clientZone && (broadcast || serverZone) ? this.conduitOf(clientZone, serverZone ?? clientZone) : undefined;
    const code: VerdictCode = this.policy.defaultAction === 'allow' ? 'allowed_by_default' : !near ? 'no_rule' : near.allow!.some((a) => codeMatches(a, op)) ? 'out_of_range' : 'not_allowed_code';
    return new Decision(this.policy.defaultAction, code, undefined, conduit?.id, 'default', this, op, clientZone, serverZone, near);
  }

  /** The reason of a verdict, in words (called only when a reason is read). */
  explain(action: 'allow' | 'deny', why: Why, op: Operation, clientZone: Zone | undefined, serverZone: Zone | undefined, cr: CompiledRule | undefined): string {
    if (why === 'pair' || why === 'pair-default') return this.explain(action, why === 'pair' ? 'rule' : 'default', op, this.zoneOf(op.client), this.zoneOf(op.server), cr);
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
      const conduit = this.conduitOf(clientZone, serverZone ?? clientZone);
      reason = conduit ? `conduit ${conduit.name} has no rule for ${protocolModule(op.protocol).title} from ${op.client.ip} to ${broadcast ? 'broadcast' : op.server.ip}:${op.server.port}` : `no conduit between ${clientZone.name} and ${(serverZone ?? clientZone).name}`;
    }
    return action === 'allow' ? `allowed by the default action (no rule matched: ${reason})` : `denied: ${what}: ${reason}`;
  }
}

export function compilePolicy(policy: Policy, names?: TargetNames): Evaluator {
  return new Evaluator(policy, names);
}
