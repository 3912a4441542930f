// One conversation: its ends (linking to their assets), and per operation what learning keeps of
// it: the poll periods it learned (mean and spread, as a band on one axis per operation) and the
// range of each process value point it profiled (a band, its few distinct values marked). The
// baseline keeps no history of a period, only its running statistics: the page says so rather
// than drawing a line over time it does not have.

import { api } from './api.js';
import { assetHref, type Page } from './page.js';
import type { Conversation, ShownConversation } from '../../app/schemas.js';
import { num, rangeBand } from './charts.js';
import { fill, h, table, time } from './dom.js';

type Operation = Conversation['operations'][string];
type End = { ip: string; vlan?: number; port?: number; broadcast?: boolean };

/** The asset key of an end, as learning writes it (learn/baseline.ts hostKey). */
const endKey = (e: End) => (e.vlan === undefined ? e.ip : `${e.ip}@vlan${e.vlan}`);
const endLink = (e: End) => (e.broadcast ? `broadcast ${e.ip}` : h('a', { href: assetHref(endKey(e)) }, endKey(e)));

/** The baseline's shorthand for a point or a poll in words, as the server gave them. */
type Said = (key: string) => string;

function polls(op: Operation, said: Said): HTMLElement | null {
  if (op.polls.length === 0) return null;
  // One axis for the operation's polls, so their periods compare at a glance.
  const top = Math.max(...op.polls.map((x) => x.interval + x.jitter));
  const band = (x: Operation['polls'][number]) =>
    x.samples === 0
      ? h('span', { class: 'muted' }, 'seen once: no period yet')
      : rangeBand({ low: Math.max(0, x.interval - x.jitter), high: x.interval + x.jitter, points: [{ value: x.interval, title: `mean ${num(x.interval)} s over ${x.samples} intervals` }], domain: [0, top], label: `poll period of ${said(x.signature)}`, unit: ' s' });
  return table(
    ['polled', 'period (mean)', 'spread (±1 sd)', 'samples', 'pauses', 'learned period and its spread'],
    op.polls.map((x) => [
      said(x.signature),
      x.samples ? `${num(x.interval)} s` : '-',
      x.samples ? `± ${num(x.jitter)} s` : '-',
      x.samples,
      x.pauses,
      band(x),
    ]),
  );
}

/** Points shown open; past this the table is folded under its count (64 per operation are kept). */
const OPEN_POINTS = 12;

function values(op: Operation, said: Said): HTMLElement | null {
  const points = Object.entries(op.values ?? {});
  if (points.length === 0) return null;
  return h(
    'details',
    { open: points.length <= OPEN_POINTS },
    h('summary', {}, `${points.length} process value point${points.length === 1 ? '' : 's'} profiled${op.valuesTruncated ? ' (more were touched than are kept: the list is incomplete)' : ''}`),
    table(
      ['point', 'range', 'distinct values', 'samples', 'seen', 'learned range and the values seen'],
      points.map(([point, v]) => [
        said(point),
        v.min === v.max ? num(v.min) : `${num(v.min)} – ${num(v.max)}`,
        v.distinct ? v.distinct.map(num).join(', ') : h('span', { class: 'muted' }, 'many'),
        v.samples,
        `${time(v.firstSeen)} – ${time(v.lastSeen)}`,
        rangeBand({ low: v.min, high: v.max, points: (v.distinct ?? []).map((d) => ({ value: d })), label: `learned range of ${said(point)}` }),
      ]),
    ),
  );
}

/** One operation; `words`: the server's description of it (code by name, its first targets). */
function operation(op: Operation, words: string | undefined, said: Said): HTMLElement {
  return h(
    'section',
    { class: 'operation card' },
    h('h2', {}, `${words ?? op.codeName} `, h('span', { class: 'pill' }, op.kind)),
    h('p', { class: 'muted' }, `${num(op.count)} times, ${time(op.firstSeen)} to ${time(op.lastSeen)}`, op.responseTime ? `; responses in ${num(op.responseTime.mean * 1000)} ms on average, ${num(op.responseTime.max * 1000)} ms at most` : ''),
    polls(op, said),
    values(op, said),
    op.polls.length === 0 && !op.values ? h('p', { class: 'muted' }, 'No poll and no process value learned for this operation.') : null,
  );
}

export async function conversationPage(p: Page, key: string): Promise<void> {
  const c = await api<ShownConversation>('GET', `/api/conversations/${encodeURIComponent(key)}`);
  fill(
    p.main,
    h('p', {}, h('a', { href: '#/conversations' }, 'All conversations')),
    h('h1', {}, `${c.protocol} conversation`),
    h('p', {}, 'client ', endLink(c.client), ' → server ', endLink(c.server), `:${c.server.port}`),
    h('p', { class: 'muted' }, `${num(c.transactions)} transactions, ${num(c.packets)} packets, ${num(c.bytes)} bytes; seen ${time(c.firstSeen)} to ${time(c.lastSeen)}`),
    h('p', { class: 'muted note-history' }, 'Poll periods: the learned period and its spread (mean ± one standard deviation over its samples); history is not kept, so a period cannot be drawn over time.'),
    Object.entries(c.operations).map(([k, op]) => operation(op, c.operationWords[k], (key) => c.keyWords[key] ?? key)),
  );
}
