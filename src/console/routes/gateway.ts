// The gateway: status (mode, policy, confirmation countdown, engine, bypass, audit chain),
// learning progress, mode changes and island mode.

import type { FastifyInstance } from 'fastify';
import { gatewayStatus } from '../../app/status.js';
import { progressOf } from '../../app/learn.js';
import { isolationAddresses } from '../../app/isolation.js';
import { actor, anyArray, anyObject, okReply, problem, type Stores } from '../context.js';

export function gatewayRoutes(app: FastifyInstance, s: Stores): void {
  app.get('/api/status', { config: { role: 'viewer' }, schema: { tags: ['gateway'], summary: 'Mode, active policy, pending confirmation, isolations, engine health, bypass, audit chain', response: { 200: anyObject } } }, async () => ({
    ...gatewayStatus(s.policies),
    unacknowledgedAlerts: s.events.unacknowledged(),
    // Enforcement needs root and a bridge; a console without them still learns and reviews.
    root: process.getuid?.() === 0,
  }));

  app.get('/api/learning', { config: { role: 'viewer' }, schema: { tags: ['gateway'], summary: 'Learning progress: new behaviour per hour, convergence', response: { 200: anyObject } } }, async () => progressOf(s.learn));

  app.post(
    '/api/mode',
    {
      config: { role: 'engineer' },
      schema: { tags: ['gateway'], summary: 'Switch the gateway between learn, enforce and bypass', body: { type: 'object', additionalProperties: false, required: ['mode'], properties: { mode: { type: 'string', enum: ['learn', 'enforce', 'bypass'] } } }, response: { 200: okReply } },
    },
    async (req) => {
      s.policies.setMode((req.body as { mode: string }).mode, actor(req.session));
      return { ok: true };
    },
  );

  app.get('/api/isolations', { config: { role: 'viewer' }, schema: { tags: ['gateway'], summary: 'Assets and zones cut off now (island mode)', response: { 200: anyArray } } }, async () => s.policies.isolations());

  app.post(
    '/api/isolations',
    {
      config: { role: 'engineer' },
      schema: {
        tags: ['gateway'],
        summary: 'Island mode: cut an address, CIDR block or zone off at once',
        body: { type: 'object', additionalProperties: false, required: ['target'], properties: { target: { type: 'string', minLength: 1, maxLength: 100 }, reason: { type: 'string', maxLength: 500 } } },
        response: { 200: { type: 'object', properties: { target: { type: 'string' }, addresses: { type: 'array', items: { type: 'string' } } } }, 400: problem },
      },
    },
    async (req) => {
      const { target, reason } = req.body as { target: string; reason?: string };
      const addresses = isolationAddresses(s.policies, target);
      s.policies.isolate(target, addresses, actor(req.session), reason ?? '');
      return { target, addresses };
    },
  );

  app.delete('/api/isolations/:target', { config: { role: 'engineer' }, schema: { tags: ['gateway'], summary: 'End an isolation', params: { type: 'object', properties: { target: { type: 'string' } }, required: ['target'] }, response: { 200: okReply, 409: problem } } }, async (req) => {
    s.policies.release((req.params as { target: string }).target, actor(req.session));
    return { ok: true };
  });
}
