// Countermeasures for what the advisories say (ZCR 5.8 and 5.12), each with the advisory it
// answers: virtual patches (deny rules for the operations an advisory names), a higher SL-T for
// a zone whose contents need it, a narrower conduit (only the operation kinds its clients were
// seen using), and a zone of its own for a device that needs more than its neighbours. Each is
// a suggestion; `applyCountermeasure` turns one into a new policy, never into the policy in force.

import type { Evaluator } from '../policy/evaluate.js';
import type { Policy, Rule, SecurityLevel } from '../policy/model.js';
import type { ConversationRecordType as Conversation } from '../store/records.js';
import { CountermeasureError, moveToOwnZone } from './own-zone.js';
import { serverSelects, WRITE_KINDS } from './reach.js';
import type { AssetRisk, ScoredMatch } from './score.js';
import { otherPortCovered, patchesFor, patchRule, type VirtualPatch } from './virtual-patches.js';

export type CountermeasureKind = 'virtual_patch' | 'raise_sl' | 'narrow_conduit' | 'own_zone';
export const COUNTERMEASURE_KINDS: readonly CountermeasureKind[] = ['virtual_patch', 'raise_sl', 'narrow_conduit', 'own_zone'];

export interface Countermeasure {
  /** Stable across assessments: kind, what it changes, and for whom. */
  id: string;
  kind: CountermeasureKind;
  text: string;
  advisories: string[];
  cves: string[];
  assetKey?: string;
  zone?: string;
  conduits: string[];
  /** The SL-T it raises a zone to (raise_sl) or gives the device's own zone (own_zone). */
  securityLevel?: SecurityLevel;
  /** The policy has it already (or, for a port, its default deny covers it). */
  inForce: boolean;
  /** It can be made a draft policy version; otherwise `why` says what stands in the way. */
  draftable: boolean;
  why?: string;
}

/** What suggestions read of one assessed asset. */
export interface AssessedAsset {
  key: string;
  ip: string;
  name: string;
  matches: readonly ScoredMatch[];
  risk: AssetRisk;
  /** Its virtual patch suggestions, when the scoring made them already. */
  patches?: Countermeasure[];
}

interface Context {
  policy?: Policy;
  evaluator?: Evaluator;
  conversations: readonly Conversation[];
}

const cvesOf = (ms: readonly ScoredMatch[]) => [...new Set(ms.flatMap((m) => m.cves.map((c) => c.cve)))].sort();

/** The allow rules of the policy that reach the asset, by conduit. */
function rulesTo(x: Context, ip: string): { conduit: string; rule: Rule; clientZone: string }[] {
  if (!x.policy || !x.evaluator) return [];
  const own = x.evaluator.zoneOf({ ip, port: 0 })?.id;
  const out: { conduit: string; rule: Rule; clientZone: string }[] = [];
  for (const c of x.policy.conduits)
    for (const rule of c.rules) {
      if (rule.action === 'deny' || !serverSelects(rule, ip, own)) continue;
      const clientZone = rule.client.zone ?? c.zones.find((z) => z !== own) ?? own!;
      out.push({ conduit: c.id, rule, clientZone });
    }
  return out;
}

/** The virtual patches answering one asset's counted advisories. */
export function patchSuggestions(x: Context, a: Pick<AssessedAsset, 'key' | 'ip' | 'name' | 'matches'>): Countermeasure[] {
  const out: Countermeasure[] = [];
  const counted = a.matches.filter((m) => m.counted);
  const byPatch = new Map<string, { patch: VirtualPatch; matches: ScoredMatch[] }>();
  for (const m of counted)
    for (const patch of patchesFor(m.advisoryId, m.cves.map((c) => c.cve))) {
      const entry = byPatch.get(patch.id) ?? { patch, matches: [] };
      entry.matches.push(m);
      byPatch.set(patch.id, entry);
    }
  for (const { patch, matches } of byPatch.values()) {
    const base = { id: `${patch.id}@${a.key}`, kind: 'virtual_patch' as const, advisories: matches.map((m) => m.advisoryId), cves: cvesOf(matches), assetKey: a.key };
    if (patch.protocol === 'other') {
      const covered = x.policy ? otherPortCovered(patch, x.policy) : { covered: false, why: 'no policy in force: nothing is refused yet' };
      out.push({ ...base, text: `${a.name}: refuse ${patch.what}`, conduits: [], inForce: covered.covered, draftable: false, why: covered.why });
      continue;
    }
    const reaching = rulesTo(x, a.ip).filter((r) => r.rule.protocol === patch.protocol);
    const conduits = [...new Set(reaching.map((r) => r.conduit))];
    const inForce = conduits.length > 0 && conduits.every((id) => x.policy!.conduits.find((c) => c.id === id)!.rules.some((r) => r.action === 'deny' && r.id.startsWith(`${patch.id}-`) && r.server.hosts?.includes(a.ip)));
    const why = !x.policy ? 'no policy in force: derive one first (bulkhead derive)' : !conduits.length ? `no conduit lets ${patch.protocol} reach ${a.ip}: the default deny already refuses it` : inForce ? 'in force' : undefined;
    out.push({ ...base, text: `${a.name}: refuse ${patch.what}${patch.keep ? `; ${patch.keep}` : ''}`, conduits, inForce: inForce || (!!x.policy && !conduits.length), draftable: !!x.policy && conduits.length > 0 && !inForce, ...(why ? { why } : {}) });
  }
  return out;
}

/** Narrow the rules reaching a vulnerable asset to the operation kinds its clients were seen using. */
function narrowSuggestion(x: Context, a: AssessedAsset): Countermeasure | undefined {
  const seen = seenKinds(x.conversations, a.ip);
  const wide = rulesTo(x, a.ip).filter(({ rule }) => narrowed(rule, seen.get(rule.protocol)) !== undefined);
  if (!wide.length) return undefined;
  const counted = a.matches.filter((m) => m.counted);
  return {
    id: `narrow@${a.key}`,
    kind: 'narrow_conduit',
    text: `${a.name}: narrow ${wide.length} rule${wide.length === 1 ? '' : 's'} (${wide.map((w) => w.rule.id).join(', ')}) to the operation kinds their clients were seen using; a vulnerable device gets no write access nobody uses`,
    advisories: counted.map((m) => m.advisoryId),
    cves: cvesOf(counted),
    assetKey: a.key,
    conduits: [...new Set(wide.map((w) => w.conduit))],
    inForce: false,
    draftable: true,
  };
}

/** Kinds seen on the baseline towards the asset, by protocol. */
function seenKinds(conversations: readonly Conversation[], ip: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const c of conversations) {
    if (c.server.ip !== ip) continue;
    const set = out.get(c.protocol) ?? new Set<string>();
    for (const op of Object.values(c.operations)) set.add(op.kind);
    out.set(c.protocol, set);
  }
  return out;
}

/** The rule's allowances cut to the kinds seen; undefined when that changes nothing or leaves nothing. */
function narrowed(rule: Rule, seen: Set<string> | undefined): Rule['allow'] | undefined {
  if (!seen?.size) return undefined;
  if (!rule.allow) return [{ kinds: [...seen].sort() as NonNullable<Rule['allow']>[number]['kinds'] }];
  const kept = rule.allow.filter((al) => !al.kinds || al.kinds.some((k) => seen.has(k) || !WRITE_KINDS.has(k))).map((al) => (al.kinds ? { ...al, kinds: al.kinds.filter((k) => seen.has(k) || !WRITE_KINDS.has(k)) } : al));
  const same = kept.length === rule.allow.length && kept.every((al, i) => (al.kinds?.length ?? -1) === (rule.allow![i]!.kinds?.length ?? -1));
  return same || !kept.length ? undefined : kept;
}

export function suggestCountermeasures(x: Context, assets: readonly AssessedAsset[], zoneNeeds: readonly { zone: string; securityLevel: SecurityLevel; neededSl: SecurityLevel; advisories: string[]; cves: string[]; why: string }[]): Countermeasure[] {
  const out: Countermeasure[] = [];
  for (const a of assets) {
    if (!a.matches.some((m) => m.counted)) continue;
    out.push(...(a.patches ?? patchSuggestions(x, a)));
    const narrow = narrowSuggestion(x, a);
    if (narrow) out.push(narrow);
    const zone = x.evaluator?.zoneOf({ ip: a.ip, port: 0 });
    if (zone && zone.members.length > 1 && a.risk.neededSl > zone.securityLevel) {
      const counted = a.matches.filter((m) => m.counted);
      out.push({ id: `own-zone@${a.key}`, kind: 'own_zone', text: `${a.name}: move it out of ${zone.name} into a zone of its own at SL ${a.risk.neededSl} (${a.risk.neededWhy}), its rules following it`, advisories: counted.map((m) => m.advisoryId), cves: cvesOf(counted), assetKey: a.key, zone: zone.id, conduits: [], securityLevel: a.risk.neededSl, inForce: false, draftable: zone.members.includes(a.ip), ...(zone.members.includes(a.ip) ? {} : { why: `${a.ip} is a member of ${zone.id} through a block, not by its address` }) });
    }
  }
  for (const z of zoneNeeds) {
    if (z.neededSl <= z.securityLevel) continue;
    out.push({ id: `raise-sl@${z.zone}`, kind: 'raise_sl', text: `zone ${z.zone}: raise SL-T from ${z.securityLevel} to ${z.neededSl} (${z.why}); a derivation at that level writes its conduits' rules with exact codes and ranges (bulkhead derive --risk)`, advisories: z.advisories, cves: z.cves, zone: z.zone, conduits: [], securityLevel: z.neededSl, inForce: false, draftable: true });
  }
  return out;
}

/** The policy with one countermeasure made; `cm` comes from `suggestCountermeasures` over the same policy. */
export function applyCountermeasure(x: Required<Pick<Context, 'policy' | 'evaluator'>> & Context, cm: Countermeasure, asset: AssessedAsset | undefined): Policy {
  if (!cm.draftable) throw new CountermeasureError(`countermeasure ${cm.id} cannot be drafted: ${cm.why ?? 'it is in force already'}`);
  const p = structuredClone(x.policy);
  if (cm.kind === 'raise_sl') {
    const zone = p.zones.find((z) => z.id === cm.zone)!;
    const level = cm.securityLevel!;
    zone.securityLevel = level;
    for (const c of p.conduits) if (c.zones.includes(zone.id)) c.securityLevel = Math.max(c.securityLevel ?? 0, level) as SecurityLevel;
    return p;
  }
  if (!asset) throw new CountermeasureError(`countermeasure ${cm.id} names asset ${cm.assetKey}, which the assessment no longer has`);
  if (cm.kind === 'own_zone') {
    const id = `own-${asset.ip.replace(/[^0-9a-f]+/gi, '-')}`;
    return moveToOwnZone(x.policy, x.evaluator, asset.ip, { id, name: `${asset.name} (own zone)`, securityLevel: asset.risk.neededSl, description: `A zone of its own for ${asset.name}, for ${cm.advisories.join(', ')}: it needs SL ${asset.risk.neededSl} (${asset.risk.neededWhy}).` });
  }
  if (cm.kind === 'narrow_conduit') {
    const seen = seenKinds(x.conversations, asset.ip);
    for (const c of p.conduits) for (const r of c.rules) if (cm.conduits.includes(c.id) && r.action !== 'deny' && serverSelects(r, asset.ip, x.evaluator.zoneOf({ ip: asset.ip, port: 0 })?.id)) {
      const allow = narrowed(r, seen.get(r.protocol));
      if (allow) r.allow = allow;
    }
    return p;
  }
  const patchId = cm.id.slice(0, cm.id.indexOf('@'));
  const patch = patchesFor(cm.advisories[0]!, cm.cves).find((v) => v.id === patchId);
  if (!patch) throw new CountermeasureError(`no virtual patch ${patchId} in this version's table`);
  for (const { conduit, clientZone, rule: reaching } of rulesTo(x, asset.ip)) {
    if (reaching.protocol !== patch.protocol || !cm.conduits.includes(conduit)) continue;
    const c = p.conduits.find((k) => k.id === conduit)!;
    const serverZone = x.evaluator.zoneOf({ ip: asset.ip, port: 0 })!.id;
    const rule = patchRule(patch, asset.ip, { client: clientZone, server: serverZone });
    if (rule && !c.rules.some((r) => r.id === rule.id)) c.rules.unshift(rule);
  }
  return p;
}
