// Which addresses each MAC was seen with: one MAC with many addresses is a router's, and the
// hosts behind it are known by their addresses only (their frames all carry the router's MAC).

/** A MAC seen with more addresses than this belongs to a router, not to the hosts behind it. */
const ROUTER_MAC_ADDRESSES = 4;

const NONE: readonly string[] = [];

export class MacAddresses {
  /** MAC -> asset keys seen with it (up to the router threshold). */
  private readonly byMac = new Map<string, Set<string>>();

  /** The asset keys seen with `mac`. */
  of(mac: string): ReadonlySet<string> | undefined {
    return this.byMac.get(mac);
  }

  /** `assetKey` seen with `mac`; returns the keys now known to be behind a router (often none). */
  note(mac: string, assetKey: string): readonly string[] {
    let set = this.byMac.get(mac);
    if (!set) this.byMac.set(mac, (set = new Set()));
    if (set.size > ROUTER_MAC_ADDRESSES) return [assetKey];
    set.add(assetKey);
    return set.size > ROUTER_MAC_ADDRESSES ? [...set] : NONE;
  }
}
