// The risk assessment (IEC 62443-3-2 ZCR 5): every asset's identity matched against the imported
// advisories, the matches an engineer confirmed or dismissed applied, who reaches each
// vulnerable device over which conduit, its risk with the parts shown, each zone's worst asset
// and SL-T gap, and the countermeasures that answer the advisories. A countermeasure becomes a
// draft policy version with its diff, never the policy in force. The catalogue's index is built
// once per import; an assessment reads the store whole, so it is cached for a few seconds.

import { identityWords } from '../../protocols/registry.js';
import type { DeriveRisk } from '../policy/derive.js';
import { diffPolicies, type PolicyDiff } from '../policy/diff.js';
import { formatPolicy, parsePolicy } from '../policy/document.js';
import { compilePolicy, type Evaluator } from '../policy/evaluate.js';
import type { Policy, SecurityLevel } from '../policy/model.js';
import { storedPolicy, storeVersion } from '../policy/stored.js';
import { applyCountermeasure, patchSuggestions, suggestCountermeasures, type AssessedAsset, type Countermeasure } from './countermeasures.js';
import { assetClaims, type AssetClaim } from './identity.js';
import { AdvisoryIndex, matchAsset } from './match.js';
import { CountermeasureError } from './own-zone.js';
import { baselineReach, policyReach } from './reach.js';
import { countMatch, scoreAsset, type Reach } from './score.js';
import { BulkheadError } from '../errors.js';
import type { Db } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';
import { PolicyStore, workingVersion, type WorkingVersion } from '../store/policy-store.js';
import type { AssetRecordType as Asset } from '../store/records.js';
import { RiskStore } from '../store/risk-store.js';

/** An assessment is reused this long (ms) by callers that ask often (the SIEM lines, the console). */
export const ASSESSMENT_REUSE_MS = 5_000;

export interface AssetAssessment extends AssessedAsset {
  zone?: string;
  purdue?: number;
  claims: AssetClaim[];
  reach: Reach;
  criticality?: { value: number; by: string; reason?: string };
}

export interface ZoneAssessment {
  id: string;
  name: string;
  securityLevel: SecurityLevel;
  /** What its most demanding vulnerable asset needs (0: nothing known), and the shortfall. */
  neededSl: SecurityLevel;
  gap: number;
  why: string;
  vulnerableAssets: number;
  worst?: { assetKey: string; name: string; risk: number; unmitigatedRisk: number };
  /** ZCR 5.10: the worst asset's risk with the countermeasures in force, and before them. */
  residualRisk: number;
  unmitigatedRisk: number;
  advisories: string[];
  cves: string[];
  countermeasuresInForce: string[];
}

export interface RiskReport {
  generatedAt: number;
  tookMs: number;
  catalogue: { advisories: number; products: number; kevEntries: number; kevVersion?: string; newestRelease?: string };
  policy?: WorkingVersion;
  counts: { assets: number; identified: number; matched: number; vulnerable: number };
  /** Assets with at least one possible match, worst first. */
  assets: AssetAssessment[];
  zones: ZoneAssessment[];
  countermeasures: Countermeasure[];
}

export interface CountermeasureDraft {
  version: number;
  base: WorkingVersion;
  countermeasure: Countermeasure;
  diff: PolicyDiff;
}

export class RiskError extends BulkheadError {}

const nameOf = (a: Asset) => identityWords(a)[0] ?? a.ip;

export class RiskAssessment {
  readonly store: RiskStore;
  private readonly learn: LearnStore;
  private readonly policies: PolicyStore;
  private index?: { generation: number; index: AdvisoryIndex };
  private last?: { at: number; report: RiskReport };

  constructor(db: Db) {
    this.store = new RiskStore(db);
    this.learn = new LearnStore(db);
    this.policies = new PolicyStore(db);
  }

  private advisoryIndex(): AdvisoryIndex {
    const generation = this.store.generation();
    if (this.index?.generation !== generation) this.index = { generation, index: new AdvisoryIndex(this.store.advisories()) };
    return this.index.index;
  }

  /** The assessment, at most ASSESSMENT_REUSE_MS old; `fresh` makes it anew (the caller just changed something). */
  recent(now = Date.now(), fresh = false, maxAgeMs = ASSESSMENT_REUSE_MS): RiskReport {
    if (fresh || !this.last || now - this.last.at > maxAgeMs) this.last = { at: now, report: this.assess() };
    return this.last.report;
  }

  private policyInForce(): { base?: WorkingVersion; policy?: Policy; evaluator?: Evaluator } {
    const base = workingVersion(this.policies);
    if (!base) return {};
    const v = this.policies.get(base.version);
    const policy = storedPolicy(this.policies, v);
    return { base, policy, evaluator: compilePolicy(policy) };
  }

  assess(): RiskReport {
    const started = performance.now();
    const index = this.advisoryIndex();
    const kev = this.store.kev();
    const decisions = new Map(this.store.decisions().map((d) => [`${d.assetKey}\u0000${d.advisoryId}`, d.decision]));
    const criticality = new Map(this.store.criticalities().map((c) => [c.assetKey, c]));
    const { base, policy, evaluator } = this.policyInForce();
    const conversations = this.learn.conversations();
    const ctx = { ...(policy ? { policy } : {}), ...(evaluator ? { evaluator } : {}), conversations };
    const all = this.learn.assets();
    let identified = 0;
    const assessed: AssetAssessment[] = [];
    for (const a of all) {
      const claims = assetClaims(a);
      if (claims.length) identified++;
      const found = matchAsset(claims, index, kev);
      if (!found.length) continue;
      const matches = found.map((m) => countMatch(m, decisions.get(`${a.key}\u0000${m.advisoryId}`)));
      const zone = evaluator?.zoneOf({ ip: a.ip, port: 0 });
      const reach = evaluator ? policyReach(evaluator, a.ip) : baselineReach(conversations, a.ip);
      const c = criticality.get(a.key);
      const partial = { key: a.key, ip: a.ip, name: nameOf(a), matches };
      const patches = patchSuggestions(ctx, partial);
      const patchable = [...new Set(patches.flatMap((p) => p.advisories))];
      // An advisory counts as answered only when every patch for it is in force (HTTP and HTTPS both).
      const patched = patchable.filter((id) => patches.every((p) => !p.advisories.includes(id) || p.inForce));
      const purdue = zone?.purdueLevel ?? a.purdue?.level;
      const risk = scoreAsset({ matches, reach, impact: { ...(c ? { criticality: c.criticality } : {}), safetyZone: zone?.safety === true, ...(purdue !== undefined ? { purdue } : {}) }, patchable, patched });
      assessed.push({ ...partial, patches, claims, reach, risk, ...(zone ? { zone: zone.id } : {}), ...(purdue !== undefined ? { purdue } : {}), ...(c ? { criticality: { value: c.criticality, by: c.by, ...(c.reason !== undefined ? { reason: c.reason } : {}) } } : {}) });
    }
    assessed.sort((x, y) => y.risk.risk - x.risk.risk || y.risk.unmitigatedRisk - x.risk.unmitigatedRisk || x.key.localeCompare(y.key));
    const zones = policy ? zoneAssessments(policy, assessed) : [];
    const countermeasures = suggestCountermeasures(ctx, assessed, zones.map((z) => ({ zone: z.id, securityLevel: z.securityLevel, neededSl: z.neededSl, advisories: z.advisories, cves: z.cves, why: z.why })));
    for (const z of zones) z.countermeasuresInForce = countermeasures.filter((cm) => cm.inForce && assessed.some((a) => a.key === cm.assetKey && a.zone === z.id)).map((cm) => cm.id);
    const summary = this.store.summary();
    return {
      generatedAt: Date.now(),
      tookMs: Math.round(performance.now() - started),
      catalogue: { advisories: summary.advisories, products: index.products, kevEntries: summary.kevEntries, ...(summary.kevVersion !== undefined ? { kevVersion: summary.kevVersion } : {}), ...(summary.newestRelease !== undefined ? { newestRelease: summary.newestRelease } : {}) },
      ...(base ? { policy: base } : {}),
      counts: { assets: all.length, identified, matched: assessed.length, vulnerable: assessed.filter((a) => a.risk.risk > 0).length },
      assets: assessed,
      zones,
      countermeasures,
    };
  }

  /** What `derive --risk` needs: the SL-T each vulnerable device's advisories call for. */
  derivationNeeds(): Map<string, DeriveRisk> {
    const out = new Map<string, DeriveRisk>();
    for (const a of this.assess().assets) {
      if (a.risk.neededSl === 0) continue;
      const advisories = a.matches.filter((m) => m.counted).map((m) => m.advisoryId);
      out.set(a.ip, { securityLevel: a.risk.neededSl, name: a.name, why: `${a.risk.neededWhy} (${advisories.join(', ')})` });
    }
    return out;
  }

  /** Stores one suggested countermeasure as a draft version on the policy it was suggested for. */
  draft(id: string, by: string): CountermeasureDraft {
    const report = this.assess();
    const cm = report.countermeasures.find((c) => c.id === id);
    if (!cm) throw new RiskError('BH_NOT_FOUND', `no countermeasure '${id}' in the current assessment (bulkhead risk lists them with their ids)`);
    const { base, policy, evaluator } = this.policyInForce();
    if (!base || !policy || !evaluator) throw new CountermeasureError('no policy to change: derive one first (bulkhead derive)');
    const changed = applyCountermeasure({ policy, evaluator, conversations: this.learn.conversations() }, cm, report.assets.find((a) => a.key === cm.assetKey));
    const text = formatPolicy(changed, `Bulkhead policy: version ${base.version} with countermeasure ${cm.id} (${cm.advisories.join(', ')}), drafted ${new Date().toISOString()}.\n${cm.text}`);
    const checked = parsePolicy(text, 'the drafted countermeasure');
    const version = storeVersion(this.policies, text, changed.name, `countermeasure ${cm.id} for ${cm.advisories.join(', ')} on version ${base.version}`, by, checked);
    return { version, base, countermeasure: cm, diff: diffPolicies(policy, changed) };
  }
}

/** Each zone's worst asset and the SL-T its vulnerable contents need. */
function zoneAssessments(policy: Policy, assessed: readonly AssetAssessment[]): ZoneAssessment[] {
  return policy.zones.map((z) => {
    const inside = assessed.filter((a) => a.zone === z.id && a.risk.risk > 0);
    const worst = inside[0];
    const needs = inside.reduce<AssetAssessment | undefined>((n, a) => (!n || a.risk.neededSl > n.risk.neededSl ? a : n), undefined);
    const neededSl = (needs?.risk.neededSl ?? 0) as SecurityLevel;
    const counted = inside.flatMap((a) => a.matches.filter((m) => m.counted));
    return {
      id: z.id,
      name: z.name,
      securityLevel: z.securityLevel,
      neededSl,
      gap: Math.max(0, neededSl - z.securityLevel),
      why: needs ? `${needs.name}: ${needs.risk.neededWhy}` : 'no known vulnerability among its assets',
      vulnerableAssets: inside.length,
      ...(worst ? { worst: { assetKey: worst.key, name: worst.name, risk: worst.risk.risk, unmitigatedRisk: worst.risk.unmitigatedRisk } } : {}),
      residualRisk: worst?.risk.risk ?? 0,
      unmitigatedRisk: Math.max(0, ...inside.map((a) => a.risk.unmitigatedRisk)),
      advisories: [...new Set(counted.map((m) => m.advisoryId))].sort(),
      cves: [...new Set(counted.flatMap((m) => m.cves.map((c) => c.cve)))].sort(),
      countermeasuresInForce: [],
    };
  });
}

/** What a SIEM line carries of a vulnerable asset an alert touches. */
export interface AlertRisk {
  asset: string;
  risk: number;
  band: string;
  advisories: string[];
  knownExploited: boolean;
}

/** The vulnerable asset among an alert's ends (the server first: that is usually the device), from a recent assessment. */
export function alertRisk(report: RiskReport, ips: readonly (string | undefined)[]): AlertRisk | undefined {
  for (const ip of ips) {
    const a = ip === undefined ? undefined : report.assets.find((x) => x.ip === ip && x.risk.risk > 0);
    if (!a) continue;
    const counted = a.matches.filter((m) => m.counted);
    return { asset: a.key, risk: a.risk.risk, band: a.risk.band, advisories: counted.map((m) => m.advisoryId), knownExploited: counted.some((m) => m.knownExploited) };
  }
  return undefined;
}
