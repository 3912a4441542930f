// Denials, would-be denials and alerts: a page of them, and a live stream (server-sent events)
// that follows the store, which the engine and the supervisor write to.

import { Type } from '@sinclair/typebox';
import { GatewayEventRecord, Ok, Problem } from '../../app/schemas.js';
import { actor, type Feature } from '../context.js';

/** How often the live stream looks for new events, and how long one stream may stay open. */
const POLL_MS = 500;
const STREAM_MS = 30 * 60_000;
const after = Type.Optional(Type.Integer({ minimum: 0 }));

export const eventRoutes: Feature = async (app, { s }) => {
  app.get(
    '/api/events',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['events'],
        summary: 'Events after an id (or the newest), each with its reason',
        querystring: Type.Object({ after, kind: Type.Optional(GatewayEventRecord.properties.kind), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }) }, { additionalProperties: false }),
        response: { 200: Type.Array(GatewayEventRecord) },
      },
    },
    async (req) => s.gateway.eventsAfter(req.query),
  );

  app.post(
    '/api/events/:id/ack',
    { config: { role: 'operator' }, schema: { tags: ['events'], summary: 'Acknowledge an event (an alert seen and dealt with)', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: Ok, 409: Problem } } },
    async (req) => {
      s.gateway.acknowledge(req.params.id, actor(req.session));
      return { ok: true };
    },
  );

  app.get(
    '/api/events/stream',
    { config: { role: 'viewer' }, schema: { tags: ['events'], summary: 'Live events as text/event-stream (each `data:` one event as JSON)', querystring: Type.Object({ after }, { additionalProperties: false }) } },
    (req, reply) => {
      let last = req.query.after ?? s.gateway.eventsAfter({ limit: 1 }).at(-1)?.id ?? 0;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': bulkhead events\n\n');
      const send = () => {
        for (const e of s.gateway.eventsAfter({ after: last, limit: 200 })) {
          res.write(`id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`);
          last = e.id;
        }
      };
      const timer = setInterval(send, POLL_MS);
      const end = () => {
        clearInterval(timer);
        clearTimeout(limit);
        res.end();
      };
      // Bounded: the browser reconnects by itself (EventSource), with Last-Event-ID.
      const limit = setTimeout(end, STREAM_MS);
      req.raw.once('close', end);
    },
  );
};
