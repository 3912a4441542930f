// CISA's Known Exploited Vulnerabilities catalogue: checked against the catalogue's own shape
// (its published JSON schema, as TypeBox) and flattened into KevRecord entries by CVE. Pure.

import { Type, type Static } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import type { KevCatalogue } from '../store/risk-store.js';
import { describeJsonErrors, patterned } from './json-problems.js';

/** Entries in one catalogue (1,404 in August 2025). */
export const KEV_ENTRIES_MAX = 50_000;

const Text = Type.String({ minLength: 1 });

const KevVulnerability = Type.Object({
  cveID: patterned('cve'),
  vendorProject: Text,
  product: Text,
  vulnerabilityName: Text,
  dateAdded: patterned('date'),
  shortDescription: Type.String(),
  requiredAction: Type.String(),
  dueDate: patterned('date'),
  knownRansomwareCampaignUse: Type.Optional(Type.String()),
  notes: Type.Optional(Type.String()),
  cwes: Type.Optional(Type.Array(patterned('cwe'))),
});

export const KEV_SCHEMA = Type.Object({
  title: Type.Optional(Type.String()),
  catalogVersion: Text,
  dateReleased: patterned('dateTime'),
  count: Type.Integer({ minimum: 0 }),
  vulnerabilities: Type.Array(KevVulnerability, { maxItems: KEV_ENTRIES_MAX }),
});
export type { KevCatalogue };
export type KevDocument = Static<typeof KEV_SCHEMA>;

let validate: ValidateFunction<KevDocument> | undefined;
const validator = () => (validate ??= new Ajv({ allErrors: true, strict: true, verbose: true }).compile<KevDocument>(KEV_SCHEMA));

/** What is wrong with a parsed JSON value as a KEV catalogue, each "pointer: what"; none: it is one. */
export function checkKev(doc: unknown): string[] {
  const v = validator();
  if (!v(doc)) return describeJsonErrors(v.errors);
  if (doc.count !== doc.vulnerabilities.length) return [`/count: says ${doc.count} but the catalogue lists ${doc.vulnerabilities.length} vulnerabilities (cut short?)`];
  return [];
}

export function flattenKev(doc: KevDocument): KevCatalogue {
  return {
    catalogVersion: doc.catalogVersion,
    dateReleased: doc.dateReleased,
    entries: doc.vulnerabilities.map((v) => ({
      cve: v.cveID,
      vendor: v.vendorProject,
      product: v.product,
      name: v.vulnerabilityName,
      dateAdded: v.dateAdded,
      ...(v.dueDate ? { dueDate: v.dueDate } : {}),
      ransomware: v.knownRansomwareCampaignUse === 'Known',
      requiredAction: v.requiredAction,
    })),
  };
}

/** A parsed JSON value as a KEV catalogue, or what is wrong with it. */
export function readKev(doc: unknown): { kev: KevCatalogue } | { problems: string[] } {
  const problems = checkKev(doc);
  return problems.length ? { problems } : { kev: flattenKev(doc as KevDocument) };
}
