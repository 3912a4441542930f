// The fleet as the central site shows it: sites, their cells, each cell's gateways with their
// health at a glance (last heard, mode, policy, engine, latency budgets, storage, the last policy
// result), and one queue of the fleet's open alerts and latest events.

import type { GatewayStatus } from './status.js';
import { FleetStore, type FleetGateway } from '../store/fleet-store.js';
import type { Db } from '../store/database.js';

/** A gateway not heard from for this long is shown as silent. */
export const SILENT_SECONDS = 30;

export interface GatewayGlance {
  id: string;
  group: string;
  /** Seconds since the gateway was last heard from; absent: never. */
  lastHeardAgo?: number;
  state: 'never heard' | 'silent' | 'ok' | 'attention';
  mode?: string;
  policy?: string;
  engine?: 'running' | 'down';
  /** Conduits whose verdict latency is over their budget, by name. */
  overBudget: string[];
  storagePercent?: number;
  lastPolicyResult?: { outcome: string; version?: number; reason: string };
  events: number;
  alerts: number;
}

export interface FleetView {
  sites: { site: string; cells: { cell: string; gateways: GatewayGlance[] }[] }[];
  gateways: number;
  silent: number;
  /** The fleet's newest alerts and events, newest last, each with its gateway. */
  queue: { gateway: string; kind: string; ts: number; summary: string }[];
}

function glance(g: FleetGateway, counts: Map<string, number>, now: number): GatewayGlance {
  const h = g.health as Partial<GatewayStatus> | undefined;
  const overBudget = (h?.engine?.health?.conduits ?? []).filter((c) => c.latencyBudgetMs !== undefined && c.p99Us !== undefined && c.p99Us > c.latencyBudgetMs * 1000).map((c) => c.name);
  const ago = g.lastHeard !== undefined ? Math.max(0, Math.round(now - g.lastHeard)) : undefined;
  const engine = h?.engine ? (h.engine.running ? 'running' : 'down') : undefined;
  const storagePercent = h?.supervisor?.storage?.usedPercent;
  const attention = engine === 'down' || overBudget.length > 0 || h?.audit?.ok === false || (g.policy && ['refused', 'rolled-back'].includes(String(g.policy.outcome)));
  return {
    id: g.id,
    group: g.group,
    ...(ago !== undefined ? { lastHeardAgo: ago } : {}),
    state: ago === undefined ? 'never heard' : ago > SILENT_SECONDS ? 'silent' : attention ? 'attention' : 'ok',
    ...(h?.mode ? { mode: h.mode.mode } : {}),
    ...(h?.policy ? { policy: `version ${h.policy.version} (${h.policy.name})` } : {}),
    ...(engine ? { engine } : {}),
    overBudget,
    ...(storagePercent !== undefined ? { storagePercent } : {}),
    ...(g.policy ? { lastPolicyResult: g.policy as NonNullable<GatewayGlance['lastPolicyResult']> } : {}),
    events: counts.get(`${g.id}\0event`) ?? 0,
    alerts: counts.get(`${g.id}\0alert`) ?? 0,
  };
}

export function fleetView(db: Db, now = Date.now() / 1000, queueLength = 50): FleetView {
  const fleet = new FleetStore(db);
  const counts = new Map(fleet.counts().map((c) => [`${c.gateway}\0${c.kind}`, c.count]));
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
    .map((r) => ({ gateway: r.gateway, kind: r.kind, ts: r.ts, summary: String(r.data.summary ?? r.data.reason ?? r.data.kind ?? '') }));
  return {
    sites: [...sites].map(([site, cells]) => ({ site, cells: [...cells].map(([cell, gateways]) => ({ cell, gateways })) })),
    gateways: all.length,
    silent: glances.filter((g) => g.state === 'silent' || g.state === 'never heard').length,
    queue,
  };
}
