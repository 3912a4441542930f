// The fleet, on a central site's console: sites, cells and gateways with their health and why
// at a glance, refreshed every few seconds, and the fleet's latest alerts and events in one
// queue; the fleet's inventory and conversations; with an id, one gateway: its latest records
// and its audit chain verified here.

import { api } from './api.js';
import { fill, h, table, time } from './dom.js';
import { hashParams, type Page } from './page.js';
import type { FleetGatewayDetail, FleetInventory, FleetView, GatewayGlance } from '../../app/fleet-schemas.js';

/** How often the page asks again: gateways send their health every 5 s. */
const REFRESH_MS = 5000;
const STATE_CLASS: Record<GatewayGlance['state'], string> = { ok: 'state-ok', attention: 'state-bad', silent: 'state-warn', 'never heard': 'state-warn' };
const gatewayHref = (id: string) => `#/fleet?gateway=${encodeURIComponent(id)}`;

function heard(g: GatewayGlance): string {
  return g.lastHeardAgo === undefined ? 'never' : `${g.lastHeardAgo} s ago`;
}

function gatewayRow(g: GatewayGlance): (Node | string)[] {
  return [
    h('a', { href: gatewayHref(g.id) }, g.id),
    h('span', { class: STATE_CLASS[g.state], title: g.why }, g.state),
    g.group,
    heard(g),
    g.mode ?? '-',
    g.policy ?? 'none',
    g.engine ?? '-',
    g.overBudget.length ? h('span', { class: 'state-bad' }, g.overBudget.join(', ')) : 'within',
    g.relay ?? 'none',
    g.storagePercent !== undefined ? `${g.storagePercent}%` : '-',
    g.lastPolicyResult ? h('span', { title: g.lastPolicyResult.reason }, `package ${g.lastPolicyResult.version ?? '?'}: ${g.lastPolicyResult.outcome}`) : '-',
    h('span', { class: 'muted' }, g.why),
  ];
}

const GATEWAY_HEADERS = ['gateway', 'state', 'group', 'last heard', 'mode', 'policy', 'engine', 'latency budgets', 'bypass relay', 'storage', 'last policy package', 'why'];

function fleetBody(v: FleetView): (Node | string)[] {
  if (v.gateways === 0) {
    return [h('p', { class: 'muted' }, 'No gateway is enrolled here: this box is not a central site. A central site runs bulkhead central start; gateways join it with bulkhead fleet join and the token bulkhead central enrol prints.')];
  }
  return [
    h('p', {}, h('a', { href: '#/fleet?view=inventory' }, "The fleet's inventory and conversations")),
    h('p', {}, `${v.gateways} gateways: ${v.gateways - v.silent - v.attention} ok, `, h('span', { class: v.attention ? 'state-bad' : '' }, `${v.attention} need attention`), ', ', h('span', { class: v.silent ? 'state-warn' : '' }, `${v.silent} silent or never heard`)),
    ...v.sites.flatMap((s) => [
      h('h2', {}, `Site ${s.site}`),
      ...s.cells.flatMap((c) => [h('h3', {}, `Cell ${c.cell}`), h('div', { class: 'fleet-cell', 'data-cell': c.cell }, table(GATEWAY_HEADERS, c.gateways.map(gatewayRow)))]),
    ]),
    h('h2', {}, 'Latest alerts and events across the fleet'),
    table(['when', 'gateway', 'kind', 'what'], v.queue.slice().reverse().map((q) => [time(q.ts), h('a', { href: gatewayHref(q.gateway) }, q.gateway), q.kind, q.summary])),
  ];
}

async function gatewayPage(p: Page, id: string): Promise<void> {
  const d = await api<FleetGatewayDetail>('GET', `/api/fleet/gateways/${encodeURIComponent(id)}`);
  const g = d.gateway;
  fill(p.main,
    h('p', {}, h('a', { href: '#/fleet' }, '← the fleet')),
    h('h1', {}, `Gateway ${g.id}`),
    h('p', {}, `Site ${d.site}, cell ${d.cell}, rollout group ${g.group}; enrolled by ${d.enrolledBy} ${time(d.enrolledAt)}${d.removedAt ? `; removed ${time(d.removedAt)}: its credentials are refused` : ''}.`),
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('div', { class: 'muted' }, 'State'), h('div', { class: `big ${STATE_CLASS[g.state]}` }, g.state), h('div', { class: 'muted' }, g.why)),
      h('div', { class: 'card' }, h('div', { class: 'muted' }, 'Last heard'), h('div', { class: 'big' }, heard(g)), h('div', { class: 'muted' }, `${g.mode ?? '?'}; ${g.policy ?? 'no policy'}`)),
      h('div', { class: 'card audit-chain' }, h('div', { class: 'muted' }, 'Audit log at the centre'), h('div', { class: `big ${d.audit.ok ? 'state-ok' : 'state-bad'}` }, d.audit.ok ? 'chain intact' : 'BROKEN'), h('div', { class: 'muted' }, d.audit.ok ? `${d.audit.entries} entries, each hash recomputed here` : `at entry ${d.audit.broken!.id}: ${d.audit.broken!.reason}`)),
    ),
    h('h2', {}, 'Latest records it sent'),
    table(['when', 'kind', 'its id', 'what', 'arrived'], d.records.slice().reverse().map((r) => [time(r.ts), r.kind, r.localId, r.summary, time(r.received)])),
  );
}

async function inventoryPage(p: Page): Promise<void> {
  const inv = await api<FleetInventory>('GET', '/api/fleet/inventory');
  fill(p.main,
    h('p', {}, h('a', { href: '#/fleet' }, '← the fleet')),
    h('h1', {}, "The fleet's inventory"),
    h('p', { class: 'muted' }, `What each gateway learned, as it sent it up: ${inv.totals.assets} assets and ${inv.totals.conversations} conversations across the fleet.${inv.truncated ? ` The first ${inv.limit} of each are shown (by gateway); the rest are in the centre's store.` : ''}`),
    h('h2', {}, 'Assets'),
    h('div', { class: 'fleet-assets' }, table(['gateway', 'address', 'identity', 'roles', 'protocols', 'MAC', 'first seen'], inv.assets.map((a) => [h('a', { href: gatewayHref(a.gateway) }, a.gateway), a.ip, a.identity || '-', a.roles.join(', '), a.protocols.join(', '), a.macs.join(', '), time(a.firstSeen)]))),
    h('h2', {}, 'Conversations'),
    h('div', { class: 'fleet-conversations' }, table(['gateway', 'protocol', 'client', 'server', 'port', 'first seen'], inv.conversations.map((c) => [h('a', { href: gatewayHref(c.gateway) }, c.gateway), c.protocol, c.client, c.server, String(c.port), time(c.firstSeen)]))),
  );
}

export async function fleetPage(p: Page): Promise<void> {
  const params = hashParams();
  const id = params.get('gateway');
  if (id) return gatewayPage(p, id);
  if (params.get('view') === 'inventory') return inventoryPage(p);
  const render = async () => {
    const v = await api<FleetView>('GET', '/api/fleet');
    fill(p.main, h('h1', {}, 'Fleet'), ...fleetBody(v));
  };
  await render();
  const t = setInterval(() => void render().catch((err: Error) => fill(p.main, h('h1', {}, 'Fleet'), h('p', { class: 'error' }, `the fleet could not be refreshed: ${err.message}`))), REFRESH_MS);
  p.cleanup.push(() => clearInterval(t));
}
