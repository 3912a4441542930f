// Policy lint: each finding with a severity, where it is, what is wrong, and the clause of
// IEC 62443 or NIST SP 800-82 it comes from.

import { registerWords } from '../../protocols/modbus/words.js';
import type { Allowance, Conduit, HostSelector, Policy, Rule, Zone } from './model.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  code: string;
  /** "conduit X rule Y", "zone Z", "policy". */
  where: string;
  message: string;
  clause: string;
}

export interface LintContext {
  /** Rule id -> operations it matched in a simulation of the baseline: enables the unused-rule check. */
  ruleHits?: Record<string, number>;
  /** Purdue level guesses of assets: enables the mixed-levels check. */
  assets?: { ip: string; purdue?: { level: number }; macs?: { mac: string }[] }[];
}

const ACTIVE = ['write', 'control', 'program'];
/** More client hosts than this allowed to write is "writes from many hosts". */
const MANY_WRITERS = 3;
/** A register range wider than this at SL 3+ is "the whole address space" in practice. */
const WIDE_RANGE = 1000;

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function zoneMembers(p: Policy, id: string | undefined): Set<string> {
  return new Set(p.zones.find((z) => z.id === id)?.members ?? []);
}

/** Does selector `b` take in everything selector `a` does? (Sound, not complete: unsure means no.) */
function selectorCovers(p: Policy, b: HostSelector, a: HostSelector): boolean {
  if (b.broadcast || a.broadcast) return b.broadcast === a.broadcast;
  if (b.zone !== undefined && b.zone !== a.zone && !(a.hosts && a.hosts.every((h) => zoneMembers(p, b.zone).has(h)))) return false;
  if (b.hosts) return a.hosts !== undefined && a.hosts.every((h) => b.hosts!.includes(h));
  return true;
}

function selectorsMeet(p: Policy, x: HostSelector, y: HostSelector): boolean {
  if (x.broadcast || y.broadcast) return x.broadcast === y.broadcast;
  const hostsOf = (s: HostSelector) => s.hosts ?? [...zoneMembers(p, s.zone)];
  const ys = new Set(hostsOf(y));
  return hostsOf(x).some((h) => ys.has(h)) || (x.zone !== undefined && x.zone === y.zone);
}

function allowCovers(b: Allowance[] | undefined, a: Allowance[] | undefined): boolean {
  if (!b) return true;
  if (!a) return false;
  return a.every((x) => b.some((y) => sameJson(x, y) || (y.codes === undefined && y.kinds !== undefined && x.kinds?.every((k) => y.kinds!.includes(k)) && !y.modbus && !y.bacnet && !y.opcua)));
}

/** Could some operation satisfy an allowance of each list? (Scopes are not compared: unsure means yes.) */
function allowMeets(x: Allowance[] | undefined, y: Allowance[] | undefined): boolean {
  if (!x || !y) return true;
  const meet = <T>(a: T[] | undefined, b: T[] | undefined) => !a || !b || a.some((v) => b.includes(v));
  return x.some((a) => y.some((b) => meet(a.kinds, b.kinds) && meet(a.codes, b.codes)));
}

function ruleCovers(p: Policy, b: Rule, a: Rule): boolean {
  return b.protocol === a.protocol && (b.port === undefined || b.port === a.port) && selectorCovers(p, b.client, a.client) && selectorCovers(p, b.server, a.server) && allowCovers(b.allow, a.allow);
}

function writesAllowed(r: Rule): boolean {
  return !r.allow || r.allow.some((a) => !a.kinds || a.kinds.some((k) => ACTIVE.includes(k)));
}

/** Layer 2: a policy without its link section, an open EtherType list, bindings the inventory contradicts. */
function lintLink(p: Policy, ctx: LintContext, out: Finding[]): void {
  if (!p.link) {
    out.push({
      severity: 'warning',
      code: 'no-link-layer',
      where: 'policy',
      message: 'no link section: every non-IP frame passes, a tagged frame on any VLAN is judged by its addresses alone, and no address is bound to its MAC (ARP spoofing is not stopped); derive again, or add link.etherTypes and link.bindings',
      clause: 'IEC 62443-3-3 SR 5.1 (network segmentation), SR 3.1 (communication integrity)',
    });
    return;
  }
  if (!p.link.etherTypes) out.push({ severity: 'info', code: 'non-ip-open', where: 'policy link', message: 'no EtherType list: every non-IP frame passes', clause: 'IEC 62443-3-3 SR 5.1' });
  const macsOf = new Map((ctx.assets ?? []).map((a) => [a.ip, (a.macs ?? []).map((m) => m.mac)]));
  for (const b of p.link.bindings ?? []) {
    const seen = macsOf.get(b.ip);
    if (seen?.length && !seen.includes(b.mac.toLowerCase())) {
      out.push({ severity: 'warning', code: 'binding-mismatch', where: `policy link binding ${b.ip}`, message: `${b.name ?? b.ip} is bound to ${b.mac} but was learned with ${seen.join(', ')}: a replaced device? Its traffic is refused as spoofing until the binding is changed and approved`, clause: 'IEC 62443-3-3 SR 3.1' });
    }
  }
}

export function lintPolicy(p: Policy, ctx: LintContext = {}): Finding[] {
  const out: Finding[] = [];
  const zone = new Map<string, Zone>(p.zones.map((z) => [z.id, z]));
  if (p.defaultAction !== 'deny') {
    out.push({ severity: 'error', code: 'default-allow', where: 'policy', message: 'traffic no rule matches is allowed: the boundary denies nothing by default', clause: 'IEC 62443-3-3 SR 5.2 RE1; NIST SP 800-53 SC-7(5)' });
  }
  const peers = new RulePeers(p);
  for (const x of peers.all) {
    if (x.r.action === 'deny') continue;
    const sl = x.c.securityLevel ?? Math.max(...x.c.zones.map((z) => zone.get(z)?.securityLevel ?? 0));
    lintOverlaps(p, x, peers, out);
    lintBreadth(x, sl, out);
    if (writesAllowed(x.r)) lintWriters(p, zone, x, out);
    if (ctx.ruleHits && !(ctx.ruleHits[x.r.id] > 0)) {
      out.push({ severity: 'info', code: 'unused', where: at(x.c, x.r), message: 'matched nothing in the traffic simulated: remove it unless it covers a rare, known operation', clause: 'NIST SP 800-82r3 firewall practice (permit only what is needed); NIST SP 800-53 CM-7' });
    }
  }
  lintConduitLevels(p, zone, out);
  lintZones(p, ctx, out);
  lintLink(p, ctx, out);
  const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return out.sort((x, y) => order[x.severity] - order[y.severity]);
}

/** A rule and the conduit it is in. */
interface Placed {
  c: Conduit;
  r: Rule;
}

function at(c: Conduit, r?: Rule): string {
  return r ? `conduit ${c.id} rule ${r.id}` : `conduit ${c.id}`;
}

/**
 * The policy's rules, and for each the rules it may cover or meet: those that share a client
 * host or zone. Comparing within those groups, not every pair, keeps a derived policy of
 * thousands of rules fast.
 */
class RulePeers {
  readonly all: Placed[];
  /** Each rule's place in the policy: of two rules that cover each other, the later is redundant. */
  readonly position: Map<Rule, number>;
  private readonly zoneOfHost = new Map<string, string>();
  private readonly groups = new Map<string, Placed[]>();

  constructor(p: Policy) {
    this.all = p.conduits.flatMap((c) => c.rules.map((r) => ({ c, r })));
    this.position = new Map(this.all.map((x, i) => [x.r, i]));
    for (const z of p.zones) for (const m of z.members) this.zoneOfHost.set(m, z.id);
    for (const x of this.all) {
      for (const k of new Set(keysOf(x.r))) {
        const g = this.groups.get(k);
        if (g) g.push(x);
        else this.groups.set(k, [x]);
      }
    }
  }

  of(r: Rule): Placed[] {
    // A zone-wide rule may meet any rule of its protocol: those are few, compare with all.
    if (r.client.zone !== undefined && !r.client.hosts) return this.all.filter((x) => x.r.protocol === r.protocol);
    const keys = new Set([...keysOf(r), `${r.protocol}|*`]);
    for (const h of r.client.hosts ?? []) {
      const z = this.zoneOfHost.get(h);
      if (z) keys.add(`${r.protocol}|zone:${z}`);
    }
    if (r.client.zone) keys.add(`${r.protocol}|zone:${r.client.zone}`);
    const seen = new Set<Rule>();
    const out: Placed[] = [];
    for (const k of keys) {
      for (const x of this.groups.get(k) ?? []) {
        if (seen.has(x.r)) continue;
        seen.add(x.r);
        out.push(x);
      }
    }
    return out;
  }
}

/** Host rules are grouped by client host; zone rules by zone; CIDR rules stand apart. */
function keysOf(r: Rule): string[] {
  if (r.client.zone !== undefined && !r.client.hosts) return [`${r.protocol}|zone:${r.client.zone}`];
  return (r.client.hosts ?? []).map((h) => (h.includes('/') ? `${r.protocol}|*` : `${r.protocol}|host:${h}`));
}

/** Shadowed, conflicting, redundant: an allowing rule against the rules it may overlap. */
function lintOverlaps(p: Policy, { c, r }: Placed, peers: RulePeers, out: Finding[]): void {
  for (const { c: oc, r: o } of peers.of(r)) {
    if (o === r || o.protocol !== r.protocol) continue;
    if (o.action === 'deny') {
      if (ruleCovers(p, o, r)) {
        out.push({ severity: 'warning', code: 'shadowed', where: at(c, r), message: `never takes effect: deny rule ${o.id} (conduit ${oc.id}) covers everything it allows`, clause: 'IEC 62443-3-3 SR 7.6 (configuration settings must be what they say)' });
      } else if ((o.port === undefined || r.port === undefined || o.port === r.port) && selectorsMeet(p, o.client, r.client) && selectorsMeet(p, o.server, r.server) && allowMeets(o.allow, r.allow)) {
        out.push({ severity: 'warning', code: 'conflicting', where: at(c, r), message: `overlaps deny rule ${o.id} (conduit ${oc.id}): part of what it allows is denied there`, clause: 'IEC 62443-3-3 SR 7.6' });
      }
    } else if (ruleCovers(p, o, r) && !(ruleCovers(p, r, o) && peers.position.get(o)! > peers.position.get(r)!)) {
      out.push({ severity: 'warning', code: 'redundant', where: at(c, r), message: `rule ${o.id} (conduit ${oc.id}) already allows everything this rule does`, clause: 'NIST SP 800-82r3 firewall practice (permit specific host-to-host services only); IEC 62443-3-3 SR 7.6' });
    }
  }
}

/** Over-broad: any operation allowed, or register ranges that span the address space. */
function lintBreadth({ c, r }: Placed, sl: number, out: Finding[]): void {
  if (!r.allow && sl >= 2) {
    out.push({ severity: 'warning', code: 'any-operation', where: at(c, r), message: `allows any ${r.protocol} operation at SL-T ${sl}: name the operation kinds (SL 2) or codes and ranges (SL 3+)`, clause: 'IEC 62443-3-3 SR 5.2; NIST SP 800-82r3 (application-aware filtering for ICS protocols)' });
  }
  for (const a of r.allow ?? []) {
    // A scope without a table is a device-level function (diagnostics, identification): no addresses.
    for (const m of (a.modbus ?? []).filter((x) => x.table !== undefined)) {
      const widest = Math.max(0, ...(m.ranges ?? [[0, 65535]]).map(([x, y]) => y - x + 1));
      if (sl >= 3 && widest > WIDE_RANGE) out.push({ severity: 'warning', code: 'wide-range', where: at(c, r), message: `${registerWords(m.unit, m.table, m.ranges)}: ${m.ranges ? `a range of ${widest} addresses` : 'the whole table'} at SL-T ${sl}`, clause: 'IEC 62443-3-3 SR 5.2 (least privilege across the boundary)' });
    }
  }
}

/** A rule allowing writes: from many hosts, or into a stricter zone without codes and targets. */
function lintWriters(p: Policy, zone: Map<string, Zone>, { c, r }: Placed, out: Finding[]): void {
  const writers = r.client.hosts ? r.client.hosts.length : zoneMembers(p, r.client.zone).size;
  if (writers > MANY_WRITERS || (r.client.zone !== undefined && !r.client.hosts)) {
    out.push({ severity: 'warning', code: 'many-writers', where: at(c, r), message: `write, control or program operations allowed from ${r.client.hosts ? `${writers} hosts` : `every host of zone ${r.client.zone}`}`, clause: 'NIST SP 800-82r3 firewall practice (restrict write/program operations to the engineering stations that need them)' });
  }
  const cz = r.client.zone ?? p.zones.find((z) => r.client.hosts?.some((h) => z.members.includes(h)))?.id;
  const sz = r.server.zone ?? p.zones.find((z) => r.server.hosts?.some((h) => z.members.includes(h)))?.id;
  const from = cz !== undefined ? zone.get(cz) : undefined;
  const to = sz !== undefined ? zone.get(sz) : undefined;
  // Writes into a zone of higher SL-T must at least be held to that zone's strictness (codes and targets).
  const loose = !r.allow || r.allow.some((a) => (!a.kinds || a.kinds.some((k) => ACTIVE.includes(k))) && (!a.codes || (!a.modbus && !a.bacnet && !a.opcua && r.protocol !== 'opcua')));
  if (from && to && from.securityLevel < to.securityLevel && to.securityLevel >= 3 && loose) {
    out.push({ severity: 'warning', code: 'write-up', where: at(c, r), message: `writes from ${from.name} (SL-T ${from.securityLevel}) into ${to.name} (SL-T ${to.securityLevel}) without codes and target ranges`, clause: 'IEC 62443-3-2 ZCR 3 (zones by security requirements); IEC 62443-3-3 SR 5.2' });
  }
}

/** Conduits between Purdue levels that should not meet directly. */
function lintConduitLevels(p: Policy, zone: Map<string, Zone>, out: Finding[]): void {
  for (const c of p.conduits) {
    const [a, b] = c.zones.map((z) => zone.get(z));
    if (!a || !b || a.purdueLevel === undefined || b.purdueLevel === undefined || a === b) continue;
    const lo = Math.min(a.purdueLevel, b.purdueLevel);
    const hi = Math.max(a.purdueLevel, b.purdueLevel);
    if (hi >= 4 && lo <= 2) out.push({ severity: 'error', code: 'no-dmz', where: at(c), message: `connects Purdue level ${hi} directly with level ${lo}: such traffic must cross an industrial DMZ`, clause: 'NIST SP 800-82r3 Purdue reference model (no direct traffic between levels 4+ and 0-2: it crosses a DMZ)' });
    else if (hi - lo >= 2 && lo !== 3.5 && hi !== 3.5) out.push({ severity: 'warning', code: 'skips-level', where: at(c), message: `connects Purdue level ${lo} with level ${hi}, skipping a level`, clause: 'NIST SP 800-82r3 Purdue reference model (defense in depth, level by level)' });
  }
}

/** Zones whose members sit at several Purdue levels, and zones without an owner. */
function lintZones(p: Policy, ctx: LintContext, out: Finding[]): void {
  if (ctx.assets) {
    const level = new Map(ctx.assets.map((x) => [x.ip, x.purdue?.level]));
    for (const z of p.zones) {
      const levels = new Set(z.members.map((m) => level.get(m)).filter((l) => l !== undefined));
      if (levels.size > 1) out.push({ severity: 'warning', code: 'mixed-levels', where: `zone ${z.id}`, message: `members at Purdue levels ${[...levels].sort().join(', ')}`, clause: 'IEC 62443-3-2 ZCR 3 (partition assets with different requirements into different zones)' });
    }
  }
  for (const z of p.zones) {
    if (!z.owner) out.push({ severity: 'info', code: 'undocumented', where: `zone ${z.id}`, message: 'no accountable owner', clause: 'IEC 62443-3-2 ZCR 6 (document owner, boundary, assets, SL-T)' });
  }
}
