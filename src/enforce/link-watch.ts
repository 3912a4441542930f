// Events for what the kernel table's layer 2 refused (nft-link.ts): the table records each
// sighting (a MAC claiming a bound address, a VLAN id, an EtherType) in a bounded set; this
// reads those sets back and reports every sighting once, in the plant's words, as the inspector
// reports its denials. A sighting seen again after REPORT_AGAIN_MS is reported again. nft runs
// without blocking: the engine verdicts packets on the same event loop; a table without
// sighting sets is never asked.

import { describeEtherType } from '../../protocols/net/ether-types.js';
import type { Policy } from '../policy/model.js';
import type { InspectionEvent } from './inspector.js';
import { MAX_SIGHTINGS, SIGHTINGS } from './nft-link.js';
import { runNftAsync, type AsyncNftRunner } from './nft-apply.js';

export const REPORT_AGAIN_MS = 10 * 60_000;
const QINQ = new Set([0x88a8, 0x9100]);
/** EtherTypes nft names in its output instead of numbers. */
const NFT_NAMES: Record<string, number> = { ip: 0x0800, arp: 0x0806, ip6: 0x86dd, '8021q': 0x8100, '8021ad': 0x88a8, vlan: 0x8100 };

/** A set element as a number: nft writes some as names ("8021ad"), some in hex. */
function numeric(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = String(v);
  return NFT_NAMES[s] ?? (/^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : Number(s));
}

type Elem = number | string | { concat: (string | number)[] } | { elem: { val: Elem } };

function value(e: Elem): number | string | (string | number)[] {
  if (typeof e === 'object' && 'elem' in e) return value(e.elem.val);
  if (typeof e === 'object' && 'concat' in e) return e.concat;
  return e;
}

export class LinkWatch {
  /** Sighting -> when it was last reported (bounded: the sets themselves are). */
  private readonly reported = new Map<string, number>();

  /** A poll is under way: the next waits for it. */
  private busy = false;

  constructor(
    private policy: Policy,
    private table = 'bulkhead',
    private sets: readonly string[] = [],
    private readonly run: AsyncNftRunner = runNftAsync,
  ) {}

  /** The policy in force (its bindings and lists explain the sightings), its table and the table's sighting sets. */
  use(policy: Policy, table: string, sets: readonly string[]): void {
    this.policy = policy;
    this.table = table;
    this.sets = sets;
  }

  /** New sightings since the last poll, as events (none while a poll is still under way). */
  async poll(mode: 'enforce' | 'learn', now = Date.now()): Promise<InspectionEvent[]> {
    if (this.busy || this.sets.length === 0) return [];
    this.busy = true;
    try {
      return this.sightings(mode, now, new Map(await Promise.all(this.sets.map(async (s) => [s, await this.elements(s)] as const))));
    } finally {
      this.busy = false;
    }
  }

  private sightings(mode: 'enforce' | 'learn', now: number, sets: ReadonlyMap<string, (number | string | (string | number)[])[]>): InspectionEvent[] {
    const action = mode === 'enforce' ? 'deny' : 'would-deny';
    const events: InspectionEvent[] = [];
    const report = (key: string, e: Omit<InspectionEvent, 'action'>) => {
      const last = this.reported.get(key);
      if (last !== undefined && now - last < REPORT_AGAIN_MS) return;
      if (this.reported.size >= 4 * MAX_SIGHTINGS) this.reported.clear();
      this.reported.set(key, now);
      events.push({ action, ...e });
    };
    for (const name of [SIGHTINGS.spoofedV4, SIGHTINGS.spoofedV6]) {
      for (const v of sets.get(name) ?? []) {
        if (!Array.isArray(v)) continue;
        const [mac, ip] = v.map(String) as [string, string];
        report(`${name} ${mac} ${ip}`, { reasonCode: 'address_spoofing', reason: this.spoofing(mac, ip), client: mac, server: ip });
      }
    }
    const vlans = new Set(this.policy.zones.flatMap((z) => z.vlans ?? []));
    for (const v of sets.get(SIGHTINGS.vlans) ?? []) {
      const id = numeric(v);
      const reason = vlans.has(id)
        ? `denied: a frame tagged VLAN ${id} from a member of a zone that does not live on it (${this.zoneVlans()})`
        : `denied: frames tagged VLAN ${id}, which no zone of the policy lives on${vlans.size ? ` (${this.zoneVlans()})` : ' (the policy names no VLAN: only untagged frames pass)'}`;
      report(`vlan ${id}`, { reasonCode: 'unknown_vlan', reason, client: '', server: '' });
    }
    for (const v of sets.get(SIGHTINGS.etherTypes) ?? []) {
      const type = numeric(v);
      const reason = QINQ.has(type)
        ? `denied: double-tagged frames (outer tag 0x${type.toString(16)}, 802.1ad / QinQ): inspection cannot see inside two tags, so none passes`
        : `denied: ${describeEtherType(type)} frames are not in the policy's list of EtherTypes that pass (link.etherTypes: ${this.policy.link?.etherTypes?.join(', ') || 'none'})`;
      report(`ethertype ${type}`, { reasonCode: 'ether_type', reason, client: '', server: '' });
    }
    return events;
  }

  private spoofing(mac: string, ip: string): string {
    const b = this.policy.link?.bindings?.find((x) => x.ip === ip);
    const who = b?.name ? `${b.name} (${ip})` : ip;
    return `denied: ${mac} claims ${who}, which the policy binds to ${b?.mac ?? 'another MAC'}: address spoofing (ARP or IP from the wrong MAC); its frames are dropped. A replaced device is bound anew by a policy change`;
  }

  private zoneVlans(): string {
    return this.policy.zones
      .filter((z) => z.vlans?.length)
      .map((z) => `${z.name}: VLAN ${z.vlans!.join(', ')}`)
      .join('; ');
  }

  private async elements(set: string): Promise<(number | string | (string | number)[])[]> {
    const r = await this.run(['-j', 'list', 'set', 'bridge', this.table, set]);
    if (r.status !== 0) return [];
    try {
      const doc = JSON.parse(r.stdout) as { nftables: { set?: { elem?: Elem[] } }[] };
      return (doc.nftables.find((x) => x.set)?.set?.elem ?? []).map(value);
    } catch {
      return [];
    }
  }
}
