// First-run setup, login, logout and who is logged in.

import { Type } from '@sinclair/typebox';
import { Me, Ok, Problem } from '../../app/schemas.js';
import type { Session } from '../../store/user-store.js';
import { SESSION_COOKIE } from '../auth.js';
import { actor, type Feature } from '../context.js';

const credentials = {
  name: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
};

const me = (x: Session): Me => ({ name: x.user.name, role: x.user.role, csrf: x.csrf, expiresAt: x.expiresAt });

export const sessionRoutes = (secure: boolean): Feature =>
  async (app, { s }) => {
    const cookie = { path: '/', httpOnly: true, secure, sameSite: 'strict' as const };

    app.get('/api/setup', { config: { role: 'public' }, schema: { tags: ['session'], summary: 'Whether the first administrator still has to be created', response: { 200: Type.Object({ needed: Type.Boolean() }) } } }, async () => ({
      needed: s.accounts.count() === 0,
    }));

    app.post(
      '/api/setup',
      {
        config: { role: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
        schema: {
          tags: ['session'],
          summary: 'Create the first administrator with the one-time setup token printed at start',
          body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), ...credentials }, { additionalProperties: false }),
          response: { 200: Type.Object({ name: Type.String(), role: Type.String() }), 400: Problem, 401: Problem, 409: Problem },
        },
      },
      async (req) => {
        const u = s.accounts.setup(req.body.token, req.body.name, req.body.password);
        return { name: u.name, role: u.role };
      },
    );

    app.post(
      '/api/login',
      {
        config: { role: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
        schema: { tags: ['session'], summary: 'Log in: sets the session cookie, returns the CSRF token', body: Type.Object(credentials, { additionalProperties: false }), response: { 200: Me, 401: Problem, 423: Problem } },
      },
      async (req, reply) => {
        const { id, session } = s.accounts.login(req.body.name, req.body.password, req.ip);
        reply.setCookie(SESSION_COOKIE, id, { ...cookie, expires: new Date(session.expiresAt * 1000) });
        return me(session);
      },
    );

    app.post('/api/logout', { config: { role: 'viewer' }, schema: { tags: ['session'], summary: 'Log out', response: { 200: Ok } } }, async (req, reply) => {
      s.accounts.logout(req.sessionId!, actor(req.session));
      reply.clearCookie(SESSION_COOKIE, cookie);
      return { ok: true };
    });

    app.get('/api/session', { config: { role: 'viewer' }, schema: { tags: ['session'], summary: 'Who is logged in, with the CSRF token for changes', response: { 200: Me } } }, async (req) => me(req.session!));
  };
