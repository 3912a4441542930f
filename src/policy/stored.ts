// A stored policy version as a Policy: its checked form kept beside the document (JSON, fast),
// else its document parsed and checked as any other, and that form kept for the next load. The
// console's views, the engine's active policy and the risk assessment all load versions so.

import type { PolicyStore, PolicyVersion } from '../store/policy-store.js';
import { parsePolicy } from './document.js';
import type { Conduit, LinkPolicy, Policy } from './model.js';

/**
 * A policy's first view shows each conduit's first RULES_SHOWN rules (and the link section's first
 * RULES_SHOWN address bindings); the rest is counted and read a page at a time. A derived policy
 * of 40,000 rules has about 200 conduits: 10 rules each keeps its first view near a megabyte.
 */
export const RULES_SHOWN = 10;

/** A policy as its view shows it: every conduit's first RULES_SHOWN rules and its full ruleCount. */
export type PolicyOutline = Omit<Policy, 'conduits' | 'link'> & { conduits: (Conduit & { ruleCount: number })[]; link?: LinkPolicy & { bindingCount?: number } };

/** The outline of `policy`, kept beside its form so that the view reads kilobytes, not the whole policy. */
export function outlinePolicy(policy: Policy): PolicyOutline {
  const { link, ...rest } = policy;
  const outline: PolicyOutline = { ...rest, conduits: policy.conduits.map((c) => ({ ...c, ruleCount: c.rules.length, rules: c.rules.slice(0, RULES_SHOWN) })) };
  if (link) outline.link = link.bindings ? { ...link, bindingCount: link.bindings.length, bindings: link.bindings.slice(0, RULES_SHOWN) } : link;
  return outline;
}

/** An outline kept before the first view was cut shorter (200 rules a conduit) or kept the link whole: cut as outlinePolicy cuts. */
function recut(kept: PolicyOutline): PolicyOutline {
  const long = kept.conduits.some((c) => c.rules.length > RULES_SHOWN) || (kept.link?.bindings !== undefined && kept.link.bindingCount === undefined);
  if (!long) return kept;
  const outline = outlinePolicy({ ...kept, conduits: kept.conduits.map(({ ruleCount, ...c }) => c) } as Policy);
  outline.conduits.forEach((c, i) => (c.ruleCount = kept.conduits[i]!.ruleCount));
  return outline;
}

/**
 * Stores `document` as a new draft with its checked form (`checked`: parsePolicy of exactly this
 * document) and that form's outline kept beside it, so that neither a load nor the first view of
 * the version parses or cuts anything; returns its version number.
 */
export function storeVersion(policies: PolicyStore, document: string, name: string, source: string, by: string, checked: Policy): number {
  return policies.add(document, name, source, by, checked, outlinePolicy(checked));
}

/** A version's outline as kept, else made from its policy (storedPolicy) and kept for the next view. */
export function storedOutline(policies: PolicyStore, version: number): PolicyOutline {
  const kept = policies.outline(version);
  if (looksLikePolicy(kept) && kept.conduits.every((c) => typeof (c as Partial<PolicyOutline['conduits'][number]>).ruleCount === 'number' && Array.isArray(c.rules))) {
    const outline = recut(kept as PolicyOutline);
    if (outline !== kept) policies.keepOutline(version, outline);
    return outline;
  }
  const outline = outlinePolicy(storedPolicy(policies, policies.get(version)));
  policies.keepOutline(version, outline);
  return outline;
}

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
  policies.keepParsed(v.version, policy, outlinePolicy(policy));
  return policy;
}

function looksLikePolicy(value: unknown): value is Policy {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Partial<Record<keyof Policy, unknown>>;
  return p.bulkheadPolicy === 1 && typeof p.name === 'string' && Array.isArray(p.zones) && Array.isArray(p.conduits);
}
