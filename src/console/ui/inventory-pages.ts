// The asset inventory (search, filter, sort; identity, roles, Purdue level and its reason) and
// the conversations with their operations and ranges; with a key, one asset or one conversation.

import { api } from './api.js';
import { assetPage } from './asset-page.js';
import { conversationPage } from './conversation-page.js';
import { assetHref, conversationHref, hashParams, type Page } from './page.js';
import type { ShownAsset, ShownConversation } from '../../app/schemas.js';
import { h, table, time } from './dom.js';

type Asset = ShownAsset;

const PAGE = 100;

export async function assetsPage(p: Page): Promise<void> {
  const key = hashParams().get('key');
  if (key) return assetPage(p, key);
  const q = h('input', { type: 'search', name: 'q', placeholder: 'search address, MAC, vendor, identity…', size: 36 }) as HTMLInputElement;
  const protocols = await api<{ roles: string[] }[]>('GET', '/api/protocols');
  const role = h('select', { name: 'role' }, h('option', { value: '' }, 'any role'), protocols.flatMap((pr) => pr.roles).map((r) => h('option', { value: r }, r.replace('_', ' ')))) as HTMLSelectElement;
  const purdue = h('select', { name: 'purdue' }, h('option', { value: '' }, 'any level'), [0, 1, 2, 3, 3.5, 4].map((l) => h('option', { value: l }, `Purdue ${l}`))) as HTMLSelectElement;
  const holder = h('div');
  const info = h('span', { class: 'muted' });
  let sort: 'ip' | 'lastSeen' | 'purdue' = 'ip';
  let desc = false;
  let offset = 0;
  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset), sort, desc: String(desc) });
    if (q.value.trim()) params.set('q', q.value.trim());
    if (role.value) params.set('role', role.value);
    if (purdue.value) params.set('purdue', purdue.value);
    const r = await api<{ total: number; items: Asset[] }>('GET', `/api/assets?${params}`);
    info.textContent = `${r.total} assets${r.total > PAGE ? `, ${offset + 1}-${Math.min(offset + PAGE, r.total)} shown` : ''}`;
    const columns: (typeof sort | undefined)[] = ['ip', undefined, undefined, undefined, 'purdue', 'lastSeen'];
    holder.replaceChildren(
      table(
        ['address', 'MAC / vendor', 'identity', 'roles', 'Purdue level (why)', 'last seen'],
        r.items.map((a) => [
          h('a', { href: assetHref(a.key) }, `${a.ip}${a.vlan !== undefined ? ` (VLAN ${a.vlan})` : ''}`),
          a.macs.map((m) => `${m.mac}${m.vendor ? ` ${m.vendor}` : ''}`).join(', '),
          a.identityText,
          a.roles.map((x) => h('span', { class: 'pill' }, x)),
          a.purdue ? h('span', { title: a.purdue.reason }, `${a.purdue.level} `, h('span', { class: 'muted' }, `(${a.purdue.reason})`)) : '-',
          time(a.lastSeen),
        ]),
        {
          on: (i) => {
            const c = columns[i];
            if (!c) return;
            desc = c === sort ? !desc : false;
            sort = c;
            void load();
          },
        },
      ),
      h(
        'div',
        { class: 'toolbar' },
        h('button', { class: 'secondary', disabled: offset === 0, onclick: () => ((offset = Math.max(0, offset - PAGE)), void load()) }, 'Previous'),
        h('button', { class: 'secondary', disabled: offset + PAGE >= r.total, onclick: () => ((offset += PAGE), void load()) }, 'Next'),
      ),
    );
  };
  let debounce: number | undefined;
  q.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(() => ((offset = 0), void load()), 250);
  });
  for (const sel of [role, purdue]) sel.addEventListener('change', () => ((offset = 0), void load()));
  p.main.replaceChildren(h('h1', {}, 'Assets'), h('div', { class: 'toolbar' }, q, role, purdue, info), holder);
  await load();
}

export async function conversationsPage(p: Page): Promise<void> {
  const key = hashParams().get('key');
  if (key) return conversationPage(p, key);
  const ip = h('input', { type: 'search', name: 'ip', placeholder: 'address', size: 18 }) as HTMLInputElement;
  const protocol = h('select', { name: 'protocol' }, h('option', { value: '' }, 'any protocol'), ['modbus', 'opcua', 'bacnet'].map((x) => h('option', { value: x }, x))) as HTMLSelectElement;
  const holder = h('div');
  const info = h('span', { class: 'muted' });
  const load = async () => {
    const params = new URLSearchParams({ limit: '200' });
    if (ip.value.trim()) params.set('ip', ip.value.trim());
    if (protocol.value) params.set('protocol', protocol.value);
    const r = await api<{ total: number; items: ShownConversation[] }>('GET', `/api/conversations?${params}`);
    info.textContent = `${r.total} conversations${r.total > r.items.length ? `, first ${r.items.length} shown` : ''}`;
    holder.replaceChildren(
      table(
        ['client', 'server', 'protocol', 'operations (count) and ranges', 'transactions', 'last seen'],
        r.items.map((c) => [
          c.client.ip,
          `${c.server.ip}:${c.server.port}`,
          h('a', { href: conversationHref(c.key), title: 'its operations, polls and process values' }, c.protocol),
          h('div', {}, Object.entries(c.operations).map(([key, o]) => h('div', {}, h('span', { class: 'pill' }, o.kind), `${c.operationWords[key] ?? o.codeName} `, h('span', { class: 'muted' }, `×${o.count}`)))),
          c.transactions,
          time(c.lastSeen),
        ]),
      ),
    );
  };
  ip.addEventListener('change', () => void load());
  protocol.addEventListener('change', () => void load());
  p.main.replaceChildren(h('h1', {}, 'Conversations'), h('div', { class: 'toolbar' }, ip, protocol, info), holder);
  await load();
}
