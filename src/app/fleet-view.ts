// The fleet as the central site shows it: sites, their cells, each cell's gateways with their
// health at a glance (last heard, mode, policy, engine, latency budgets, bypass relay, storage,
// the last policy result) and why it is in the state it is, one queue of the fleet's alerts and
// latest events, and one gateway's records with its audit chain as the centre holds it.

import { BulkheadError } from '../errors.js';
import type { GatewayStatus } from './status.js';
import { FleetStore, type FleetGateway, type FleetRecord } from '../store/fleet-store.js';
import type { Db } from '../store/database.js';
import type { FleetGatewayDetail, FleetInventory, FleetView, GatewayGlance } from './fleet-schemas.js';

export type { FleetGatewayDetail, FleetInventory, FleetView, GatewayGlance } from './fleet-schemas.js';

/** A gateway not heard from for this long is shown as silent (it sends its health every 5 s). */
export const SILENT_SECONDS = 30;
/** Records shown on one gateway's page. */
const GATEWAY_RECORDS = 100;
/** Assets and conversations the fleet's inventory view holds, of each. */
export const INVENTORY_LIMIT = 2000;

/** A record in a line: what the gateway's own console would say of it. */
function summary(r: Pick<FleetRecord, 'kind' | 'data'>): string {
  const d = r.data;
  if (r.kind === 'audit') return `${String(d.actor ?? '?')}: ${String(d.action ?? '?')} ${String(d.target ?? '')}`.trim();
  if (r.kind === 'policy-result') return `policy package ${String(d.version ?? '?')} ${String(d.outcome ?? '?')}: ${String(d.reason ?? '')}`;
  if (r.kind === 'alert') return `${String(d.severity ?? '?')} ${String(d.type ?? 'alert')} (${String(d.status ?? '?')}): ${String(d.summary ?? '')}`;
  // An event: deny, would-deny or the gateway's own alert, with its reason.
  return `${String(d.kind ?? 'event')}: ${String(d.reason ?? d.message ?? '')}`;
}

/** Why a heard gateway needs attention, in words; empty when it does not. */
function troubles(h: Partial<GatewayStatus> | undefined, overBudget: string[], policy: Record<string, unknown> | undefined): string[] {
  const t: string[] = [];
  if (h?.engine && !h.engine.running) t.push('its engine is not running: nothing is inspected');
  if (h?.supervisor?.bypass?.engaged) t.push('its bypass relay is engaged: traffic passes uninspected');
  if (overBudget.length) t.push(`over latency budget on ${overBudget.join(', ')}`);
  if (h?.audit?.ok === false) t.push('its audit chain is broken');
  if (policy && ['refused', 'rolled-back'].includes(String(policy.outcome))) t.push(`its last policy package was ${String(policy.outcome)}: ${String(policy.reason ?? '')}`);
  const storage = h?.supervisor?.storage;
  if (storage && storage.usedPercent >= storage.warnPercent) t.push(`its data storage is ${storage.usedPercent}% full`);
  return t;
}

function glance(g: FleetGateway, counts: Map<string, number>, now: number): GatewayGlance {
  const h = g.health as Partial<GatewayStatus> | undefined;
  const overBudget = (h?.engine?.health?.conduits ?? []).filter((c) => c.latencyBudgetMs !== undefined && c.p99Us !== undefined && c.p99Us > c.latencyBudgetMs * 1000).map((c) => c.name);
  const ago = g.lastHeard !== undefined ? Math.max(0, Math.round(now - g.lastHeard)) : undefined;
  const engine = h?.engine ? (h.engine.running ? 'running' : 'down') : undefined;
  const bypass = h?.supervisor?.bypass;
  const storagePercent = h?.supervisor?.storage?.usedPercent;
  const trouble = troubles(h, overBudget, g.policy);
  const state = ago === undefined ? 'never heard' : ago > SILENT_SECONDS ? 'silent' : trouble.length ? 'attention' : 'ok';
  const why =
    state === 'never heard' ? 'enrolled, never heard from: has it joined (bulkhead fleet join) and is its link running?'
    : state === 'silent' ? `not heard from for ${ago} s: its link or the way to the centre is down (it keeps enforcing and buffers what it sends)`
    : trouble.length ? trouble.join('; ')
    : 'heard from, engine running, within its budgets';
  return {
    id: g.id,
    group: g.group,
    ...(ago !== undefined ? { lastHeardAgo: ago } : {}),
    state,
    why,
    ...(h?.mode ? { mode: h.mode.mode } : {}),
    ...(h?.policy ? { policy: `version ${h.policy.version} (${h.policy.name})` } : {}),
    ...(engine ? { engine } : {}),
    overBudget,
    ...(bypass ? { relay: bypass.engaged ? ('engaged' as const) : ('released' as const) } : {}),
    ...(storagePercent !== undefined ? { storagePercent } : {}),
    ...(g.policy ? { lastPolicyResult: g.policy as NonNullable<GatewayGlance['lastPolicyResult']> } : {}),
    events: counts.get(`${g.id}\0event`) ?? 0,
    alerts: counts.get(`${g.id}\0alert`) ?? 0,
    audit: counts.get(`${g.id}\0audit`) ?? 0,
  };
}

const countsOf = (fleet: FleetStore) => new Map(fleet.counts().map((c) => [`${c.gateway}\0${c.kind}`, c.count]));

export function fleetView(db: Db, now = Date.now() / 1000, queueLength = 50): FleetView {
  const fleet = new FleetStore(db);
  const counts = countsOf(fleet);
  const sites = new Map<string, Map<string, GatewayGlance[]>>();
  const all = fleet.list();
  for (const g of all) {
    const cells = sites.get(g.site) ?? sites.set(g.site, new Map()).get(g.site)!;
    (cells.get(g.cell) ?? cells.set(g.cell, []).get(g.cell)!).push(glance(g, counts, now));
  }
  const glances = [...sites.values()].flatMap((c) => [...c.values()].flat());
  const queue = [...fleet.records({ kind: 'alert', limit: queueLength }), ...fleet.records({ kind: 'event', limit: queueLength })]
    .sort((a, b) => a.ts - b.ts)
    .slice(-queueLength)
    .map((r) => ({ gateway: r.gateway, kind: r.kind, ts: r.ts, summary: summary(r) }));
  return {
    sites: [...sites].map(([site, cells]) => ({ site, cells: [...cells].map(([cell, gateways]) => ({ cell, gateways })) })),
    gateways: all.length,
    silent: glances.filter((g) => g.state === 'silent' || g.state === 'never heard').length,
    attention: glances.filter((g) => g.state === 'attention').length,
    queue,
  };
}

/** One gateway as the centre knows it: its glance, where it is, its latest records and its audit chain verified. */
export function fleetGateway(db: Db, id: string, now = Date.now() / 1000): FleetGatewayDetail {
  const fleet = new FleetStore(db);
  const g = fleet.get(id);
  if (!g) throw new BulkheadError('BH_NOT_FOUND', `no gateway ${id} is enrolled at this central site`);
  // Its own doings; its health is the glance, its discoveries the fleet's inventory.
  const records = (['audit', 'event', 'alert', 'policy-result'] as const)
    .flatMap((kind) => fleet.records({ gateway: id, kind, limit: GATEWAY_RECORDS }))
    .sort((a, b) => a.received - b.received || a.ts - b.ts)
    .slice(-GATEWAY_RECORDS)
    .map((r) => ({ kind: r.kind, localId: r.localId, ts: r.ts, received: r.received, summary: summary(r), data: r.data }));
  return {
    gateway: glance(g, countsOf(fleet), now),
    site: g.site,
    cell: g.cell,
    enrolledAt: g.enrolledAt,
    enrolledBy: g.enrolledBy,
    ...(g.removedAt !== undefined ? { removedAt: g.removedAt } : {}),
    audit: fleet.verifyAudit(id),
    records,
  };
}

/** The fleet's inventory and conversations: each new asset and conversation a gateway learned, with what it is, by gateway. */
export function fleetInventory(db: Db, limit = INVENTORY_LIMIT): FleetInventory {
  const fleet = new FleetStore(db);
  const assets = fleet.discovered('asset', limit);
  const conversations = fleet.discovered('conversation', limit);
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const strs = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    assets: assets.items.flatMap(({ gateway, ts, data }) => {
      const a = data.asset as Record<string, unknown> | undefined;
      return a ? [{ gateway, ip: str(a.ip), identity: str(a.identity), roles: strs(a.roles), protocols: strs(a.protocols), macs: strs(a.macs), firstSeen: ts }] : [];
    }),
    conversations: conversations.items.flatMap(({ gateway, ts, data }) => {
      const c = data.conversation as Record<string, unknown> | undefined;
      return c ? [{ gateway, protocol: str(c.protocol), client: str(c.client), server: str(c.server), port: Number(c.port) || 0, firstSeen: ts }] : [];
    }),
    totals: { assets: assets.total, conversations: conversations.total },
    truncated: assets.total > limit || conversations.total > limit,
    limit,
  };
}
