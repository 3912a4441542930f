// The Risk page (IEC 62443-3-2 ZCR 5): the advisory catalogue and its upload, the assets the
// advisories name ranked by risk (each with its parts, advisories, CVEs and the engineer's word),
// each zone's SL-T against what its contents need, and the countermeasures, any of which an
// engineer can draft into a policy version to review on the Policy page. After a change of its
// own the page asks for a fresh assessment (the server otherwise reuses one a few seconds old).

import type { Static } from '@sinclair/typebox';
import { api, may } from './api.js';
import { fill, h, table, time } from './dom.js';
import { assetHref, policyHref, type Page } from './page.js';
import { assetCard, type Act } from './risk-asset.js';
import type { ShownCountermeasure as Countermeasure, ShownCountermeasureDraft as Draft, ShownRiskReport as Report } from '../../app/risk-schemas.js';
import type { AdvisorySummarySchema, ImportReportSchema } from '../../app/schemas.js';

type Summary = Static<typeof AdvisorySummarySchema>;
type ImportReport = Static<typeof ImportReportSchema>;

/** Assets drawn (worst first); the command line's --json has every one. */
const ASSETS_SHOWN = 50;
const KIND_WORDS: Record<Countermeasure['kind'], string> = { virtual_patch: 'virtual patch', raise_sl: 'raise the SL-T', narrow_conduit: 'narrow a conduit', own_zone: 'a zone of its own' };
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function catalogueLine(c: Summary): HTMLElement {
  if (!c.advisories) {
    const kev = c.kevVersion ? ` The KEV catalogue ${c.kevVersion} is (${plural(c.kevEntries, 'known exploited vulnerability', 'known exploited vulnerabilities')}): it flags the CVEs of advisories imported later.` : '';
    return h('p', { class: 'empty' }, `No advisories imported: upload CISA CSAF files or the KEV catalogue (below, or bulkhead advisories import on the gateway).${kev}`);
  }
  const last = c.sources[0];
  return h(
    'p',
    { class: 'catalogue' },
    `${plural(c.advisories, 'advisory', 'advisories')} (${plural(c.products, 'product')}, ${plural(c.cves, 'CVE')})`,
    c.newestAdvisory ? `, newest ${c.newestAdvisory} of ${c.newestRelease?.slice(0, 10) ?? '?'}` : '',
    ' · ',
    c.kevVersion ? `KEV catalogue ${c.kevVersion}: ${plural(c.kevEntries, 'known exploited vulnerability', 'known exploited vulnerabilities')}` : h('span', { class: 'state-warn' }, 'no KEV catalogue: known exploited vulnerabilities are not flagged until it is imported'),
    last ? h('span', { class: 'muted' }, ` · last import ${time(last.at)} from ${last.source}`) : '',
  );
}

function importWords(r: ImportReport): string {
  const counts = [`${r.added} added`, `${r.updated} updated`, `${r.unchanged} unchanged`, r.older ? `${r.older} older than the stored release (kept)` : ''].filter(Boolean).join(', ');
  const kev = r.kevVersion ? `; KEV catalogue ${r.kevVersion} (${plural(r.kevEntries ?? 0, 'entry', 'entries')})` : '';
  const skipped = r.skippedCount ? `; ${plural(r.skippedCount, 'invalid document')} skipped (${r.skipped.map((s) => `${s.file}: ${s.problems.join('; ')}`).join(' | ')})` : '';
  const ignored = r.ignored.length ? `; left alone: ${r.ignored.map((i) => `${i.file} (${i.why})`).join(', ')}` : '';
  return `Imported ${plural(r.documents, 'document')} from ${r.source}: ${counts}${kev}${skipped}${ignored}.`;
}

/** The upload: JSON files as their publisher wrote them, one document or a list. */
function uploadForm(done: (notice: string) => Promise<void>): HTMLElement {
  const files = h('input', { type: 'file', name: 'advisory-files', accept: '.json,application/json', multiple: true }) as HTMLInputElement;
  const skip = h('input', { type: 'checkbox', name: 'skip-invalid' }) as HTMLInputElement;
  const error = h('span', { class: 'error', role: 'alert' });
  const upload = async () => {
    error.textContent = '';
    const chosen = [...(files.files ?? [])];
    if (!chosen.length) throw new Error('choose one or more JSON files first (CSAF advisories, the KEV catalogue)');
    const docs: unknown[] = [];
    for (const f of chosen) {
      try {
        const doc = JSON.parse(await f.text()) as unknown;
        docs.push(...(Array.isArray(doc) ? doc : [doc]));
      } catch (e) {
        throw new Error(`${f.name} is not JSON: ${(e as Error).message}`, { cause: e });
      }
    }
    const r = await api<ImportReport>('POST', `/api/advisories?skipInvalid=${skip.checked}`, docs.length === 1 ? docs[0] : docs);
    await done(importWords(r));
  };
  return h('div', { class: 'toolbar' }, 'Import advisories:', files, h('label', {}, skip, ' skip invalid documents'), h('button', { class: 'secondary', onclick: () => void upload().catch((e: Error) => (error.textContent = e.message)) }, 'Upload'), error);
}

function assessmentLine(r: Report): HTMLElement {
  const c = r.counts;
  const reach = r.policy ? `reach judged from policy version ${r.policy.version} (${r.policy.why})` : 'no policy yet: reach judged from the learned conversations';
  return h('p', { class: 'muted' }, `${plural(c.assets, 'asset')}: ${c.identified} say what product they are, ${c.matched} match an advisory, ${c.vulnerable} counted vulnerable; ${reach}. Assessed ${time(r.generatedAt / 1000)} in ${r.tookMs} ms.`);
}

function assetsSection(p: Page, r: Report, act: Act): (HTMLElement | string)[] {
  if (!r.catalogue.advisories) return [h('p', { class: 'muted' }, 'Nothing to match against yet: import advisories first.')];
  if (!r.assets.length) {
    return [h('p', { class: 'empty' }, `No asset matches an advisory: ${r.counts.identified} of ${plural(r.counts.assets, 'asset')} say what product they are (vendor, product, firmware); the others are matched once learning reads their identity (Modbus device identification, BACnet device object, OPC UA build information).`)];
  }
  const shown = r.assets.slice(0, ASSETS_SHOWN);
  return [...shown.map((a, i) => assetCard(p.me, i + 1, a, act)), r.assets.length > shown.length ? h('p', { class: 'muted' }, `and ${r.assets.length - shown.length} more assets of lower risk (bulkhead risk --json lists them all)`) : ''];
}

function zonesSection(r: Report): HTMLElement {
  if (!r.policy) return h('p', { class: 'empty' }, 'No policy yet: each zone\'s SL-T is judged against what its devices need once a policy is derived (Policy page).');
  return table(
    ['zone', 'SL-T', 'needs', 'gap', 'vulnerable', 'worst asset', 'risk: residual / unmitigated', 'countermeasures in force', 'why'],
    r.zones.map((z) => [
      `${z.name} (${z.id})`,
      z.securityLevel,
      z.neededSl || '-',
      z.gap ? h('span', { class: 'state-bad' }, `${z.gap} short`) : h('span', { class: 'state-ok' }, 'none'),
      z.vulnerableAssets,
      z.worst ? h('a', { href: assetHref(z.worst.assetKey) }, z.worst.name) : '-',
      `${z.residualRisk} / ${z.unmitigatedRisk}`,
      z.countermeasuresInForce.length ? z.countermeasuresInForce.join(', ') : '-',
      z.why,
    ]),
  );
}

function draftView(d: Draft): HTMLElement[] {
  return [
    h('p', { class: 'drafted' }, h('a', { href: policyHref(d.version) }, `Draft policy version ${d.version}`), ` built on version ${d.base.version} (${d.base.why}): nothing is in force yet. Review its changes, simulate, approve and apply it on the Policy page.`),
    d.diff.changes.length ? h('ul', { class: 'diff' }, d.diff.changes.map((c) => h('li', {}, c))) : h('p', { class: 'muted' }, 'It changes nothing in the policy.'),
  ];
}

function countermeasureView(p: Page, c: Countermeasure): HTMLElement {
  const result = h('div');
  const state = c.inForce ? h('span', { class: 'state-ok' }, `in force${c.why && c.why !== 'in force' ? `: ${c.why}` : ''}`) : c.draftable ? h('span', { class: 'state-warn' }, 'not in force') : h('span', { class: 'muted' }, `not draftable here: ${c.why ?? 'nothing to change'}`);
  const draft = async (button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      fill(result, draftView(await api<Draft>('POST', `/api/risk/countermeasures/${encodeURIComponent(c.id)}/draft`, {})));
    } catch (e) {
      button.disabled = false;
      fill(result, h('p', { class: 'error', role: 'alert' }, (e as Error).message));
    }
  };
  return h(
    'div',
    { class: 'card countermeasure', 'data-countermeasure': c.id },
    h('p', {}, h('span', { class: 'pill' }, KIND_WORDS[c.kind]), ' ', c.text),
    h('p', { class: 'muted' }, `answers ${c.advisories.join(', ') || '-'}${c.cves.length ? ` (${plural(c.cves.length, 'CVE')})` : ''}${c.conduits.length ? ` · conduits ${c.conduits.join(', ')}` : ''} · `, state, h('span', { class: 'muted' }, ` · ${c.id}`)),
    may(p.me, 'engineer') && c.draftable && !c.inForce ? h('button', { class: 'secondary', onclick: (e: Event) => void draft(e.currentTarget as HTMLButtonElement) }, 'Draft policy version') : null,
    result,
  );
}

function countermeasuresSection(p: Page, r: Report): HTMLElement | HTMLElement[] {
  if (!r.countermeasures.length) return h('p', { class: 'muted' }, r.counts.vulnerable ? 'No countermeasure to suggest for the vulnerable assets.' : 'None needed: no asset is counted vulnerable.');
  return r.countermeasures.map((c) => countermeasureView(p, c));
}

export async function riskPage(p: Page, after?: { notice?: string }): Promise<void> {
  const [report, catalogue] = await Promise.all([api<Report>('GET', `/api/risk${after ? '?fresh=true' : ''}`), api<Summary>('GET', '/api/advisories')]);
  const reload = (notice?: string) => riskPage(p, notice ? { notice } : {});
  const act: Act = (f, error) => () => {
    error.textContent = '';
    f().then(() => reload()).catch((e: Error) => (error.textContent = e.message));
  };
  fill(
    p.main,
    h('h1', {}, 'Risk'),
    h('p', { class: 'muted' }, 'Which devices the imported advisories name, how far the zones and conduits expose each, and what would answer it. Risk is likelihood (vulnerability, known exploitation, reach from other zones) times impact (how critical the device is), at most 25.'),
    h('div', { class: 'card' }, h('h2', {}, 'Advisory catalogue'), catalogueLine(catalogue), may(p.me, 'engineer') ? uploadForm(reload) : null, after?.notice ? h('p', { class: 'notice', role: 'status' }, after.notice) : null),
    assessmentLine(report),
    h('h2', {}, 'Assets by risk'),
    assetsSection(p, report, act),
    h('h2', {}, 'Zones'),
    zonesSection(report),
    h('h2', {}, 'Countermeasures'),
    countermeasuresSection(p, report),
  );
}
