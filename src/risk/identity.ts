// What an asset says it is, as advisory matching reads it: one product claim per identity slot
// (each protocol module reads its own slots), the MAC's registrant standing in for a vendor the
// slot did not name. Matching never names a protocol.

import type { ProductClaim } from '../../protocols/protocol.js';
import { PROTOCOLS } from '../../protocols/registry.js';
import type { AssetRecordType as Asset } from '../store/records.js';

export interface AssetClaim extends ProductClaim {
  /** The vendor was taken from the MAC's IEEE registrant, not from the device's own words. */
  vendorFromMac?: boolean;
}

/** The product claims of an asset's identity slots, in registry order. */
export function assetClaims(asset: Asset): AssetClaim[] {
  const claims: AssetClaim[] = [];
  const macVendor = asset.behindRouter ? undefined : asset.macs.find((m) => m.vendor)?.vendor;
  for (const [slot, fields] of Object.entries(asset.identity)) {
    if (!fields) continue;
    for (const m of PROTOCOLS) {
      const claim = m.product(slot, fields as Record<string, unknown>);
      if (!claim) continue;
      claims.push(claim.vendor === undefined && macVendor !== undefined ? { ...claim, vendor: macVendor, vendorFromMac: true } : claim);
      break;
    }
  }
  return claims;
}
