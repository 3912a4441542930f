// Virtual patches (issue 17): in OT most devices cannot be patched for years, and the gateway in
// front of them is the countermeasure. The reviewed table (virtual-patch-table.ts) says what each
// advisory names; here a patch becomes a deny rule of the policy, or, for a service the gateway
// does not inspect (FTP, HTTP, SNMP, ...), a judgement of whether the policy refuses its port
// already.
//
// Exempting a host (the engineering workstation that must keep UMAS): a deny rule cannot carve
// a host out, and a deny wins over every allow. So either the patch goes only on conduits the
// workstation does not use (the conduit from its own zone gets none), or the rule is given the
// client hosts it refuses (`clients`: the zone's other hosts) and the workstation is left out.

import { protocolModule } from '../../protocols/registry.js';
import { BulkheadError } from '../errors.js';
import { parseMember } from '../policy/addresses.js';
import type { Policy, Rule } from '../policy/model.js';
import { VIRTUAL_PATCHES, type VirtualPatch } from './virtual-patch-table.js';

export { PATCH_ID_MAX, VIRTUAL_PATCHES, type VirtualPatch } from './virtual-patch-table.js';

/** The policy schema's limit on a rule id. */
const RULE_ID_MAX = 64;

export class VirtualPatchError extends BulkheadError {
  constructor(message: string) {
    super('BH_VALIDATION', message);
    this.name = 'VirtualPatchError';
  }
}

/** The patches answering an advisory, by its tracking id or any of its CVEs, in table order. */
export function patchesFor(advisoryId: string, cves: readonly string[]): VirtualPatch[] {
  const id = advisoryId.trim().toUpperCase();
  const wanted = new Set(cves.map((c) => c.trim().toUpperCase()));
  return VIRTUAL_PATCHES.filter((p) => p.advisories.includes(id) || p.cves.some((c) => wanted.has(c)));
}

/** FNV-1a, 32 bits: a short stable suffix for a rule id that would not fit whole. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * 'vp-umas-modicon-10.0.2.11-supervisory': the same patch on the same server from the same zone
 * is the same rule (applying it twice finds it), and from another zone another rule, as rule
 * ids are unique across the policy.
 */
export function patchRuleId(patch: VirtualPatch, server: string, clientZone: string): string {
  const id = `${patch.id}-${server}-${clientZone}`.replace(/[^A-Za-z0-9._-]+/g, '-');
  return id.length <= RULE_ID_MAX ? id : `${patch.id}-${fnv1a(`${server}\u0000${clientZone}`)}`;
}

function checkHost(text: string, side: string, patch: VirtualPatch): void {
  const m = parseMember(text);
  if (typeof m === 'string') throw new VirtualPatchError(`virtual patch ${patch.id}: the ${side} ${m}`);
}

/**
 * The deny rule putting a Modbus, OPC UA or BACnet patch in force on one server, in the conduit
 * between `conduitZones`: from every host of the client zone, or only from `clients` (hosts of
 * that zone). The server must be a member of the server zone (the rule stays inside its
 * conduit). Undefined for a port of another service: see otherPortCovered.
 */
export function patchRule(patch: VirtualPatch, server: string, conduitZones: { client: string; server: string }, clients?: readonly string[]): Rule | undefined {
  if (patch.protocol === 'other') return undefined;
  checkHost(server, 'server', patch);
  if (clients?.length === 0) throw new VirtualPatchError(`virtual patch ${patch.id}: no client host to refuse (leave the clients out to refuse the whole zone ${conduitZones.client})`);
  for (const c of clients ?? []) checkHost(c, 'client', patch);
  const rule: Rule = {
    id: patchRuleId(patch, server, conduitZones.client),
    action: 'deny',
    protocol: patch.protocol,
    client: clients ? { zone: conduitZones.client, hosts: [...clients] } : { zone: conduitZones.client },
    server: { zone: conduitZones.server, hosts: [server] },
    comment: `${patch.what} (virtual patch for ${patch.advisories.join(', ')})`,
  };
  if (patch.port !== undefined) rule.port = patch.port;
  // The rule's operations are the ones refused; the table is not handed out to be edited.
  if (patch.deny) rule.allow = structuredClone(patch.deny);
  return rule;
}

/**
 * Whether the policy refuses a patch's port of another service already. The policy's rules are
 * Modbus, OPC UA and BACnet only, so under a deny default nothing else crosses between zones,
 * unless an allow rule opens that port in the kernel: one on the same port, or one without a
 * port whose protocol has no default port (OPC UA), which the kernel opens on every port of its
 * transport between its hosts.
 */
export function otherPortCovered(patch: VirtualPatch, policy: Policy): { covered: boolean; why: string } {
  if (patch.protocol !== 'other' || patch.transport === undefined || patch.port === undefined) {
    throw new VirtualPatchError(`virtual patch ${patch.id} is not a port of another service: its rule (patchRule) puts it in force`);
  }
  const transport = patch.transport.toUpperCase();
  const what = `${transport} ${patch.port}${patch.service ? ` (${patch.service})` : ''}`;
  if (policy.defaultAction === 'allow') {
    return { covered: false, why: `not in force: the policy's default action is allow, so ${what} passes between zones wherever no rule refuses it` };
  }
  for (const c of policy.conduits) {
    for (const r of c.rules) {
      if (r.action === 'deny') continue;
      const m = protocolModule(r.protocol);
      const port = r.port ?? m.defaultPort;
      if (m.transport !== patch.transport || (port !== undefined && port !== patch.port)) continue;
      const opens = port === undefined ? `opens every ${transport} port between its hosts, ${patch.port} included (give the rule its server port)` : `is on ${what}, so that port is open between its hosts`;
      return { covered: false, why: `not in force: ${m.title} rule ${r.id} of conduit ${c.name} ${opens}` };
    }
  }
  return { covered: true, why: `already in force: no conduit allows ${what} between zones; traffic inside one zone does not cross the gateway` };
}
