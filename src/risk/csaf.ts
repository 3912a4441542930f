// CSAF 2.0 advisories: checked (the schema of csaf-schema.ts, then CSAF's mandatory test 6.1.1:
// every product id a vulnerability or group names is defined in the product tree) and flattened
// into the record matching reads (store/records.ts AdvisoryRecord): each product with its
// vendor, name and version branches, each CVE with its highest score, CWE and the products it
// affects, each remediation once with the CVEs it was given for, and the text people read.
// Pure: no store, no files. Every list and text is bounded, and what was cut is said.

import { Ajv, type ValidateFunction } from 'ajv';
import type { AdvisoryCveRecordType as Cve, AdvisoryProductRecordType as Product, AdvisoryRecordType as Advisory, AdvisoryRemediationRecordType as Remediation } from '../store/advisory-records.js';
import { CSAF_SCHEMA, type CsafBranch, type CsafDocument, type CsafFullProductName, type CsafVulnerability } from './csaf-schema.js';
import { describeJsonErrors, PROBLEMS_MAX } from './json-problems.js';

/** The text kept per advisory (summary and vulnerability descriptions): the longest in the CISA corpus is 139,000, the 99th percentile 10,500. */
export const ADVISORY_TEXT_MAX = 16_000;
/** Products per advisory (the CISA corpus has at most 1,391, counting 'installed on' relationships). */
export const ADVISORY_PRODUCTS_MAX = 2_000;
export const ADVISORY_CVES_MAX = 1_000;
/** Distinct remediations per advisory (at most 94 in the corpus). */
export const ADVISORY_REMEDIATIONS_MAX = 500;
/** Characters of one remediation's details (at most 2,725 in the corpus). */
export const REMEDIATION_DETAILS_MAX = 4_000;
export const MODEL_NUMBERS_MAX = 100;
/** Characters of a title, a name or a version. */
export const NAME_MAX = 1_000;
/** Product tree nesting (3 in the corpus): deeper is refused before the schema walks it. */
export const BRANCH_DEPTH_MAX = 32;

// Compiled on first use: most commands never read an advisory.
let validate: ValidateFunction<CsafDocument> | undefined;
const validator = () => (validate ??= new Ajv({ allErrors: true, strict: true, verbose: true }).compile<CsafDocument>(CSAF_SCHEMA));

/** The first branch path nested deeper than the bound, if any. */
function tooDeep(branches: unknown, at: string, depth: number): string | undefined {
  if (!Array.isArray(branches)) return undefined;
  if (depth > BRANCH_DEPTH_MAX) return `${at}: product tree branches nested deeper than ${BRANCH_DEPTH_MAX}`;
  for (let i = 0; i < branches.length; i++) {
    const deeper = tooDeep((branches[i] as { branches?: unknown } | null)?.branches, `${at}/${i}/branches`, depth + 1);
    if (deeper) return deeper;
  }
  return undefined;
}

/** Every product id a branch defines, with its branch path. */
function* treeProducts(branches: readonly CsafBranch[] | undefined): Generator<[CsafFullProductName, CsafBranch[]]> {
  const stack: [CsafBranch, CsafBranch[]][] = (branches ?? []).map((b) => [b, []]);
  stack.reverse();
  while (stack.length) {
    const [b, above] = stack.pop()!;
    const path = [...above, b];
    if (b.product) yield [b.product, path];
    for (const child of [...(b.branches ?? [])].reverse()) stack.push([child, path]);
  }
}

/** CSAF mandatory test 6.1.1: each product id referenced is defined in the product tree. */
function missingProducts(doc: CsafDocument): string[] {
  const tree = doc.product_tree;
  const defined = new Set<string>();
  for (const [p] of treeProducts(tree?.branches)) defined.add(p.product_id);
  for (const p of tree?.full_product_names ?? []) defined.add(p.product_id);
  for (const r of tree?.relationships ?? []) defined.add(r.full_product_name.product_id);
  const problems: string[] = [];
  const check = (ids: readonly string[] | undefined, at: string) =>
    ids?.forEach((id, i) => {
      if (!defined.has(id) && problems.length < PROBLEMS_MAX) problems.push(`${at}/${i}: product '${id}' is not defined in the product tree (CSAF 6.1.1)`);
    });
  tree?.product_groups?.forEach((g, i) => check(g.product_ids, `/product_tree/product_groups/${i}/product_ids`));
  tree?.relationships?.forEach((r, i) => {
    check([r.product_reference], `/product_tree/relationships/${i}/product_reference`);
    check([r.relates_to_product_reference], `/product_tree/relationships/${i}/relates_to_product_reference`);
  });
  doc.vulnerabilities?.forEach((v, i) => {
    const at = `/vulnerabilities/${i}`;
    for (const [status, ids] of Object.entries(v.product_status ?? {})) check(ids, `${at}/product_status/${status}`);
    v.remediations?.forEach((r, j) => check(r.product_ids, `${at}/remediations/${j}/product_ids`));
    v.scores?.forEach((s, j) => check(s.products, `${at}/scores/${j}/products`));
    v.threats?.forEach((t, j) => check(t.product_ids, `${at}/threats/${j}/product_ids`));
    v.flags?.forEach((f, j) => check(f.product_ids, `${at}/flags/${j}/product_ids`));
  });
  return problems;
}

/** What is wrong with a parsed JSON value as a CSAF 2.0 advisory, each "pointer: what" (at most PROBLEMS_MAX); none: it is one. */
export function checkCsaf(doc: unknown): string[] {
  const deep = tooDeep((doc as { product_tree?: { branches?: unknown } } | null)?.product_tree?.branches, '/product_tree/branches', 1);
  if (deep) return [deep];
  const v = validator();
  if (!v(doc)) return describeJsonErrors(v.errors);
  return missingProducts(doc);
}

/** What is cut to stay within the bounds, said once per kind. */
class Cuts {
  readonly said = new Set<string>();
  clip(s: string, max = NAME_MAX, what = 'long names'): string {
    if (s.length <= max) return s;
    this.said.add(what);
    return `${s.slice(0, max - 1)}…`;
  }
  take<T>(list: readonly T[], max: number, what: string): readonly T[] {
    if (list.length <= max) return list;
    this.said.add(`${what}: ${max.toLocaleString('en-US')} of ${list.length.toLocaleString('en-US')} kept`);
    return list.slice(0, max);
  }
}

const VERSION_BRANCHES = new Set(['product_version', 'product_version_range']);

/** A product from its branch path: vendor, product name (or the nearest branch above that is not a version), version leaf. */
function product(p: CsafFullProductName, path: readonly CsafBranch[], cut: Cuts): Product {
  const nearest = (test: (b: CsafBranch) => boolean) => [...path].reverse().find(test);
  const version = nearest((b) => VERSION_BRANCHES.has(b.category));
  const name = nearest((b) => b.category === 'product_name') ?? nearest((b) => !VERSION_BRANCHES.has(b.category) && b.category !== 'vendor');
  const models = p.product_identification_helper?.model_numbers ?? [];
  return {
    productId: p.product_id,
    vendor: cut.clip(nearest((b) => b.category === 'vendor')?.name.trim() ?? ''),
    name: cut.clip((name?.name ?? p.name).trim()),
    version: cut.clip(version?.name.trim() ?? ''),
    versionIsRange: version?.category === 'product_version_range',
    modelNumbers: cut.take(models, MODEL_NUMBERS_MAX, 'model numbers').map((m) => cut.clip(m)),
  };
}

/**
 * The products: the tree's, its full product names, and its relationships. A relationship
 * ("firmware X installed on camera Y") is the platform's vendor and name with the component's
 * version: what a device reports is its model and its firmware.
 */
function products(doc: CsafDocument, cut: Cuts): Product[] {
  const out: Product[] = [];
  for (const [p, path] of treeProducts(doc.product_tree?.branches)) out.push(product(p, path, cut));
  for (const p of doc.product_tree?.full_product_names ?? []) out.push(product(p, [], cut));
  const byId = new Map(out.map((p) => [p.productId, p]));
  for (const r of doc.product_tree?.relationships ?? []) {
    const component = byId.get(r.product_reference);
    const platform = byId.get(r.relates_to_product_reference);
    if (!component || !platform) continue;
    out.push({ productId: r.full_product_name.product_id, vendor: platform.vendor || component.vendor, name: platform.name, version: component.version, versionIsRange: component.versionIsRange, modelNumbers: [...new Set([...platform.modelNumbers, ...component.modelNumbers])] });
  }
  return [...cut.take(out, ADVISORY_PRODUCTS_MAX, 'products')];
}

/** The highest CVSS v3 base score with its vector, else the highest v2. */
function bestScore(v: CsafVulnerability): { cvss: number; vector: string } | undefined {
  let best: { cvss: number; vector: string } | undefined;
  for (const version of ['cvss_v3', 'cvss_v2'] as const) {
    for (const s of v.scores ?? []) {
      const c = s[version];
      if (c && (!best || c.baseScore > best.cvss)) best = { cvss: c.baseScore, vector: c.vectorString };
    }
    if (best) return best;
  }
  return undefined;
}

const unique = (ids: readonly string[]) => [...new Set(ids)];

/** The products a vulnerability's scores are given for, once each. */
const scored = (v: CsafVulnerability) => unique((v.scores ?? []).flatMap((sc) => sc.products));

function cve(v: CsafVulnerability, id: string, cut: Cuts): Cve {
  const s = v.product_status;
  const unaffected = new Set([...(s?.known_not_affected ?? []), ...(s?.fixed ?? [])]);
  const score = bestScore(v);
  return {
    cve: id,
    ...(v.title ? { title: cut.clip(v.title) } : {}),
    ...(score ? { cvss: score.cvss, vector: cut.clip(score.vector) } : {}),
    ...(v.cwe ? { cwe: cut.clip(`${v.cwe.id} ${v.cwe.name}`) } : {}),
    // The products a CVE's score is given for are affected by it too: CISA's extraction sometimes
    // lists one product as known affected and scores the CVE for all of them (ICSA-22-132-10).
    affected: unique([...(s?.known_affected ?? []), ...(s?.first_affected ?? []), ...(s?.last_affected ?? []), ...scored(v).filter((id) => !unaffected.has(id))]),
  };
}

/** Each remediation once, with every CVE it was given for (older advisories repeat one per vulnerability). */
function remediations(doc: CsafDocument, cut: Cuts): Remediation[] {
  const groups = new Map((doc.product_tree?.product_groups ?? []).map((g) => [g.group_id, g.product_ids]));
  const byKey = new Map<string, Remediation>();
  for (const v of doc.vulnerabilities ?? []) {
    const id = v.cve ?? v.ids?.[0]?.text;
    for (const r of v.remediations ?? []) {
      const productIds = unique([...(r.product_ids ?? []), ...(r.group_ids ?? []).flatMap((g) => groups.get(g) ?? [])]);
      const key = JSON.stringify([r.category, r.details, productIds, r.url]);
      const known = byKey.get(key);
      if (known) {
        if (id && !known.cves.includes(id)) known.cves.push(id);
        continue;
      }
      byKey.set(key, { category: r.category, details: cut.clip(r.details, REMEDIATION_DETAILS_MAX, 'remediation details'), productIds, cves: id ? [id] : [], ...(r.url ? { url: cut.clip(r.url) } : {}) });
    }
  }
  return [...cut.take([...byKey.values()], ADVISORY_REMEDIATIONS_MAX, 'remediations')];
}

const TEXT_NOTES = new Set(['summary', 'description', 'details']);

/** The document's summary notes (CISA's risk evaluation) and the vulnerabilities' descriptions, each once. */
function text(doc: CsafDocument): { text: string; textTruncated: boolean } {
  const parts = unique([...(doc.document.notes ?? []), ...(doc.vulnerabilities ?? []).flatMap((v) => v.notes ?? [])].filter((n) => TEXT_NOTES.has(n.category)).map((n) => n.text.trim()));
  const all = parts.join('\n\n');
  return all.length <= ADVISORY_TEXT_MAX ? { text: all, textTruncated: false } : { text: `${all.slice(0, ADVISORY_TEXT_MAX - 1)}…`, textTruncated: true };
}

/** The advisory's page: a self reference that is not the JSON itself, else the first self one, else the first external. */
function pageUrl(doc: CsafDocument): string | undefined {
  const refs = doc.document.references ?? [];
  const self = refs.filter((r) => r.category === 'self');
  return (self.find((r) => !/\.json$/i.test(r.url)) ?? self[0] ?? refs.find((r) => r.category !== 'self'))?.url;
}

/** The record matching reads, from a document checkCsaf found no problem in. */
export function flattenCsaf(doc: CsafDocument): Advisory {
  const cut = new Cuts();
  const t = doc.document.tracking;
  const named = (doc.vulnerabilities ?? []).flatMap((v) => {
    const id = v.cve ?? v.ids?.[0]?.text;
    return id ? [cve(v, cut.clip(id), cut)] : [];
  });
  const url = pageUrl(doc);
  const advisory: Advisory = {
    id: cut.clip(t.id),
    title: cut.clip(doc.document.title),
    publisher: cut.clip(doc.document.publisher.name),
    initialRelease: t.initial_release_date,
    currentRelease: t.current_release_date,
    version: t.version,
    ...(url ? { url: cut.clip(url) } : {}),
    products: products(doc, cut),
    cves: [...cut.take(named, ADVISORY_CVES_MAX, 'CVEs')],
    remediations: remediations(doc, cut),
    ...text(doc),
  };
  if (cut.said.size) advisory.truncated = [...cut.said];
  return advisory;
}

/** A parsed JSON value as an advisory record, or what is wrong with it. */
export function readCsaf(doc: unknown): { advisory: Advisory } | { problems: string[] } {
  const problems = checkCsaf(doc);
  return problems.length ? { problems } : { advisory: flattenCsaf(doc as CsafDocument) };
}
