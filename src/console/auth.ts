// Sessions, roles and CSRF for every /api route. A route declares the role it needs in its
// config; one that does not is refused at start (a new route cannot be left unguarded). A
// change (any method but GET and HEAD) also needs the session's CSRF token in X-CSRF-Token.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConsoleError } from './errors.js';
import type { Services } from '../app/services.js';
import { RANK, type Access } from './context.js';

export const SESSION_COOKIE = 'bulkhead_session';

export interface RouteEntry {
  method: string;
  url: string;
  role: Access;
}

export function guard(app: FastifyInstance, s: Services, routes: RouteEntry[]): void {
  app.addHook('onRoute', (r) => {
    if (!r.url.startsWith('/api/')) return;
    const role = r.config?.role;
    if (!role) throw new Error(`console route ${String(r.method)} ${r.url} declares no role (config.role)`);
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url, role });
  });
  // onRequest: before the body is even parsed, so an anonymous request learns nothing from validation.
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const role = req.routeOptions.config?.role;
    if (!req.url.startsWith('/api/') || role === undefined || role === 'public') return;
    const id = req.cookies[SESSION_COOKIE];
    const session = id ? s.accounts.session(id) : undefined;
    if (!session || !id) throw new ConsoleError('BH_UNAUTHENTICATED', 'log in first (your session is missing or has expired)');
    req.session = session;
    req.sessionId = id;
    if (RANK[session.user.role] < RANK[role]) throw new ConsoleError('BH_FORBIDDEN', `this needs the ${role} role; ${session.user.name} is ${session.user.role}`);
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.headers['x-csrf-token'] !== session.csrf) throw new ConsoleError('BH_CSRF', 'the request lacks this session\'s CSRF token (X-CSRF-Token): reload the page');
  });
}
