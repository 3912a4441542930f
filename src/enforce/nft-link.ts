// The kernel table's layer 2, from the policy's `link` section and its zones' VLANs: what the
// bridge passes besides IP, which VLANs it carries, and which MAC each bound address must come
// from. A refused frame is counted by its rule and recorded in a bounded set of sightings
// (attacker MAC and claimed address, VLAN id, EtherType), which the engine reads back to raise
// events (link-watch.ts): the kernel drops at line rate and still says what it saw.

import { parseEtherType } from '../../protocols/net/ether-types.js';
import { parseMember } from '../policy/addresses.js';
import type { Policy } from '../policy/model.js';

/** The sets of sightings, each bounded; an element is forgotten an hour after it was last seen. */
export const SIGHTINGS = {
  spoofedV4: 'spoofed_v4',
  spoofedV6: 'spoofed_v6',
  vlans: 'unknown_vlans',
  etherTypes: 'refused_ether_types',
} as const;
export const MAX_SIGHTINGS = 1024;
const SIGHTING_TIMEOUT = '1h';

/** What the rules judge: IP and IPv6, untagged or inside one 802.1Q tag. */
const IP = 'ip, ip6';
const TO_RULES = `${IP}, 8021q`;
/** Outer tags of two-tag frames (802.1ad, and the pre-standard 0x9100): none passes. */
export const QINQ_TAGS = '8021ad, 0x9100';

export interface LinkRule {
  expr: string;
  /** The frame is refused (dropped in enforce mode, counted in learn mode) or passes. */
  refuse: boolean;
  comment: string;
}

/** Zone address sets by family, as the compiler names them. */
export type ZoneSet = (zone: string, family: 'v4' | 'v6') => string | undefined;

/** Set declarations and rules of the link layer, in the order they go in the chain (before isolation and rules). */
export function compileLink(policy: Policy, zoneSet: ZoneSet): { sets: string[]; sightings: string[]; rules: LinkRule[] } {
  const link = policy.link;
  const sets: string[] = [];
  const sightings: string[] = [];
  const rules: LinkRule[] = [];
  const vlanZones = policy.zones.filter((z) => z.vlans?.length);
  if (!link && vlanZones.length === 0) return { sets, sightings, rules };
  const sighting = (name: string, type: string) => {
    sightings.push(name);
    sets.push(`  set ${name} {`, `    ${type}; size ${MAX_SIGHTINGS}; flags dynamic,timeout; timeout ${SIGHTING_TIMEOUT};`, '  }');
  };
  sighting(SIGHTINGS.vlans, 'typeof vlan id');
  sighting(SIGHTINGS.etherTypes, 'type ether_type');
  if (link?.bindings?.length) bindingRules(link.bindings, sets, rules, sighting);
  // A tagged frame from a zone's member on a VLAN the zone does not live on.
  for (const z of vlanZones) {
    for (const [fam, family] of [['ip', 'v4'], ['ip6', 'v6']] as const) {
      const set = zoneSet(z.id, family);
      if (set) rules.push({ expr: `vlan id != { ${z.vlans!.join(', ')} } ${fam} saddr @${set} add @${SIGHTINGS.vlans} { vlan id }`, refuse: true, comment: `zone-vlan:${z.id}:${fam}` });
    }
  }
  if (!link) return { sets, sightings, rules };
  const known = [...new Set(policy.zones.flatMap((z) => z.vlans ?? []))].sort((a, b) => a - b);
  rules.push({ expr: `ether type 8021q ${known.length ? `vlan id != { ${known.join(', ')} } ` : ''}add @${SIGHTINGS.vlans} { vlan id }`, refuse: true, comment: 'unknown-vlan' });
  // Two tags: br_netfilter hands no such frame to inspection, so none passes.
  rules.push({ expr: `ether type { ${QINQ_TAGS} } add @${SIGHTINGS.etherTypes} { ether type }`, refuse: true, comment: 'double-tagged' });
  if (!link.etherTypes) {
    // No list: every non-IP frame passes; two tags never do.
    rules.push({ expr: `ether type != { ${TO_RULES}, ${QINQ_TAGS} }`, refuse: false, comment: 'non-ip' });
    return { sets, sightings, rules };
  }
  const values = link.etherTypes.map(parseEtherType).filter((v): v is number => typeof v === 'number');
  const llc = values.includes(-1);
  const listed = values.filter((v) => v >= 0).map((v) => `0x${v.toString(16).padStart(4, '0')}`);
  if (llc) rules.push({ expr: 'vlan type < 0x0600', refuse: false, comment: 'vlan-llc' });
  rules.push({ expr: `vlan type != { ${[IP, ...listed].join(', ')} } add @${SIGHTINGS.etherTypes} { vlan type }`, refuse: true, comment: 'vlan-ether-type' });
  if (listed.length) rules.push({ expr: `vlan type { ${listed.join(', ')} }`, refuse: false, comment: 'vlan-ether-types' });
  if (llc) rules.push({ expr: 'ether type < 0x0600', refuse: false, comment: 'llc' });
  if (listed.length) rules.push({ expr: `ether type { ${listed.join(', ')} }`, refuse: false, comment: 'ether-types' });
  rules.push({ expr: `ether type != { ${TO_RULES} } add @${SIGHTINGS.etherTypes} { ether type }`, refuse: true, comment: 'non-ip' });
  return { sets, sightings, rules };
}

/** Bound addresses: their packets and ARP claims must come from their MAC. */
function bindingRules(bindings: NonNullable<NonNullable<Policy['link']>['bindings']>, sets: string[], rules: LinkRule[], sighting: (name: string, type: string) => void): void {
  const v4: [string, string][] = [];
  const v6: [string, string][] = [];
  for (const b of bindings) {
    const m = parseMember(b.ip);
    if (typeof m === 'string' || m.kind !== 'ip') continue;
    (m.family === 'ipv4' ? v4 : v6).push([m.ip, b.mac.toLowerCase()]);
  }
  for (const [pairs, fam, addr, spoofed] of [[v4, 'ip', 'ipv4_addr', SIGHTINGS.spoofedV4], [v6, 'ip6', 'ipv6_addr', SIGHTINGS.spoofedV6]] as const) {
    if (pairs.length === 0) continue;
    const bound = `bound_${fam}`;
    const bind = `binding_${fam}`;
    sets.push(`  set ${bound} {`, `    type ${addr};`, `    elements = { ${pairs.map(([ip]) => ip).join(', ')} }`, '  }');
    sets.push(`  set ${bind} {`, `    type ${addr} . ether_addr;`, `    elements = { ${pairs.map(([ip, mac]) => `${ip} . ${mac}`).join(', ')} }`, '  }');
    sighting(spoofed, `type ether_addr . ${addr}`);
    // ARP: the sender's IP is the claim, whatever the frame's own source says (gratuitous ARP included).
    if (fam === 'ip') rules.push({ expr: `arp saddr ip @${bound} arp saddr ip . arp saddr ether != @${bind} add @${spoofed} { arp saddr ether . arp saddr ip }`, refuse: true, comment: 'spoofed-arp' });
    rules.push({ expr: `${fam} saddr @${bound} ${fam} saddr . ether saddr != @${bind} add @${spoofed} { ether saddr . ${fam} saddr }`, refuse: true, comment: `spoofed-${fam}` });
  }
}
