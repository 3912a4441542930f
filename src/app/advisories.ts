// Advisory bundles imported (files and folders of CSAF advisories and the KEV catalogue, or the
// console's upload), the catalogue shown, and people's word on matches and on how critical an
// asset is, each audited. Shared by the command line and the console. Every document is read
// and checked before anything is stored: one bad file imports nothing, unless the caller asks
// to skip the bad ones (then each is named with why).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BulkheadError } from '../errors.js';
import { parseCatalogueText, readCatalogueDocument, type CatalogueDocument } from '../risk/catalogue.js';
import { AuditLog } from '../store/audit-log.js';
import type { Db } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';
import { MATCH_DECISIONS, type AdvisoryCveRecordType as Cve, type AdvisoryRecordType as Advisory, type KevRecordType as KevEntry } from '../store/advisory-records.js';
import { RiskStore, type Criticality, type ImportCounts, type KevCatalogue, type MatchDecision, type RiskSummary } from '../store/risk-store.js';

/** The largest file read (the largest CISA advisory is 0.7 MB, the KEV catalogue 1.3 MB). */
export const MAX_FILE_BYTES = 20 << 20;
/** JSON files one import reads (the CISA corpus is 2,379). */
export const MAX_FILES = 10_000;
/** Problems told when an import is refused. */
export const PROBLEMS_SHOWN = 20;
/** Files named in a report as skipped or ignored (the rest counted). */
export const FILES_LISTED = 100;
/** A reason people give, in characters. */
export const REASON_MAX = 500;

export type { RiskSummary };

export interface ImportReport extends ImportCounts {
  /** What was imported from: the paths given, or the console's upload. */
  source: string;
  /** Documents read (files, or items of an upload). */
  documents: number;
  /** Advisories and KEV catalogues among them that were valid. */
  advisories: number;
  kevVersion?: string;
  /** Invalid documents skipped (with skipInvalid): the first FILES_LISTED, each with its first problems. */
  skipped: { file: string; problems: string[] }[];
  skippedCount: number;
  /** Documents that are not advisories and were left alone (a JSON schema beside the catalogue). */
  ignored: { file: string; why: string }[];
  seconds: number;
}

/** A CVE as the advisory page shows it: with its entry in the Known Exploited Vulnerabilities catalogue, if there is one. */
export type ShownCve = Cve & { kev?: Omit<KevEntry, 'cve' | 'vendor' | 'product'> };
export type ShownAdvisory = Omit<Advisory, 'cves'> & { cves: ShownCve[] };

interface Read {
  file: string;
  doc: CatalogueDocument;
}

/** The *.json files under a folder, in name order, hidden ones left out; a file named itself is read whatever its name. */
function jsonFiles(path: string, out: string[]): void {
  const add = (file: string) => {
    if (out.length >= MAX_FILES) throw new BulkheadError('BH_VALIDATION', `more than ${MAX_FILES.toLocaleString('en-US')} JSON files under ${path}: import the bundle in parts`);
    out.push(file);
  };
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.json$/i.test(e.name)) add(p);
    }
  };
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new BulkheadError('BH_VALIDATION', `${path}: no such file or folder`);
  }
  if (st.isDirectory()) walk(path);
  else add(path);
}

function readFile(file: string): CatalogueDocument {
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) return { kind: 'invalid', problems: [`/: ${(size / 2 ** 20).toFixed(1)} MB, more than the ${MAX_FILE_BYTES / 2 ** 20} MB a document may hold`] };
    return parseCatalogueText(readFileSync(file, 'utf8'));
  } catch (err) {
    // Unreadable (permissions, a folder named *.json, gone meanwhile): a problem of that file like any other.
    return { kind: 'invalid', problems: [`/: cannot read: ${(err as Error).message}`] };
  }
}

const clip = (s: string | undefined) => (s === undefined ? undefined : s.slice(0, REASON_MAX));

export class Advisories {
  private readonly store: RiskStore;
  private readonly audit: AuditLog;
  private readonly learn: LearnStore;

  constructor(private readonly db: Db) {
    this.store = new RiskStore(db);
    this.audit = new AuditLog(db);
    this.learn = new LearnStore(db);
  }

  /** Imports the advisories and KEV catalogues in these files and folders (walked for *.json). */
  importAdvisories(paths: readonly string[], opts: { skipInvalid?: boolean; by: string }): ImportReport {
    const started = performance.now();
    if (paths.length === 0) throw new BulkheadError('BH_VALIDATION', 'name the advisory files or folders to import');
    const files: string[] = [];
    for (const p of paths) jsonFiles(p, files);
    const reads = files.map((file) => ({ file, doc: readFile(file) }));
    return this.importRead(reads, paths.join(', '), opts, started);
  }

  /** Imports an upload: one CSAF advisory, the KEV catalogue, or a list of CSAF advisories. */
  importDocuments(body: unknown, opts: { skipInvalid?: boolean; by: string }): ImportReport {
    const started = performance.now();
    const list = Array.isArray(body) ? body : [body];
    if (list.length > MAX_FILES) throw new BulkheadError('BH_VALIDATION', `more than ${MAX_FILES.toLocaleString('en-US')} documents in one upload: upload the bundle in parts`);
    const reads = list.map((value, i) => ({ file: Array.isArray(body) ? `upload[${i}]` : 'upload', doc: readCatalogueDocument(value) }));
    return this.importRead(reads, `console upload (${list.length} document${list.length === 1 ? '' : 's'})`, opts, started);
  }

  /** Every document read and checked: refused whole when one is invalid (unless skipping), else stored with one audit entry. */
  private importRead(reads: readonly Read[], source: string, opts: { skipInvalid?: boolean; by: string }, started: number): ImportReport {
    const invalid = reads.filter((r) => r.doc.kind === 'invalid');
    if (invalid.length && !opts.skipInvalid) throw refusal(invalid, reads.length);
    const advisories: Advisory[] = [];
    let kev: KevCatalogue | undefined;
    for (const r of reads) {
      if (r.doc.kind === 'csaf') advisories.push(r.doc.advisory);
      // Two catalogues in one bundle: the later released one counts.
      if (r.doc.kind === 'kev' && (!kev || Date.parse(r.doc.kev.dateReleased) > Date.parse(kev.dateReleased))) kev = r.doc.kev;
    }
    if (advisories.length === 0 && !kev) {
      throw new BulkheadError('BH_VALIDATION', invalid.length ? refusal(invalid, reads.length).message : `no CSAF advisory or KEV catalogue in ${source} (${reads.length} JSON document${reads.length === 1 ? '' : 's'} read)`);
    }
    const counts = this.db.transaction(() => {
      const c = this.store.importCatalogue({ advisories, ...(kev ? { kev } : {}) }, source);
      this.audit.append(opts.by, 'advisories.import', source, { documents: reads.length, ...c, ...(kev ? { kevVersion: kev.catalogVersion } : {}), skipped: invalid.length });
      return c;
    }).immediate();
    const ignored = reads.flatMap((r) => (r.doc.kind === 'ignored' ? [{ file: r.file, why: r.doc.why }] : []));
    return {
      source,
      documents: reads.length,
      advisories: advisories.length + (kev ? 1 : 0),
      ...counts,
      ...(kev ? { kevVersion: kev.catalogVersion } : {}),
      skipped: invalid.slice(0, FILES_LISTED).map((r) => ({ file: r.file, problems: r.doc.kind === 'invalid' ? r.doc.problems.slice(0, 3) : [] })),
      skippedCount: invalid.length,
      ignored: ignored.slice(0, FILES_LISTED),
      seconds: Math.round(performance.now() - started) / 1000,
    };
  }

  advisorySummary(): RiskSummary {
    return this.store.summary();
  }

  /** One advisory, each CVE with its KEV entry if the catalogue lists it. */
  showAdvisory(id: string): ShownAdvisory {
    const a = this.store.advisory(id);
    if (!a) throw new BulkheadError('BH_NOT_FOUND', `no advisory '${id}' in the catalogue (an id such as ICSA-21-005-01; bulkhead advisories import adds them)`);
    const kev = this.store.kev();
    return {
      ...a,
      cves: a.cves.map((c) => {
        const k = kev.get(c.cve);
        if (!k) return c;
        const { cve: _, vendor: _v, product: _p, ...entry } = k;
        return { ...c, kev: entry };
      }),
    };
  }

  private assetAndAdvisory(assetKey: string, advisoryId?: string): void {
    if (!this.learn.asset(assetKey)) throw new BulkheadError('BH_NOT_FOUND', `no asset '${assetKey}' in the inventory (an address, with @vlanN when tagged)`);
    if (advisoryId !== undefined && !this.store.advisory(advisoryId)) throw new BulkheadError('BH_NOT_FOUND', `no advisory '${advisoryId}' in the catalogue`);
  }

  /** An advisory matched to an asset confirmed (it applies) or dismissed (it does not), audited. */
  decideMatch(d: { assetKey: string; advisoryId: string; decision: string; reason?: string; by: string }): MatchDecision {
    if (!(MATCH_DECISIONS as readonly string[]).includes(d.decision)) throw new BulkheadError('BH_VALIDATION', `a decision is ${MATCH_DECISIONS.join(' or ')}, not '${d.decision}'`);
    this.assetAndAdvisory(d.assetKey, d.advisoryId);
    const reason = clip(d.reason);
    const decision: MatchDecision = { assetKey: d.assetKey, advisoryId: d.advisoryId, decision: d.decision as MatchDecision['decision'], by: d.by, at: Date.now() / 1000, ...(reason ? { reason } : {}) };
    this.db.transaction(() => {
      this.store.decide(decision);
      this.audit.append(d.by, d.decision === 'confirmed' ? 'risk.confirm' : 'risk.dismiss', `${d.assetKey} ${d.advisoryId}`, reason ? { reason } : {});
    }).immediate();
    return decision;
  }

  /** The decision on an asset and advisory taken back (the match is judged by itself again), audited. */
  undoMatch(assetKey: string, advisoryId: string, by: string): void {
    this.db.transaction(() => {
      if (!this.store.undecide(assetKey, advisoryId)) throw new BulkheadError('BH_NOT_FOUND', `no decision on ${advisoryId} for ${assetKey} to undo`);
      this.audit.append(by, 'risk.undo', `${assetKey} ${advisoryId}`, {});
    }).immediate();
  }

  decisions(): MatchDecision[] {
    return this.store.decisions();
  }

  /** How critical an asset is to the plant, 1 (little) to 5 (the process stops without it), audited. */
  setCriticality(c: { assetKey: string; criticality: number; reason?: string; by: string }): Criticality {
    if (!Number.isInteger(c.criticality) || c.criticality < 1 || c.criticality > 5) throw new BulkheadError('BH_VALIDATION', `criticality is 1 (little) to 5 (the process stops without it), not ${c.criticality}`);
    this.assetAndAdvisory(c.assetKey);
    const reason = clip(c.reason);
    const record: Criticality = { assetKey: c.assetKey, criticality: c.criticality, by: c.by, at: Date.now() / 1000, ...(reason ? { reason } : {}) };
    this.db.transaction(() => {
      this.store.setCriticality(record);
      this.audit.append(c.by, 'risk.criticality', c.assetKey, { criticality: c.criticality, ...(reason ? { reason } : {}) });
    }).immediate();
    return record;
  }

  /** The asset's criticality is judged from where it sits again, audited. */
  clearCriticality(assetKey: string, by: string): void {
    this.db.transaction(() => {
      if (!this.store.clearCriticality(assetKey)) throw new BulkheadError('BH_NOT_FOUND', `no criticality set for ${assetKey}`);
      this.audit.append(by, 'risk.criticality.clear', assetKey, {});
    }).immediate();
  }

  criticalities(): Criticality[] {
    return this.store.criticalities();
  }
}

/** The error that refuses an import: the first problems of the invalid documents, each "file: pointer: what". */
function refusal(invalid: readonly Read[], documents: number): BulkheadError {
  const lines = invalid.flatMap((r) => (r.doc.kind === 'invalid' ? r.doc.problems.map((p) => `${r.file}: ${p}`) : []));
  const shown = lines.slice(0, PROBLEMS_SHOWN).join('\n  ') + (lines.length > PROBLEMS_SHOWN ? `\n  ... and ${lines.length - PROBLEMS_SHOWN} more` : '');
  const what = invalid.length === 1 ? `${invalid[0]!.file} is not a valid advisory` : `${invalid.length} of ${documents} documents are not valid advisories`;
  return new BulkheadError('BH_VALIDATION', `${what}; nothing imported (skipping the invalid ones imports the rest):\n  ${shown}`);
}
