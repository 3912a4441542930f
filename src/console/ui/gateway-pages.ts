// Dashboard, events, audit log and users.

import { api, may, type Me } from './api.js';
import type { Page } from './page.js';
import type { ConsoleStatus, GatewayEvent, GuidedPath } from '../../app/schemas.js';
import { guidedPathView } from './guided-path.js';
import type { Assert, GatewayMode } from '../../store/records.js';
import { fill, h, table, time } from './dom.js';

type Status = ConsoleStatus;

/** The modes the dashboard offers: every one the gateway has (the type says so; a missing one fails the build). */
const MODES = ['learn', 'enforce', 'bypass'] as const satisfies readonly GatewayMode[];
export type AllModesOffered = Assert<[GatewayMode] extends [(typeof MODES)[number]] ? true : false>;

/** The plain word on what this box can do now, shown on every page load of the dashboard. */
function banner(st: Status): void {
  const b = document.getElementById('banner')!;
  if (st.engine.running) {
    b.hidden = true;
    return;
  }
  b.hidden = false;
  b.textContent = st.root
    ? 'No gateway engine is running: nothing is enforced. Policies you approve and apply are recorded and take effect when the gateway runs (bulkhead start --bridge BR). Until then Bulkhead learns and reviews only (monitor mode).'
    : 'This console runs without root and no gateway engine is running: nothing is enforced here. Enforcement needs root and a bridge (bulkhead start --bridge BR). You can learn, review, simulate, approve and apply; the gateway picks applied policies up when it runs.';
}

function card(title: string, value: string | Node, detail?: string | Node, cls?: string): HTMLElement {
  return h('div', { class: 'card' }, h('div', { class: 'muted' }, title), h('div', { class: `big ${cls ?? ''}` }, value), detail ? h('div', { class: 'muted' }, detail) : null);
}

/** The data filesystem against its warning level (SR 2.9), as the running gateway last measured it. */
function storageCard(st: NonNullable<Status['supervisor']>['storage']): HTMLElement {
  if (!st) return card('Data storage', 'not measured', 'the gateway measures it while it runs');
  const over = st.usedPercent >= st.warnPercent;
  return card('Data storage', `${st.usedPercent}% full`, `${Math.round(st.freeBytes / 1048576)} MiB free in ${st.path}; ${over ? 'over' : 'warning at'} ${st.warnPercent}%${over ? ': back up and free space' : ''}`, over ? 'state-bad' : 'state-ok');
}

export async function dashboardPage(p: Page): Promise<void> {
  const [st, learning, events, guide] = await Promise.all([
    api<Status>('GET', '/api/status'),
    api<{ totals: { assets: number; conversations: number }; converged: boolean; quietHours: number; perHour: { hour: number; assets: number; conversations: number; operations: number; targets: number }[]; convergesAt?: number }>('GET', '/api/learning'),
    api<GatewayEvent[]>('GET', '/api/events?limit=10'),
    api<GuidedPath>('GET', '/api/guide'),
  ]);
  banner(st);
  const countdown = h('span', { class: 'countdown' });
  if (st.pending) {
    const deadline = st.pending.deadline;
    const tick = () => (countdown.textContent = `${Math.max(0, Math.round(deadline - Date.now() / 1000))} s`);
    tick();
    const t = setInterval(tick, 1000);
    p.cleanup.push(() => clearInterval(t));
  }
  const bars = (learning.perHour ?? []).slice(-48).map((b) => ({ hour: b.hour, discoveries: b.assets + b.conversations + b.operations + b.targets }));
  const max = Math.max(1, ...bars.map((b) => b.discoveries));
  const health = st.engine.health;
  fill(p.main,
    h('h1', {}, 'Dashboard'),
    guidedPathView(guide),
    h(
      'div',
      { class: 'cards' },
      card('Mode', st.mode.mode, `${st.mode.by ? `set by ${st.mode.by} ${time(st.mode.since)}` : 'the default'}${st.engine.running ? '' : '; no engine runs it here'}`, st.engine.running && st.mode.mode === 'enforce' ? 'state-ok' : 'state-warn'),
      card('Active policy', st.policy ? `version ${st.policy.version}` : 'none', st.policy?.name),
      card('Pending confirmation', st.pending ? h('span', {}, `version ${st.pending.version}: `, countdown) : 'none', st.pending ? `applied by ${st.pending.by}; confirm on the Policy page or it rolls back` : undefined),
      card('Engine', st.engine.running ? 'running' : 'not running', health ? `${health.inspected} inspected, ${health.denied} denied` : st.root ? 'start it with bulkhead start --bridge BR' : 'needs root and a bridge', st.engine.running ? 'state-ok' : 'state-bad'),
      card('Bypass relay', st.supervisor?.bypass ? (st.supervisor.bypass.engaged ? 'ENGAGED' : 'released') : 'none', st.supervisor?.bypass?.driver, st.supervisor?.bypass?.engaged ? 'state-bad' : undefined),
      storageCard(st.supervisor?.storage),
      card('Isolated', String(st.isolations.length), st.isolations.map((i) => i.target).join(', ') || 'nothing cut off'),
      card('Audit log', st.audit.ok ? 'chain intact' : 'BROKEN', st.audit.ok ? `${st.audit.entries} entries` : `at entry ${st.audit.broken!.id}: ${st.audit.broken!.reason}`, st.audit.ok ? 'state-ok' : 'state-bad'),
      card('Gateway alerts', String(st.unacknowledgedAlerts), st.unacknowledgedAlerts ? 'not acknowledged: see Events' : 'all acknowledged', st.unacknowledgedAlerts ? 'state-bad' : 'state-ok'),
      detectionsCard(st.openAlerts),
      card('Learning', learning.converged ? 'converged' : 'learning', `${learning.totals.assets} assets, ${learning.totals.conversations} conversations`),
    ),
    may(p.me, 'engineer')
      ? h(
          'div',
          { class: 'toolbar' },
          'Switch mode:',
          ...MODES.map((m) =>
            h('button', {
              class: m === st.mode.mode ? undefined : 'secondary',
              disabled: m === st.mode.mode,
              title: { learn: 'monitor only: nothing is dropped, would-be denials are reported', enforce: 'deny what the active policy does not allow', bypass: 'no rules at all: a plain wire' }[m],
              onclick: async () => {
                if (m !== 'learn' && !confirm(`Switch the gateway to ${m}?`)) return;
                await api('POST', '/api/mode', { mode: m });
                await dashboardPage(p);
              },
            }, m === 'learn' ? 'learn (monitor)' : m),
          ),
        )
      : null,
    h('h2', {}, 'New behaviour per hour (last 48 hours of traffic)'),
    bars.length ? h('div', { class: 'bars', title: 'discoveries per hour' }, bars.map((b) => h('div', { style: `height:${Math.round((b.discoveries / max) * 100)}%`, title: `${time(b.hour)}: ${b.discoveries}` }))) : h('p', { class: 'muted' }, 'nothing learned yet'),
    health?.conduits.length
      ? [h('h2', {}, 'Latency budgets'), table(['conduit', 'fail mode', 'inspection', 'p50', 'p99', 'budget'], health.conduits.map((c) => [c.name, c.failMode, c.inspection, c.p50Us !== undefined ? `${c.p50Us.toFixed(0)} µs` : '-', c.p99Us !== undefined ? `${c.p99Us.toFixed(0)} µs` : '-', c.latencyBudgetMs !== undefined ? `${c.latencyBudgetMs} ms` : '-']))]
      : null,
    h('h2', {}, 'Recent events'),
    eventTable(events.reverse(), p.me),
  );
}

/** What the detectors found that nobody has looked at yet, worst first. */
function detectionsCard(open: Status['openAlerts']): HTMLElement {
  const total = open.low + open.medium + open.high + open.critical;
  const worst = open.critical ? 'critical' : open.high ? 'high' : open.medium ? 'medium' : open.low ? 'low' : undefined;
  return card('Detections', h('a', { href: '#/alerts' }, String(total)), total ? `new: ${open.critical} critical, ${open.high} high, ${open.medium} medium, ${open.low} low` : 'nothing new in allowed traffic', worst === 'critical' || worst === 'high' ? 'state-bad' : worst ? 'state-warn' : 'state-ok');
}

function eventTable(events: GatewayEvent[], me: Me, refresh?: () => void): HTMLElement {
  return table(
    ['time', 'kind', 'why', 'from', 'to', 'reason', 'acknowledged', ''],
    events.map((e) => [
      time(e.ts),
      e.kind,
      e.data.reasonCode ?? '',
      e.data.client ?? e.data.source ?? '',
      e.data.server ?? '',
      e.data.reason ?? e.data.message ?? '',
      e.ackedBy
        ? `by ${e.ackedBy}`
        : may(me, 'operator')
          ? h('button', {
              class: 'secondary',
              onclick: async () => {
                await api('POST', `/api/events/${e.id}/ack`);
                e.ackedBy = me.name;
                refresh?.();
              },
            }, 'Acknowledge')
          : '',
      e.data.client && may(me, 'engineer')
        ? h('button', {
            class: 'danger',
            onclick: async () => {
              if (!confirm(`Cut ${e.data.client} off the plant network now (island mode)?`)) return;
              await api('POST', '/api/isolations', { target: e.data.client, reason: `from event ${e.id}: ${e.data.reason ?? ''}`.slice(0, 500) });
              location.hash = '#/';
            },
          }, 'Isolate')
        : '',
    ]),
  );
}

export async function eventsPage(p: Page): Promise<void> {
  const events = await api<GatewayEvent[]>('GET', '/api/events?limit=200');
  const holder = h('div');
  const render = (): void => void holder.replaceChildren(eventTable([...events].reverse(), p.me, render));
  render();
  const live = h('span', { class: 'muted' }, 'live: connecting…');
  p.main.replaceChildren(h('h1', {}, 'Events'), h('p', { class: 'muted' }, 'Every denial, would-be denial (learn mode) and alert, with its reason. Newest first.'), live, holder);
  const source = new EventSource(`/api/events/stream?after=${events.at(-1)?.id ?? 0}`);
  source.onopen = () => (live.textContent = 'live: following new events');
  source.onerror = () => (live.textContent = 'live: reconnecting…');
  source.onmessage = (m) => {
    events.push(JSON.parse(m.data as string) as GatewayEvent);
    if (events.length > 500) events.shift();
    render();
  };
  p.cleanup.push(() => source.close());
}

export async function auditPage(p: Page): Promise<void> {
  const [entries, v] = await Promise.all([api<{ id: number; ts: number; actor: string; action: string; target: string; detail: Record<string, unknown> }[]>('GET', '/api/audit?limit=500'), api<{ entries: number; ok: boolean; broken?: { id: number; reason: string } }>('GET', '/api/audit/verify')]);
  p.main.replaceChildren(
    h('h1', {}, 'Audit log'),
    h('p', { class: v.ok ? 'state-ok' : 'state-bad' }, v.ok ? `Hash chain verified: ${v.entries} entries, none edited, removed or inserted.` : `The chain is BROKEN at entry ${v.broken!.id}: ${v.broken!.reason}`),
    h('div', { class: 'toolbar' }, 'Export for a SIEM:', h('a', { href: '/api/audit?format=syslog&limit=10000' }, 'RFC 5424 syslog'), h('a', { href: '/api/audit?format=cef&limit=10000' }, 'CEF'), h('a', { href: '/api/audit?limit=10000' }, 'JSON')),
    table(['#', 'time', 'who', 'action', 'target', 'detail'], [...entries].reverse().map((e) => [e.id, time(e.ts), e.actor, e.action, e.target, Object.keys(e.detail).length ? JSON.stringify(e.detail) : ''])),
  );
}

export async function usersPage(p: Page): Promise<void> {
  const users = await api<{ name: string; role: string; createdAt: number; createdBy: string; lockedUntil?: number }[]>('GET', '/api/users');
  const roles = ['viewer', 'operator', 'engineer', 'admin'];
  const error = h('div', { class: 'error', role: 'alert' });
  const name = h('input', { name: 'new-name', placeholder: 'user name' }) as HTMLInputElement;
  const password = h('input', { name: 'new-password', type: 'password', placeholder: 'initial password', autocomplete: 'new-password' }) as HTMLInputElement;
  const role = h('select', { name: 'new-role' }, roles.map((r) => h('option', {}, r))) as HTMLSelectElement;
  const act = (f: () => Promise<unknown>) => () => f().then(() => usersPage(p), (e: Error) => (error.textContent = e.message));
  p.main.replaceChildren(
    h('h1', {}, 'Users'),
    h('p', { class: 'muted' }, 'Viewers see; operators also run simulations; engineers edit, approve and apply policies, switch modes and isolate; administrators manage accounts.'),
    table(
      ['name', 'role', 'created', 'state', ''],
      users.map((u) => [
        u.name,
        h('select', { onchange: (e: Event) => act(() => api('PATCH', `/api/users/${encodeURIComponent(u.name)}`, { role: (e.target as HTMLSelectElement).value }))() }, roles.map((r) => h('option', { selected: r === u.role }, r))),
        `${time(u.createdAt)} by ${u.createdBy}`,
        u.lockedUntil ? `locked until ${time(u.lockedUntil)}` : 'active',
        u.name === p.me.name ? '' : h('button', { class: 'danger', onclick: act(() => api('DELETE', `/api/users/${encodeURIComponent(u.name)}`)) }, 'Delete'),
      ]),
    ),
    h('h2', {}, 'New account'),
    h('div', { class: 'toolbar' }, name, password, role, h('button', { onclick: act(() => api('POST', '/api/users', { name: name.value.trim(), password: password.value, role: role.value })) }, 'Create')),
    error,
  );
}

/** The compliance report (IEC 62443-3-2/3-3, NIST SP 800-82) with this deployment's evidence, printable. */
export async function reportPage(p: Page): Promise<void> {
  const src = '/api/report/compliance?format=html';
  const frame = h('iframe', { src, title: 'compliance report', style: 'width:100%;height:75vh;border:1px solid var(--line);background:#fff' }) as HTMLIFrameElement;
  p.main.replaceChildren(
    h('h1', {}, 'Compliance'),
    h('div', { class: 'toolbar' }, h('button', { class: 'secondary', onclick: () => frame.contentWindow?.print() }, 'Print'), h('a', { href: src, target: '_blank' }, 'Open on its own')),
    frame,
  );
}
