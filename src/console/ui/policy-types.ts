// The policy as the review page and the zone map receive it: the policy model's own types (the
// reply's schema is the policy document's), each conduit with how many rules it has in all, each
// rule with what it lets through in the plant's words (worded by the server, from the protocols'
// code tables and the names the devices gave their targets).

import type { Conduit, Policy, Rule } from '../../policy/model.js';
import type { ConduitSummary } from '../../policy/stored.js';

export type { HostSelector, Zone } from '../../policy/model.js';

export type ShownRule = Rule & { allows: string };
export type ShownPolicy = Omit<Policy, 'conduits'> & { conduits: (Omit<Conduit, 'rules'> & { rules: ShownRule[]; ruleCount: number; summary: ConduitSummary })[] };

/** A page of one conduit's rules (GET /api/policies/:ref/conduits/:conduit/rules). */
export interface RulePage {
  ruleCount: number;
  /** Rules naming the search (all without one). */
  matched: number;
  offset: number;
  rules: ShownRule[];
}
