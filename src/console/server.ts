// The console's HTTP server: fastify with one plugin per feature, each route with its request and
// response schemas (TypeBox: validation, serialisation, the handlers' types and the OpenAPI
// document at /api/docs), errors from one registry, sessions and roles on every
// /api route, rate limits on logins, and the web UI served from built files (no CDN: it works
// offline on the plant network).

import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { services } from '../app/services.js';
import type { Db } from '../store/database.js';
import { guard, type RouteEntry } from './auth.js';
import { ConsoleError, toConsoleError } from './errors.js';
import { advisoryRoutes } from './routes/advisories.js';
import { alertRoutes } from './routes/alerts.js';
import { auditRoutes } from './routes/audit.js';
import { eventRoutes } from './routes/events.js';
import { fleetRoutes } from './routes/fleet.js';
import { gatewayRoutes } from './routes/gateway.js';
import { inventoryRoutes } from './routes/inventory.js';
import { policyChangeRoutes } from './routes/policy-changes.js';
import { policyRoutes, policyRuleRoutes } from './routes/policy.js';
import { riskRoutes } from './routes/risk.js';
import { sessionRoutes } from './routes/session.js';
import { userRoutes } from './routes/users.js';

export interface ConsoleOptions {
  /** HTTPS key and certificate; without them plain HTTP (tests, or behind the plant's own proxy). */
  tls?: { key: string; cert: string };
  /** pino's level for requests and errors; absent: no log (tests). */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

/** The UI: compiled scripts (dist/src/console/ui), pages and styles from the sources (src/console/ui). */
function uiRoots(): string[] {
  const here = import.meta.dirname;
  const root = here.includes('/dist/') ? join(here, '..', '..', '..') : join(here, '..', '..');
  const scripts = join(root, 'dist', 'src', 'console', 'ui');
  const pages = join(root, 'src', 'console', 'ui');
  return [scripts, pages].filter((d) => existsSync(d));
}

export async function buildConsole(db: Db, o: ConsoleOptions = {}): Promise<{ app: FastifyInstance; routes: RouteEntry[] }> {
  const app = Fastify({
    logger: o.logLevel ? { level: o.logLevel } : false,
    ...(o.tls ? { https: { key: o.tls.key, cert: o.tls.cert } } : {}),
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', useDefaults: true, removeAdditional: false } },
    bodyLimit: 8 << 20,
    // A stop ends every connection (a browser's keep-alive, a live event stream): closing must
    // not wait on clients, or the service manager has to kill the console.
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const s = services(db);
  const routes: RouteEntry[] = [];
  app.setErrorHandler((err, req, reply) => {
    const e = toConsoleError(err);
    // A failure of the box itself (the store, the kernel, a bug) is logged whole; the browser
    // gets its code and meaning, not paths or tool output.
    if (e.statusCode >= 500) req.log.error(err);
    void reply.status(e.statusCode).send({ code: e.code, message: e.message });
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/')) return reply.status(404).send({ code: 'BH_NOT_FOUND', message: `no such API route: ${req.method} ${req.url.split('?')[0]}` });
    // The UI is one page: its own routes (#/assets, ...) live after the hash.
    return reply.status(404).type('text/plain').send('not found');
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, { openapi: { info: { title: 'Bulkhead console API', version: '0.1.0', description: 'Every route needs a session (cookie) with the role it names, and changes need the X-CSRF-Token header.' } } });
  guard(app, s, routes);
  for (const feature of [sessionRoutes(o.tls !== undefined), userRoutes, gatewayRoutes, inventoryRoutes, policyRoutes, policyRuleRoutes, policyChangeRoutes, alertRoutes, advisoryRoutes, riskRoutes, auditRoutes, eventRoutes, fleetRoutes]) await app.register(feature, { s });
  app.get('/api/docs', { config: { role: 'public' }, schema: { hide: true } }, async () => app.swagger());
  const roots = uiRoots();
  if (roots.length) await app.register(fastifyStatic, { root: roots, index: 'index.html', cacheControl: true, maxAge: 0 });
  else app.get('/', async () => { throw new ConsoleError('BH_NOT_FOUND', 'the console UI is not built: npm run build'); });
  return { app, routes };
}
