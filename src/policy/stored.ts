// A stored policy version as a Policy: its checked form kept beside the document (JSON, fast),
// else its document parsed and checked as any other, and that form kept for the next load. The
// console's views, the engine's active policy and the risk assessment all load versions so.

import type { PolicyStore, PolicyVersion } from '../store/policy-store.js';
import { parsePolicy } from './document.js';
import type { Conduit, LinkPolicy, Policy, Rule } from './model.js';

/**
 * A policy's first view shows each conduit's first RULES_SHOWN rules (and the link section's first
 * RULES_SHOWN address bindings); the rest is counted and read a page at a time. A derived policy
 * of 40,000 rules has about 200 conduits: 10 rules each keeps its first view near a megabyte.
 */
export const RULES_SHOWN = 10;

/** What all of a conduit's rules let through, in short: their protocols and kinds of operation ('deny' for a deny rule, 'any' for one without allowances). */
export interface ConduitSummary {
  protocols: string[];
  kinds: string[];
}

/** A policy as its view shows it: every conduit's first RULES_SHOWN rules, its full ruleCount and the summary of all its rules. */
export type PolicyOutline = Omit<Policy, 'conduits' | 'link'> & { conduits: (Conduit & { ruleCount: number; summary: ConduitSummary })[]; link?: LinkPolicy & { bindingCount?: number } };

function summarise(rules: readonly Rule[]): ConduitSummary {
  const kinds = new Set<string>();
  for (const r of rules) for (const k of r.action === 'deny' ? ['deny'] : r.allow ? r.allow.flatMap((a) => a.kinds ?? ['some']) : ['any']) kinds.add(k);
  return { protocols: [...new Set(rules.map((r) => r.protocol))], kinds: [...kinds] };
}

/** The outline of `policy`, kept beside its form so that the view reads kilobytes, not the whole policy. */
export function outlinePolicy(policy: Policy): PolicyOutline {
  const { link, ...rest } = policy;
  const outline: PolicyOutline = { ...rest, conduits: policy.conduits.map((c) => ({ ...c, ruleCount: c.rules.length, summary: summarise(c.rules), rules: c.rules.slice(0, RULES_SHOWN) })) };
  if (link) outline.link = link.bindings ? { ...link, bindingCount: link.bindings.length, bindings: link.bindings.slice(0, RULES_SHOWN) } : link;
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

/**
 * A version's outline as kept, else made from its policy (storedPolicy) and kept for the next view.
 * One kept before conduits had a summary (cut at 200 rules then) is made anew the same way.
 */
export function storedOutline(policies: PolicyStore, version: number): PolicyOutline {
  const kept = policies.outline(version);
  const isOutlined = (c: Conduit) => {
    const o = c as Partial<PolicyOutline['conduits'][number]>;
    return typeof o.ruleCount === 'number' && typeof o.summary === 'object' && Array.isArray(c.rules);
  };
  if (looksLikePolicy(kept) && kept.conduits.every(isOutlined)) return kept as PolicyOutline;
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
