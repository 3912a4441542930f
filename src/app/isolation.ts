// Island mode's target: an address, a CIDR block, or a zone of the policy in force (its IP
// members; MACs are no addresses the kernel table cuts by).

import { parseMember } from '../policy/addresses.js';
import { BulkheadError } from '../errors.js';
import type { PolicyStore } from '../store/policy-store.js';
import { currentRef, loadPolicy } from '../gateway/policy-ref.js';

/** The addresses `target` stands for; a target that is none of the three is refused, naming the policy looked in. */
export function isolationAddresses(policies: PolicyStore, target: string): string[] {
  if (typeof parseMember(target) !== 'string') return [target];
  const ref = currentRef(policies);
  const zone = ref ? loadPolicy(policies, ref).policy.zones.find((z) => z.id === target) : undefined;
  if (!zone) throw new BulkheadError('BH_VALIDATION', `'${target}' is neither an address, a CIDR block nor a zone of the ${ref ?? 'stored'} policy`);
  return zone.members.filter((m) => {
    const p = parseMember(m);
    return typeof p !== 'string' && p.kind !== 'mac';
  });
}

/** Island mode on: `target` resolved and recorded (audited) in one step; returns the addresses cut off. */
export function isolate(policies: PolicyStore, target: string, by: string, reason: string): string[] {
  const addresses = isolationAddresses(policies, target);
  policies.isolate(target, addresses, by, reason);
  return addresses;
}
