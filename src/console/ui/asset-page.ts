// One asset: what it is (identity, roles, Purdue level), a chart of its activity per hour over
// its whole known span (alerts coloured by severity), and its timeline grouped by day, each entry
// linking to its alert or conversation.

import { api } from './api.js';
import { alertHref, conversationHref, type Page } from './page.js';
import type { AssetTimeline, TimelineEntry } from '../../app/schemas.js';
import { barChart, legend, num, timeBars } from './charts.js';
import { fill, h, time } from './dom.js';

/** Entries asked for: enough for weeks of a quiet asset, few enough to draw at once. */
const LIMIT = 500;

/** Chart classes from the bottom up, and their words. */
const CLASSES: [string, string][] = [
  ['sev-critical', 'critical alerts'],
  ['sev-high', 'high alerts'],
  ['sev-medium', 'medium alerts'],
  ['sev-low', 'low alerts'],
  ['deny', 'denials and would-be denials'],
  ['other', 'learned (first seen, new conversations, operations), island mode'],
];
const WORDS = new Map(CLASSES);

const classOf = (e: TimelineEntry) => (e.kind === 'alert' ? `sev-${e.severity ?? 'low'}` : e.kind === 'deny' || e.kind === 'would-deny' ? 'deny' : 'other');

function activity(t: AssetTimeline): HTMLElement {
  const { hours, bars } = timeBars(t.entries, (e) => e.ts, classOf, t.from, t.to);
  const each = hours === 1 ? 'an hour' : hours % 24 === 0 ? `${num(hours / 24)} days` : `${num(hours)} hours`;
  return h(
    'div',
    { class: 'card activity' },
    h('h2', {}, 'Activity'),
    h('p', { class: 'muted' }, `Entries of the timeline, each bar ${each}, from ${time(t.from)} to ${time(t.to)}.${t.truncated ? ` Only the newest ${t.entries.length} are drawn: older ones are not shown.` : ''}`),
    barChart(bars, { label: `activity of ${t.asset.ip}, entries per ${each}`, order: CLASSES.map(([c]) => c), describe: (c) => WORDS.get(c) ?? c }),
    legend(CLASSES),
  );
}

function entry(e: TimelineEntry): HTMLElement {
  return h(
    'li',
    { class: `entry kind-${e.kind}` },
    h('span', { class: 'when' }, time(e.ts).slice(11)),
    h('span', { class: `pill ${e.severity ? `sev-${e.severity}` : ''}` }, e.severity ? `${e.kind} ${e.severity}` : e.kind),
    h('span', { class: 'text' }, e.text),
    e.link?.alert !== undefined ? [' ', h('a', { href: alertHref(e.link.alert) }, `alert ${e.link.alert}`)] : null,
    e.link?.conversation ? [' ', h('a', { href: conversationHref(e.link.conversation) }, 'conversation')] : null,
  );
}

/** The entries under a heading per day (UTC, as every time on the console), newest first. */
function byDay(entries: readonly TimelineEntry[]): HTMLElement[] {
  const days = new Map<string, TimelineEntry[]>();
  for (const e of entries) {
    const day = time(e.ts).slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), e]);
  }
  return [...days].map(([day, list]) => h('section', { class: 'day' }, h('h3', {}, day), h('ul', { class: 'timeline' }, list.map(entry))));
}

export async function assetPage(p: Page, key: string): Promise<void> {
  const t = await api<AssetTimeline>('GET', `/api/assets/${encodeURIComponent(key)}/timeline?limit=${LIMIT}`);
  const a = t.asset;
  fill(
    p.main,
    h('p', {}, h('a', { href: '#/assets' }, 'All assets')),
    h('h1', {}, `Asset ${a.ip}${a.vlan !== undefined ? ` (VLAN ${a.vlan})` : ''}`),
    h(
      'p',
      {},
      a.identityText ? `${a.identityText} · ` : '',
      a.roles.map((r) => h('span', { class: 'pill' }, r.replace('_', ' '))),
      a.purdue ? ` Purdue ${a.purdue.level} (${a.purdue.reason}) · ` : ' ',
      h('span', { class: 'muted' }, `seen ${time(a.firstSeen)} to ${time(a.lastSeen)}; ${a.macs.map((m) => `${m.mac}${m.vendor ? ` ${m.vendor}` : ''}`).join(', ') || 'no MAC'}`),
    ),
    activity(t),
    h('h2', {}, 'Timeline'),
    t.entries.length ? byDay(t.entries) : h('p', { class: 'muted' }, 'Nothing recorded about this asset yet.'),
    t.truncated ? h('p', { class: 'muted truncated' }, `The newest ${t.entries.length} entries are shown; older ones exist.`) : null,
  );
}
