// One vulnerable asset on the Risk page: where it sits, its risk in words with the parts beside
// it, how critical it is (engineers set 1-5), and each advisory that names its product: why it
// matched and how sure, the CVEs with CVSS and the KEV flag, what the vendor advises, and the
// engineer's word on it (confirm, dismiss, undo) through the advisory routes.

import { api, may, type Me } from './api.js';
import { fill, h, table } from './dom.js';
import { assetHref } from './page.js';
import type { ShownAssetAssessment as Asset, ShownScoredMatch as Match } from '../../app/risk-schemas.js';

/** CVEs listed per advisory before "and N more" (an advisory may name dozens). */
const CVES_SHOWN = 12;
const CRITICALITY_WORDS = ['', '1: little (the process runs on without it)', '2: minor', '3: significant', '4: major', '5: the process stops without it'];
const CONFIDENCE_WORDS: Record<Match['confidence'], string> = {
  high: 'sure: its model or part number and firmware are named',
  medium: 'likely: its product name and firmware are named',
  low: 'unsure: the product is named but its version could not be judged',
};

/** Runs a change and reloads the page, or shows what was wrong beside the button. */
export type Act = (f: () => Promise<unknown>, error: HTMLElement) => () => void;

function parts(a: Asset): HTMLElement {
  const r = a.risk;
  const rows = r.parts.map((x) => [x.name, `${x.points >= 0 ? '+' : ''}${x.points}`, x.why]);
  rows.push(['likelihood', String(r.likelihood), r.unmitigatedLikelihood !== r.likelihood ? `${r.unmitigatedLikelihood} before the countermeasures in force` : 'of 5'], ['impact', String(r.impact), r.impactWhy]);
  return table(['part', 'points', 'why'], rows);
}

function cveRows(m: Match): HTMLElement {
  const shown = m.cves.slice(0, CVES_SHOWN);
  return h(
    'div',
    {},
    table(
      ['CVE', 'CVSS', 'known exploited', 'weakness'],
      shown.map((c) => [
        h('span', { class: 'cve' }, c.cve, c.title ? h('div', { class: 'muted' }, c.title) : null),
        c.cvss !== undefined ? h('span', { class: 'cvss', title: c.vector ?? '' }, c.cvss.toFixed(1)) : h('span', { class: 'muted' }, 'no score'),
        c.knownExploited ? [h('span', { class: 'pill kev', title: c.requiredAction ?? '' }, 'KEV'), c.ransomware ? h('span', { class: 'pill kev' }, 'ransomware') : null, c.requiredAction ? h('div', { class: 'muted' }, `CISA: ${c.requiredAction}`) : null] : 'no',
        c.cwe ?? '-',
      ]),
    ),
    m.cves.length > shown.length ? h('p', { class: 'muted' }, `and ${m.cves.length - shown.length} more CVEs of this advisory`) : null,
  );
}

function decisionWords(m: Match): string {
  if (m.decision === 'confirmed') return 'confirmed by an engineer: counted';
  if (m.decision === 'dismissed') return 'dismissed by an engineer: not counted';
  return m.counted ? 'counted unless dismissed' : 'not counted until an engineer confirms it';
}

function matchView(me: Me, a: Asset, m: Match, act: Act): HTMLElement {
  const error = h('span', { class: 'error', role: 'alert' });
  const body = { assetKey: a.key, advisoryId: m.advisoryId };
  const decide = (decision: 'confirmed' | 'dismissed') => act(() => api('POST', '/api/risk/decisions', { ...body, decision }), error);
  return h(
    'div',
    { class: `advisory ${m.counted ? 'counted' : 'uncounted'}`, 'data-advisory': m.advisoryId },
    h('h3', {}, m.url ? h('a', { href: m.url, target: '_blank', rel: 'noopener' }, m.advisoryId) : m.advisoryId, ` ${m.title}`),
    h('p', {}, h('span', { class: `pill confidence-${m.confidence}`, title: CONFIDENCE_WORDS[m.confidence] }, `${m.confidence} confidence`), ' ', h('span', { class: 'decision' }, decisionWords(m)), h('span', { class: 'muted' }, ` · ${m.product.vendor} ${m.product.name} ${m.product.version} · read from ${m.source} · released ${m.currentRelease.slice(0, 10)}`)),
    h('ul', { class: 'why' }, m.why.map((w) => h('li', {}, w))),
    cveRows(m),
    m.remediations.length
      ? h('div', { class: 'remediations' }, h('strong', {}, 'What the vendor advises'), h('ul', {}, m.remediations.map((r) => h('li', {}, h('span', { class: 'pill' }, r.category.replace(/_/g, ' ')), r.details, r.url ? [' ', h('a', { href: r.url, target: '_blank', rel: 'noopener' }, 'link')] : null))), m.remediationsTruncated ? h('p', { class: 'muted' }, 'More remediations in the advisory itself.') : null)
      : h('p', { class: 'muted' }, 'The advisory gives no remediation.'),
    may(me, 'engineer')
      ? h(
          'div',
          { class: 'toolbar' },
          m.decision !== 'confirmed' ? h('button', { class: 'secondary', onclick: decide('confirmed') }, 'Confirm: it applies') : null,
          m.decision !== 'dismissed' ? h('button', { class: 'secondary', onclick: decide('dismissed') }, 'Dismiss: it does not apply') : null,
          m.decision ? h('button', { class: 'secondary', onclick: act(() => api('DELETE', '/api/risk/decisions', body), error) }, 'Undo the decision') : null,
          error,
        )
      : null,
  );
}

function criticalityView(me: Me, a: Asset, act: Act): HTMLElement {
  const c = a.criticality;
  const said = c ? `criticality ${CRITICALITY_WORDS[c.value]}, set by ${c.by}${c.reason ? `: ${c.reason}` : ''}` : `criticality not set: impact judged from where it sits (${a.risk.impactWhy})`;
  if (!may(me, 'engineer')) return h('p', { class: 'muted' }, said);
  const value = h('select', { name: 'criticality' }, [1, 2, 3, 4, 5].map((v) => h('option', { value: v, selected: v === (c?.value ?? a.risk.impact) }, CRITICALITY_WORDS[v]))) as HTMLSelectElement;
  const reason = h('input', { name: 'criticality-reason', placeholder: 'why (for the audit log)', maxlength: 500, size: 28 }) as HTMLInputElement;
  const error = h('span', { class: 'error', role: 'alert' });
  return h(
    'div',
    { class: 'toolbar' },
    h('span', { class: 'muted' }, said),
    value,
    reason,
    h('button', { class: 'secondary', onclick: act(() => api('PUT', '/api/risk/criticality', { assetKey: a.key, criticality: Number(value.value), ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }), error) }, 'Set criticality'),
    c ? h('button', { class: 'secondary', onclick: act(() => api('DELETE', '/api/risk/criticality', { assetKey: a.key }), error) }, 'Judge from where it sits') : null,
    error,
  );
}

/** One ranked asset's card. */
export function assetCard(me: Me, rank: number, a: Asset, act: Act): HTMLElement {
  const where = [a.zone ? `zone ${a.zone}` : 'in no zone', a.purdue !== undefined ? `Purdue level ${a.purdue}` : '', a.reach.from === 'baseline' ? `${a.reach.clients} client${a.reach.clients === 1 ? '' : 's'} seen reaching it (no policy yet)` : a.reach.zones.length ? `reached from ${a.reach.zones.join(', ')}` : 'not reached from another zone'].filter(Boolean).join(' · ');
  const card = h('section', { class: `card risk-asset band-${a.risk.band}`, 'data-asset': a.key });
  fill(
    card,
    h('h2', {}, `${rank}. `, h('a', { href: assetHref(a.key) }, a.name), ' ', h('span', { class: 'muted' }, a.ip), ' ', h('span', { class: `pill band band-${a.risk.band}` }, `${a.risk.band} risk ${a.risk.risk} of 25`)),
    h('p', { class: 'muted' }, where),
    h('p', { class: 'risk-text' }, a.risk.text),
    parts(a),
    a.risk.neededSl ? h('p', {}, `Its zone needs SL ${a.risk.neededSl}: ${a.risk.neededWhy}.`) : h('p', { class: 'muted' }, a.risk.neededWhy),
    criticalityView(me, a, act),
    h('p', { class: 'muted' }, `What it says it is: ${a.claims.map((c) => `${[c.vendor, ...c.names, ...c.models].filter(Boolean).join(' ')}${c.version ? ` ${c.version}` : ''} (${c.source}${c.vendorFromMac ? ', vendor from the MAC address' : ''})`).join('; ') || 'nothing'}`),
    a.matches.map((m) => matchView(me, a, m, act)),
  );
  return card;
}
