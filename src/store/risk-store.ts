// The advisory catalogue (CSAF advisories, flattened; CISA's KEV catalogue) and people's word on
// assets (an advisory confirmed or dismissed for one, how critical each is). An import is one
// transaction: an advisory replaces the stored one only when it is a newer release, the KEV
// catalogue is replaced whole when it is not older. Readers get the catalogue parsed once and
// cached until the next import (the generation, kept in meta so that another process's import
// is seen too).

import type { Db } from './database.js';
import { BulkheadError } from '../errors.js';
import type { AdvisoryRecordType as Advisory, CriticalityRecordType as Criticality, KevRecordType as KevEntry, MatchDecisionRecordType as MatchDecision } from './advisory-records.js';
import { readSetting, writeSetting } from './settings.js';

export type { Advisory, Criticality, KevEntry, MatchDecision };

/** Advisories kept: about 400 a year are published; past this an import is refused. */
export const MAX_ADVISORIES = 50_000;
/** Decisions and criticalities kept (one per asset, or per asset and advisory). */
export const MAX_DECISIONS = 100_000;
export const MAX_CRITICALITIES = 50_000;
/** Imports listed in the summary, and kept in the table. */
export const SOURCES_SHOWN = 20;
const IMPORTS_KEPT = 200;

const GENERATION = 'risk.generation';
const KEV_META = 'risk.kev';

export interface KevCatalogue {
  catalogVersion: string;
  dateReleased: string;
  entries: KevEntry[];
}

export interface CatalogueInput {
  advisories: Advisory[];
  kev?: KevCatalogue;
}

export interface ImportCounts {
  added: number;
  updated: number;
  /** The same release as stored, or an older one (`older` of them). */
  unchanged: number;
  /** Older releases than the stored ones: the stored ones kept. */
  older: number;
  /** The KEV entries now in force from the catalogue given (0 when it was older than the stored one). */
  kevEntries?: number;
}

export interface RiskSummary {
  advisories: number;
  /** Distinct CVEs the advisories name. */
  cves: number;
  products: number;
  kevEntries: number;
  kevVersion?: string;
  /** The advisory released last (its id) and when. */
  newestAdvisory?: string;
  newestRelease?: string;
  importedAt?: number;
  sources: { source: string; at: number; added: number; updated: number }[];
}

/** A CSAF tracking.version: integer versioning ('2') or semantic ('1.0.0'); numeric parts compared as numbers. */
function compareVersion(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (d !== 0) return d;
  }
  return 0;
}

/** >0 when `a` is a later release than `b`: by current release date, then by version. */
export function compareRelease(a: Pick<Advisory, 'currentRelease' | 'version'>, b: Pick<Advisory, 'currentRelease' | 'version'>): number {
  const ta = Date.parse(a.currentRelease);
  const tb = Date.parse(b.currentRelease);
  const byDate = Number.isNaN(ta) || Number.isNaN(tb) ? a.currentRelease.localeCompare(b.currentRelease) : ta - tb;
  return byDate !== 0 ? byDate : compareVersion(a.version, b.version);
}

export class RiskStore {
  private readonly stmt;
  private cache: { generation: number; advisories: readonly Advisory[]; byId: Map<string, Advisory>; kev: ReadonlyMap<string, KevEntry> } | undefined;

  constructor(readonly db: Db) {
    this.stmt = {
      stored: db.prepare('SELECT current_release AS currentRelease, version, data FROM advisories WHERE id = ?'),
      upsert: db.prepare(
        `INSERT INTO advisories (id, current_release, version, products, data, source, imported_at) VALUES (@id, @currentRelease, @version, @products, @data, @source, @at)
         ON CONFLICT (id) DO UPDATE SET current_release = excluded.current_release, version = excluded.version, products = excluded.products, data = excluded.data, source = excluded.source, imported_at = excluded.imported_at`,
      ),
      dropCves: db.prepare('DELETE FROM advisory_cves WHERE advisory = ?'),
      addCve: db.prepare('INSERT OR IGNORE INTO advisory_cves (cve, advisory) VALUES (?, ?)'),
      count: db.prepare('SELECT COUNT(*) FROM advisories').pluck(),
      dropKev: db.prepare('DELETE FROM kev'),
      addKev: db.prepare('INSERT OR REPLACE INTO kev (cve, data) VALUES (?, ?)'),
      logImport: db.prepare('INSERT INTO advisory_imports (at, source, added, updated, unchanged, kev_entries) VALUES (?, ?, ?, ?, ?, ?)'),
      trimImports: db.prepare('DELETE FROM advisory_imports WHERE id <= (SELECT MAX(id) FROM advisory_imports) - ?'),
      all: db.prepare('SELECT data FROM advisories ORDER BY current_release DESC, id').pluck(),
      kev: db.prepare('SELECT data FROM kev').pluck(),
      generation: db.prepare(`SELECT value FROM meta WHERE key = '${GENERATION}'`).pluck(),
      totals: db.prepare('SELECT COUNT(*) AS n, SUM(products) AS products FROM advisories'),
      newest: db.prepare('SELECT id, current_release AS currentRelease FROM advisories ORDER BY current_release DESC, id LIMIT 1'),
      distinctCves: db.prepare('SELECT COUNT(DISTINCT cve) FROM advisory_cves').pluck(),
      kevCount: db.prepare('SELECT COUNT(*) FROM kev').pluck(),
      sources: db.prepare('SELECT source, at, added, updated FROM advisory_imports ORDER BY id DESC LIMIT ?'),
      decided: db.prepare('SELECT 1 FROM match_decisions WHERE asset_key = ? AND advisory_id = ?'),
      decisionCount: db.prepare('SELECT COUNT(*) FROM match_decisions').pluck(),
      decide: db.prepare('INSERT OR REPLACE INTO match_decisions (asset_key, advisory_id, decision, by, at, reason) VALUES (?, ?, ?, ?, ?, ?)'),
      undecide: db.prepare('DELETE FROM match_decisions WHERE asset_key = ? AND advisory_id = ?'),
      decisions: db.prepare('SELECT asset_key AS assetKey, advisory_id AS advisoryId, decision, by, at, reason FROM match_decisions ORDER BY asset_key, advisory_id'),
      rated: db.prepare('SELECT 1 FROM criticalities WHERE asset_key = ?'),
      ratedCount: db.prepare('SELECT COUNT(*) FROM criticalities').pluck(),
      rate: db.prepare('INSERT OR REPLACE INTO criticalities (asset_key, criticality, by, at, reason) VALUES (?, ?, ?, ?, ?)'),
      unrate: db.prepare('DELETE FROM criticalities WHERE asset_key = ?'),
      criticalities: db.prepare('SELECT asset_key AS assetKey, criticality, by, at, reason FROM criticalities ORDER BY asset_key'),
    };
  }

  generation(): number {
    const v = this.stmt.generation.get() as string | undefined;
    return v === undefined ? 0 : Number(JSON.parse(v));
  }

  /**
   * Stores a catalogue in one transaction (inside the caller's, if there is one: the use-case
   * writes its audit entry in the same). Nothing is stored when anything throws.
   */
  importCatalogue(input: CatalogueInput, source: string): ImportCounts {
    return this.db.transaction(() => {
      const counts: ImportCounts = { added: 0, updated: 0, unchanged: 0, older: 0 };
      const at = Date.now() / 1000;
      for (const a of input.advisories) this.importOne(a, source, at, counts);
      const total = Number(this.stmt.count.get());
      if (total > MAX_ADVISORIES) throw new BulkheadError('BH_CONFLICT', `the catalogue would hold ${total} advisories, more than ${MAX_ADVISORIES}: nothing imported`);
      if (input.kev) counts.kevEntries = this.importKev(input.kev);
      this.stmt.logImport.run(at, source, counts.added, counts.updated, counts.unchanged, counts.kevEntries ?? null);
      this.stmt.trimImports.run(IMPORTS_KEPT);
      writeSetting(this.db, GENERATION, this.generation() + 1);
      return counts;
    }).immediate();
  }

  private importOne(a: Advisory, source: string, at: number, counts: ImportCounts): void {
    if (!a.id) throw new BulkheadError('BH_VALIDATION', 'an advisory without an id cannot be stored');
    const data = JSON.stringify(a);
    const stored = this.stmt.stored.get(a.id) as { currentRelease: string; version: string; data: string } | undefined;
    if (stored) {
      const order = compareRelease(a, stored);
      if (order < 0) counts.older++;
      // The same release with other content (a corrected document, or a newer Bulkhead flattening it) replaces it too.
      if (order < 0 || (order === 0 && stored.data === data)) {
        counts.unchanged++;
        return;
      }
    }
    this.stmt.upsert.run({ id: a.id, currentRelease: a.currentRelease, version: a.version, products: a.products.length, data, source, at });
    this.stmt.dropCves.run(a.id);
    for (const c of a.cves) this.stmt.addCve.run(c.cve, a.id);
    if (stored) counts.updated++;
    else counts.added++;
  }

  /** Replaces the catalogue whole unless the stored one was released later; the entries now in force from it. */
  private importKev(k: KevCatalogue): number {
    const stored = readSetting<{ catalogVersion: string; dateReleased: string }>(this.db, KEV_META);
    if (stored && Date.parse(k.dateReleased) < Date.parse(stored.dateReleased)) return 0;
    this.stmt.dropKev.run();
    for (const e of k.entries) this.stmt.addKev.run(e.cve, JSON.stringify(e));
    writeSetting(this.db, KEV_META, { catalogVersion: k.catalogVersion, dateReleased: k.dateReleased });
    return k.entries.length;
  }

  /** The catalogue as of the current generation, parsed once per generation. */
  private current() {
    const generation = this.generation();
    if (this.cache?.generation !== generation) {
      const advisories = (this.stmt.all.all() as string[]).map((d) => JSON.parse(d) as Advisory);
      const kev = new Map<string, KevEntry>();
      for (const d of this.stmt.kev.all() as string[]) {
        const e = JSON.parse(d) as KevEntry;
        kev.set(e.cve, e);
      }
      this.cache = { generation, advisories, byId: new Map(advisories.map((a) => [a.id, a])), kev };
    }
    return this.cache;
  }

  /** Every advisory, the latest released first. */
  advisories(): readonly Advisory[] {
    return this.current().advisories;
  }

  advisory(id: string): Advisory | undefined {
    return this.current().byId.get(id);
  }

  /** The KEV catalogue by CVE. */
  kev(): ReadonlyMap<string, KevEntry> {
    return this.current().kev;
  }

  summary(): RiskSummary {
    const { n, products } = this.stmt.totals.get() as { n: number; products: number | null };
    const newest = this.stmt.newest.get() as { id: string; currentRelease: string } | undefined;
    const kevMeta = readSetting<{ catalogVersion: string }>(this.db, KEV_META);
    const sources = this.stmt.sources.all(SOURCES_SHOWN) as RiskSummary['sources'];
    return {
      advisories: n,
      cves: Number(this.stmt.distinctCves.get()),
      products: products ?? 0,
      kevEntries: Number(this.stmt.kevCount.get()),
      ...(kevMeta ? { kevVersion: kevMeta.catalogVersion } : {}),
      ...(newest ? { newestAdvisory: newest.id, newestRelease: newest.currentRelease } : {}),
      ...(sources[0] ? { importedAt: sources[0].at } : {}),
      sources,
    };
  }

  // ---- People's word on assets

  /** Records (or replaces) the decision on one asset and advisory. */
  decide(d: MatchDecision): void {
    this.db.transaction(() => {
      if (!this.stmt.decided.get(d.assetKey, d.advisoryId) && Number(this.stmt.decisionCount.get()) >= MAX_DECISIONS) {
        throw new BulkheadError('BH_CONFLICT', `${MAX_DECISIONS} match decisions are kept already: undo some first`);
      }
      this.stmt.decide.run(d.assetKey, d.advisoryId, d.decision, d.by, d.at, d.reason ?? null);
    })();
  }

  /** false when there was no decision to undo. */
  undecide(assetKey: string, advisoryId: string): boolean {
    return this.stmt.undecide.run(assetKey, advisoryId).changes > 0;
  }

  decisions(): MatchDecision[] {
    const rows = this.stmt.decisions.all() as (MatchDecision & { reason: string | null })[];
    return rows.map(withoutNullReason);
  }

  setCriticality(c: Criticality): void {
    this.db.transaction(() => {
      if (!this.stmt.rated.get(c.assetKey) && Number(this.stmt.ratedCount.get()) >= MAX_CRITICALITIES) {
        throw new BulkheadError('BH_CONFLICT', `${MAX_CRITICALITIES} asset criticalities are kept already: clear some first`);
      }
      this.stmt.rate.run(c.assetKey, c.criticality, c.by, c.at, c.reason ?? null);
    })();
  }

  /** false when the asset had none. */
  clearCriticality(assetKey: string): boolean {
    return this.stmt.unrate.run(assetKey).changes > 0;
  }

  criticalities(): Criticality[] {
    const rows = this.stmt.criticalities.all() as (Criticality & { reason: string | null })[];
    return rows.map(withoutNullReason);
  }
}

/** A row's NULL reason is an absent one, as the records say. */
function withoutNullReason<T extends { reason?: string | null }>(r: T): T & { reason?: string } {
  if (r.reason !== null) return r as T & { reason?: string };
  const { reason: _, ...rest } = r;
  return rest as T & { reason?: string };
}
