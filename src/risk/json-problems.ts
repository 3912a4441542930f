// How the advisory documents' schema errors read: "JSON pointer: what is wrong", the pointer as
// CSAF's own validators and test names give it ("/document/tracking/id: required"), and a
// pattern said in words. (policy/document.ts's describeSchemaError speaks the policy's dotted
// YAML paths instead.)

import { Type } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';

/** Problems reported per document. */
export const PROBLEMS_MAX = 20;

/** The patterns the advisory schemas use, with what each means in words. */
export const PATTERNS = {
  dateTime: { pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$', words: 'a date and time such as 2021-07-13T00:00:00.000Z' },
  date: { pattern: '^\\d{4}-\\d{2}-\\d{2}$', words: 'a date such as 2025-08-25' },
  version: { pattern: '^(0|[1-9]\\d*)(\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)([-+][0-9A-Za-z.+-]+)?)?$', words: "a CSAF version ('2', or '1.0.0')" },
  cve: { pattern: '^CVE-\\d{4}-\\d{4,}$', words: 'a CVE id such as CVE-2021-22779' },
  cwe: { pattern: '^CWE-\\d+$', words: 'a CWE id such as CWE-306' },
} as const;

const WORDS = new Map<string, string>(Object.values(PATTERNS).map((p) => [p.pattern, p.words]));

/** A string schema of one of the patterns. */
export const patterned = (p: keyof typeof PATTERNS) => Type.String({ pattern: PATTERNS[p].pattern });

const shown = (v: unknown) => (typeof v === 'string' ? `'${v.length > 60 ? `${v.slice(0, 60)}…` : v}'` : JSON.stringify(v));

/** One schema error (of a validator compiled with verbose: true) as "pointer: what is wrong". */
export function describeJsonError(e: ErrorObject): string {
  const at = e.instancePath || '/';
  const p = e.params as { missingProperty?: string; allowedValues?: unknown[]; allowedValue?: unknown; pattern?: string; limit?: number };
  switch (e.keyword) {
    case 'required':
      return `${e.instancePath}/${p.missingProperty}: required`;
    case 'enum':
      return `${at}: ${shown(e.data)} must be one of ${p.allowedValues!.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(p.allowedValue)}, not ${shown(e.data)}`;
    case 'pattern':
      return `${at}: ${shown(e.data)} is not ${WORDS.get(p.pattern!) ?? `of the form ${p.pattern}`}`;
    case 'minItems':
      return p.limit === 1 ? `${at}: must not be empty` : `${at}: ${e.message}`;
    case 'minLength':
      return `${at}: must not be empty`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/** The first problems of a failed validation, described. */
export const describeJsonErrors = (errors: readonly ErrorObject[] | null | undefined): string[] => (errors ?? []).slice(0, PROBLEMS_MAX).map(describeJsonError);
