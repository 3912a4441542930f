// Zone members and host selectors: IP addresses, CIDR blocks and MAC addresses, parsed once and
// matched through node's BlockList (IPv4 and IPv6 alike).

import { BlockList, isIP } from 'node:net';

export type Member = { kind: 'ip'; ip: string; family: 'ipv4' | 'ipv6' } | { kind: 'cidr'; base: string; bits: number; family: 'ipv4' | 'ipv6' } | { kind: 'mac'; mac: string };

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Parses one member; returns an error message instead when it is not an address. */
export function parseMember(text: string): Member | string {
  const s = text.trim().toLowerCase();
  if (MAC.test(s)) return { kind: 'mac', mac: s };
  const slash = s.indexOf('/');
  if (slash < 0) {
    const v = isIP(s);
    if (v === 0) return `'${text}' is not an IP address, CIDR block or MAC address`;
    return { kind: 'ip', ip: s, family: v === 4 ? 'ipv4' : 'ipv6' };
  }
  const base = s.slice(0, slash);
  const bits = Number(s.slice(slash + 1));
  const v = isIP(base);
  if (v === 0 || !Number.isInteger(bits) || bits < 0 || bits > (v === 4 ? 32 : 128)) return `'${text}' is not a valid CIDR block`;
  return { kind: 'cidr', base, bits, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** A set of members that answers "is this endpoint in it?". */
export class AddressSet {
  private readonly ips = new Set<string>();
  private readonly macs = new Set<string>();
  /** Made for the first CIDR block only: most sets (a rule's hosts) have none. */
  private blocks: BlockList | undefined;

  constructor(members: Member[]) {
    for (const m of members) {
      if (m.kind === 'ip') this.ips.add(m.ip);
      else if (m.kind === 'mac') this.macs.add(m.mac);
      else (this.blocks ??= new BlockList()).addSubnet(m.base, m.bits, m.family);
    }
  }

  has(ip: string, mac?: string): boolean {
    if (this.ips.has(ip)) return true;
    if (mac !== undefined && this.macs.has(mac)) return true;
    if (!this.blocks) return false;
    const v = isIP(ip);
    return v !== 0 && this.blocks.check(ip, v === 4 ? 'ipv4' : 'ipv6');
  }

  /** Exact addresses only (for indexing). */
  get addresses(): ReadonlySet<string> {
    return this.ips;
  }

  get onlyExact(): boolean {
    return !this.blocks && this.macs.size === 0;
  }
}
