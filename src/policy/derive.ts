// Deriving a zone-and-conduit policy from the learned baseline (IEC 62443-3-2 ZCR 3):
// zones by Purdue level and subnet, conduits between the zones that talked, and rules that allow
// exactly what was observed, stricter as the target security level rises:
//   SL 1: hosts and ports; SL 2: + operation kinds; SL 3: + codes and target ranges;
//   SL 4: + one rule per host pair, exact ranges and a rate limit.
// Never an any-to-any rule: every rule names its hosts, and keeps its evidence.

import { identityWords } from '../../protocols/registry.js';
import type { OperationKind, Protocol } from '../../protocols/operation.js';
import { etherTypeName } from '../../protocols/net/ether-types.js';
import type { AddressBinding, Allowance, BacnetScope, Conduit, ModbusScope, Policy, Rule, SecurityLevel, Zone } from './model.js';
import { RuleIds, slug } from './rule-ids.js';

/** What derivation reads of an asset (the learning inventory's shape). */
export interface DeriveAsset {
  ip: string;
  purdue?: { level: number; reason: string };
  /** The 802.1Q VLAN it was seen on. */
  vlan?: number;
  macs?: { mac: string }[];
  /** Its MAC is a router's: the host is off-link, and its address cannot be bound to a MAC. */
  behindRouter?: boolean;
  /** Identities by slot (MEI 14, I-Am, application description), as the inventory keeps them. */
  identity?: object;
}

export type DeriveTarget =
  | { type: 'modbus'; unit: number; table?: string; ranges: [number, number][] }
  | { type: 'bacnet'; objectType: number; instance: number; properties: string[] }
  | { type: 'opcua'; nodeId: string };

/** What derivation reads of a conversation (the learning baseline's shape). */
export interface DeriveConversation {
  key: string;
  protocol: Protocol;
  client: { ip: string };
  server: { ip: string; port: number; broadcast?: boolean };
  firstSeen: number;
  lastSeen: number;
  transactions: number;
  operations: Record<string, DeriveOperation>;
}

/** What derivation reads of one operation of a conversation. */
export interface DeriveOperation {
  kind: OperationKind;
  code: number;
  subCode?: number;
  count: number;
  firstSeen: number;
  lastSeen: number;
  targets: DeriveTarget[];
  targetsTruncated?: boolean;
}

export interface DeriveOptions {
  name?: string;
  /** One SL-T for every zone, instead of the default by Purdue level. */
  securityLevel?: SecurityLevel;
  /** Register gaps up to this size are bridged below SL 4 (a poll of 0-9 and 12-20 becomes 0-20). */
  rangeSlack?: number;
  /** The EtherTypes learning saw besides IP (0: 802.3 frames); absent: learning kept no census. */
  etherTypes?: number[];
  /**
   * Known vulnerabilities (`derive --risk`): a device whose advisories need a higher SL-T than its
   * tier's gets a zone of its own at that level, so its conduits are drawn as strictly as it needs.
   */
  risk?: ReadonlyMap<string, DeriveRisk>;
}

export interface DeriveRisk {
  /** The SL-T its known vulnerabilities need. */
  securityLevel: SecurityLevel;
  /** Its name and the advisories, for the zone's description. */
  name: string;
  why: string;
}

interface Tier {
  key: string;
  name: string;
  purdue?: number;
  sl: SecurityLevel;
}

/** Default SL-T by Purdue tier: control gets the most protection. */
function tierOf(level: number | undefined): Tier {
  if (level === undefined) return { key: 'unclassified', name: 'Unclassified', sl: 2 };
  if (level <= 1) return { key: 'control', name: 'Control (L1)', purdue: level, sl: 3 };
  if (level < 3) return { key: 'supervisory', name: 'Supervisory (L2)', purdue: 2, sl: 2 };
  if (level < 3.5) return { key: 'operations', name: 'Operations (L3)', purdue: 3, sl: 2 };
  if (level < 4) return { key: 'dmz', name: 'Industrial DMZ (L3.5)', purdue: 3.5, sl: 2 };
  return { key: 'enterprise', name: 'Enterprise (L4)', purdue: 4, sl: 1 };
}

/** The /24 (IPv4) or /64 (IPv6) an address sits in. */
function subnetOf(ip: string): string {
  if (ip.includes(':')) {
    const [head, tail] = ip.split('::') as [string, string | undefined];
    const left = head ? head.split(':') : [];
    const right = tail ? tail.split(':') : [];
    const groups = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
    const prefix = groups.slice(0, 4).map((g) => parseInt(g || '0', 16).toString(16));
    return prefix.every((g) => g === '0') ? '::/64' : `${prefix.join(':')}::/64`;
  }
  const o = ip.split('.');
  return `${o[0]}.${o[1]}.${o[2]}.0/24`;
}

/** Addresses in numeric order (IPv4), else text order. */
function compareIps(a: string, b: string): number {
  const na = a.split('.').map(Number);
  const nb = b.split('.').map(Number);
  if (na.length === 4 && nb.length === 4) for (let i = 0; i < 4; i++) if (na[i] !== nb[i]) return na[i]! - nb[i]!;
  return a.localeCompare(b);
}

/** Ranges sorted and joined where they touch or overlap, or lie at most `slack` apart. */
export function mergeRanges(ranges: [number, number][], slack: number): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1 + slack) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The allowances operations need at a security level (SL 4: exact ranges, no slack). */
export function allowancesFor(ops: DeriveOperation[], sl: SecurityLevel, slack: number): Allowance[] | undefined {
  if (sl <= 1 || ops.length === 0) return undefined;
  if (sl === 2) return [{ kinds: [...new Set(ops.map((o) => o.kind))].sort() }];
  const out: Allowance[] = [];
  for (const o of ops.sort((a, b) => a.code - b.code || (a.subCode ?? -1) - (b.subCode ?? -1))) {
    const a: Allowance = { kinds: [o.kind], codes: [o.code] };
    if (o.subCode !== undefined) a.subCodes = [o.subCode];
    // A truncated target list cannot be turned into an exact scope: the codes alone bound it.
    if (!o.targetsTruncated) {
      const modbus: ModbusScope[] = [];
      const bacnet = new Map<string, BacnetScope>();
      const nodes: string[] = [];
      for (const t of o.targets) {
        if (t.type === 'modbus') {
          const scope: ModbusScope = { unit: t.unit };
          if (t.table) scope.table = t.table;
          if (t.ranges.length) scope.ranges = sl >= 4 ? t.ranges.map(([x, y]) => [x, y]) : mergeRanges(t.ranges, slack);
          modbus.push(scope);
        } else if (t.type === 'bacnet') {
          const key = `${t.objectType}|${[...t.properties].sort().join(',')}`;
          const scope = bacnet.get(key);
          if (scope) scope.instances = mergeRanges([...scope.instances!, [t.instance, t.instance]], sl >= 4 ? 0 : slack);
          else bacnet.set(key, { objectType: t.objectType, instances: [[t.instance, t.instance]], ...(t.properties.length ? { properties: [...t.properties].sort() } : {}) });
        } else nodes.push(t.nodeId);
      }
      if (modbus.length) a.modbus = modbus;
      if (bacnet.size) a.bacnet = [...bacnet.values()];
      if (nodes.length) a.opcua = { nodes: [...new Set(nodes)].sort() };
    }
    out.push(a);
  }
  return out;
}

export function derivePolicy(assets: DeriveAsset[], learned: DeriveConversation[], options: DeriveOptions = {}): Policy {
  // A conversation with no operation seen (connection attempts, responses whose requests were
  // missed) gives nothing to allow: it never becomes a rule, least of all an any-operation one.
  const conversations = learned.filter((c) => Object.keys(c.operations).length > 0);
  const { zones, zoneOfIp } = deriveZones(assets, conversations, options.securityLevel);
  if (options.risk) ownZones(zones, zoneOfIp, options.risk);
  const drafts = draftConduits(conversations, zoneOfIp, options.rangeSlack ?? 16);
  nameRules(drafts);
  return {
    bulkheadPolicy: 1,
    name: options.name ?? 'Derived policy',
    description: describeDerivation(conversations, learned.length - conversations.length),
    defaultAction: 'deny',
    zones,
    conduits: [...drafts.values()].map((d) => d.conduit),
    link: deriveLink(assets, options.etherTypes),
  };
}

interface TierMembers {
  tier: Tier;
  subnets: Map<string, string[]>;
}

/** Every address (the assets' and the conversations' ends) by Purdue tier, then subnet. */
function groupByTier(assets: DeriveAsset[], conversations: DeriveConversation[]): Map<string, TierMembers> {
  const byTier = new Map<string, TierMembers>();
  const levelOf = new Map(assets.map((a) => [a.ip, a.purdue?.level]));
  for (const c of conversations) for (const ip of [c.client.ip, ...(c.server.broadcast ? [] : [c.server.ip])]) if (!levelOf.has(ip)) levelOf.set(ip, undefined);
  for (const [ip, level] of levelOf) {
    const tier = tierOf(level);
    let entry = byTier.get(tier.key);
    if (!entry) byTier.set(tier.key, (entry = { tier, subnets: new Map() }));
    const subnet = subnetOf(ip);
    const list = entry.subnets.get(subnet) ?? [];
    list.push(ip);
    entry.subnets.set(subnet, list);
  }
  return byTier;
}

/** Zones: Purdue tier x subnet; a tier on one subnet keeps the short name. */
function deriveZones(assets: DeriveAsset[], conversations: DeriveConversation[], securityLevel: SecurityLevel | undefined): { zones: Zone[]; zoneOfIp: Map<string, Zone> } {
  const zones: Zone[] = [];
  const zoneOfIp = new Map<string, Zone>();
  for (const { tier, subnets } of [...groupByTier(assets, conversations).values()].sort((a, b) => (a.tier.purdue ?? 9) - (b.tier.purdue ?? 9))) {
    for (const [subnet, ips] of [...subnets].sort()) {
      const zone = tierZone(tier, subnets.size === 1 ? undefined : subnet, ips, assets, securityLevel);
      zones.push(zone);
      for (const ip of ips) zoneOfIp.set(ip, zone);
    }
  }
  return { zones, zoneOfIp };
}

/** The zone of a tier's members (on `subnet`, when the tier spans several). */
function tierZone(tier: Tier, subnet: string | undefined, ips: string[], assets: DeriveAsset[], securityLevel: SecurityLevel | undefined): Zone {
  const zone: Zone = {
    id: subnet === undefined ? tier.key : `${tier.key}-${slug(subnet)}`,
    name: subnet === undefined ? tier.name : `${tier.name} ${subnet}`,
    description: `Derived: assets whose traffic suggests Purdue ${tier.purdue === undefined ? 'level unknown' : `level ${tier.purdue}`}${subnet === undefined ? '' : ` on ${subnet}`}.`,
    securityLevel: securityLevel ?? tier.sl,
    members: ips.sort(compareIps),
  };
  if (tier.purdue !== undefined) zone.purdueLevel = tier.purdue;
  const vlans = vlansOf(assets, ips);
  if (vlans.length) zone.vlans = vlans;
  // Never stop a plant by surprise: fail-open until an engineer decides otherwise per zone.
  zone.failMode = 'open';
  return zone;
}

/** Devices that need more than their zone's SL-T, each moved into a zone of its own at what it needs. */
function ownZones(zones: Zone[], zoneOfIp: Map<string, Zone>, risk: ReadonlyMap<string, DeriveRisk>): void {
  for (const [ip, r] of [...risk].sort(([a], [b]) => compareIps(a, b))) {
    const from = zoneOfIp.get(ip);
    if (!from || r.securityLevel <= from.securityLevel || from.members.length === 1) continue;
    from.members = from.members.filter((m) => m !== ip);
    const zone: Zone = { ...from, id: `${from.id}-${slug(ip)}`, name: `${r.name} (own zone)`, description: `Derived with risk: ${r.name} needs SL ${r.securityLevel}, more than ${from.name}'s ${from.securityLevel}: ${r.why}.`, securityLevel: r.securityLevel, members: [ip] };
    zones.splice(zones.indexOf(from) + 1, 0, zone);
    zoneOfIp.set(ip, zone);
  }
}

/** A rule drafted from one conversation; `group` says what it allows, for merging. */
interface DraftRule {
  rule: Rule;
  group: string;
}

interface Draft {
  conduit: Conduit;
  sl: SecurityLevel;
  rules: DraftRule[];
}

/** Conduits: one per pair of zones that talked (traffic inside a zone, broadcasts included, gets its own). */
function draftConduits(conversations: DeriveConversation[], zoneOfIp: Map<string, Zone>, slack: number): Map<string, Draft> {
  const drafts = new Map<string, Draft>();
  for (const c of [...conversations].sort((a, b) => a.key.localeCompare(b.key))) {
    const cz = zoneOfIp.get(c.client.ip)!;
    const sz = c.server.broadcast ? cz : zoneOfIp.get(c.server.ip)!;
    const id = conduitId(cz, sz);
    let d = drafts.get(id);
    if (!d) {
      const conduit = conduitFor(cz, sz);
      drafts.set(id, (d = { conduit, sl: conduit.securityLevel!, rules: [] }));
    }
    d.rules.push(draftRule(c, d.sl, slack));
  }
  return drafts;
}

/** The two zones in id order. */
const ordered = (x: Zone, y: Zone) => [x, y].sort((p, q) => p.id.localeCompare(q.id)) as [Zone, Zone];

function conduitId(x: Zone, y: Zone): string {
  const [a, b] = ordered(x, y);
  return a === b ? `${a.id}-internal` : `${a.id}--${b.id}`;
}

/** A new, empty conduit between two zones (the same zone twice: traffic inside it), as strict as the stricter zone. */
export function conduitFor(x: Zone, y: Zone): Conduit {
  const [a, b] = ordered(x, y);
  const conduit: Conduit = { id: conduitId(a, b), name: a === b ? `within ${a.name}` : `${a.name} - ${b.name}`, zones: [a.id, b.id], rules: [] };
  conduit.securityLevel = Math.max(a.securityLevel, b.securityLevel) as SecurityLevel;
  conduit.failMode = a.failMode === 'closed' || b.failMode === 'closed' ? 'closed' : 'open';
  return conduit;
}

/** SL 4's rate limit: twice the rate observed, at least one request a second. */
export function ruleRate(transactions: number, firstSeen: number, lastSeen: number): number {
  return Math.max(1, Math.ceil((2 * transactions) / Math.max(1, lastSeen - firstSeen)));
}

/** The rule allowing what a conversation did, at its conduit's security level. */
function draftRule(c: DeriveConversation, sl: SecurityLevel, slack: number): DraftRule {
  const allow = allowancesFor(Object.values(c.operations), sl, slack);
  const rule: Rule = {
    id: '',
    protocol: c.protocol,
    port: c.server.port,
    client: { hosts: [c.client.ip] },
    server: c.server.broadcast ? { broadcast: true } : { hosts: [c.server.ip] },
    evidence: { conversations: [c.key], transactions: c.transactions, firstSeen: c.firstSeen, lastSeen: c.lastSeen },
  };
  if (allow) rule.allow = allow;
  if (sl >= 4) rule.ratePerSecond = ruleRate(c.transactions, c.firstSeen, c.lastSeen);
  return { rule, group: JSON.stringify([c.protocol, c.server.port, allow ?? null]) };
}

/**
 * Each conduit's rules, merged below SL 4 where they allow the same thing (first across servers
 * of one client, then across clients), with ids unique in the policy.
 */
function nameRules(drafts: Map<string, Draft>): void {
  const ids = new RuleIds();
  for (const d of drafts.values()) {
    let rules = d.rules;
    if (d.sl < 4) {
      rules = mergeOn(rules, (r) => `${r.group}|${r.rule.client.hosts!.join()}`, 'server');
      rules = mergeOn(rules, (r) => `${r.group}|${r.rule.server.broadcast ? '*' : r.rule.server.hosts!.join()}`, 'client');
    }
    for (const { rule } of rules) {
      rule.id = ids.name(rule);
      d.conduit.rules.push(rule);
    }
  }
}

function describeDerivation(conversations: DeriveConversation[], skipped: number): string {
  const first = Math.min(...conversations.map((c) => c.firstSeen));
  const last = Math.max(...conversations.map((c) => c.lastSeen));
  const span = conversations.length ? ` between ${new Date(first * 1000).toISOString()} and ${new Date(last * 1000).toISOString()}` : '';
  return `Derived from ${conversations.length} learned conversations${span}. Deny by default; every rule allows what was observed.${skipped ? ` ${skipped} conversations without any operation seen (connection attempts, responses only) gave no rule.` : ''}`;
}

/** The VLANs a zone's members were seen on. */
function vlansOf(assets: DeriveAsset[], ips: string[]): number[] {
  const members = new Set(ips);
  return [...new Set(assets.filter((a) => a.vlan !== undefined && members.has(a.ip)).map((a) => a.vlan!))].sort((a, b) => a - b);
}

/**
 * Layer 2: the EtherTypes seen (ARP always: IPv4 needs it), and each on-link address bound to
 * the one MAC it was seen with. An address seen with several MACs (a replaced device, a
 * redundant pair), behind a router, or on several VLANs stays unbound: binding it could stop
 * the plant.
 */
function deriveLink(assets: DeriveAsset[], etherTypes: number[] | undefined): Policy['link'] {
  const link: NonNullable<Policy['link']> = {};
  if (etherTypes) link.etherTypes = [...new Set(['arp', ...etherTypes.map(etherTypeName)])].sort();
  const perIp = new Map<string, DeriveAsset[]>();
  for (const a of assets) perIp.set(a.ip, [...(perIp.get(a.ip) ?? []), a]);
  const bindings: AddressBinding[] = [];
  for (const [ip, seen] of [...perIp].sort((x, y) => compareIps(x[0], y[0]))) {
    const a = seen[0]!;
    if (seen.length > 1 || a.behindRouter || a.macs?.length !== 1) continue;
    const b: AddressBinding = { ip, mac: a.macs[0]!.mac };
    const name = identityWords(a)[0];
    if (name) b.name = name;
    bindings.push(b);
  }
  if (bindings.length) link.bindings = bindings;
  return link;
}

/** Merges rules with the same key into one, uniting their hosts on `side` and their evidence. */
function mergeOn(rules: DraftRule[], key: (r: DraftRule) => string, side: 'client' | 'server'): DraftRule[] {
  const merged = new Map<string, { into: DraftRule; hosts: Set<string> }>();
  for (const r of rules) {
    const k = key(r) + (r.rule.server.broadcast ? '|broadcast' : '');
    const m = merged.get(k);
    if (!m) {
      const into = { rule: { ...r.rule, client: { ...r.rule.client }, server: { ...r.rule.server }, evidence: { ...r.rule.evidence!, conversations: [...r.rule.evidence!.conversations] } }, group: r.group };
      merged.set(k, { into, hosts: new Set(r.rule[side].hosts ?? []) });
      continue;
    }
    for (const h of r.rule[side].hosts ?? []) m.hosts.add(h);
    const e = m.into.rule.evidence!;
    const o = r.rule.evidence!;
    for (const c of o.conversations) e.conversations.push(c);
    e.transactions += o.transactions;
    e.firstSeen = Math.min(e.firstSeen!, o.firstSeen!);
    e.lastSeen = Math.max(e.lastSeen!, o.lastSeen!);
  }
  // Broadcast destinations are one selector already: only the evidence merged.
  return [...merged.values()].map(({ into, hosts }) => {
    if (!into.rule[side].broadcast && hosts.size > 1) into.rule[side] = { hosts: [...hosts].sort() };
    return into;
  });
}
