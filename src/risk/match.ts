// Which advisories name an asset's product: each identity claim's vendor (normalised) picks the
// advisory products of that vendor, a key index narrows them to those sharing a part-number head,
// a word or the whole name with the device, and each is matched by model or name, then by version.
// Every match says why it matched and how sure it is:
//   high    a model or part number matched and the firmware is in the affected range
//   medium  the product name matched and the firmware is in the affected range
//   low     the product matched but its version could not be judged (unknown or unreadable)
// The index is built once per imported catalogue; matching allocates little per asset.

import type { AdvisoryProductRecordType as Product, AdvisoryRecordType as Advisory, KevRecordType as Kev } from '../store/advisory-records.js';
import type { AssetClaim } from './identity.js';
import { deviceKeys, matchProduct, patternKeys, productPattern, type DeviceNames, type ProductPattern } from './products.js';
import { splitVendors, vendorKey } from './vendors.js';
import { checkVersion, parseRange, type VersionRange } from './versions.js';

export type MatchConfidence = 'high' | 'medium' | 'low';
export const CONFIDENCES: readonly MatchConfidence[] = ['high', 'medium', 'low'];
/** Remediations shown per match (older advisories attach every one to every product). */
export const REMEDIATIONS_SHOWN = 8;

interface Entry {
  advisory: Advisory;
  product: Product;
  pattern: ProductPattern;
  range: VersionRange;
  /** The last lookup that offered this entry (dedupes without a set per lookup). */
  seen: number;
}

interface VendorEntries {
  byKey: Map<string, Entry[]>;
  /** Entries with no narrowing key: offered to every device of the vendor. */
  always: Entry[];
}

export interface MatchedCve {
  cve: string;
  title?: string;
  cvss?: number;
  vector?: string;
  cwe?: string;
  knownExploited: boolean;
  ransomware?: boolean;
  /** What CISA requires of federal agencies for a known exploited vulnerability. */
  requiredAction?: string;
}

export interface AdvisoryMatch {
  advisoryId: string;
  title: string;
  url?: string;
  currentRelease: string;
  product: { productId: string; vendor: string; name: string; version: string };
  confidence: MatchConfidence;
  /** Vendor, product and version, each in a sentence. */
  why: string[];
  /** Which identity claim matched ("Modbus device identification (MEI 14)"). */
  source: string;
  cves: MatchedCve[];
  /** The worst CVSS base score of its CVEs, and whether any is known exploited. */
  worstCvss?: number;
  knownExploited: boolean;
  remediations: { category: string; details: string; url?: string }[];
  remediationsTruncated: boolean;
}

/** Vendor names seen, by their key: a plant's assets and the corpus repeat a few hundred names. */
const VENDOR_KEYS_KEPT = 10_000;
const vendorKeys = new Map<string, string>();
function cachedVendorKey(name: string): string {
  let key = vendorKeys.get(name);
  if (key === undefined) {
    key = vendorKey(name);
    if (vendorKeys.size >= VENDOR_KEYS_KEPT) vendorKeys.clear();
    vendorKeys.set(name, key);
  }
  return key;
}

export class AdvisoryIndex {
  private readonly vendors = new Map<string, VendorEntries>();
  /** `linear`: every entry with its vendor, scanned whole for each claim (the benchmark's baseline). */
  private readonly flat?: { vendor: string; entry: Entry }[];
  private lookup = 0;
  readonly products: number;

  constructor(advisories: readonly Advisory[], options: { linear?: boolean } = {}) {
    if (options.linear) this.flat = [];
    const byVendor = new Map<string, Entry[]>();
    let products = 0;
    for (const advisory of advisories) {
      // Where the CVEs name their products, a product none names is the fixed release or one not
      // affected (a tree lists both): it is not offered.
      const affected = new Set(advisory.cves.flatMap((c) => c.affected));
      for (const product of advisory.products) {
        if (affected.size && !affected.has(product.productId)) continue;
        const entry: Entry = { advisory, product, pattern: productPattern(product.name, product.modelNumbers), range: parseRange(product.version, !product.versionIsRange), seen: 0 };
        for (const vendor of new Set(splitVendors(product.vendor).map(cachedVendorKey))) {
          if (this.flat) this.flat.push({ vendor, entry });
          else {
            const list = byVendor.get(vendor);
            if (list) list.push(entry);
            else byVendor.set(vendor, [entry]);
          }
        }
        products++;
      }
    }
    for (const [vendor, entries] of byVendor) this.vendors.set(vendor, keyed(entries));
    this.products = products;
  }

  /** The vendor's entries sharing a key with what the device says. */
  candidates(vendor: string, device: DeviceNames): Entry[] {
    if (this.flat) return this.flat.filter((f) => f.vendor === vendor).map((f) => f.entry);
    const v = this.vendors.get(vendor);
    if (!v) return [];
    const stamp = ++this.lookup;
    const out: Entry[] = [];
    const offer = (e: Entry) => {
      if (e.seen === stamp) return;
      e.seen = stamp;
      out.push(e);
    };
    for (const k of deviceKeys(device)) for (const e of v.byKey.get(k) ?? []) offer(e);
    for (const e of v.always) offer(e);
    return out;
  }
}

/**
 * One vendor's entries by key: each number head, the whole name of a one-word product, and the
 * rarest of the words a name match needs (every one of them must be the device's, so one suffices
 * to find it, and the rarest offers it to the fewest devices).
 */
function keyed(entries: readonly Entry[]): VendorEntries {
  const v: VendorEntries = { byKey: new Map(), always: [] };
  const keys = entries.map((e) => patternKeys(e.pattern));
  const frequency = new Map<string, number>();
  for (const k of keys) for (const w of k.words) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const add = (key: string, e: Entry) => {
    const list = v.byKey.get(key);
    if (list) list.push(e);
    else v.byKey.set(key, [e]);
  };
  entries.forEach((e, i) => {
    const k = keys[i]!;
    if (k.always) return void v.always.push(e);
    for (const n of new Set(k.numbers)) add(n, e);
    if (k.whole !== undefined) add(`=${k.whole}`, e);
    if (k.words.length) add(`w:${k.words.reduce((r, w) => (frequency.get(w)! < frequency.get(r)! ? w : r))}`, e);
  });
  return v;
}

const RANK: Record<MatchConfidence, number> = { high: 0, medium: 1, low: 2 };

/** The advisories naming the asset's products: one match per advisory, the surest. */
export function matchAsset(claims: readonly AssetClaim[], index: AdvisoryIndex, kev: ReadonlyMap<string, Kev>): AdvisoryMatch[] {
  const best = new Map<string, AdvisoryMatch>();
  for (const claim of claims) {
    if (claim.vendor === undefined) continue;
    const vendor = cachedVendorKey(claim.vendor);
    if (!vendor) continue;
    // One object per claim: the product matcher reads what it says once.
    const device: DeviceNames = { names: claim.names, models: claim.models };
    for (const e of index.candidates(vendor, device)) {
      const how = matchProduct(e.pattern, device);
      if (!how) continue;
      const version = checkVersion(claim.version, e.range);
      if (version.result === 'not_affected') continue;
      let confidence: MatchConfidence = version.result === 'unknown' ? 'low' : how.how === 'model' ? 'high' : 'medium';
      // A vendor guessed from the network card's maker is less sure than one the device named.
      if (claim.vendorFromMac && confidence === 'high') confidence = 'medium';
      const seen = best.get(e.advisory.id);
      if (seen && RANK[seen.confidence] <= RANK[confidence]) continue;
      best.set(e.advisory.id, describeMatch(e, claim, how.why, version.why, confidence, kev));
    }
  }
  return [...best.values()].sort((a, b) => RANK[a.confidence] - RANK[b.confidence] || (b.worstCvss ?? 0) - (a.worstCvss ?? 0) || a.advisoryId.localeCompare(b.advisoryId));
}

function describeMatch(e: Entry, claim: AssetClaim, productWhy: string, versionWhy: string, confidence: MatchConfidence, kev: ReadonlyMap<string, Kev>): AdvisoryMatch {
  const { advisory, product } = e;
  const cves: MatchedCve[] = [];
  for (const c of advisory.cves) {
    // A CVE that lists its products applies to those; one that lists none, to the whole advisory.
    if (c.affected.length && !c.affected.includes(product.productId)) continue;
    const k = kev.get(c.cve);
    cves.push({
      cve: c.cve,
      ...(c.title !== undefined ? { title: c.title } : {}),
      ...(c.cvss !== undefined ? { cvss: c.cvss } : {}),
      ...(c.vector !== undefined ? { vector: c.vector } : {}),
      ...(c.cwe !== undefined ? { cwe: c.cwe } : {}),
      knownExploited: k !== undefined,
      ...(k ? { ransomware: k.ransomware, requiredAction: k.requiredAction } : {}),
    });
  }
  const worst = cves.reduce<number | undefined>((w, c) => (c.cvss !== undefined && (w === undefined || c.cvss > w) ? c.cvss : w), undefined);
  const remediations = advisory.remediations.filter((r) => !r.productIds.length || r.productIds.includes(product.productId));
  const vendorWhy = claim.vendorFromMac ? `vendor ${claim.vendor} (the MAC address's registrant) is ${product.vendor.trim()}` : `vendor ${claim.vendor} is ${product.vendor.trim()}`;
  return {
    advisoryId: advisory.id,
    title: advisory.title,
    ...(advisory.url !== undefined ? { url: advisory.url } : {}),
    currentRelease: advisory.currentRelease,
    product: { productId: product.productId, vendor: product.vendor.trim(), name: product.name, version: product.version },
    confidence,
    why: [vendorWhy, productWhy, versionWhy],
    source: claim.source,
    cves,
    ...(worst !== undefined ? { worstCvss: worst } : {}),
    knownExploited: cves.some((c) => c.knownExploited),
    remediations: remediations.slice(0, REMEDIATIONS_SHOWN).map((r) => ({ category: r.category, details: r.details, ...(r.url !== undefined ? { url: r.url } : {}) })),
    remediationsTruncated: remediations.length > REMEDIATIONS_SHOWN,
  };
}
