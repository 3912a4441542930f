// Policy review: versions; a version's rules with their evidence, lint findings, the diff against
// the active policy and a simulation over the learned baseline; approve (a second person may
// approve too), apply with a visible commit-confirm countdown, confirm, roll back; a draft
// proposed from learn mode's would-deny traffic.

import { api, may } from './api.js';
import type { Page } from './page.js';
import type { ConsoleStatus as Status, PolicySummary, Proposal } from '../../app/schemas.js';
import type { HostSelector, RulePage, ShownPolicy as Policy, ShownRule } from './policy-types.js';
import { fill, h, table, time } from './dom.js';

type Version = PolicySummary;
type Selector = HostSelector;

export const who = (s: Selector): string => (s.broadcast ? 'broadcast' : [s.zone ? `zone ${s.zone}` : '', ...(s.hosts ?? [])].filter(Boolean).join(', '));


export async function policyPage(p: Page): Promise<void> {
  const [versions, status] = await Promise.all([api<Version[]>('GET', '/api/policies'), api<Status>('GET', '/api/status')]);
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const wanted = Number(query.get('v')) || versions.at(-1)?.version;
  const detail = h('div');
  const proposal = h('div', { class: 'proposal' });
  const error = h('div', { class: 'error', role: 'alert' });
  fill(p.main,
    h('h1', {}, 'Policy'),
    versions.length
      ? table(
          ['version', 'status', 'name', 'source', 'created', 'approved by'],
          [...versions].reverse().map((v) => [h('a', { href: `#/policy?v=${v.version}` }, `version ${v.version}`), v.status, v.name, v.source, `${time(v.createdAt)} by ${v.createdBy}`, [v.approvedBy, v.secondApprover].filter(Boolean).join(' + ') || '-']),
        )
      : h('p', { class: 'muted' }, 'No policy yet: learn first, then derive one.'),
    may(p.me, 'engineer')
      ? h(
          'div',
          { class: 'toolbar' },
          h('button', { class: 'secondary', onclick: () => api<{ version: number }>('POST', '/api/derive', {}).then((r) => ((location.hash = `#/policy?v=${r.version}`), undefined), (e: Error) => (error.textContent = e.message)) }, 'Derive a new draft from what was learned'),
          h('button', { class: 'secondary', name: 'propose', onclick: () => api<Proposal>('POST', '/api/policies/propose', { since: '7d' }).then((r) => proposal.replaceChildren(...proposalView(r)), (e: Error) => (error.textContent = e.message)) }, 'Propose from would-deny traffic'),
        )
      : null,
    proposal,
    error,
    detail,
  );
  if (wanted === undefined) return;
  await versionDetail(p, detail, versions.find((v) => v.version === wanted)!, status, error);
  // From the zone map: a conduit's rules (#/policy?v=N&conduit=ID).
  const conduit = query.get('conduit');
  if (conduit) document.getElementById(`conduit-${conduit}`)?.scrollIntoView();
}

/** A proposal: what it would let through, its additions and refusals, and the way to its draft. */
function proposalView(r: Proposal): (HTMLElement | string)[] {
  return [
    h('h2', {}, r.version !== undefined ? `Proposed draft version ${r.version}` : 'Nothing to propose'),
    h('p', {}, `From ${r.events.read} would-deny events on version ${r.base.version} (${r.base.why}): the draft `, h('strong', { class: 'let-through' }, r.letThrough.text), '.'),
    r.version !== undefined ? h('p', {}, h('a', { href: `#/policy?v=${r.version}` }, `Open version ${r.version}: its changes, lint and evidence`), ` (${r.diff.changes.length} changes)`) : '',
    r.additions.length ? h('ul', { class: 'additions' }, r.additions.map((a) => h('li', {}, a.text))) : '',
    r.refused.length ? [h('h3', {}, `Refused (${r.refused.length})`), h('ul', { class: 'refused' }, r.refused.map((x) => h('li', {}, `${x.what}, ${x.observation.count} times: ${x.why}`)))] : '',
    r.withoutRequest.length ? h('p', { class: 'muted' }, `Without a request to allow: ${r.withoutRequest.map((w) => `${w.count} ${w.reasonCode} (${w.why})`).join('; ')}`) : '',
  ].flat();
}

type Finding = { severity: string; code: string; where: string; message: string; clause: string };

/** A part of the page filled when its request answers, so the rules show before a slow lint. */
function later<T>(el: HTMLElement, what: string, request: Promise<T>, draw: (value: T) => (HTMLElement | null)[]): HTMLElement {
  request.then(
    (value) => fill(el, ...draw(value)),
    (e: Error) => fill(el, h('p', { class: 'error' }, `${what}: ${e.message}`)),
  );
  return el;
}

const RULE_COLUMNS = ['rule', 'protocol', 'client', 'server', 'allows', 'evidence'];
const ruleRow = (r: ShownRule) => [r.id, `${r.protocol}${r.port ? `:${r.port}` : ''}`, who(r.client), who(r.server), r.allows, r.evidence ? `${r.evidence.transactions} transactions in ${r.evidence.conversations.length} conversation(s), ${time(r.evidence.firstSeen)} to ${time(r.evidence.lastSeen)}` : '-'];

/** One conduit's rules: the first come with the version; more, or those naming a search, a page at a time. */
function conduitRules(v: Version, c: Policy['conduits'][number]): HTMLElement {
  let shown = c.rules;
  let matched = c.ruleCount;
  let q = '';
  const list = h('div');
  const more = h('div', { class: 'toolbar' });
  const draw = () => {
    fill(list, table(RULE_COLUMNS, shown.map(ruleRow)));
    const left = matched - shown.length;
    fill(more, q ? h('span', {}, `${matched} of ${c.ruleCount} rules name “${q}”.`) : null, left > 0 ? [h('span', { class: 'muted' }, `${left} more`), h('button', { class: 'secondary', name: 'more-rules', onclick: () => void page(shown.length) }, 'Show more')] : null);
  };
  const page = (offset: number) =>
    api<RulePage>('GET', `/api/policies/${v.version}/conduits/${encodeURIComponent(c.id)}/rules?offset=${offset}${q ? `&q=${encodeURIComponent(q)}` : ''}`).then(
      (r) => {
        shown = offset === 0 ? r.rules : [...shown, ...r.rules];
        matched = r.matched;
        draw();
      },
      (e: Error) => fill(more, h('span', { class: 'error' }, e.message)),
    );
  const search = h('input', { type: 'search', name: 'rules-naming', placeholder: 'address, zone, rule id or port', size: 28 }) as HTMLInputElement;
  search.addEventListener('change', () => {
    q = search.value.trim();
    void page(0);
  });
  draw();
  return h(
    'div',
    { id: `conduit-${c.id}`, class: 'conduit-rules' },
    h('h3', {}, `${c.name} (${c.zones.join(' ↔ ')}) — fail-${c.failMode ?? 'open'}, on deny: ${c.onDeny ?? 'reset'}`),
    c.ruleCount > c.rules.length ? h('div', { class: 'toolbar' }, h('span', {}, `${c.ruleCount} rules; find those naming`), search) : null,
    list,
    more,
  );
}

async function versionDetail(p: Page, el: HTMLElement, v: Version, status: Status, error: HTMLElement): Promise<void> {
  const doc = await api<{ policy: Policy; document?: string; documentBytes?: number }>('GET', `/api/policies/${v.version}`);
  const lint = later(h('div', {}, h('h2', {}, 'Lint'), h('p', { class: 'muted' }, 'checking against the learned baseline…')), 'lint', api<Finding[]>('GET', `/api/policies/${v.version}/lint`), (findings) => [
    h('h2', {}, `Lint (${findings.length})`),
    findings.length ? table(['severity', 'finding', 'where', 'clause'], findings.map((f) => [h('span', { class: `finding-${f.severity}` }, f.severity), `${f.code}: ${f.message}`, f.where, f.clause])) : h('p', { class: 'state-ok' }, 'no findings'),
  ]);
  const diff = status.policy && status.policy.version !== v.version
    ? later(h('div'), 'changes against the active policy', api<{ changes: string[] }>('GET', `/api/policies/active/diff/${v.version}`), (d) => [
        h('h2', {}, 'Changes against the active policy'),
        d.changes.length ? h('ul', {}, d.changes.map((c) => h('li', {}, c))) : h('p', { class: 'muted' }, 'no differences'),
      ])
    : null;
  const act = (f: () => Promise<unknown>) => () => {
    error.textContent = '';
    f().then(
      () => policyPage(p),
      (e: Error) => (error.textContent = e.message),
    );
  };
  const engineer = may(p.me, 'engineer');
  const within = h('input', { type: 'number', name: 'confirm-within', value: 120, min: 10, max: 3600, style: 'width:6em' }) as HTMLInputElement;
  const buttons = h('div', { class: 'toolbar' });
  if (engineer && v.status !== 'retired' && (!v.approvedBy || (!v.secondApprover && v.approvedBy !== p.me.name))) buttons.append(h('button', { onclick: act(() => api('POST', `/api/policies/${v.version}/approve`)) }, v.approvedBy ? 'Approve as second person' : 'Approve'));
  if (engineer && v.status === 'approved' && !status.pending) buttons.append(h('span', {}, 'confirm within'), within, h('span', {}, 's'), h('button', { onclick: act(() => api('POST', `/api/policies/${v.version}/apply`, { confirmWithin: Number(within.value) })) }, 'Apply'));
  if (status.pending) {
    const countdown = h('span', { class: 'countdown' });
    const tick = () => (countdown.textContent = `${Math.max(0, Math.round(status.pending!.deadline - Date.now() / 1000))} s`);
    tick();
    const t = setInterval(tick, 1000);
    p.cleanup.push(() => clearInterval(t));
    buttons.append(h('span', {}, `Version ${status.pending.version} applied by ${status.pending.by} rolls back in `, countdown, ' unless confirmed. '));
    if (engineer) buttons.append(h('button', { onclick: act(() => api('POST', '/api/confirm')) }, 'Confirm'));
  }
  if (engineer && status.policy) buttons.append(h('button', { class: 'danger', onclick: act(() => (confirm('Put the previous active policy back now?') ? api('POST', '/api/rollback') : Promise.resolve())) }, 'Roll back'));

  const since = h('input', { name: 'since', value: '7d', size: 8 }) as HTMLInputElement;
  const sim = h('div');
  const simulate = async () => {
    sim.replaceChildren(h('p', { class: 'muted' }, 'Simulating…'));
    const r = await api<{ candidate: { evaluated: number; allowed: number; denied: number; denials: { client: string; server: string; port: number; operation: string; count: number; reasonCode: string; reason: string }[] } }>('POST', '/api/simulate', { policy: String(v.version), since: since.value });
    const c = r.candidate;
    sim.replaceChildren(
      h('p', {}, `${c.evaluated} operations of the learned baseline since ${since.value}: ${c.allowed} allowed, `, h('strong', { class: c.denied ? 'state-bad' : 'state-ok' }, `${c.denied} would be denied`)),
      c.denials.length ? table(['client', 'server', 'operation', 'count', 'why', 'reason'], c.denials.slice(0, 200).map((d) => [d.client, `${d.server}:${d.port}`, d.operation, d.count, d.reasonCode, d.reason])) : '',
    );
  };

  const pol = doc.policy;
  fill(el,
    h('h2', {}, `Version ${v.version}: ${pol.name} (${v.status})`),
    buttons,
    lint,
    diff,
    h('h2', {}, 'What would this have blocked?'),
    may(p.me, 'operator') ? h('div', { class: 'toolbar' }, 'over the learned traffic since', since, h('button', { class: 'secondary', onclick: () => void simulate().catch((e: Error) => sim.replaceChildren(h('p', { class: 'error' }, e.message))) }, 'Simulate')) : h('p', { class: 'muted' }, 'operators and above can simulate'),
    sim,
    h('h2', {}, 'Rules and their evidence'),
    ...pol.conduits.map((c) => conduitRules(v, c)),
    h('h2', {}, 'Document'),
    doc.document !== undefined ? h('pre', {}, doc.document) : h('p', { class: 'muted' }, `${doc.documentBytes} bytes: too long to show here (bulkhead policy export ${v.version})`),
  );
}
