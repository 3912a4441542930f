// A staged rollout: an approved policy version goes to one rollout group at a time, and the next
// group only once every gateway of this one has confirmed it (its engine enforces it). The first
// gateway that refuses it, rolls it back or does not answer in time stops the rollout there: the
// gateways already done keep it, the rest keep what they have. A gateway that was offline takes
// its package from its bucket when it returns, whatever the rollout did meanwhile.

import type { Central } from './central.js';
import type { PolicyOutcome } from './policy-follower.js';

export interface RolloutStep {
  gateway: string;
  group: string;
  package: number;
  outcome: Exclude<PolicyOutcome, 'applied'> | 'no answer';
  reason: string;
}

export interface Rollout {
  policyVersion: number;
  groups: string[];
  steps: RolloutStep[];
  complete: boolean;
  /** Why it stopped before the last group. */
  stopped?: string;
}

const POLL_MS = 250;

/** The groups in the order asked for, else in name order; every one named must exist. */
function groupsOf(central: Central, asked?: string[]): string[] {
  const known = [...new Set(central.fleet.list().map((g) => g.group))].sort();
  const unknown = (asked ?? []).filter((g) => !known.includes(g));
  if (unknown.length) throw new Error(`no gateway is in rollout group ${unknown.join(', ')} (groups: ${known.join(', ') || 'none'})`);
  return asked ?? known;
}

/** What a gateway answered about a package, once it is final. */
function answer(central: Central, gateway: string, pkg: number): { outcome: RolloutStep['outcome']; reason: string } | undefined {
  const r = central.fleet
    .records({ kind: 'policy-result', gateway, limit: 200 })
    .map((x) => x.data as { outcome: PolicyOutcome; version?: number; reason: string })
    .find((x) => x.version === pkg && x.outcome !== 'applied');
  return r && { outcome: r.outcome as RolloutStep['outcome'], reason: r.reason };
}

export async function rollout(central: Central, policyVersion: number, by: string, o: { groups?: string[]; waitSeconds: number; onStep?: (s: RolloutStep) => void }): Promise<Rollout> {
  const groups = groupsOf(central, o.groups);
  const r: Rollout = { policyVersion, groups, steps: [], complete: false };
  for (const group of groups) {
    const gateways = central.fleet.list().filter((g) => g.group === group);
    const sent = [];
    for (const g of gateways) sent.push({ gateway: g.id, pkg: await central.send(g.id, policyVersion, by) });
    const deadline = Date.now() + o.waitSeconds * 1000;
    for (const s of sent) {
      let a = answer(central, s.gateway, s.pkg);
      while (!a && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, POLL_MS));
        a = answer(central, s.gateway, s.pkg);
      }
      const step: RolloutStep = { gateway: s.gateway, group, package: s.pkg, ...(a ?? { outcome: 'no answer', reason: `no confirmation within ${o.waitSeconds} s (offline? it takes the package when it returns)` }) };
      r.steps.push(step);
      o.onStep?.(step);
      if (step.outcome !== 'confirmed') {
        r.stopped = `gateway ${s.gateway} of group ${group}: ${step.outcome} (${step.reason}); the groups after it were not sent version ${policyVersion}`;
        return r;
      }
    }
  }
  r.complete = true;
  return r;
}
