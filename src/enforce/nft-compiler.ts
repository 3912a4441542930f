// The kernel fast path: a policy compiled into one nftables table of the bridge family (the
// gateway is a transparent bridge). Zones become address sets; each rule becomes a pair of
// accept rules (request direction and reply direction) with a counter and the rule id as
// comment; everything else IP is logged to NFLOG and, in enforce mode, dropped. The whole table
// is replaced atomically by one `nft -f` script, never rule by rule.
//
// Deep inspection (function codes, ranges, services) is not in the kernel: rules that restrict
// operations are enforced here at host and port level only, and say so (`needsInspection`).

import { protocolModule } from '../../protocols/registry.js';
import type { HostSelector, Policy } from '../policy/model.js';
import { parseMember, type Member } from '../policy/addresses.js';
import { inspectedRule } from '../policy/steering.js';
import { compileLink, QINQ_TAGS } from './nft-link.js';

export type EnforceMode = 'enforce' | 'learn';

export interface NftOptions {
  table?: string;
  mode: EnforceMode;
  /** NFLOG group for denied (or, in learn mode, would-be-denied) packets. */
  logGroup?: number;
  /** Island mode: addresses cut off in every mode, before any rule. */
  isolated?: string[];
  /**
   * The ports of the gateway's bridge: traffic of other bridges on the box is not this policy's
   * business. (Ports, not `meta ibrname`: not every kernel has the bridge meta expressions.)
   */
  bridgePorts?: string[];
  /**
   * Deep inspection steered by the table itself, where the kernel has the nftables `queue`
   * expression: these rules' requests go to queue `num`, or spread over `count` queues from it
   * (value: fail-open, i.e. `bypass`).
   */
  queue?: { num: number; count?: number; rules: ReadonlyMap<string, boolean> };
}

export interface NftProgram {
  table: string;
  script: string;
  /** Comment of every kernel rule, in order: what the read-back must find. */
  comments: string[];
  /** Rules whose allowances need protocol detail the kernel cannot see. */
  needsInspection: string[];
  /** The table's sets of layer-2 sightings (what the link watch reads back). */
  sightings: string[];
}


/** IP, and the VLAN tags IP travels in (802.1Q, and the two-tag outer tags). */
const IP_ETHER_TYPES = `ip, ip6, 8021q, ${QINQ_TAGS}`;

/** What a refusal does: drops (enforce), or counts and lets the frame go on to the rules (learn). */
function refusal(mode: EnforceMode, group: number, what: string): string {
  return mode === 'enforce' ? `log group ${group} prefix ${quote(`bulkhead deny ${what}`)} drop` : `log group ${group} prefix ${quote(`bulkhead would-deny ${what}`)}`;
}

function setName(zone: string, family: 'v4' | 'v6' | 'mac'): string {
  return `zone_${zone.replace(/[^A-Za-z0-9_]/g, '_')}_${family}`.slice(0, 60);
}

function split(members: Member[]): { v4: string[]; v6: string[]; mac: string[] } {
  const out = { v4: [] as string[], v6: [] as string[], mac: [] as string[] };
  for (const m of members) {
    if (m.kind === 'mac') out.mac.push(m.mac);
    else if (m.kind === 'ip') (m.family === 'ipv4' ? out.v4 : out.v6).push(m.ip);
    else (m.family === 'ipv4' ? out.v4 : out.v6).push(`${m.base}/${m.bits}`);
  }
  return out;
}

/** A selector as nft match expressions for one address family (undefined: it selects nothing there). */
function match(sel: HostSelector, dir: 'saddr' | 'daddr', fam: 'ip' | 'ip6', zones: Map<string, { v4: string[]; v6: string[]; mac: string[] }>): string | undefined {
  if (sel.broadcast) {
    if (dir === 'saddr') return undefined;
    return fam === 'ip' ? 'ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00' : 'ip6 daddr ff00::/8';
  }
  const parts: string[] = [];
  if (sel.zone !== undefined) {
    const z = zones.get(sel.zone);
    const addrs = fam === 'ip' ? z?.v4 : z?.v6;
    if (!addrs || addrs.length === 0) return undefined;
    parts.push(`${fam} ${dir} @${setName(sel.zone, fam === 'ip' ? 'v4' : 'v6')}`);
  }
  if (sel.hosts) {
    const own = split(sel.hosts.map(parseMember).filter((m): m is Member => typeof m !== 'string'));
    const addrs = fam === 'ip' ? own.v4 : own.v6;
    if (addrs.length === 0) return undefined;
    parts.push(`${fam} ${dir} { ${addrs.join(', ')} }`);
  }
  return parts.length ? parts.join(' ') : undefined;
}

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

export function compileNft(policy: Policy, options: NftOptions): NftProgram {
  const table = options.table ?? 'bulkhead';
  const group = options.logGroup ?? 1;
  const zones = new Map(policy.zones.map((z) => [z.id, split(z.members.map(parseMember).filter((m): m is Member => typeof m !== 'string'))]));
  const lines: string[] = [];
  const comments: string[] = [];
  const needsInspection: string[] = [];
  const rule = (expr: string, verdict: string, comment: string) => {
    comments.push(comment);
    lines.push(`    ${expr} counter ${verdict} comment ${quote(comment)}`);
  };

  const link = compileLink(policy, (zone, fam) => (zones.get(zone)?.[fam].length ? setName(zone, fam) : undefined));
  lines.push(`table bridge ${table} {`, ...link.sets);
  for (const [id, z] of zones) {
    for (const fam of ['v4', 'v6'] as const) {
      const elems = z[fam];
      if (elems.length === 0) continue;
      lines.push(`  set ${setName(id, fam)} {`, `    type ${fam === 'v4' ? 'ipv4_addr' : 'ipv6_addr'}; flags interval;`, `    elements = { ${elems.join(', ')} }`, '  }');
    }
  }
  // Before br_netfilter (priority 0): what this table accepts still reaches the inspection queue.
  lines.push('  chain forward {', '    type filter hook forward priority -200; policy accept;');
  if (options.bridgePorts) rule(`iifname != { ${options.bridgePorts.map(quote).join(', ')} }`, 'accept', 'other-bridges');
  // Layer 2 (the policy's link section): bound addresses, VLANs, the EtherTypes that pass.
  for (const r of link.rules) rule(r.expr, r.refuse ? refusal(options.mode, group, r.comment) : 'accept', r.comment);
  // A policy without a link section: non-IP passes untouched, as it did before the section existed.
  // Tagged frames are IP's too: 802.1Q (judged as the packet inside; the kernel keeps the tag as
  // metadata, so the rules below see the inner packet), and 802.1ad / the older 0x9100 QinQ
  // outer tag, which nothing below matches, so the default takes them.
  if (!policy.link) rule(`ether type != { ${IP_ETHER_TYPES} }`, 'accept', 'non-ip');
  // Island mode (SR 5.2 RE2) is an operator's order: it drops in learn mode too.
  const isolated = split((options.isolated ?? []).map(parseMember).filter((m): m is Member => typeof m !== 'string'));
  for (const [fam, elems] of [['ip', isolated.v4], ['ip6', isolated.v6]] as const) {
    if (elems.length === 0) continue;
    rule(`${fam} saddr { ${elems.join(', ')} }`, `log group ${group} prefix ${quote('bulkhead isolated')} drop`, `isolated-from:${fam}`);
    rule(`${fam} daddr { ${elems.join(', ')} }`, `log group ${group} prefix ${quote('bulkhead isolated')} drop`, `isolated-to:${fam}`);
  }
  const rules = policy.conduits.flatMap((c) => c.rules.map((r) => ({ c, r })));
  // Explicit denies first, as the evaluator does.
  rules.sort((a, b) => Number(b.r.action === 'deny') - Number(a.r.action === 'deny'));
  for (const { r } of rules) {
    if (r.allow) needsInspection.push(r.id);
    // The protocol's transport, and its default server port when the rule names none.
    const service = protocolModule(r.protocol);
    const l4 = service.transport;
    const port = r.port ?? service.defaultPort;
    const queued = options.queue?.rules.get(r.id);
    // A deny of some operations only (a virtual patch) is the inspector's: dropped here, it would
    // take every operation of its hosts and port with it. The inspection chain queues its hosts.
    // One the inspector never sees (to a broadcast) stays a drop: it refuses more, never less.
    if (r.action === 'deny' && r.allow && queued === undefined && inspectedRule(r)) continue;
    const verdict =
      queued !== undefined
        ? `queue num ${queueNumbers(options.queue!)}${queued ? ' bypass' : ''}`
        : r.action === 'deny'
          ? options.mode === 'enforce'
            ? `log group ${group} prefix ${quote(`bulkhead deny ${r.id}`)} drop`
            : `log group ${group} prefix ${quote(`bulkhead would-deny ${r.id}`)} accept`
          : 'accept';
    for (const fam of ['ip', 'ip6'] as const) {
      const client = match(r.client, 'saddr', fam, zones);
      const server = match(r.server, 'daddr', fam, zones);
      if (!client || !server) continue;
      const dport = port !== undefined ? ` ${l4} dport ${port}` : ` meta l4proto ${l4}`;
      rule(`${client} ${server}${dport}`, verdict, r.id);
      // Replies: the server answers from the service port (broadcast requests are answered unicast).
      if (r.action !== 'deny') {
        const replyFrom = r.server.broadcast ? undefined : match(r.server, 'saddr', fam, zones);
        const replyTo = match(r.client, 'daddr', fam, zones);
        if (replyTo) {
          const sport = port !== undefined ? ` ${l4} sport ${port}` : ` meta l4proto ${l4}`;
          rule(`${replyFrom ?? ''} ${replyTo}${sport}`.trim(), 'accept', `${r.id}:reply`);
        }
      }
    }
  }
  const last = options.mode === 'enforce' ? `log group ${group} prefix ${quote('bulkhead deny default')} drop` : `log group ${group} prefix ${quote('bulkhead would-deny default')} accept`;
  // Whatever IP no rule allowed, tagged or not.
  if (policy.defaultAction === 'deny') rule(`ether type { ${IP_ETHER_TYPES} }`, last, 'default');
  lines.push('  }', '}');
  // Replace atomically: create (if missing), delete, and define anew in one transaction.
  const script = [`table bridge ${table}`, `delete table bridge ${table}`, ...lines, ''].join('\n');
  return { table, script, comments, needsInspection, sightings: link.sightings };
}

/** One queue, or a range the kernel balances by flow hash (as the xtables target's --queue-balance). */
function queueNumbers(q: { num: number; count?: number }): string {
  return (q.count ?? 1) > 1 ? `${q.num}-${q.num + q.count! - 1}` : String(q.num);
}
