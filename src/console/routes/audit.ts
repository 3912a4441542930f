// The audit log: entries, chain verification, and export for a SIEM (JSON, RFC 5424, CEF).

import type { FastifyInstance } from 'fastify';
import { siemLines } from '../../app/audit.js';
import { anyArray, anyObject, type Stores } from '../context.js';

export function auditRoutes(app: FastifyInstance, s: Stores): void {
  app.get(
    '/api/audit',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['audit'],
        summary: 'Audit entries, oldest first (the newest `limit`); format syslog or cef for a SIEM',
        querystring: { type: 'object', additionalProperties: false, properties: { since: { type: 'number', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 10000, default: 500 }, format: { type: 'string', enum: ['json', 'syslog', 'cef'] } } },
        response: { 200: anyArray },
      },
    },
    async (req, reply) => {
      const q = req.query as { since?: number; limit: number; format?: 'json' | 'syslog' | 'cef' };
      const entries = s.policies.audit.list({ limit: q.limit, ...(q.since !== undefined ? { since: q.since } : {}) });
      if (q.format === 'syslog' || q.format === 'cef') return reply.type('text/plain; charset=utf-8').header('content-disposition', `attachment; filename="bulkhead-audit.${q.format === 'cef' ? 'cef' : 'log'}"`).send(siemLines(entries, q.format) + '\n');
      return entries;
    },
  );

  app.get('/api/audit/verify', { config: { role: 'viewer' }, schema: { tags: ['audit'], summary: 'Recompute the hash chain; names the first entry that does not match', response: { 200: anyObject } } }, async () => s.policies.audit.verify());
}
