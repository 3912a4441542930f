// The risk assessment as the console serves it (app/risk.ts): the report with every asset's
// matched advisories, risk parts, reach and claims, the zones' SL-T gaps, the countermeasures,
// and a countermeasure drafted into a policy version. Like app/schemas.ts it is built on the
// store's records only, because the UI's build reads it too; app/schema-agreement.ts proves at
// compile time that each schema serves the model type whole.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MATCH_DECISIONS } from '../store/advisory-records.js';
import { literals, PolicyStatusName } from '../store/records.js';
import { DiffSchema } from './schemas.js';

const Opt = Type.Optional;
const Num = Type.Number();
const Int = Type.Integer();
const Str = Type.String();
const Bool = Type.Boolean();
const Strs = Type.Array(Str);
/** IEC 62443 security level, 0 (none) to 4. */
const SecurityLevel = Type.Unsafe<0 | 1 | 2 | 3 | 4>({ type: 'integer', minimum: 0, maximum: 4 });
/** A list the model hands out read-only: the same JSON array, typed so that the model fits it. */
const ReadonlyList = <T extends TSchema>(item: T) => Type.Unsafe<readonly Static<T>[]>(Type.Array(item));

export const CONFIDENCE_NAMES = ['high', 'medium', 'low'] as const;
export const RISK_BANDS = ['none', 'low', 'medium', 'high', 'critical'] as const;
export const COUNTERMEASURE_KIND_NAMES = ['virtual_patch', 'raise_sl', 'narrow_conduit', 'own_zone'] as const;

export const WorkingVersionSchema = Type.Object({ version: Int, status: PolicyStatusName, why: Str });

export const MatchedCveSchema = Type.Object({
  cve: Str,
  title: Opt(Str),
  cvss: Opt(Num),
  vector: Opt(Str),
  cwe: Opt(Str),
  knownExploited: Bool,
  ransomware: Opt(Bool),
  requiredAction: Opt(Str),
});

/** An advisory matched to an asset, with why, how sure, and whether it enters the score. */
export const ScoredMatchSchema = Type.Object({
  advisoryId: Str,
  title: Str,
  url: Opt(Str),
  currentRelease: Str,
  product: Type.Object({ productId: Str, vendor: Str, name: Str, version: Str }),
  confidence: literals(CONFIDENCE_NAMES),
  why: Strs,
  source: Str,
  cves: Type.Array(MatchedCveSchema),
  worstCvss: Opt(Num),
  knownExploited: Bool,
  remediations: Type.Array(Type.Object({ category: Str, details: Str, url: Opt(Str) })),
  remediationsTruncated: Bool,
  decision: Opt(literals(MATCH_DECISIONS)),
  counted: Bool,
});

export const RiskPartSchema = Type.Object({ name: Str, points: Int, why: Str });

export const AssetRiskSchema = Type.Object({
  likelihood: Int,
  unmitigatedLikelihood: Int,
  parts: Type.Array(RiskPartSchema),
  impact: Int,
  impactFrom: literals(['engineer', 'default'] as const),
  impactWhy: Str,
  risk: Int,
  unmitigatedRisk: Int,
  band: literals(RISK_BANDS),
  neededSl: SecurityLevel,
  neededWhy: Str,
  text: Str,
});

export const ReachSchema = Type.Object({ from: literals(['policy', 'baseline'] as const), zones: Strs, conduits: Strs, clients: Int, writeCapable: Bool, kinds: Strs });

/** What an identity slot says the device is. */
export const AssetClaimSchema = Type.Object({ source: Str, vendor: Opt(Str), names: Strs, models: Strs, version: Opt(Str), versionFrom: Opt(Str), vendorFromMac: Opt(Bool) });

export const CountermeasureSchema = Type.Object({
  id: Str,
  kind: literals(COUNTERMEASURE_KIND_NAMES),
  text: Str,
  advisories: Strs,
  cves: Strs,
  assetKey: Opt(Str),
  zone: Opt(Str),
  conduits: Strs,
  securityLevel: Opt(SecurityLevel),
  inForce: Bool,
  draftable: Bool,
  why: Opt(Str),
});

export const AssetAssessmentSchema = Type.Object({
  key: Str,
  ip: Str,
  name: Str,
  matches: ReadonlyList(ScoredMatchSchema),
  risk: AssetRiskSchema,
  patches: Opt(Type.Array(CountermeasureSchema)),
  zone: Opt(Str),
  purdue: Opt(Num),
  claims: Type.Array(AssetClaimSchema),
  reach: ReachSchema,
  criticality: Opt(Type.Object({ value: Int, by: Str, reason: Opt(Str) })),
});

export const ZoneAssessmentSchema = Type.Object({
  id: Str,
  name: Str,
  securityLevel: SecurityLevel,
  neededSl: SecurityLevel,
  gap: Int,
  why: Str,
  vulnerableAssets: Int,
  worst: Opt(Type.Object({ assetKey: Str, name: Str, risk: Int, unmitigatedRisk: Int })),
  residualRisk: Int,
  unmitigatedRisk: Int,
  advisories: Strs,
  cves: Strs,
  countermeasuresInForce: Strs,
});

export const RiskReportSchema = Type.Object({
  generatedAt: Num,
  tookMs: Num,
  catalogue: Type.Object({ advisories: Int, products: Int, kevEntries: Int, kevVersion: Opt(Str), newestRelease: Opt(Str) }),
  policy: Opt(WorkingVersionSchema),
  counts: Type.Object({ assets: Int, identified: Int, matched: Int, vulnerable: Int }),
  assets: Type.Array(AssetAssessmentSchema),
  zones: Type.Array(ZoneAssessmentSchema),
  countermeasures: Type.Array(CountermeasureSchema),
});
export type ShownRiskReport = Static<typeof RiskReportSchema>;
export type ShownAssetAssessment = Static<typeof AssetAssessmentSchema>;
export type ShownScoredMatch = Static<typeof ScoredMatchSchema>;
export type ShownCountermeasure = Static<typeof CountermeasureSchema>;

export const CountermeasureDraftSchema = Type.Object({ version: Int, base: WorkingVersionSchema, countermeasure: CountermeasureSchema, diff: DiffSchema });
export type ShownCountermeasureDraft = Static<typeof CountermeasureDraftSchema>;
