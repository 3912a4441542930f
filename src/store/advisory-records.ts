// The advisory catalogue's records (CSAF 2.0 advisories, CISA KEV), flattened for matching, and
// what people decide about a match or an asset's criticality, as JSON schemas (TypeBox) beside the
// store's other records (records.ts); like them, what the store, the API and the UI derive types from.

import { Type, type Static } from '@sinclair/typebox';
import { literals } from './records.js';

const Opt = Type.Optional;
const Num = Type.Number();
const Str = Type.String();

const Bool = Type.Boolean();
const Strs = Type.Array(Str);

/** One product of an advisory's tree: its vendor, product name and version branches. */
export const AdvisoryProductRecord = Type.Object({
  productId: Str,
  /** The `vendor` branch's name, trimmed ('' when the tree has none). */
  vendor: Str,
  /** The `product_name` branch (or the nearest branch above the version that is not a vendor). */
  name: Str,
  /** The leaf's name: a version ('10.97.2') or a range ('< V4.1.3', 'vers:all/*'); '' when the product has no version branch. */
  version: Str,
  /** `product_version_range` (true) or `product_version` (false). */
  versionIsRange: Bool,
  /** product_identification_helper.model_numbers (Siemens order numbers, with wildcards). */
  modelNumbers: Strs,
});
export type AdvisoryProductRecordType = Static<typeof AdvisoryProductRecord>;

export const AdvisoryCveRecord = Type.Object({
  cve: Str,
  title: Opt(Str),
  /** The highest CVSS v3 base score, else the highest v2. */
  cvss: Opt(Num),
  vector: Opt(Str),
  /** "CWE-306 Missing Authentication for Critical Function". */
  cwe: Opt(Str),
  /** Product ids known affected (known_affected, first_affected, last_affected). */
  affected: Strs,
});
export type AdvisoryCveRecordType = Static<typeof AdvisoryCveRecord>;

export const REMEDIATION_CATEGORIES = ['mitigation', 'no_fix_planned', 'none_available', 'vendor_fix', 'workaround'] as const;
/** One remediation, with the CVEs it was given for (one record where several vulnerabilities repeat it). */
export const AdvisoryRemediationRecord = Type.Object({
  category: Str,
  /** Bounded (csaf.ts REMEDIATION_DETAILS_MAX); a cut one ends with '…' and is listed in the advisory's `truncated`. */
  details: Str,
  productIds: Strs,
  cves: Strs,
  url: Opt(Str),
});
export type AdvisoryRemediationRecordType = Static<typeof AdvisoryRemediationRecord>;

export const AdvisoryRecord = Type.Object({
  /** tracking.id, e.g. ICSA-21-005-01. */
  id: Str,
  title: Str,
  publisher: Str,
  initialRelease: Str,
  currentRelease: Str,
  /** tracking.version ('2', or '1.0.0'). */
  version: Str,
  /** The advisory's web page: a self reference (the page rather than the JSON), else the first external one. */
  url: Opt(Str),
  products: Type.Array(AdvisoryProductRecord),
  cves: Type.Array(AdvisoryCveRecord),
  remediations: Type.Array(AdvisoryRemediationRecord),
  /** The document's summary notes and the vulnerabilities' descriptions, joined; at most ADVISORY_TEXT_MAX characters. */
  text: Str,
  textTruncated: Bool,
  /** What else was cut to stay within the bounds ("products: 2,000 of 2,411 kept"); absent when nothing was. */
  truncated: Opt(Strs),
});
export type AdvisoryRecordType = Static<typeof AdvisoryRecord>;

/** One entry of CISA's Known Exploited Vulnerabilities catalogue. */
export const KevRecord = Type.Object({
  cve: Str,
  vendor: Str,
  product: Str,
  name: Str,
  dateAdded: Str,
  dueDate: Opt(Str),
  /** knownRansomwareCampaignUse === 'Known'. */
  ransomware: Bool,
  requiredAction: Str,
});
export type KevRecordType = Static<typeof KevRecord>;

export const MATCH_DECISIONS = ['confirmed', 'dismissed'] as const;
/** A person's word on an advisory matched to an asset: it does apply (confirmed) or it does not (dismissed). */
export const MatchDecisionRecord = Type.Object({ assetKey: Str, advisoryId: Str, decision: literals(MATCH_DECISIONS), by: Str, at: Num, reason: Opt(Str) });
export type MatchDecisionRecordType = Static<typeof MatchDecisionRecord>;

/** How much an asset matters to the plant, 1 (little) to 5 (the process stops without it). */
export const CriticalityRecord = Type.Object({ assetKey: Str, criticality: Type.Integer({ minimum: 1, maximum: 5 }), by: Str, at: Num, reason: Opt(Str) });
export type CriticalityRecordType = Static<typeof CriticalityRecord>;
