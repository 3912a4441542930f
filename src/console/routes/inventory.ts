// The asset inventory and the conversation baseline, paged from the store.

import type { FastifyInstance } from 'fastify';
import { describeIdentity, PROTOCOLS } from '../../../protocols/registry.js';
import type { Asset } from '../../learn/model.js';
import { anyArray, type Stores } from '../context.js';

const page = { type: 'object', properties: { total: { type: 'integer' }, items: anyArray } } as const;

export function inventoryRoutes(app: FastifyInstance, s: Stores): void {
  app.get(
    '/api/assets',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['inventory'],
        summary: 'Assets: search, filter, sort, page',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 100 },
            role: { type: 'string', maxLength: 40 },
            purdue: { type: 'number', minimum: 0, maximum: 5 },
            sort: { type: 'string', enum: ['ip', 'lastSeen', 'purdue'] },
            desc: { type: 'boolean' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { 200: page },
      },
    },
    async (req) => {
      const page = s.learn.assetsPage<Asset>(req.query as Parameters<typeof s.learn.assetsPage>[0]);
      // Identities in the plant's words, as each protocol says them (the page names no protocol).
      return { ...page, items: page.items.map((a) => ({ ...a, identityText: describeIdentity(a.identity as Record<string, Record<string, unknown>>).join('; ') })) };
    },
  );

  app.get(
    '/api/protocols',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['inventory'],
        summary: 'The protocols this gateway decodes: names, transports, ports and the roles hosts play in them',
        response: { 200: anyArray },
      },
    },
    async () => PROTOCOLS.map((m) => ({ name: m.name, title: m.title, transport: m.transport, ports: m.ports, defaultPort: m.defaultPort, roles: [m.clientRole, m.serverRole] })),
  );

  app.get(
    '/api/conversations',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['inventory'],
        summary: 'Conversations with their operations, ranges, objects and nodes',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ip: { type: 'string', maxLength: 45 },
            protocol: { type: 'string', enum: PROTOCOLS.map((m) => m.name) },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { 200: page },
      },
    },
    async (req) => s.learn.conversationsPage(req.query as Parameters<typeof s.learn.conversationsPage>[0]),
  );
}
