// Which advisories name an asset's product: each identity claim's vendor (normalised) picks the
// advisory products of that vendor, a token index narrows them to the ones sharing a word or a
// part-number prefix with the device, and each is matched by model or name, then by version.
// Every match says why it matched and how sure it is:
//   high    a model or part number matched and the firmware is in the affected range
//   medium  the product name matched and the firmware is in the affected range
//   low     the product matched but its version could not be judged (unknown or unreadable)
// The index is built once per imported catalogue; matching allocates little per asset.

import type { AdvisoryProductRecordType as Product, AdvisoryRecordType as Advisory, KevRecordType as Kev } from '../store/records.js';
import type { AssetClaim } from './identity.js';
import { matchProduct, productPattern, type ProductPattern } from './products.js';
import { splitVendors, vendorKey } from './vendors.js';
import { checkVersion, parseRange, type VersionRange } from './versions.js';

export type MatchConfidence = 'high' | 'medium' | 'low';
export const CONFIDENCES: readonly MatchConfidence[] = ['high', 'medium', 'low'];
/** Remediations shown per match (older advisories attach every one to every product). */
export const REMEDIATIONS_SHOWN = 8;

/** Words too common in product names to narrow the candidates by. */
const COMMON = new Set(['all', 'and', 'cpu', 'cpus', 'for', 'the', 'with', 'series', 'family', 'firmware', 'version', 'versions', 'module', 'modules', 'controller', 'controllers', 'device', 'devices', 'incl', 'including', 'software', 'system', 'systems', 'server', 'client', 'v1', 'v2', 'v3']);

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

/** Lower-case alphanumeric words, and the first three characters of each (part-number prefixes). */
function keysOf(texts: readonly string[], out: Set<string>): Set<string> {
  for (const text of texts) {
    const lower = text.toLowerCase();
    for (const word of lower.split(/[^a-z0-9]+/)) if (word.length >= 2 && !COMMON.has(word)) out.add(word);
    const compact = lower.replace(/[^a-z0-9]+/g, '');
    if (compact.length >= 3) out.add(`^${compact.slice(0, 3)}`);
    for (const word of lower.split(/[\s,;()/]+/)) {
      const w = word.replace(/[^a-z0-9]+/g, '');
      if (w.length >= 3) out.add(`^${w.slice(0, 3)}`);
    }
  }
  return out;
}

export class AdvisoryIndex {
  private readonly vendors = new Map<string, VendorEntries>();
  /** `linear`: every entry with its vendor, scanned whole for each claim (the benchmark's baseline). */
  private readonly flat?: { vendor: string; entry: Entry }[];
  private lookup = 0;
  readonly products: number;

  constructor(advisories: readonly Advisory[], options: { linear?: boolean } = {}) {
    if (options.linear) this.flat = [];
    let products = 0;
    for (const advisory of advisories) {
      for (const product of advisory.products) {
        const entry: Entry = { advisory, product, pattern: productPattern(product.name, product.modelNumbers), range: parseRange(product.version, !product.versionIsRange), seen: 0 };
        for (const vendor of new Set(splitVendors(product.vendor).map(vendorKey))) {
          if (this.flat) this.flat.push({ vendor, entry });
          else this.add(vendor, entry, product);
        }
        products++;
      }
    }
    this.products = products;
  }

  private add(vendor: string, entry: Entry, product: Product): void {
    let v = this.vendors.get(vendor);
    if (!v) this.vendors.set(vendor, (v = { byKey: new Map(), always: [] }));
    const keys = keysOf([product.name, ...product.modelNumbers], new Set());
    if (!keys.size) v.always.push(entry);
    for (const k of keys) {
      const list = v.byKey.get(k);
      if (list) list.push(entry);
      else v.byKey.set(k, [entry]);
    }
  }

  /** The vendor's entries sharing a key with the claim's names and models. */
  candidates(vendor: string, claim: AssetClaim): Entry[] {
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
    for (const k of keysOf([...claim.names, ...claim.models], new Set())) for (const e of v.byKey.get(k) ?? []) offer(e);
    for (const e of v.always) offer(e);
    return out;
  }
}

const RANK: Record<MatchConfidence, number> = { high: 0, medium: 1, low: 2 };

/** The advisories naming the asset's products: one match per advisory, the surest. */
export function matchAsset(claims: readonly AssetClaim[], index: AdvisoryIndex, kev: ReadonlyMap<string, Kev>): AdvisoryMatch[] {
  const best = new Map<string, AdvisoryMatch>();
  for (const claim of claims) {
    if (claim.vendor === undefined) continue;
    const vendor = vendorKey(claim.vendor);
    if (!vendor) continue;
    const device = { names: claim.names, models: claim.models };
    for (const e of index.candidates(vendor, claim)) {
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
