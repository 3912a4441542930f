// A policy reference as the operator gives it: a stored version ("3", "latest", "active") or a
// file. The engine resolves the active version with it; every command and the console too.

import { readFileSync } from 'node:fs';
import { parsePolicy } from '../policy/document.js';
import { storedPolicy } from '../policy/stored.js';
import type { Policy } from '../policy/model.js';
import { PolicyStoreError, type PolicyStore, type PolicyVersion } from '../store/policy-store.js';

export interface LoadedPolicy {
  policy: Policy;
  label: string;
  text: string;
  /** The stored version it is, when it is one (not a file). */
  stored?: PolicyVersion;
}

/** The policy in force as far as the store knows: the active version, else the latest, else none. */
export function currentRef(policies: PolicyStore): 'active' | 'latest' | undefined {
  return policies.latest('active') ? 'active' : policies.latest() ? 'latest' : undefined;
}

/** A stored version ("3", "latest", "active") or a file. */
export function loadPolicy(policies: PolicyStore, ref: string): LoadedPolicy {
  if (/^\d+$/.test(ref) || ref === 'latest' || ref === 'active') {
    const v = ref === 'latest' ? policies.latest() : ref === 'active' ? policies.latest('active') : policies.get(Number(ref));
    if (!v) throw new PolicyStoreError(ref === 'active' ? 'no policy is active yet' : 'no policy stored yet: run `bulkhead derive` or `bulkhead policy import FILE`', 'BH_NOT_FOUND');
    return { policy: storedPolicy(policies, v), label: `version ${v.version}`, text: v.document, stored: v };
  }
  let text: string;
  try {
    text = readFileSync(ref, 'utf8');
  } catch (err) {
    throw new PolicyStoreError(`${ref}: cannot read: ${(err as Error).message}`);
  }
  return { policy: parsePolicy(text, ref), label: ref, text };
}
