// The zone map: zones as boxes by Purdue level (colour by target security level, their assets
// inside), conduits as lines showing what they allow. Edits (rename, move an asset, merge, split)
// make a new draft version, to be reviewed, simulated and approved like any other.

import { api, may } from './api.js';
import type { Page } from './page.js';
import type { ShownPolicy as Policy, Zone } from './policy-types.js';
import { h, s } from './dom.js';


const W = 230;
const ROW = 16;
const GAP = 40;

export async function zonesPage(p: Page): Promise<void> {
  const versions = await api<{ version: number; status: string }[]>('GET', '/api/policies');
  if (!versions.length) {
    p.main.replaceChildren(h('h1', {}, 'Zone map'), h('p', { class: 'muted' }, 'No policy yet: learn first, then derive one on the Policy page.'));
    return;
  }
  const v = Number(new URLSearchParams(location.hash.split('?')[1] ?? '').get('v')) || versions.at(-1)!.version;
  const { policy } = await api<{ policy: Policy }>('GET', `/api/policies/${v}`);
  const panel = h('div', { class: 'card' }, h('p', { class: 'muted' }, 'Select a zone to see and edit it.'));
  const error = h('div', { class: 'error', role: 'alert' });

  // Columns by Purdue level (zones without one last), boxes stacked in each.
  const levels = [...new Set(policy.zones.map((z) => z.purdueLevel ?? 99))].sort((a, b) => a - b);
  const pos = new Map<string, { x: number; y: number; hgt: number }>();
  const columnY = new Map<number, number>();
  for (const z of policy.zones) {
    const col = levels.indexOf(z.purdueLevel ?? 99);
    const shown = Math.min(z.members.length, 8) + (z.members.length > 8 ? 1 : 0);
    const hgt = 44 + shown * ROW;
    const y = columnY.get(col) ?? 20;
    pos.set(z.id, { x: 20 + col * (W + GAP * 2), y, hgt });
    columnY.set(col, y + hgt + GAP);
  }
  const width = 40 + levels.length * (W + GAP * 2);
  const height = Math.max(200, ...columnY.values());
  const svg = s('svg', { class: 'zonemap', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `zones and conduits of ${policy.name}` });
  for (const c of policy.conduits) {
    const a = pos.get(c.zones[0]);
    const b = pos.get(c.zones[1]);
    if (!a || !b) continue;
    const kinds = [...new Set(c.rules.flatMap((r) => (r.action === 'deny' ? ['deny'] : r.allow ? r.allow.flatMap((x) => x.kinds ?? ['some']) : ['any'])))];
    const label = `${c.ruleCount} rule${c.ruleCount === 1 ? '' : 's'}: ${[...new Set(c.rules.map((r) => r.protocol))].join('/')} ${kinds.join(',')}`;
    if (a === b) {
      svg.append(s('text', { x: a.x + 6, y: a.y + a.hgt + 14, class: 'conduit-label' }, `inside: ${label}`));
      continue;
    }
    const [x1, y1, x2, y2] = [a.x + W / 2, a.y + a.hgt / 2, b.x + W / 2, b.y + b.hgt / 2];
    svg.append(s('line', { x1, y1, x2, y2, class: 'conduit' }, s('title', {}, `${c.name}: ${label}`)), s('text', { x: (x1 + x2) / 2 + 4, y: (y1 + y2) / 2 - 4, class: 'conduit-label' }, label));
  }
  const boxes: SVGElement[] = [];
  for (const z of policy.zones) {
    const at = pos.get(z.id)!;
    const g = s('g', { class: 'zone', 'data-zone': z.id, tabindex: 0 });
    g.append(
      s('rect', { x: at.x, y: at.y, width: W, height: at.hgt, rx: 6, fill: `var(--sl${Math.max(1, Math.min(4, z.securityLevel))})` }),
      s('text', { x: at.x + 8, y: at.y + 18, 'font-weight': 700 }, z.name),
      s('text', { x: at.x + 8, y: at.y + 34 }, `SL-T ${z.securityLevel}${z.purdueLevel !== undefined ? ` · Purdue ${z.purdueLevel}` : ''} · ${z.members.length} member${z.members.length === 1 ? '' : 's'}`),
      ...z.members.slice(0, 8).map((m, i) => s('text', { x: at.x + 14, y: at.y + 52 + i * ROW }, m)),
      ...(z.members.length > 8 ? [s('text', { x: at.x + 14, y: at.y + 52 + 8 * ROW }, `+${z.members.length - 8} more`)] : []),
    );
    g.addEventListener('click', () => {
      for (const b of boxes) b.classList.remove('selected');
      g.classList.add('selected');
      panel.replaceChildren(...zonePanel(p, v, policy, z, error));
    });
    boxes.push(g);
    svg.append(g);
  }
  p.main.replaceChildren(
    h('h1', {}, `Zone map: version ${v} (${versions.find((x) => x.version === v)?.status ?? '?'})`),
    h('p', { class: 'muted' }, 'Colour: target security level (green SL 1 to red SL 4). Lines: conduits, with the protocols and kinds of operation their rules allow. Edits create a new draft version.'),
    h('div', { class: 'split' }, svg, h('div', {}, panel, error)),
  );
}

function zonePanel(p: Page, v: number, policy: Policy, z: Zone, error: HTMLElement): HTMLElement[] {
  const info = [h('h2', {}, z.name), h('p', { class: 'muted' }, `id ${z.id}, SL-T ${z.securityLevel}`), h('ul', {}, z.members.map((m) => h('li', {}, m)))];
  if (!may(p.me, 'engineer')) return [...info, h('p', { class: 'muted' }, 'engineers can edit zones')];
  const edit = (body: object) => () => {
    error.textContent = '';
    api<{ version: number }>('POST', `/api/policies/${v}/edit`, body).then(
      (r) => (location.hash = `#/zones?v=${r.version}`),
      (e: Error) => (error.textContent = e.message),
    );
  };
  const others = policy.zones.filter((x) => x.id !== z.id);
  const name = h('input', { name: 'zone-name', value: z.name }) as HTMLInputElement;
  const member = h('select', { name: 'member' }, z.members.map((m) => h('option', {}, m))) as HTMLSelectElement;
  const to = h('select', { name: 'to' }, others.map((o) => h('option', { value: o.id }, o.name))) as HTMLSelectElement;
  const into = h('select', { name: 'into' }, others.map((o) => h('option', { value: o.id }, o.name))) as HTMLSelectElement;
  const picks = z.members.map((m) => h('input', { type: 'checkbox', value: m }) as HTMLInputElement);
  const newId = h('input', { name: 'split-id', placeholder: 'new zone id', size: 12 }) as HTMLInputElement;
  const newName = h('input', { name: 'split-name', placeholder: 'new zone name', size: 16 }) as HTMLInputElement;
  return [
    ...info,
    h('h2', {}, 'Rename'),
    h('div', { class: 'toolbar' }, name, h('button', { onclick: () => edit({ op: 'rename', zone: z.id, name: name.value.trim() })() }, 'Rename')),
    others.length ? [h('h2', {}, 'Move an asset'), h('div', { class: 'toolbar' }, member, 'to', to, h('button', { onclick: () => edit({ op: 'move', member: member.value, to: to.value })() }, 'Move'))] : null,
    others.length ? [h('h2', {}, 'Merge'), h('div', { class: 'toolbar' }, 'into', into, h('button', { onclick: () => edit({ op: 'merge', zone: z.id, into: into.value })() }, 'Merge'))] : null,
    z.members.length > 1
      ? [h('h2', {}, 'Split off'), h('div', {}, z.members.map((m, i) => h('label', { style: 'display:block' }, picks[i]!, ` ${m}`))), h('div', { class: 'toolbar' }, newId, newName, h('button', { onclick: () => edit({ op: 'split', zone: z.id, members: picks.filter((c) => c.checked).map((c) => c.value), id: newId.value.trim(), name: newName.value.trim() })() }, 'Split'))]
      : null,
  ].flat().filter((x): x is HTMLElement => x !== null);
}
