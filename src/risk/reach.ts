// Who can reach an asset: from the policy in force, the allow rules whose server side selects it
// and whose clients sit in another zone (what a compromised neighbour zone could send it); with
// no policy, every client learning saw talking to it (nothing is segmented yet).

import type { OperationKind } from '../../protocols/operation.js';
import { AddressSet, parseMember, type Member } from '../policy/addresses.js';
import type { Evaluator } from '../policy/evaluate.js';
import type { Rule } from '../policy/model.js';
import type { ConversationRecordType as Conversation } from '../store/records.js';
import type { Reach } from './score.js';

/** Kinds that change the process or the device: what makes access more than read-only. */
export const WRITE_KINDS: ReadonlySet<OperationKind> = new Set<OperationKind>(['write', 'control', 'program']);


function set(texts: readonly string[]): AddressSet {
  return new AddressSet(texts.map(parseMember).filter((m): m is Member => typeof m !== 'string'));
}

/** The rule's server side selects this address (a broadcast-only rule selects no device). */
export function serverSelects(rule: Rule, ip: string, zoneId: string | undefined): boolean {
  const s = rule.server;
  if (s.zone === undefined && s.hosts === undefined) return false;
  if (s.zone !== undefined && s.zone !== zoneId) return false;
  return s.hosts === undefined || set(s.hosts).has(ip);
}

/** The operation kinds a rule lets through ('any' when it names none). */
function ruleKinds(rule: Rule): string[] {
  if (!rule.allow) return ['any operation'];
  const kinds = new Set<string>();
  for (const a of rule.allow) for (const k of a.kinds ?? ['any operation']) kinds.add(k);
  return [...kinds];
}

const writeCapable = (kinds: readonly string[]) => kinds.some((k) => k === 'any operation' || WRITE_KINDS.has(k as OperationKind));

export function policyReach(evaluator: Evaluator, ip: string): Reach {
  const own = evaluator.zoneOf({ ip, port: 0 })?.id;
  const zones = new Set<string>();
  const conduits = new Set<string>();
  const kinds = new Set<string>();
  const clients = new Set<string>();
  for (const c of evaluator.policy.conduits) {
    for (const r of c.rules) {
      if (r.action === 'deny' || !serverSelects(r, ip, own)) continue;
      const from = r.client.zone !== undefined ? [r.client.zone] : (r.client.hosts ?? []).map((h) => evaluator.zoneOf({ ip: h, port: 0 })?.id ?? 'no zone');
      const foreign = from.filter((z) => z !== own);
      if (!foreign.length) continue;
      for (const z of foreign) zones.add(z);
      conduits.add(c.id);
      for (const k of ruleKinds(r)) kinds.add(k);
      for (const h of r.client.hosts ?? evaluator.policy.zones.find((z) => z.id === r.client.zone)?.members ?? []) clients.add(h);
    }
  }
  const k = [...kinds].sort();
  return { from: 'policy', zones: [...zones].sort(), conduits: [...conduits].sort(), clients: clients.size, writeCapable: writeCapable(k), kinds: k };
}

export function baselineReach(conversations: readonly Conversation[], ip: string): Reach {
  const clients = new Set<string>();
  const kinds = new Set<string>();
  for (const c of conversations) {
    if (c.server.ip !== ip || c.server.broadcast) continue;
    clients.add(c.client.ip);
    for (const op of Object.values(c.operations)) kinds.add(op.kind);
  }
  const k = [...kinds].sort();
  // Nothing is segmented yet: every client seen reaching it counts as another zone's.
  return { from: 'baseline', zones: [], conduits: [], clients: clients.size, writeCapable: writeCapable(k), kinds: k };
}
