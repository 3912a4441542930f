// The guided path on the dashboard: the six steps from learning to enforcement as the server
// reads them from the store, the current one with what to do next and why, each linking to
// the page that does it.

import type { GuidedPath } from '../../app/schemas.js';
import { h } from './dom.js';

const MARK = { done: '✓', current: '▶', later: '·' } as const;

export function guidedPathView(path: GuidedPath): HTMLElement {
  return h(
    'section',
    { class: 'guide', 'aria-label': 'Guided path to enforcement' },
    h('h2', {}, 'Your path to enforcement'),
    h(
      'ol',
      {},
      path.steps.map((s) =>
        h(
          'li',
          { class: `step ${s.state}`, 'data-step': s.id, ...(s.state === 'current' ? { 'aria-current': 'step' } : {}) },
          h('span', { class: 'mark', 'aria-hidden': 'true' }, MARK[s.state]),
          h('div', {}, h('a', { href: s.href }, s.title), h('div', { class: 'muted' }, s.status), s.state === 'current' && s.next ? h('div', { class: 'next' }, s.next) : null),
        ),
      ),
    ),
  );
}
