// First-run setup, login, logout and who is logged in.

import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../store/user-store.js';
import { SESSION_COOKIE } from '../auth.js';
import { actor, okReply, problem, type Stores } from '../context.js';

const credentials = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'password'],
  properties: { name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' }, password: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

const me = {
  type: 'object',
  properties: { name: { type: 'string' }, role: { type: 'string', enum: ROLES }, csrf: { type: 'string' }, expiresAt: { type: 'number' } },
  required: ['name', 'role', 'csrf', 'expiresAt'],
} as const;

export function sessionRoutes(app: FastifyInstance, s: Stores, secure: boolean): void {
  const cookie = { path: '/', httpOnly: true, secure, sameSite: 'strict' as const };

  app.get('/api/setup', { config: { role: 'public' }, schema: { tags: ['session'], summary: 'Whether the first administrator still has to be created', response: { 200: { type: 'object', properties: { needed: { type: 'boolean' } } } } } }, async () => ({ needed: s.users.count() === 0 }));

  app.post(
    '/api/setup',
    {
      config: { role: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['session'],
        summary: 'Create the first administrator with the one-time setup token printed at start',
        body: { type: 'object', additionalProperties: false, required: ['token', 'name', 'password'], properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, ...credentials.properties } },
        response: { 200: { type: 'object', properties: { name: { type: 'string' }, role: { type: 'string' } } }, 400: problem, 401: problem, 409: problem },
      },
    },
    async (req) => {
      const b = req.body as { token: string; name: string; password: string };
      const u = s.users.setup(b.token, b.name, b.password);
      return { name: u.name, role: u.role };
    },
  );

  app.post(
    '/api/login',
    {
      config: { role: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: { tags: ['session'], summary: 'Log in: sets the session cookie, returns the CSRF token', body: credentials, response: { 200: me, 401: problem, 423: problem } },
    },
    async (req, reply) => {
      const b = req.body as { name: string; password: string };
      const { id, session } = s.users.login(b.name, b.password, req.ip);
      reply.setCookie(SESSION_COOKIE, id, { ...cookie, expires: new Date(session.expiresAt * 1000) });
      return { name: session.user.name, role: session.user.role, csrf: session.csrf, expiresAt: session.expiresAt };
    },
  );

  app.post('/api/logout', { config: { role: 'viewer' }, schema: { tags: ['session'], summary: 'Log out', response: { 200: okReply } } }, async (req, reply) => {
    s.users.logout(req.sessionId!, actor(req.session));
    reply.clearCookie(SESSION_COOKIE, cookie);
    return { ok: true };
  });

  app.get('/api/session', { config: { role: 'viewer' }, schema: { tags: ['session'], summary: 'Who is logged in, with the CSRF token for changes', response: { 200: me } } }, async (req) => {
    const x = req.session!;
    return { name: x.user.name, role: x.user.role, csrf: x.csrf, expiresAt: x.expiresAt };
  });
}
