// Zone edits an engineer makes on the zone map: rename a zone, move an asset to another zone,
// merge two zones, split some members off into a new zone. Each returns a new policy (the input
// is not touched); the result is checked like any document before it is stored as a draft.

import type { Conduit, Policy, Zone } from './model.js';
import { BulkheadError } from '../errors.js';

export type ZoneEdit =
  | { op: 'rename'; zone: string; name: string }
  | { op: 'move'; member: string; to: string }
  | { op: 'merge'; zone: string; into: string }
  | { op: 'split'; zone: string; members: string[]; id: string; name: string };

export class ZoneEditError extends BulkheadError {
  constructor(message: string) {
    super('BH_CONFLICT', message);
    this.name = 'ZoneEditError';
  }
}

function zone(p: Policy, id: string): Zone {
  const z = p.zones.find((x) => x.id === id);
  if (!z) throw new ZoneEditError(`no zone '${id}' in policy ${p.name}`);
  return z;
}

/** Conduits joining the same two zones after a merge become one, their rules together. */
function mergeConduits(conduits: Conduit[]): Conduit[] {
  const byPair = new Map<string, Conduit>();
  for (const c of conduits) {
    const key = [...c.zones].sort().join('\u0000');
    const seen = byPair.get(key);
    if (seen) seen.rules.push(...c.rules);
    else byPair.set(key, c);
  }
  return [...byPair.values()];
}

export function editZones(policy: Policy, edit: ZoneEdit): Policy {
  const p = structuredClone(policy);
  switch (edit.op) {
    case 'rename':
      zone(p, edit.zone).name = edit.name;
      return p;
    case 'move': {
      const to = zone(p, edit.to);
      const from = p.zones.find((z) => z.members.includes(edit.member));
      if (!from) throw new ZoneEditError(`'${edit.member}' is a member of no zone (members are listed as written: an address, a CIDR block or a MAC)`);
      if (from.id === to.id) throw new ZoneEditError(`'${edit.member}' is in zone ${to.id} already`);
      from.members = from.members.filter((m) => m !== edit.member);
      to.members.push(edit.member);
      return p;
    }
    case 'merge': {
      if (edit.zone === edit.into) throw new ZoneEditError('a zone cannot be merged into itself');
      const gone = zone(p, edit.zone);
      const into = zone(p, edit.into);
      into.members.push(...gone.members);
      // The stricter target level holds for the merged zone (IEC 62443-3-2 ZCR 3.1).
      into.securityLevel = Math.max(into.securityLevel, gone.securityLevel) as Zone['securityLevel'];
      p.zones = p.zones.filter((z) => z !== gone);
      const rename = (id: string) => (id === gone.id ? into.id : id);
      for (const c of p.conduits) {
        c.zones = [rename(c.zones[0]), rename(c.zones[1])];
        for (const r of c.rules) {
          if (r.client.zone) r.client.zone = rename(r.client.zone);
          if (r.server.zone) r.server.zone = rename(r.server.zone);
        }
      }
      p.conduits = mergeConduits(p.conduits);
      return p;
    }
    case 'split': {
      const from = zone(p, edit.zone);
      if (p.zones.some((z) => z.id === edit.id)) throw new ZoneEditError(`a zone '${edit.id}' exists already`);
      const missing = edit.members.filter((m) => !from.members.includes(m));
      if (missing.length) throw new ZoneEditError(`not members of zone ${from.id}: ${missing.join(', ')}`);
      if (edit.members.length === 0 || edit.members.length === from.members.length) throw new ZoneEditError('a split takes some of the zone\'s members, not none or all');
      from.members = from.members.filter((m) => !edit.members.includes(m));
      // The new zone keeps the level, fail mode and Purdue level it was split from.
      p.zones.push({ ...from, id: edit.id, name: edit.name, members: [...edit.members] });
      return p;
    }
  }
}
