// Putting a policy to work: approval (optionally two people), apply with a commit-confirm
// deadline, confirm, roll back; what a version would have denied of the baseline; the
// compliance report.

import { Type } from '@sinclair/typebox';
import { Applied, ComplianceSchema, PolicyVersionSummary, Problem, RolledBack, SimulationComparison, VersionReply } from '../../app/schemas.js';
import { actor, type Feature } from '../context.js';
import { ref, versionParams } from './policy.js';

export const policyChangeRoutes: Feature = async (app, { s }) => {
  const r = s.review;
  app.post('/api/policies/:v/approve', { config: { role: 'engineer' }, schema: { tags: ['policy'], summary: 'Approve (a second approval by another person is recorded too)', params: versionParams, response: { 200: PolicyVersionSummary, 409: Problem } } }, async (req) =>
    r.approve(Number(req.params.v), actor(req.session)),
  );

  app.post(
    '/api/policies/:v/apply',
    {
      config: { role: 'engineer' },
      schema: {
        tags: ['policy'],
        summary: 'Make an approved version active; with confirmWithin it rolls back by itself unless confirmed',
        params: versionParams,
        body: Type.Object({ confirmWithin: Type.Optional(Type.Integer({ minimum: 10, maximum: 3600 })) }, { additionalProperties: false }),
        response: { 200: Applied, 409: Problem },
      },
    },
    async (req) => r.apply(Number(req.params.v), actor(req.session), req.body.confirmWithin),
  );

  app.post('/api/confirm', { config: { role: 'engineer' }, schema: { tags: ['policy'], summary: 'Confirm the pending change', response: { 200: VersionReply, 409: Problem } } }, async (req) => ({ version: r.confirm(actor(req.session)) }));

  app.post('/api/rollback', { config: { role: 'engineer' }, schema: { tags: ['policy'], summary: 'Put the previous active version back', response: { 200: RolledBack, 409: Problem } } }, async (req) =>
    r.rollback(actor(req.session), 'requested in the console'),
  );

  app.post(
    '/api/simulate',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['policy'],
        summary: 'What a policy would have denied of the learned baseline since a time (7d, 24h, a date), compared with another',
        body: Type.Object({ policy: ref, since: Type.String({ maxLength: 40, default: '7d' }), against: Type.Optional(ref) }, { additionalProperties: false }),
        response: { 200: SimulationComparison, 400: Problem },
      },
    },
    async (req) => r.simulate(req.body),
  );

  app.get(
    '/api/report/compliance',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['policy'],
        summary: "IEC 62443 / NIST SP 800-82 compliance with this deployment's evidence (format=html for the printable page)",
        querystring: Type.Object({ policy: Type.Optional(ref), format: Type.Optional(Type.Unsafe<'json' | 'html'>({ type: 'string', enum: ['json', 'html'] })) }, { additionalProperties: false }),
        response: { 200: { content: { 'application/json': { schema: ComplianceSchema }, 'text/html': { schema: Type.String() } } } },
      },
    },
    async (req, reply) => {
      if (req.query.format === 'html') return reply.type('text/html; charset=utf-8').send(r.complianceHtml(req.query.policy));
      return r.compliance(req.query.policy);
    },
  );
};
