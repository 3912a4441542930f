// Test support: the shared advisory corpus (CISA's CSAF advisories and the KEV catalogue) beside
// the repository, at ../shared/advisories; tests that need it say SKIPPED when it is absent.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's root, from source (tests) or from dist (benchmarks). */
const ROOT = join(import.meta.dirname, ...(import.meta.dirname.includes('/dist/') ? ['..', '..', '..'] : ['..', '..']));

export const ADVISORIES = join(ROOT, '..', 'shared', 'advisories');
export const CSAF_DIR = join(ADVISORIES, 'csaf');
export const KEV_FILE = join(ADVISORIES, 'kev', 'known_exploited_vulnerabilities.json');

/** Why the corpus cannot be used here, or undefined when it can. */
export function advisoriesUnavailable(): string | undefined {
  if (!existsSync(CSAF_DIR)) return `no advisory corpus at ../shared/advisories (beside the repository)`;
  if (!existsSync(KEV_FILE)) return 'no KEV catalogue at ../shared/advisories/kev';
  return undefined;
}

/** A CSAF advisory of the corpus, by its tracking id (ICSA-21-005-01 is csaf/2021/icsa-21-005-01.json). */
export const csafFile = (id: string): string => join(CSAF_DIR, `20${id.split('-')[1]}`, `${id.toLowerCase()}.json`);
