// Alerts from the detectors: a list of incidents (severity, type, ATT&CK, count, last seen, what),
// and one alert opened beside it with what the baseline says against what was seen, its evidence,
// and what to do: acknowledge, resolve, learn this, suppress, or cut the source off (island mode);
// below, the suppressions and automatic response in force.

import { api, may } from './api.js';
import { hashParams, type Page } from './page.js';
import type { Alert } from '../../app/schemas.js';
import { fill, h, table, time } from './dom.js';
import { decisions, standingDecisions } from './alert-decisions.js';

const SEVERITY_CLASS: Record<Alert['severity'], string> = { low: 'muted', medium: 'state-warn', high: 'state-bad', critical: 'state-bad' };

export async function alertsPage(p: Page): Promise<void> {
  const status = h('select', { name: 'status' }, ['', 'new', 'acknowledged', 'resolved'].map((s) => h('option', { value: s }, s || 'any status'))) as HTMLSelectElement;
  const severity = h('select', { name: 'severity' }, ['', 'medium', 'high', 'critical'].map((s) => h('option', { value: s }, s ? `${s} or worse` : 'any severity'))) as HTMLSelectElement;
  const list = h('div');
  const detail = h('div', { class: 'card', id: 'alert-detail' }, h('p', { class: 'muted' }, 'Open an alert to see what the baseline says against what was seen.'));
  const load = async (): Promise<void> => {
    const q = new URLSearchParams({ limit: '500', ...(status.value ? { status: status.value } : {}), ...(severity.value ? { minSeverity: severity.value } : {}) });
    const alerts = await api<Alert[]>('GET', `/api/alerts?${q}`);
    fill(
      list,
      table(
        ['severity', 'status', 'type', 'ATT&CK', 'count', 'last seen', 'what'],
        alerts.map((a) => [
          h('span', { class: SEVERITY_CLASS[a.severity] }, a.severity),
          a.status,
          a.type,
          a.attack ? h('span', { title: a.attack.name }, a.attack.id) : '',
          a.count,
          time(a.lastSeen),
          h('a', { href: `#/alerts`, class: 'alert-open', onclick: (e: Event) => (e.preventDefault(), show(a)) }, a.summary),
        ]),
      ),
    );
  };
  /** The list, and the suppressions and automatic response below it. */
  const refresh = async (): Promise<void> => {
    await load();
    document.getElementById('standing')?.replaceWith(await standingDecisions(p.me));
  };
  const act = (a: Alert, verb: 'ack' | 'resolve') => async () => {
    show(await api<Alert>('POST', `/api/alerts/${a.id}/${verb}`, {}));
    await load();
  };
  const show = (a: Alert): void => {
    // The address that did it; an alert about a device's own silence or answers names it as the asset.
    const source = a.source ?? a.asset;
    fill(
      detail,
      h('h2', {}, `Alert ${a.id}: ${a.type}`),
      h('p', {}, h('strong', { class: SEVERITY_CLASS[a.severity] }, a.severity), ` · ${a.status}`, a.attack ? ` · ATT&CK for ICS ${a.attack.id} ${a.attack.name}` : ''),
      h('p', { class: 'summary' }, a.summary),
      table(['', ''], [
        ['the baseline says', h('span', { class: 'baseline' }, a.baseline)],
        ['seen', h('span', { class: 'seen' }, a.seen)],
        ['how often', `${a.count} time(s), first ${time(a.firstSeen)}, last ${time(a.lastSeen)}`],
        ['detector', a.detector],
        ...(a.conversation ? [['conversation', a.conversation]] : []),
      ]),
      h('h2', {}, 'Evidence'),
      table(['frame', 'time', 'flow'], a.evidence.map((e) => [e.frame, time(e.ts), e.flowId])),
      a.evidenceDropped ? h('p', { class: 'muted' }, `${a.evidenceDropped} sightings between the first and the latest are counted, not kept.`) : null,
      h(
        'div',
        { class: 'toolbar' },
        may(p.me, 'operator') && a.status === 'new' ? h('button', { class: 'secondary', onclick: act(a, 'ack') }, 'Acknowledge') : null,
        may(p.me, 'operator') && a.status !== 'resolved' ? h('button', { class: 'secondary', onclick: act(a, 'resolve') }, 'Resolve') : null,
        source && may(p.me, 'engineer')
          ? h('button', {
              class: 'danger',
              onclick: async () => {
                if (!confirm(`Cut ${source} off the plant network now (island mode)?`)) return;
                await api('POST', '/api/isolations', { target: source, reason: `from alert ${a.id}: ${a.summary}`.slice(0, 500) });
                location.hash = '#/';
              },
            }, `Isolate ${source}`)
          : null,
      ),
      decisions(p.me, a, refresh),
    );
  };
  status.addEventListener('change', () => void load());
  severity.addEventListener('change', () => void load());
  p.main.replaceChildren(
    h('h1', {}, 'Alerts'), h('p', { class: 'muted' }, 'What the detectors found in allowed traffic, judged by the learned baseline: one line per incident, repeats counted.'),
    h('div', { class: 'toolbar' }, status, severity),
    h('div', { class: 'split' }, list, detail),
    await standingDecisions(p.me),
  );
  await load();
  // #/alerts?id=N (a timeline's link) opens that alert beside the list.
  const id = hashParams().get('id') ?? '';
  if (/^[1-9]\d*$/.test(id)) show(await api<Alert>('GET', `/api/alerts/${id}`));
}
