// Semantic difference between two policies: zones, conduits and rules matched by id, and what
// changed in each, in words a reviewer reads before approving.

import { idList } from './adapt.js';
import type { HostSelector, Policy, Rule } from './model.js';
import { describeRule } from './words.js';

export interface PolicyDiff {
  changes: string[];
}

function selector(s: HostSelector): string {
  if (s.broadcast) return 'broadcast';
  return [s.zone ? `zone ${s.zone}` : '', s.hosts ? s.hosts.join(',') : ''].filter(Boolean).join(' ');
}

/** What a proposal recorded of why a rule was added or widened: the refused requests it lets through now. */
function why(r: Rule, before?: Rule): string {
  const e = r.evidence;
  const fresh = (now: number[] | undefined, then: number[] | undefined) => (now ?? []).filter((id) => !(then ?? []).includes(id));
  const events = fresh(e?.events, before?.evidence?.events);
  const alerts = fresh(e?.alerts, before?.evidence?.alerts);
  if (!events.length && !alerts.length) return '';
  const seen = (e?.transactions ?? 0) - (before?.evidence?.transactions ?? 0);
  return ` (for ${seen} refused request${seen === 1 ? '' : 's'}: ${[events.length ? `would-deny events ${idList(events)}` : '', alerts.length ? `alert${alerts.length === 1 ? '' : 's'} ${idList(alerts)}` : ''].filter(Boolean).join('; ')})`;
}

function byId<T extends { id: string }>(xs: T[]): Map<string, T> {
  return new Map(xs.map((x) => [x.id, x]));
}

function setDiff(what: string, before: string[], after: string[]): string[] {
  const a = new Set(before);
  const b = new Set(after);
  const added = after.filter((x) => !a.has(x));
  const removed = before.filter((x) => !b.has(x));
  const out: string[] = [];
  if (added.length) out.push(`${what} added: ${added.join(', ')}`);
  if (removed.length) out.push(`${what} removed: ${removed.join(', ')}`);
  return out;
}

export function diffPolicies(from: Policy, to: Policy): PolicyDiff {
  const changes: string[] = [];
  if (from.defaultAction !== to.defaultAction) changes.push(`default action: ${from.defaultAction} -> ${to.defaultAction}`);
  const zf = byId(from.zones);
  const zt = byId(to.zones);
  for (const [id, z] of zt) {
    const o = zf.get(id);
    if (!o) {
      changes.push(`zone ${id} added (SL-T ${z.securityLevel}, ${z.members.length} members)`);
      continue;
    }
    if (o.securityLevel !== z.securityLevel) changes.push(`zone ${id}: SL-T ${o.securityLevel} -> ${z.securityLevel}`);
    if (o.name !== z.name) changes.push(`zone ${id}: renamed '${o.name}' -> '${z.name}'`);
    if ((o.failMode ?? 'open') !== (z.failMode ?? 'open')) changes.push(`zone ${id}: fail mode ${o.failMode ?? 'open'} -> ${z.failMode ?? 'open'}`);
    if (o.purdueLevel !== z.purdueLevel) changes.push(`zone ${id}: Purdue level ${o.purdueLevel ?? '-'} -> ${z.purdueLevel ?? '-'}`);
    changes.push(...setDiff(`zone ${id}: members`, o.members, z.members));
  }
  for (const id of zf.keys()) if (!zt.has(id)) changes.push(`zone ${id} removed`);

  const cf = byId(from.conduits);
  const ct = byId(to.conduits);
  const rf = byId(from.conduits.flatMap((c) => c.rules));
  const rt = byId(to.conduits.flatMap((c) => c.rules));
  for (const [id, c] of ct) {
    const o = cf.get(id);
    if (!o) changes.push(`conduit ${id} added (${c.zones.join(' - ')}, ${c.rules.length} rules)`);
    else {
      if ((o.failMode ?? 'open') !== (c.failMode ?? 'open')) changes.push(`conduit ${id}: fail mode ${o.failMode ?? 'open'} -> ${c.failMode ?? 'open'}`);
      if (o.securityLevel !== c.securityLevel) changes.push(`conduit ${id}: SL-T ${o.securityLevel ?? '-'} -> ${c.securityLevel ?? '-'}`);
      if (o.latencyBudgetMs !== c.latencyBudgetMs) changes.push(`conduit ${id}: latency budget ${o.latencyBudgetMs ?? '-'} -> ${c.latencyBudgetMs ?? '-'} ms`);
    }
  }
  for (const id of cf.keys()) if (!ct.has(id)) changes.push(`conduit ${id} removed`);
  for (const [id, r] of rt) {
    const o = rf.get(id);
    if (!o) {
      changes.push(`rule ${id} added: ${r.action ?? 'allow'} ${r.protocol} ${selector(r.client)} -> ${selector(r.server)}${r.port ? `:${r.port}` : ''}: ${describeRule(r)}${why(r)}`);
      continue;
    }
    if ((o.action ?? 'allow') !== (r.action ?? 'allow')) changes.push(`rule ${id}: ${o.action ?? 'allow'} -> ${r.action ?? 'allow'}`);
    if (selector(o.client) !== selector(r.client)) changes.push(`rule ${id}: clients ${selector(o.client)} -> ${selector(r.client)}`);
    if (selector(o.server) !== selector(r.server)) changes.push(`rule ${id}: servers ${selector(o.server)} -> ${selector(r.server)}`);
    if (o.port !== r.port) changes.push(`rule ${id}: port ${o.port ?? 'any'} -> ${r.port ?? 'any'}`);
    // Compared as written, not as worded: the words name the first few codes and nodes only.
    if (JSON.stringify(o.allow ?? null) !== JSON.stringify(r.allow ?? null)) changes.push(`rule ${id}: allows ${describeRule(o)} -> ${describeRule(r)}${why(r, o)}`);
    if (o.ratePerSecond !== r.ratePerSecond) changes.push(`rule ${id}: rate ${o.ratePerSecond ?? 'unlimited'} -> ${r.ratePerSecond ?? 'unlimited'}/s`);
  }
  for (const id of rf.keys()) if (!rt.has(id)) changes.push(`rule ${id} removed`);
  return { changes };
}
