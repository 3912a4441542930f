// The zone map: zones as boxes by Purdue level (higher levels on top, colour by target security
// level, their assets inside), conduits as lines labelled with their name and rule count, laid out
// by ELK so that nothing overlaps (zone-layout.ts). A conduit's click shows its rules; a zone's
// toggle collapses it to its count (large zones start so). Edits (rename, move an asset, merge,
// split) make a new draft version, to be reviewed, simulated and approved like any other.

import { api, may } from './api.js';
import type { Page } from './page.js';
import type { ShownPolicy as Policy, Zone } from './policy-types.js';
import { who } from './policy-page.js';
import { h, s, table } from './dom.js';
import { COLLAPSE_OVER, conduitLabel, insideLabel, layoutZones, type ConduitLine, type ShownConduit, type ZoneBox, type ZoneLayout } from './zone-layout.js';

const LINE = 16;
const PAD = 10;

interface MapState { p: Page; v: number; policy: Policy; panel: HTMLElement; error: HTMLElement; collapsed: Set<string>; selected?: string }

export async function zonesPage(p: Page): Promise<void> {
  const versions = await api<{ version: number; status: string }[]>('GET', '/api/policies');
  if (!versions.length) {
    p.main.replaceChildren(h('h1', {}, 'Zone map'), h('p', { class: 'muted' }, 'No policy yet: learn first, then derive one on the Policy page.'));
    return;
  }
  const v = Number(new URLSearchParams(location.hash.split('?')[1] ?? '').get('v')) || versions.at(-1)!.version;
  const { policy } = await api<{ policy: Policy }>('GET', `/api/policies/${v}`);
  const st: MapState = {
    p, v, policy,
    panel: h('div', { class: 'card' }, h('p', { class: 'muted' }, 'Select a zone to see and edit it, or a conduit to see its rules.')),
    error: h('div', { class: 'error', role: 'alert' }),
    collapsed: new Set(policy.zones.filter((z) => z.members.length > COLLAPSE_OVER).map((z) => z.id)),
  };
  const map = h('div', { class: 'zonemap-holder' }, h('p', { class: 'muted' }, 'Laying out the zone map…'));
  p.main.replaceChildren(
    h('h1', {}, `Zone map: version ${v} (${versions.find((x) => x.version === v)?.status ?? '?'})`),
    h('p', { class: 'muted' }, `Top to bottom: Purdue levels, the highest first. Colour: target security level (green SL 1 to red SL 4). Lines: conduits with their name and rule count; select one for its rules. Zones of more than ${COLLAPSE_OVER} assets start collapsed. Edits create a new draft version.`),
    h('div', { class: 'split' }, map, h('div', {}, st.panel, st.error)),
  );
  await redraw(st, map);
}

async function redraw(st: MapState, holder: HTMLElement): Promise<void> {
  const layout = await layoutZones(st.policy, st.collapsed);
  holder.replaceChildren(drawMap(st, layout, () => void redraw(st, holder).catch((e: Error) => (st.error.textContent = e.message))));
}

function drawMap(st: MapState, layout: ZoneLayout, relayout: () => void): SVGElement {
  const { policy } = st;
  const [w, ht] = [Math.max(layout.width, 200), Math.max(layout.height, 120)];
  const svg = s('svg', { class: 'zonemap', viewBox: `0 0 ${w} ${ht}`, width: w, height: ht, role: 'img', 'aria-label': `zones and conduits of ${policy.name}` });
  // Drawn at its own size (texts stay readable); a plant wider than the page scrolls.
  svg.style.width = `${w}px`;
  const select = (el: SVGElement, panel: HTMLElement[]) => {
    for (const x of svg.querySelectorAll('.selected')) x.classList.remove('selected');
    el.classList.add('selected');
    st.panel.replaceChildren(...panel);
  };
  for (const c of layout.conduits) svg.append(conduitEdge(st, c, select));
  for (const box of layout.zones) svg.append(zoneGroup(st, box, select, relayout));
  return svg;
}

function conduitEdge(st: MapState, line: ConduitLine, select: (el: SVGElement, panel: HTMLElement[]) => void): SVGElement {
  const c = line.conduit;
  const g = s('g', { class: 'conduit-edge', 'data-conduit': c.id, tabindex: 0 });
  const { x = 0, y = 0, width = 0, height = 0 } = line.label;
  g.append(
    s('polyline', { class: 'conduit', points: line.points.map((pt) => `${pt.x},${pt.y}`).join(' ') }, s('title', {}, `${conduitLabel(c)}: ${summary(c)}`)),
    s('rect', { class: 'conduit-label-bg', x, y, width, height, rx: 3 }),
    s('text', { class: 'conduit-label', x: x + 4, y: y + height - 5 }, conduitLabel(c)),
  );
  onActivate(g, () => select(g, conduitPanel(st, c)));
  return g;
}

function zoneGroup(st: MapState, box: ZoneBox, select: (el: SVGElement, panel: HTMLElement[]) => void, relayout: () => void): SVGElement {
  const z = box.zone;
  const g = s('g', { class: `zone${box.collapsed ? ' collapsed' : ''}${st.selected === z.id ? ' selected' : ''}`, 'data-zone': z.id, tabindex: 0 });
  const text = (i: number, cls: string, t: string) => s('text', { class: cls, x: box.x + PAD, y: box.y + PAD + i * LINE + 12 }, t);
  const toggle = text(2, 'zone-toggle', box.header[2]!);
  // Reached by Tab like a button: a keyboard user collapses and opens zones too.
  for (const [k, v] of Object.entries({ tabindex: '0', role: 'button', 'aria-label': `${box.collapsed ? 'Show the assets of' : 'Collapse'} ${z.name}` })) toggle.setAttribute(k, v);
  g.append(
    s('rect', { class: 'zone-box', x: box.x, y: box.y, width: box.width, height: box.height, rx: 6, fill: `var(--sl${Math.max(1, Math.min(4, z.securityLevel))})` }),
    text(0, 'zone-name', box.header[0]!),
    text(1, 'zone-info', box.header[1]!),
    toggle,
    ...box.assets.map((a) =>
      s('g', { class: 'asset' },
        s('rect', { x: box.x + (a.x ?? 0), y: box.y + (a.y ?? 0), width: a.width ?? 0, height: a.height ?? 0, rx: 3 }),
        s('text', { class: 'asset-name', x: box.x + (a.x ?? 0) + 6, y: box.y + (a.y ?? 0) + (a.height ?? 0) - 6 }, a.labels?.[0]?.text ?? ''),
      ),
    ),
  );
  box.inside.forEach((c, i) => {
    const t = text(3 + i, 'conduit-label inside', insideLabel(c));
    t.setAttribute('data-conduit', c.id);
    t.setAttribute('tabindex', '0');
    onActivate(t, () => select(g, conduitPanel(st, c)));
    g.append(t);
  });
  onActivate(toggle, () => {
    if (!st.collapsed.delete(z.id)) st.collapsed.add(z.id);
    relayout();
  });
  onActivate(g, () => {
    st.selected = z.id;
    select(g, zonePanel(st, z));
  });
  return g;
}

/** A click, Enter or Space on `el` does `act`, and goes no further (a zone's toggle is not a click on the zone). */
function onActivate(el: SVGElement, act: () => void): void {
  el.addEventListener('click', (e) => {
    e.stopPropagation();
    act();
  });
  el.addEventListener('keydown', (e) => {
    const key = (e as KeyboardEvent).key;
    if (key !== 'Enter' && key !== ' ') return;
    e.preventDefault();
    e.stopPropagation();
    act();
  });
}

/** What a conduit's rules allow, in short (all of them, as the server summed them up): its protocols and kinds of operation. */
function summary(c: ShownConduit): string {
  return `${c.summary.protocols.join('/')} ${c.summary.kinds.join(', ')}`;
}

function conduitPanel(st: MapState, c: ShownConduit): HTMLElement[] {
  const zoneName = (id: string) => st.policy.zones.find((z) => z.id === id)?.name ?? id;
  return [
    h('h2', {}, c.name),
    h('p', { class: 'muted' }, `${zoneName(c.zones[0])} ↔ ${zoneName(c.zones[1])} · ${c.ruleCount} rule${c.ruleCount === 1 ? '' : 's'}: ${summary(c)}`),
    table(['rule', 'protocol', 'client', 'server', 'allows'], c.rules.map((r) => [r.id, `${r.protocol}${r.port ? `:${r.port}` : ''}`, who(r.client), who(r.server), r.allows])),
    c.ruleCount > c.rules.length ? h('p', { class: 'muted' }, `${c.ruleCount - c.rules.length} more rules on the Policy page`) : null,
    h('p', {}, h('a', { href: `#/policy?v=${st.v}&conduit=${encodeURIComponent(c.id)}`, class: 'conduit-link' }, 'Open its rules with their evidence on the Policy page')),
  ].filter((x): x is HTMLElement => x !== null);
}

function zonePanel(st: MapState, z: Zone): HTMLElement[] {
  const { p, v, policy, error } = st;
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
