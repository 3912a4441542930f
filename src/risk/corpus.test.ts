// The matching primitives against CISA's real advisories (../shared/advisories/csaf beside the
// repository): every version range is read without throwing, most are understood, vendor
// spellings collapse to fewer keys, and a pattern is built for every product.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRange } from './versions.js';
import { splitVendors, vendorKey } from './vendors.js';
import { matchProduct, productPattern, type DeviceNames } from './products.js';

const CSAF = join(import.meta.dirname, '..', '..', '..', 'shared', 'advisories', 'csaf');
const present = existsSync(CSAF);
if (!present) console.warn(`SKIPPED: advisory corpus tests: ${CSAF} is absent`);

interface Branch {
  category?: string;
  name?: string;
  branches?: Branch[];
  product?: { name?: string; product_identification_helper?: { model_numbers?: string[] } };
}

interface Product {
  vendor: string;
  name: string;
  models: readonly string[];
}

interface Corpus {
  ranges: string[];
  versions: string[];
  vendors: string[];
  products: Product[];
}

/** Collects version texts, vendor names and products (a leaf with a product: its product_name above it, its model numbers). */
function walk(branches: Branch[], vendor: string, name: string, out: Corpus): void {
  for (const b of branches) {
    const n = b.name ?? '';
    if (b.category === 'vendor') out.vendors.push(n);
    if (b.category === 'product_version_range') out.ranges.push(n);
    if (b.category === 'product_version') out.versions.push(n);
    const v = b.category === 'vendor' ? n : vendor;
    const p = b.category === 'product_name' ? n : name;
    if (b.product) out.products.push({ vendor: v, name: p || (b.product.name ?? ''), models: b.product.product_identification_helper?.model_numbers ?? [] });
    if (b.branches) walk(b.branches, v, p, out);
  }
}

function load(): Corpus {
  const out: Corpus = { ranges: [], versions: [], vendors: [], products: [] };
  for (const year of readdirSync(CSAF).sort()) {
    for (const file of readdirSync(join(CSAF, year)).filter((f) => f.endsWith('.json'))) {
      const doc = JSON.parse(readFileSync(join(CSAF, year, file), 'utf8')) as { product_tree?: { branches?: Branch[] } };
      walk(doc.product_tree?.branches ?? [], '', '', out);
    }
  }
  return out;
}

const corpus = present ? load() : undefined;
/** Devices matched against every product of their vendor, without an index (the worst case). */
const DEVICES = 1_000;
const pct = (n: number, of: number): string => `${((100 * n) / Math.max(of, 1)).toFixed(1)}%`;

describe.skipIf(!present)('the advisory corpus', () => {
  const c = corpus!;

  it('reads every version range without throwing, and understands most', () => {
    const distinct = [...new Set(c.ranges)];
    const read = (texts: readonly string[], exact: boolean): number => texts.filter((t) => parseRange(t, exact).parsed).length;
    const ranges = read(c.ranges, false);
    const distinctRead = read(distinct, false);
    const versions = read(c.versions, true);
    console.log(
      `version ranges understood: ${ranges} of ${c.ranges.length} (${pct(ranges, c.ranges.length)}); ` +
        `distinct ${distinctRead} of ${distinct.length} (${pct(distinctRead, distinct.length)}); ` +
        `product versions: ${versions} of ${c.versions.length} (${pct(versions, c.versions.length)})`,
    );
    const unread = distinct.filter((t) => !parseRange(t).parsed);
    console.log(`unread examples: ${JSON.stringify(unread.slice(0, 25))}`);
    expect(ranges / c.ranges.length).toBeGreaterThanOrEqual(0.85);
    expect(distinctRead / distinct.length).toBeGreaterThanOrEqual(0.85);
  });

  it('collapses the vendor spellings to fewer keys', () => {
    const names = new Set(c.vendors);
    const vendors = new Set([...names].flatMap((n) => splitVendors(n)));
    const keys = new Set([...vendors].map(vendorKey));
    console.log(`vendor names: ${names.size} distinct strings, ${vendors.size} vendors after splitting, ${keys.size} distinct keys`);
    expect(keys.size).toBeLessThan(vendors.size);
    for (const key of ['schneider electric', 'siemens', 'rockwell automation', 'mitsubishi electric', 'johnson controls', 'general electric']) expect(keys).toContain(key);
    expect(keys).not.toContain('');
  });

  it('builds a pattern for every product, and each names a device that says its name', () => {
    const t0 = performance.now();
    const patterns = c.products.map((p) => productPattern(p.name, p.models));
    const built = performance.now() - t0;
    const withParts = patterns.filter((p) => p.parts.length).length;
    const withModels = patterns.filter((p) => p.models.length).length;
    // A device that says exactly what the advisory says must match it.
    const t1 = performance.now();
    const missed = c.products.filter((p, i) => !matchProduct(patterns[i]!, { names: [p.name], models: [...p.models] }));
    const matched = performance.now() - t1;
    console.log(
      `product patterns: ${patterns.length} built in ${built.toFixed(0)} ms (${withParts} with part numbers in the name, ${withModels} with model numbers); ` +
        `self-match ${patterns.length - missed.length} of ${patterns.length} in ${matched.toFixed(0)} ms; missed: ${JSON.stringify(missed.slice(0, 10).map((p) => p.name))}`,
    );
    expect(missed.length / patterns.length).toBeLessThan(0.01);
  });

  it('matches devices against every product of their vendor', () => {
    // Each device is a corpus product as a device would say it; it meets every product of its vendor.
    const byVendor = new Map<string, ReturnType<typeof productPattern>[]>();
    for (const p of c.products) {
      const pattern = productPattern(p.name, p.models);
      for (const v of new Set(splitVendors(p.vendor).map(vendorKey))) {
        const list = byVendor.get(v);
        if (list) list.push(pattern);
        else byVendor.set(v, [pattern]);
      }
    }
    const devices: { vendor: string; names: DeviceNames }[] = [];
    for (let i = 0; devices.length < DEVICES; i = (i + 7919) % c.products.length) {
      const p = c.products[i]!;
      devices.push({ vendor: vendorKey(splitVendors(p.vendor)[0] ?? ''), names: { names: [p.name], models: p.models.slice(0, 1) } });
    }
    let pairs = 0;
    let matches = 0;
    const t0 = performance.now();
    for (const d of devices) {
      for (const pattern of byVendor.get(d.vendor) ?? []) {
        pairs++;
        if (matchProduct(pattern, d.names)) matches++;
      }
    }
    const ms = performance.now() - t0;
    console.log(`matching: ${devices.length} devices x their vendor's products = ${pairs} pairs in ${ms.toFixed(0)} ms (${((1000 * pairs) / ms / 1e6).toFixed(1)} M pairs/s), ${matches} matches`);
    expect(matches).toBeGreaterThanOrEqual(devices.length * 0.99);
  });
});
