// What a compiled policy knows of one address: its zone, whether it is a broadcast or multicast
// address, and the rules naming it as a client. A verdict looks each end of a request up once
// here instead of once per question. Addresses the rules name are kept for the policy's life;
// others are remembered up to a limit (a scan of the plant's address space cannot grow it).

import { isGroupAddress } from '../../protocols/net/address.js';
import type { Zone } from './model.js';

/** Addresses no rule names that are remembered at most (then forgotten all at once). */
export const ADDRESS_CACHE_LIMIT = 65_536;

export interface Address<R> {
  readonly ip: string;
  /** The zone the address is a member of (null: none; undefined: not asked yet). */
  zone: Zone | null | undefined;
  /** A broadcast or multicast address by itself (its MAC is judged per request). */
  readonly group: boolean;
  readonly pinned: boolean;
  /** The rules naming this address as a client, as the evaluator indexes them. */
  rules?: R;
}

export class AddressBook<R> {
  private readonly byIp = new Map<string, Address<R>>();
  private pinnedCount = 0;

  /** @param zoneOfIp the zone an address belongs to by its membership, null for none */
  constructor(private readonly zoneOfIp: (ip: string) => Zone | null) {}

  /** The entry of an address a rule names: kept while the policy is. */
  pin(ip: string): Address<R> {
    const known = this.byIp.get(ip);
    if (known?.pinned) return known;
    const a: Address<R> = { ip, zone: known?.zone, group: isGroupAddress({ ip }), pinned: true };
    this.byIp.set(ip, a);
    this.pinnedCount++;
    return a;
  }

  /** The entry of any address, its zone resolved. */
  get(ip: string): Address<R> {
    let a = this.byIp.get(ip);
    if (a === undefined) {
      if (this.byIp.size >= this.pinnedCount + ADDRESS_CACHE_LIMIT) this.forget();
      a = { ip, zone: undefined, group: isGroupAddress({ ip }), pinned: false };
      this.byIp.set(ip, a);
    }
    if (a.zone === undefined) a.zone = this.zoneOfIp(ip);
    return a;
  }

  private forget(): void {
    for (const [ip, a] of this.byIp) if (!a.pinned) this.byIp.delete(ip);
  }
}
