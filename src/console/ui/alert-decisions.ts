// What engineers decide about an alert, beside it: "learn this" (its request proposed into a
// draft policy change, which opens for review), suppress (the incident, its type on its asset, or
// its type, for some days), and where alerts isolate their source automatically.

import { api, may } from './api.js';
import type { Me } from './api.js';
import type { Alert, Proposal, ResponseRule, Suppression } from '../../app/schemas.js';
import { fill, h, table, time } from './dom.js';

type Learned = { alert: Alert; proposal: Proposal };

/** "Learn this" and "Suppress" for one alert; `done` reloads the list. */
export function decisions(me: Me | undefined, a: Alert, done: () => Promise<void>): HTMLElement | null {
  if (!may(me, 'engineer')) return null;
  const out = h('div', { class: 'decision' });
  const problem = (e: Error) => fill(out, h('p', { role: 'alert', class: 'state-bad' }, e.message));
  const learn = async () => {
    if (!confirm('This is expected: propose it into a draft policy change (reviewed and approved before anything is allowed), and resolve the alert?')) return;
    try {
      const r = await api<Learned>('POST', `/api/alerts/${a.id}/learn`, {});
      const p = r.proposal;
      fill(
        out,
        h('p', { class: 'learned' }, p.version !== undefined ? h('a', { href: `#/policy?v=${p.version}` }, `Proposed in draft policy version ${p.version}`) : 'Nothing proposed', p.version !== undefined ? ': review its changes, simulate, approve.' : '.'),
        ...p.additions.filter((x) => x.observation.evidence.alert === a.id).map((x) => h('p', {}, x.text)),
        ...p.refused.filter((x) => x.observation.evidence.alert === a.id).map((x) => h('p', { class: 'state-warn' }, `Not proposed: ${x.why}`)),
      );
      await done();
    } catch (e) {
      problem(e as Error);
    }
  };
  const scope = h('select', { name: 'scope' }, h('option', { value: 'incident' }, 'this incident'), a.asset ? h('option', { value: 'asset', selected: 'selected' }, `${a.type} on ${a.asset}`) : null, h('option', { value: 'type' }, `every ${a.type}`)) as HTMLSelectElement;
  const days = h('input', { name: 'days', type: 'number', min: '1', max: '90', value: '7', size: '3' }) as HTMLInputElement;
  const note = h('input', { name: 'note', placeholder: 'why (for the audit log)', maxlength: '500' }) as HTMLInputElement;
  const suppress = async () => {
    try {
      const s = await api<Suppression>('POST', `/api/alerts/${a.id}/suppress`, { scope: scope.value, days: Number(days.value), ...(note.value ? { note: note.value } : {}) });
      fill(out, h('p', { class: 'suppressed' }, `Suppressed until ${time(s.until)} (suppression ${s.id}): such alerts are counted on it, not raised.`));
      await done();
    } catch (e) {
      problem(e as Error);
    }
  };
  return h(
    'div',
    {},
    h('div', { class: 'toolbar' }, h('button', { class: 'secondary', onclick: () => void learn() }, 'Learn this'), ' ', scope, ' for ', days, ' days ', note, h('button', { class: 'secondary', onclick: () => void suppress() }, 'Suppress')),
    out,
  );
}

/** Suppressions in force, and automatic response per zone or conduit (set and removed by engineers). */
export async function standingDecisions(me: Me | undefined): Promise<HTMLElement> {
  const [suppressions, responses] = await Promise.all([api<Suppression[]>('GET', '/api/suppressions'), api<ResponseRule[]>('GET', '/api/responses')]);
  const box = h('div', { class: 'card', id: 'standing' });
  const reload = async () => box.replaceWith(await standingDecisions(me));
  const error = h('p', { role: 'alert', class: 'state-bad' });
  const guard = (f: () => Promise<unknown>) => () => void f().then(reload, (e: Error) => (error.textContent = e.message));
  const engineer = may(me, 'engineer');
  const kind = h('select', { name: 'response-scope' }, h('option', { value: 'conduit' }, 'conduit'), h('option', { value: 'zone' }, 'zone')) as HTMLSelectElement;
  const id = h('input', { name: 'response-id', placeholder: 'its id in the policy', size: '16' }) as HTMLInputElement;
  const severity = h('select', { name: 'response-severity' }, ['critical', 'high', 'medium'].map((s) => h('option', { value: s, ...(s === 'high' ? { selected: 'selected' } : {}) }, `${s} or above`))) as HTMLSelectElement;
  fill(
    box,
    h('h2', {}, 'Suppressions'),
    suppressions.length
      ? table(['id', 'type', 'on', 'until', 'kept quiet', 'by', 'why', ''], suppressions.map((s) => [s.id, s.type, s.key ?? s.asset ?? 'everywhere', time(s.until), s.suppressed, s.by, s.note || '-', engineer ? h('button', { class: 'secondary', onclick: guard(() => api('DELETE', `/api/suppressions/${s.id}`)) }, 'Lift') : '']))
      : h('p', { class: 'muted' }, 'None: every alert is raised.'),
    h('h2', {}, 'Automatic response'),
    h('p', { class: 'muted' }, 'Where an alert isolates its source at once (island mode, undone with release). Off unless set here.'),
    responses.length
      ? table(['on', 'isolates the source of alerts of', 'set by', ''], responses.map((r) => [`${r.scope} ${r.id}`, `severity ${r.minSeverity} or above`, `${r.by}, ${time(r.since)}`, engineer ? h('button', { class: 'secondary', onclick: guard(() => api('DELETE', '/api/responses', { scope: r.scope, id: r.id })) }, 'Turn off') : '']))
      : h('p', { class: 'muted' }, 'Off everywhere.'),
    engineer ? h('div', { class: 'toolbar' }, 'Isolate the source of alerts on ', kind, ' ', id, ' of ', severity, h('button', { class: 'danger', onclick: guard(() => api('PUT', '/api/responses', { scope: kind.value, id: id.value, minSeverity: severity.value })) }, 'Set automatic response')) : null,
    error,
  );
  return box;
}
