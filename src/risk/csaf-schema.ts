// The part of OASIS CSAF 2.0 that Bulkhead reads, as a JSON schema (TypeBox): the document's
// required fields, the product tree's branches (recursive), and the vulnerabilities' CVE, CWE,
// scores, product status, remediations and notes. Unknown keys are allowed everywhere: a newer
// CSAF field must not make an advisory unreadable. Formats are patterns (json-problems.ts), no format plugin.

import { Type, type Static } from '@sinclair/typebox';
import { REMEDIATION_CATEGORIES } from '../store/advisory-records.js';
import { literals } from '../store/records.js';
import { patterned } from './json-problems.js';

const Opt = Type.Optional;
const Text = Type.String({ minLength: 1 });
const Strings = (o: { minItems?: number } = {}) => Type.Array(Text, o);
/** An optional list of one or more (product ids, model numbers). */
const Ids = () => Opt(Strings({ minItems: 1 }));

export const BRANCH_CATEGORIES = ['architecture', 'host_name', 'language', 'legacy', 'patch_level', 'product_family', 'product_name', 'product_version', 'product_version_range', 'service_pack', 'specification', 'vendor'] as const;
export const NOTE_CATEGORIES = ['description', 'details', 'faq', 'general', 'legal_disclaimer', 'other', 'summary'] as const;
const PUBLISHER_CATEGORIES = ['coordinator', 'discoverer', 'other', 'translator', 'user', 'vendor'] as const;

const Note = Type.Object({ category: literals(NOTE_CATEGORIES), text: Text, title: Opt(Type.String()) });
const Reference = Type.Object({ url: Text, summary: Text, category: Opt(literals(['external', 'self'] as const)) });

const FullProductName = Type.Object({
  name: Text,
  product_id: Text,
  product_identification_helper: Opt(Type.Object({ model_numbers: Ids(), cpe: Opt(Text), purl: Opt(Text), serial_numbers: Ids(), skus: Ids() })),
});

const Branch = Type.Recursive(
  (This) => Type.Object({ category: literals(BRANCH_CATEGORIES), name: Text, branches: Opt(Type.Array(This, { minItems: 1 })), product: Opt(FullProductName) }),
  { $id: 'CsafBranch' },
);

const ProductTree = Type.Object({
  branches: Opt(Type.Array(Branch, { minItems: 1 })),
  full_product_names: Opt(Type.Array(FullProductName, { minItems: 1 })),
  product_groups: Opt(Type.Array(Type.Object({ group_id: Text, product_ids: Strings({ minItems: 2 }) }))),
  relationships: Opt(Type.Array(Type.Object({ category: Text, full_product_name: FullProductName, product_reference: Text, relates_to_product_reference: Text }))),
});

const ProductStatus = Type.Object({ first_affected: Ids(), first_fixed: Ids(), fixed: Ids(), known_affected: Ids(), known_not_affected: Ids(), last_affected: Ids(), recommended: Ids(), under_investigation: Ids() });

const Score = Type.Object({
  products: Strings({ minItems: 1 }),
  cvss_v3: Opt(Type.Object({ version: Opt(literals(['3.0', '3.1'] as const)), vectorString: Text, baseScore: Type.Number({ minimum: 0, maximum: 10 }), baseSeverity: Opt(Text) })),
  cvss_v2: Opt(Type.Object({ version: Opt(Type.Literal('2.0')), vectorString: Text, baseScore: Type.Number({ minimum: 0, maximum: 10 }) })),
});

const Vulnerability = Type.Object({
  cve: Opt(patterned('cve')),
  title: Opt(Type.String()),
  cwe: Opt(Type.Object({ id: patterned('cwe'), name: Text })),
  notes: Opt(Type.Array(Note, { minItems: 1 })),
  product_status: Opt(ProductStatus),
  remediations: Opt(Type.Array(Type.Object({ category: literals(REMEDIATION_CATEGORIES), details: Text, product_ids: Ids(), group_ids: Ids(), url: Opt(Text) }), { minItems: 1 })),
  scores: Opt(Type.Array(Score, { minItems: 1 })),
  threats: Opt(Type.Array(Type.Object({ category: Text, details: Text, product_ids: Ids(), group_ids: Ids() }))),
  flags: Opt(Type.Array(Type.Object({ label: Text, product_ids: Ids(), group_ids: Ids() }))),
  ids: Opt(Type.Array(Type.Object({ system_name: Text, text: Text }), { minItems: 1 })),
});

export const CSAF_SCHEMA = Type.Object({
  document: Type.Object({
    category: Text,
    csaf_version: Type.Literal('2.0'),
    publisher: Type.Object({ category: literals(PUBLISHER_CATEGORIES), name: Text, namespace: Text }),
    title: Text,
    tracking: Type.Object({
      id: Text,
      current_release_date: patterned('dateTime'),
      initial_release_date: patterned('dateTime'),
      revision_history: Type.Array(Type.Object({ date: patterned('dateTime'), number: patterned('version'), summary: Text }), { minItems: 1 }),
      status: literals(['draft', 'final', 'interim'] as const),
      version: patterned('version'),
    }),
    notes: Opt(Type.Array(Note, { minItems: 1 })),
    references: Opt(Type.Array(Reference, { minItems: 1 })),
  }),
  product_tree: Opt(ProductTree),
  vulnerabilities: Opt(Type.Array(Vulnerability, { minItems: 1 })),
});

export type CsafDocument = Static<typeof CSAF_SCHEMA>;
export type CsafBranch = Static<typeof Branch>;
export type CsafVulnerability = Static<typeof Vulnerability>;
export type CsafFullProductName = Static<typeof FullProductName>;
