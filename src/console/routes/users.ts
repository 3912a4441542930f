// Accounts, for administrators.

import type { FastifyInstance } from 'fastify';
import { ROLES, type Role } from '../../store/user-store.js';
import { actor, anyArray, okReply, problem, type Stores } from '../context.js';

const name = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } as const;
export function userRoutes(app: FastifyInstance, s: Stores): void {
  app.get('/api/users', { config: { role: 'admin' }, schema: { tags: ['users'], summary: 'Accounts', response: { 200: anyArray } } }, async () => s.users.list());

  app.post(
    '/api/users',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Create an account',
        body: { type: 'object', additionalProperties: false, required: ['name', 'role', 'password'], properties: { name, role: { type: 'string', enum: ROLES }, password: { type: 'string', maxLength: 256 } } },
        response: { 200: okReply, 400: problem, 409: problem },
      },
    },
    async (req) => {
      const b = req.body as { name: string; role: Role; password: string };
      s.users.create(b.name, b.role, b.password, actor(req.session));
      return { ok: true };
    },
  );

  app.patch(
    '/api/users/:name',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['users'],
        summary: "Change an account's role or password",
        params: { type: 'object', properties: { name }, required: ['name'] },
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { role: { type: 'string', enum: ROLES }, password: { type: 'string', maxLength: 256 } } },
        response: { 200: okReply, 400: problem, 404: problem, 409: problem },
      },
    },
    async (req) => {
      const { name: who } = req.params as { name: string };
      const b = req.body as { role?: Role; password?: string };
      if (b.role) s.users.setRole(who, b.role, actor(req.session));
      if (b.password) s.users.setPassword(who, b.password, actor(req.session));
      return { ok: true };
    },
  );

  app.delete('/api/users/:name', { config: { role: 'admin' }, schema: { tags: ['users'], summary: 'Delete an account', params: { type: 'object', properties: { name }, required: ['name'] }, response: { 200: okReply, 404: problem, 409: problem } } }, async (req) => {
    s.users.remove((req.params as { name: string }).name, actor(req.session));
    return { ok: true };
  });
}
