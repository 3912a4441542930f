// What a JSON document of an advisory bundle is, told by its content (never by its name): a CSAF
// advisory, the KEV catalogue, a JSON schema shipped beside them (ignored), or none of these.

import type { AdvisoryRecordType as Advisory } from '../store/advisory-records.js';
import type { KevCatalogue } from '../store/risk-store.js';
import { readCsaf } from './csaf.js';
import { readKev } from './kev.js';

export type CatalogueDocument =
  | { kind: 'csaf'; advisory: Advisory }
  | { kind: 'kev'; kev: KevCatalogue }
  | { kind: 'ignored'; why: string }
  | { kind: 'invalid'; problems: string[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A parsed JSON value, recognised, checked and flattened. */
export function readCatalogueDocument(value: unknown): CatalogueDocument {
  if (!isObject(value)) return { kind: 'invalid', problems: [`/: ${Array.isArray(value) ? 'a list' : `a ${value === null ? 'null' : typeof value}`}, not an advisory (a CSAF document or the KEV catalogue is one JSON object)`] };
  if ('document' in value) {
    const r = readCsaf(value);
    return 'advisory' in r ? { kind: 'csaf', advisory: r.advisory } : { kind: 'invalid', problems: r.problems };
  }
  if ('catalogVersion' in value || ('dateReleased' in value && 'vulnerabilities' in value)) {
    const r = readKev(value);
    return 'kev' in r ? { kind: 'kev', kev: r.kev } : { kind: 'invalid', problems: r.problems };
  }
  if ('$schema' in value) return { kind: 'ignored', why: 'a JSON schema, not an advisory' };
  return { kind: 'invalid', problems: ["/: neither a CSAF 2.0 advisory (no 'document') nor a KEV catalogue (no 'catalogVersion')"] };
}

/** The text of a file of a bundle: parsed (a clear problem when it is not JSON), then read as above. */
export function parseCatalogueText(text: string): CatalogueDocument {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { kind: 'invalid', problems: [`/: not JSON (${(e as Error).message})`] };
  }
  return readCatalogueDocument(value);
}
