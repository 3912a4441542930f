// Advisory matching speed: the whole CSAF corpus (../shared/advisories) against 10,000 assets
// (target: under 5 s), with a linear scan of every advisory product per asset in the same run as
// the baseline, and the two compared match for match (the index must lose nothing). The cost
// curve: 1,000 / 10,000 / 100,000 assets (the linear scan up to 10,000: past that it takes minutes).
//
//   npm run bench:risk [-- --json]
//
// The assets: 40% name a product of the corpus (vendor spelled another way, the product's name
// or its part number, a random firmware), 20% are BACnet devices, 20% OPC UA servers of corpus
// vendors with unknown products, 20% of vendors no advisory names.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { assetClaims } from '../../src/risk/identity.js';
import { readCsaf } from '../../src/risk/csaf.js';
import { AdvisoryIndex, matchAsset, type AdvisoryMatch } from '../../src/risk/match.js';
import type { AdvisoryRecordType as Advisory, KevRecordType as Kev } from '../../src/store/advisory-records.js';
import type { AssetRecordType as Asset } from '../../src/store/records.js';
import { advisoriesUnavailable, CSAF_DIR, KEV_FILE } from '../../src/test-support/advisories.js';
import { readKev } from '../../src/risk/kev.js';
import { Rng } from '../lib/rng.js';
import { printCurves, type Curve } from '../lib/curve.js';

const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
const ASSETS = 10_000;
const CURVE = [1_000, 10_000, 100_000];
/** The linear scan is run up to this many assets. */
const LINEAR_UP_TO = 10_000;
const TARGET_MS = 5_000;

function corpus(): Advisory[] {
  const out: Advisory[] = [];
  for (const year of readdirSync(CSAF_DIR).sort())
    for (const f of readdirSync(join(CSAF_DIR, year)).filter((n) => n.endsWith('.json'))) {
      const r = readCsaf(JSON.parse(readFileSync(join(CSAF_DIR, year, f), 'utf8')));
      if ('advisory' in r) out.push(r.advisory);
    }
  return out;
}

function kevMap(): Map<string, Kev> {
  const r = readKev(JSON.parse(readFileSync(KEV_FILE, 'utf8')));
  return new Map('kev' in r ? r.kev.entries.map((e) => [e.cve, e]) : []);
}

const respell = (vendor: string, rng: Rng) => [vendor, vendor.toUpperCase(), `${vendor.trim()} Inc.`, `${vendor.trim()}, LLC`][rng.below(4)]!;
const firmware = (rng: Rng) => `V${1 + rng.below(5)}.${rng.below(100)}${rng.below(3) === 0 ? `.${rng.below(20)}` : ''}`;

function asset(i: number, identity: Asset['identity']): Asset {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return { key: ip, ip, macs: [], firstSeen: 0, lastSeen: 0, protocols: [], roles: [], identity, activity: { clientsServed: 0, fieldServersQueried: 0, fieldServersPolled: 0, fieldServersWritten: 0 } };
}

function plant(advisories: readonly Advisory[], rng: Rng, count: number): Asset[] {
  const products = advisories.flatMap((a) => a.products);
  const pick = () => products[rng.below(products.length)]!;
  const out: Asset[] = [];
  for (let i = 0; i < count; i++) {
    const p = pick();
    const kind = rng.below(5);
    if (kind <= 1) {
      const code = p.modelNumbers[0];
      out.push(asset(i, { modbus: { vendorName: respell(p.vendor, rng), productName: p.name, ...(code && rng.below(2) ? { productCode: code } : {}), revision: firmware(rng) } }));
    } else if (kind === 2) out.push(asset(i, { bacnet: { deviceInstance: i, vendorId: rng.below(1000), vendorName: respell(p.vendor, rng), modelName: p.name, firmwareRevision: firmware(rng) } as NonNullable<Asset['identity']['bacnet']> }));
    else if (kind === 3) out.push(asset(i, { opcua: { applicationName: `Line ${i} server`, manufacturerName: p.vendor, productName: `Product ${i}`, softwareVersion: firmware(rng) } as NonNullable<Asset['identity']['opcua']> }));
    else out.push(asset(i, { modbus: { vendorName: `Acme Controls ${i % 97}`, productName: `Widget ${i}`, productCode: `AC-${i}`, revision: firmware(rng) } }));
  }
  return out;
}

function run(index: AdvisoryIndex, assets: readonly Asset[], kev: ReadonlyMap<string, Kev>): { ms: number; matches: AdvisoryMatch[][] } {
  const started = performance.now();
  const matches = assets.map((a) => matchAsset(assetClaims(a), index, kev));
  return { ms: performance.now() - started, matches };
}

function main(): void {
  const missing = advisoriesUnavailable();
  if (missing) {
    console.log(`SKIPPED: bench:risk needs the advisory corpus: ${missing}`);
    return;
  }
  let t = performance.now();
  const advisories = corpus();
  const kev = kevMap();
  const loadMs = performance.now() - t;
  t = performance.now();
  const index = new AdvisoryIndex(advisories);
  const buildMs = performance.now() - t;
  const linear = new AdvisoryIndex(advisories, { linear: true });
  const assets = plant(advisories, new Rng(17), CURVE[CURVE.length - 1]!);
  run(index, assets.slice(0, 500), kev); // warm the JIT for both alike
  run(linear, assets.slice(0, 500), kev);
  const curve: Curve = { name: 'advisory matching', sizeUnit: 'assets', unit: 'ms', yardstick: 'linear scan of every product', better: 'lower', per: 'asset', points: [] };
  let fast: ReturnType<typeof run> | undefined;
  let slow: ReturnType<typeof run> | undefined;
  for (const n of CURVE) {
    const ours = run(index, assets.slice(0, n), kev);
    const scan = n <= LINEAR_UP_TO ? run(linear, assets.slice(0, n), kev) : undefined;
    curve.points.push({ size: n, value: ours.ms, ...(scan ? { yardstick: scan.ms } : {}) });
    if (n === ASSETS) [fast, slow] = [ours, scan!];
  }
  if (values.json) {
    printCurves([curve], true, { indexBuildMs: buildMs });
    return;
  }
  if (!fast || !slow) throw new Error(`the curve's sizes must include ${ASSETS} assets`);
  const key = (ms: AdvisoryMatch[]) => ms.map((m) => `${m.advisoryId}:${m.confidence}`).sort().join(',');
  const differ = fast.matches.filter((m, i) => key(m) !== key(slow.matches[i]!)).length;
  const matched = fast.matches.filter((m) => m.length).length;
  const byConfidence = { high: 0, medium: 0, low: 0 };
  for (const ms of fast.matches) for (const m of ms) byConfidence[m.confidence]++;
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(`corpus: ${advisories.length} advisories, ${index.products} products, ${kev.size} KEV entries (read and validated in ${(loadMs / 1000).toFixed(1)} s)`);
  console.log(`index built in ${buildMs.toFixed(0)} ms; heap ${heap.toFixed(0)} MB (the corpus, the index, 100,000 assets and their matches)`);
  console.log(`matching ${ASSETS.toLocaleString('en-US')} assets: ${fast.ms.toFixed(0)} ms (${((fast.ms * 1000) / ASSETS).toFixed(1)} µs an asset; target under ${TARGET_MS} ms: ${fast.ms + buildMs < TARGET_MS ? 'met' : 'NOT met'}, index build included)`);
  console.log(`baseline, a linear scan of every product per asset: ${slow.ms.toFixed(0)} ms (the index is ${(slow.ms / fast.ms).toFixed(1)}x faster)`);
  console.log(`${matched} assets matched ${byConfidence.high + byConfidence.medium + byConfidence.low} advisories (high ${byConfidence.high}, medium ${byConfidence.medium}, low ${byConfidence.low}); index and linear scan disagree on ${differ} assets`);
  printCurves([curve], false);
  if (differ) process.exitCode = 1;
}

main();
