// The gateway: status (mode, policy, confirmation countdown, engine, bypass, audit chain),
// learning progress, mode changes and island mode.

import { Type } from '@sinclair/typebox';
import { GATEWAY_MODES } from '../../app/services.js';
import { ConsoleStatus, GatewayModeName, Isolated, IsolationRecord, GuidedPathSchema, LearnProgressSchema, Ok, Problem } from '../../app/schemas.js';
import { actor, type Feature } from '../context.js';


export const gatewayRoutes: Feature = async (app, { s }) => {
  app.get('/api/status', { config: { role: 'viewer' }, schema: { tags: ['gateway'], summary: 'Mode, active policy, pending confirmation, isolations, engine health, bypass, audit chain', response: { 200: ConsoleStatus } } }, async () =>
    s.gateway.status(),
  );

  app.get('/api/learning', { config: { role: 'viewer' }, schema: { tags: ['gateway'], summary: 'Learning progress: new behaviour per hour, convergence', response: { 200: LearnProgressSchema } } }, async () => s.gateway.learning());

  app.get('/api/guide', { config: { role: 'viewer' }, schema: { tags: ['gateway'], summary: 'The guided path to enforcement: learn, review, simulate, approve, monitor, enforce; each step with what to do next and why', response: { 200: GuidedPathSchema } } }, async () => s.gateway.guide());

  app.post(
    '/api/mode',
    {
      config: { role: 'engineer' },
      schema: { tags: ['gateway'], summary: `Switch the gateway between ${GATEWAY_MODES.join(', ')}`, body: Type.Object({ mode: GatewayModeName }, { additionalProperties: false }), response: { 200: Ok } },
    },
    async (req) => {
      s.gateway.setMode(req.body.mode, actor(req.session));
      return { ok: true };
    },
  );

  app.get('/api/isolations', { config: { role: 'viewer' }, schema: { tags: ['gateway'], summary: 'Assets and zones cut off now (island mode)', response: { 200: Type.Array(IsolationRecord) } } }, async () => s.gateway.isolations());

  app.post(
    '/api/isolations',
    {
      config: { role: 'engineer' },
      schema: {
        tags: ['gateway'],
        summary: 'Island mode: cut an address, CIDR block or zone off at once',
        body: Type.Object({ target: Type.String({ minLength: 1, maxLength: 100 }), reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: { 200: Isolated, 400: Problem },
      },
    },
    async (req) => {
      const { target, reason } = req.body;
      return { target, addresses: s.gateway.isolate(target, actor(req.session), reason ?? '') };
    },
  );

  app.delete('/api/isolations/:target', { config: { role: 'engineer' }, schema: { tags: ['gateway'], summary: 'End an isolation', params: Type.Object({ target: Type.String() }), response: { 200: Ok, 409: Problem } } }, async (req) => {
    s.gateway.release(req.params.target, actor(req.session));
    return { ok: true };
  });
};
