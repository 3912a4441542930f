// A stored policy version as a Policy: its checked form kept beside the document (JSON, fast),
// else its document parsed and checked as any other, and that form kept for the next load. The
// console's views, the engine's active policy and the risk assessment all load versions so.

import type { PolicyStore, PolicyVersion } from '../store/policy-store.js';
import { parsePolicy } from './document.js';
import type { Policy } from './model.js';

/**
 * The kept form is trusted without a second check: it is written only from what parsePolicy
 * returned for this very document, and a stored document never changes. What is missing or does
 * not look like a policy is a cache miss, silently: the document is parsed, as before the form
 * was kept.
 */
export function storedPolicy(policies: PolicyStore, v: PolicyVersion): Policy {
  const kept = policies.parsed(v.version);
  if (looksLikePolicy(kept)) return kept;
  const policy = parsePolicy(v.document, `policy version ${v.version}`);
  policies.keepParsed(v.version, policy);
  return policy;
}

function looksLikePolicy(value: unknown): value is Policy {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Partial<Record<keyof Policy, unknown>>;
  return p.bulkheadPolicy === 1 && typeof p.name === 'string' && Array.isArray(p.zones) && Array.isArray(p.conduits);
}
