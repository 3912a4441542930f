// The audit log: entries, chain verification, and export for a SIEM (JSON, RFC 5424, CEF).

import { Type } from '@sinclair/typebox';
import { siemLines } from '../../app/services.js';
import { AuditEntryRecord, AuditVerificationRecord } from '../../app/schemas.js';
import type { Feature } from '../context.js';

export const auditRoutes: Feature = async (app, { s }) => {
  app.get(
    '/api/audit',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['audit'],
        summary: 'Audit entries, oldest first (the newest `limit`); format syslog or cef for a SIEM (text/plain)',
        querystring: Type.Object(
          {
            since: Type.Optional(Type.Number({ minimum: 0 })),
            limit: Type.Integer({ minimum: 1, maximum: 10000, default: 500 }),
            format: Type.Optional(Type.Unsafe<'json' | 'syslog' | 'cef'>({ type: 'string', enum: ['json', 'syslog', 'cef'] })),
          },
          { additionalProperties: false },
        ),
        response: { 200: { content: { 'application/json': { schema: Type.Array(AuditEntryRecord) }, 'text/plain': { schema: Type.String() } } } },
      },
    },
    async (req, reply) => {
      const { since, limit, format } = req.query;
      const entries = s.gateway.auditEntries({ limit, ...(since !== undefined ? { since } : {}) });
      if (format === 'syslog' || format === 'cef') {
        // Text: fastify sends a string as it is, past the JSON schema.
        return reply.type('text/plain; charset=utf-8').header('content-disposition', `attachment; filename="bulkhead-audit.${format === 'cef' ? 'cef' : 'log'}"`).send(siemLines(entries, format) + '\n');
      }
      return entries;
    },
  );

  app.get('/api/audit/verify', { config: { role: 'viewer' }, schema: { tags: ['audit'], summary: 'Recompute the hash chain; names the first entry that does not match', response: { 200: AuditVerificationRecord } } }, async () =>
    s.gateway.verifyAudit(),
  );
};
