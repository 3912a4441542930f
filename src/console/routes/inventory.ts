// The asset inventory and the conversation baseline, paged from the store; one asset's timeline,
// one conversation.

import { Type } from '@sinclair/typebox';
import { Inventory } from '../../app/services.js';
import { AssetTimeline, Page, Problem, ProtocolInfo, ShownAsset, ShownConversation } from '../../app/schemas.js';
import type { Feature } from '../context.js';

const limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });
const offset = Type.Integer({ minimum: 0, default: 0 });

export const inventoryRoutes: Feature = async (app, { s }) => {
  app.get(
    '/api/assets',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['inventory'],
        summary: 'Assets: search, filter, sort, page',
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 100 })),
            role: Type.Optional(Type.String({ maxLength: 40 })),
            purdue: Type.Optional(Type.Number({ minimum: 0, maximum: 5 })),
            sort: Type.Optional(Type.Unsafe<'ip' | 'lastSeen' | 'purdue'>({ type: 'string', enum: ['ip', 'lastSeen', 'purdue'] })),
            desc: Type.Optional(Type.Boolean()),
            limit,
            offset,
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(ShownAsset) },
      },
    },
    async (req) => s.inventory.assets(req.query),
  );

  app.get(
    '/api/assets/:key/timeline',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['inventory'],
        summary: "One asset and its story, newest first: first seen, new conversations and operations, alerts, denials, island mode; bounded by limit (truncated says there is more)",
        params: Type.Object({ key: Type.String({ maxLength: 60, description: 'the address, with @vlanN when tagged' }) }),
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: Inventory.MAX_TIMELINE, default: 200 }) }, { additionalProperties: false }),
        response: { 200: AssetTimeline, 404: Problem },
      },
    },
    async (req) => s.inventory.timeline(req.params.key, req.query.limit),
  );

  app.get(
    '/api/protocols',
    { config: { role: 'viewer' }, schema: { tags: ['inventory'], summary: 'The protocols this gateway decodes: names, transports, ports and the roles hosts play in them', response: { 200: Type.Array(ProtocolInfo) } } },
    async () => s.inventory.protocols(),
  );

  app.get(
    '/api/conversations',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['inventory'],
        summary: 'Conversations with their operations, ranges, objects and nodes',
        querystring: Type.Object(
          { ip: Type.Optional(Type.String({ maxLength: 45 })), protocol: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: Inventory.protocolNames() })), limit, offset },
          { additionalProperties: false },
        ),
        response: { 200: Page(ShownConversation) },
      },
    },
    async (req) => s.inventory.conversations(req.query),
  );

  app.get(
    '/api/conversations/:key',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['inventory'],
        summary: 'One conversation with its operations, polls and process values',
        params: Type.Object({ key: Type.String({ maxLength: 200, description: 'client>server:port/protocol' }) }),
        response: { 200: ShownConversation, 404: Problem },
      },
    },
    async (req) => s.inventory.conversation(req.params.key),
  );
};
