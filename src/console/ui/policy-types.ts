// The policy as the review page and the zone map receive it: the policy model's own types (the
// reply's schema is the policy document's), each conduit with how many rules it has in all.

import type { Conduit, Policy } from '../../policy/model.js';

export type { HostSelector, Rule, Zone } from '../../policy/model.js';

export type ShownPolicy = Omit<Policy, 'conduits'> & { conduits: (Conduit & { ruleCount: number })[] };
