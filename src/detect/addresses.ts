// Who is who on the wire: a known address answering from a MAC it never had (a man in the middle,
// or a replaced device), and one MAC claiming several known addresses (ARP spoofing). A router's
// MAC fronts many addresses by design: learning marks those hosts, and they are left alone.

import type { Operation } from '../../protocols/operation.js';
import type { Asset } from '../learn/model.js';
import type { Detection } from './alert-book.js';
import { ATTACK } from './attack.js';
import { assetWords } from './words.js';

export interface MacBaseline {
  addressesWithMac(mac: string): ReadonlySet<string> | undefined;
  assets: ReadonlyMap<string, Asset>;
}

export class AddressDetector {
  constructor(
    private readonly baseline: MacBaseline,
    private readonly armed: (a: Asset, ts: number) => boolean,
    private readonly raise: (d: Detection) => void,
  ) {}

  /** A known address seen with a new MAC. */
  mac(a: Asset, mac: string, known: readonly string[], op: Operation): void {
    if (a.behindRouter || !this.armed(a, op.evidence.ts)) return;
    const others = [...(this.baseline.addressesWithMac(mac) ?? [])].filter((k) => k !== a.key);
    const claims = others.map((k) => this.baseline.assets.get(k)).filter((x): x is Asset => x !== undefined && !x.behindRouter);
    this.raise({
      type: claims.length ? 'mac_claims_several_addresses' : 'mac_change',
      detector: 'addresses',
      severity: 'high',
      subject: a.key,
      attack: ATTACK.adversaryInTheMiddle,
      asset: a.ip,
      summary: claims.length
        ? `${mac} now speaks for ${assetWords(a, a.ip)} as well as for ${claims.map((c) => c.ip).join(', ')}: one device claiming several addresses`
        : `${assetWords(a, a.ip)} was seen from MAC ${mac}, which it never used`,
      baseline: `${a.ip} used ${known.join(', ')}${claims.length ? `; ${mac} belonged to ${claims.map((c) => c.ip).join(', ')}` : ''}`,
      seen: `${a.ip} at ${mac}`,
      op,
    });
  }

  /** A new address whose MAC already belongs to a known one. */
  newAddress(a: Asset, op: Operation): void {
    const mac = a.ip === op.client.ip ? op.client.mac : op.server.mac;
    if (!mac || mac === '00:00:00:00:00:00') return;
    const owners = [...(this.baseline.addressesWithMac(mac) ?? [])].map((k) => this.baseline.assets.get(k)).filter((x): x is Asset => x !== undefined && x.key !== a.key && !x.behindRouter && this.armed(x, op.evidence.ts));
    if (owners.length === 0) return;
    this.raise({
      type: 'mac_claims_several_addresses',
      detector: 'addresses',
      severity: 'high',
      subject: `mac ${mac}`,
      attack: ATTACK.adversaryInTheMiddle,
      asset: a.ip,
      summary: `${mac}, the MAC of ${owners.map((o) => assetWords(o, o.ip)).join(', ')}, now also claims ${a.ip}`,
      baseline: `${mac} belonged to ${owners.map((o) => o.ip).join(', ')}`,
      seen: `${a.ip} at ${mac}`,
      op,
    });
  }
}
