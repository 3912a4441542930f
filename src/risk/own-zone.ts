// Moving one vulnerable device into a zone of its own (IEC 62443-3-2 ZCR 3: devices with other
// security requirements get their own zone): the zone is split, and every rule that named the
// device follows it into the conduit between its new zone and its peers' zones, so what was
// allowed stays allowed and nothing else is.

import { conduitFor } from '../policy/derive.js';
import { editZones } from '../policy/edit.js';
import type { Evaluator } from '../policy/evaluate.js';
import type { Conduit, Policy, Rule, SecurityLevel, Zone } from '../policy/model.js';
import { BulkheadError } from '../errors.js';

export class CountermeasureError extends BulkheadError {
  constructor(message: string) {
    super('BH_CONFLICT', message);
    this.name = 'CountermeasureError';
  }
}

/** Which side of a rule names the device, if one does by exact address. */
function sideOf(rule: Rule, ip: string): 'client' | 'server' | undefined {
  if (rule.server.hosts?.includes(ip)) return 'server';
  if (rule.client.hosts?.includes(ip)) return 'client';
  return undefined;
}

function conduitOf(p: Policy, a: Zone, b: Zone): Conduit {
  const found = p.conduits.find((c) => (c.zones[0] === a.id && c.zones[1] === b.id) || (c.zones[0] === b.id && c.zones[1] === a.id));
  if (found) return found;
  const c = conduitFor(a, b);
  p.conduits.push(c);
  return c;
}

export interface OwnZone {
  id: string;
  name: string;
  securityLevel: SecurityLevel;
  description: string;
}

/** The policy with `ip` in a zone of its own; throws when it cannot be done as written. */
export function moveToOwnZone(policy: Policy, evaluator: Evaluator, ip: string, zone: OwnZone): Policy {
  const from = evaluator.zoneOf({ ip, port: 0 });
  if (!from) throw new CountermeasureError(`${ip} is in no zone of policy ${policy.name}: nothing to move it out of`);
  if (!from.members.includes(ip)) throw new CountermeasureError(`${ip} is a member of zone ${from.id} through a block or MAC (${from.members.join(', ')}), not by its address: split the block by hand`);
  if (from.members.length === 1) throw new CountermeasureError(`${ip} is alone in zone ${from.id} already`);
  // A rule that reaches the device through its zone, not its address, would lose it: say which, change nothing.
  const byZone = policy.conduits.flatMap((c) => c.rules.filter((r) => (r.server.zone === from.id && !r.server.hosts) || (r.client.zone === from.id && !r.client.hosts)).map((r) => r.id));
  if (byZone.length) throw new CountermeasureError(`rules ${byZone.join(', ')} name zone ${from.id} as a whole, not ${ip}: moving it out would cut what they allow it; give them hosts, or split the zone by hand`);
  const p = editZones(policy, { op: 'split', zone: from.id, members: [ip], id: zone.id, name: zone.name });
  const own = p.zones.find((z) => z.id === zone.id)!;
  own.securityLevel = Math.max(own.securityLevel, zone.securityLevel) as SecurityLevel;
  own.description = zone.description;
  const zoneById = new Map(p.zones.map((z) => [z.id, z]));
  const peerZone = (r: Rule, side: 'client' | 'server'): Zone | undefined => {
    const other = side === 'server' ? r.client : r.server;
    if (other.zone) return zoneById.get(other.zone === from.id && other.hosts?.includes(ip) ? own.id : other.zone);
    const host = other.hosts?.find((h) => h !== ip);
    if (host === undefined) return other.broadcast ? own : undefined;
    const z = evaluator.zoneOf({ ip: host, port: 0 });
    return z && zoneById.get(z.id);
  };
  for (const c of [...p.conduits]) {
    for (const r of [...c.rules]) {
      const side = sideOf(r, ip);
      if (!side) continue;
      const peer = peerZone(r, side);
      if (!peer) continue;
      const target = conduitOf(p, own, peer);
      if (target === c) continue;
      const hosts = r[side].hosts!;
      if (hosts.length === 1) c.rules.splice(c.rules.indexOf(r), 1);
      else r[side].hosts = hosts.filter((h) => h !== ip);
      const moved: Rule = structuredClone(r);
      moved[side] = { ...moved[side], hosts: [ip] };
      if (moved[side].zone !== undefined) moved[side].zone = own.id;
      if (hosts.length > 1) moved.id = `${r.id}-${own.id}`.slice(0, 64);
      target.rules.push(moved);
    }
  }
  p.conduits = p.conduits.filter((c) => c.rules.length > 0 || policy.conduits.some((o) => o.id === c.id));
  return p;
}
