// Accounts, for administrators.

import { Type } from '@sinclair/typebox';
import { Ok, Problem, RoleName, UserRecord } from '../../app/schemas.js';
import { actor, type Feature } from '../context.js';

const name = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' });
const role = RoleName;
const password = Type.String({ maxLength: 256 });
const byName = Type.Object({ name });

export const userRoutes: Feature = async (app, { s }) => {
  app.get('/api/users', { config: { role: 'admin' }, schema: { tags: ['users'], summary: 'Accounts', response: { 200: Type.Array(UserRecord) } } }, async () => s.accounts.list());

  app.post(
    '/api/users',
    {
      config: { role: 'admin' },
      schema: { tags: ['users'], summary: 'Create an account', body: Type.Object({ name, role, password }, { additionalProperties: false }), response: { 200: Ok, 400: Problem, 409: Problem } },
    },
    async (req) => {
      s.accounts.create(req.body.name, req.body.role, req.body.password, actor(req.session));
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
        params: byName,
        body: Type.Object({ role: Type.Optional(role), password: Type.Optional(password) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Ok, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => {
      const by = actor(req.session);
      if (req.body.role) s.accounts.setRole(req.params.name, req.body.role, by);
      if (req.body.password) s.accounts.setPassword(req.params.name, req.body.password, by);
      return { ok: true };
    },
  );

  app.delete('/api/users/:name', { config: { role: 'admin' }, schema: { tags: ['users'], summary: 'Delete an account', params: byName, response: { 200: Ok, 404: Problem, 409: Problem } } }, async (req) => {
    s.accounts.remove(req.params.name, actor(req.session));
    return { ok: true };
  });
};
