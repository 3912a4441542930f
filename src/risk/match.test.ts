// The key index offers a device every advisory product a scan of all of them would match: checked
// against a linear scan on devices that say what corpus products say (names, part and model
// numbers, wildcard part numbers such as 'X-200IRT'), and on a handmade catalogue when the corpus is absent.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { advisoriesUnavailable, CSAF_DIR } from '../test-support/advisories.js';
import type { AdvisoryRecordType as Advisory } from '../store/advisory-records.js';
import { readCsaf } from './csaf.js';
import type { AssetClaim } from './identity.js';
import { AdvisoryIndex, matchAsset } from './match.js';

const missing = advisoriesUnavailable();
if (missing) console.warn(`SKIPPED: the key index against a linear scan of the corpus: ${missing}`);

function corpus(): Advisory[] {
  const out: Advisory[] = [];
  for (const year of readdirSync(CSAF_DIR).sort())
    for (const f of readdirSync(join(CSAF_DIR, year)).sort()) {
      const r = readCsaf(JSON.parse(readFileSync(join(CSAF_DIR, year, f), 'utf8')));
      if ('advisory' in r) out.push(r.advisory);
    }
  return out;
}

const product = (vendor: string, name: string, version: string, modelNumbers: string[] = []) => ({ productId: 'P1', vendor, name, version, versionIsRange: true, modelNumbers });
const handmade: Advisory[] = [
  { id: 'T-1', title: 't', publisher: 'p', initialRelease: '2020-01-01', currentRelease: '2020-01-01', version: '1', products: [product('Siemens AG', 'SCALANCE X-200IRT switch family', 'vers:all/*')], cves: [], remediations: [], text: '', textTruncated: false },
  { id: 'T-2', title: 't', publisher: 'p', initialRelease: '2020-01-01', currentRelease: '2020-01-01', version: '1', products: [product('Siemens', 'SIMATIC S7-1500 CPU family', '< V2.9', ['6ES7515-2AM01-0AB0'])], cves: [], remediations: [], text: '', textTruncated: false },
];

const ids = (index: AdvisoryIndex, claim: AssetClaim) => matchAsset([claim], index, new Map()).map((m) => `${m.advisoryId}:${m.confidence}`).sort();

describe('the advisory key index', () => {
  it('finds part numbers behind leading wildcards and model numbers, like a linear scan', () => {
    const fast = new AdvisoryIndex(handmade);
    const slow = new AdvisoryIndex(handmade, { linear: true });
    const claims: AssetClaim[] = [
      { source: 't', vendor: 'Siemens', names: ['SCALANCE X-204IRT'], models: ['6GK5204-0BA00-2BA3'], version: 'V5.2' },
      { source: 't', vendor: 'Siemens AG', names: ['SIMATIC S7-1500'], models: ['6ES7 515-2AM01-0AB0'], version: 'V2.8' },
      { source: 't', vendor: 'Siemens', names: ['SIMATIC S7-1500'], models: ['6ES7 515-2AM01-0AB0'], version: 'V2.9.1' },
    ];
    for (const c of claims) expect(ids(fast, c)).toEqual(ids(slow, c));
    expect(ids(fast, claims[1]!)).toEqual(['T-2:high']);
    expect(ids(fast, claims[2]!)).toEqual([]);
  });

  it('never offers the fixed release an advisory lists beside the affected one', () => {
    const a: Advisory = { ...handmade[1]!, id: 'T-3', products: [product('Siemens', 'SIMATIC S7-1500 CPU family', '< V2.9'), { ...product('Siemens', 'SIMATIC S7-1500 CPU family', 'V2.9'), productId: 'P2', versionIsRange: false }], cves: [{ cve: 'CVE-2099-1', cvss: 9.8, affected: ['P1'] }] };
    const index = new AdvisoryIndex([a]);
    expect(ids(index, { source: 't', vendor: 'Siemens', names: ['SIMATIC S7-1500 CPU family'], models: [], version: 'V2.9' })).toEqual([]);
    expect(ids(index, { source: 't', vendor: 'Siemens', names: ['SIMATIC S7-1500 CPU family'], models: [], version: 'V2.8' })).toEqual(['T-3:medium']);
  });

  it.skipIf(missing !== undefined)('agrees with a linear scan on devices that say what 300 corpus products say', () => {
    const advisories = corpus();
    const fast = new AdvisoryIndex(advisories);
    const slow = new AdvisoryIndex(advisories, { linear: true });
    const products = advisories.flatMap((a) => a.products);
    let matched = 0;
    for (let i = 0; i < products.length; i += Math.ceil(products.length / 300)) {
      const p = products[i]!;
      const claim: AssetClaim = { source: 't', vendor: p.vendor, names: [p.name], models: p.modelNumbers.slice(0, 1), version: 'V1.0' };
      const got = ids(fast, claim);
      expect(got, `${p.vendor} / ${p.name}`).toEqual(ids(slow, claim));
      if (got.length) matched++;
    }
    expect(matched).toBeGreaterThan(200);
  });
});
