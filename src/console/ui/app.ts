// The console in the browser: first-run setup, login, and the pages, routed by the URL's hash.

import { api, ApiError, may, setCsrf, type Me } from './api.js';
import { h } from './dom.js';
import type { Page } from './page.js';
import { alertsPage } from './alerts-page.js';
import { fleetPage } from './fleet-page.js';
import { auditPage, dashboardPage, eventsPage, reportPage, usersPage } from './gateway-pages.js';
import { assetsPage, conversationsPage } from './inventory-pages.js';
import { policyPage } from './policy-page.js';
import { riskPage } from './risk-page.js';
import { zonesPage } from './zones-page.js';

const PAGES: { path: string; title: string; role: Me['role']; render: (p: Page) => Promise<void> }[] = [
  { path: '', title: 'Dashboard', role: 'viewer', render: dashboardPage },
  { path: 'assets', title: 'Assets', role: 'viewer', render: assetsPage },
  { path: 'conversations', title: 'Conversations', role: 'viewer', render: conversationsPage },
  { path: 'zones', title: 'Zone map', role: 'viewer', render: zonesPage },
  { path: 'policy', title: 'Policy', role: 'viewer', render: policyPage },
  { path: 'alerts', title: 'Alerts', role: 'viewer', render: alertsPage },
  { path: 'risk', title: 'Risk', role: 'viewer', render: (p) => riskPage(p) },
  { path: 'events', title: 'Events', role: 'viewer', render: eventsPage },
  { path: 'audit', title: 'Audit log', role: 'viewer', render: auditPage },
  { path: 'report', title: 'Compliance', role: 'viewer', render: reportPage },
  { path: 'fleet', title: 'Fleet', role: 'viewer', render: fleetPage },
  { path: 'users', title: 'Users', role: 'admin', render: usersPage },
];

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
let me: Me | undefined;
let current: Page | undefined;

function route(): string {
  return location.hash.replace(/^#\/?/, '').split('?')[0]!;
}

function field(label: string, input: HTMLElement): HTMLElement {
  return h('label', {}, h('div', { class: 'muted' }, label), input);
}

function credentialsForm(title: string, intro: string, withToken: boolean, submit: (v: { token: string; name: string; password: string }) => Promise<void>): HTMLElement {
  const token = h('input', { name: 'token', autocomplete: 'off', size: 30 }) as HTMLInputElement;
  const name = h('input', { name: 'name', autocomplete: 'username' }) as HTMLInputElement;
  const password = h('input', { name: 'password', type: 'password', autocomplete: withToken ? 'new-password' : 'current-password' }) as HTMLInputElement;
  const error = h('div', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'form',
      onsubmit: (e: Event) => {
        e.preventDefault();
        error.textContent = '';
        submit({ token: token.value.trim(), name: name.value.trim(), password: password.value }).catch((err: Error) => (error.textContent = err.message));
      },
    },
    h('h1', {}, title),
    h('p', { class: 'muted' }, intro),
    withToken ? field('Setup token (printed when Bulkhead started)', token) : null,
    field('User name', name),
    field(withToken ? 'Password (12 or more characters, three kinds of character)' : 'Password', password),
    h('button', { type: 'submit' }, withToken ? 'Create administrator' : 'Log in'),
    error,
  );
  return form;
}

async function login(): Promise<void> {
  const needed = (await api<{ needed: boolean }>('GET', '/api/setup')).needed;
  nav.replaceChildren();
  who.replaceChildren();
  if (needed) {
    main.replaceChildren(
      credentialsForm('Set up Bulkhead', 'No account exists yet. Create the first administrator with the one-time token printed in the console output when Bulkhead started. There is no default password.', true, async (v) => {
        await api('POST', '/api/setup', v);
        await signIn(v.name, v.password);
      }),
    );
    return;
  }
  main.replaceChildren(credentialsForm('Log in', 'Local accounts of this gateway. Five wrong passwords in a row lock an account for 15 minutes.', false, (v) => signIn(v.name, v.password)));
}

async function signIn(name: string, password: string): Promise<void> {
  me = await api<Me>('POST', '/api/login', { name, password });
  setCsrf(me.csrf);
  location.hash = '#/';
  await show();
}

async function show(): Promise<void> {
  for (const f of current?.cleanup ?? []) f();
  current = undefined;
  if (!me) {
    try {
      me = await api<Me>('GET', '/api/session');
      setCsrf(me.csrf);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return login();
      throw err;
    }
  }
  const path = route();
  const page = PAGES.find((p) => p.path === path) ?? PAGES[0]!;
  nav.replaceChildren(...PAGES.filter((p) => may(me, p.role)).map((p) => h('a', { href: `#/${p.path}`, class: p === page ? 'active' : undefined }, p.title)));
  who.replaceChildren(
    `${me.name} (${me.role})`,
    h('button', {
      class: 'secondary',
      onclick: async () => {
        await api('POST', '/api/logout');
        me = undefined;
        await login();
      },
    }, 'Log out'),
  );
  document.title = `${page.title} · Bulkhead`;
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  current = { me, main, cleanup: [] };
  try {
    await page.render(current);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      me = undefined;
      return login();
    }
    main.replaceChildren(h('p', { class: 'error' }, (err as Error).message));
  }
}

window.addEventListener('hashchange', () => void show());
void show();
