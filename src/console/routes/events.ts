// Denials, would-be denials and alerts: a page of them, and a live stream (server-sent events)
// that follows the store, which the engine and the supervisor write to.

import type { FastifyInstance } from 'fastify';
import { ConsoleError } from '../errors.js';
import { actor, anyArray, okReply, problem, type Stores } from '../context.js';

/** How often the live stream looks for new events, and how long one stream may stay open. */
const POLL_MS = 500;
const STREAM_MS = 30 * 60_000;

export function eventRoutes(app: FastifyInstance, s: Stores): void {
  app.get(
    '/api/events',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['events'],
        summary: 'Events after an id (or the newest), each with its reason',
        querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'integer', minimum: 0 }, kind: { type: 'string', enum: ['deny', 'would-deny', 'alert'] }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } } },
        response: { 200: anyArray },
      },
    },
    async (req) => s.events.list(req.query as { after?: number; kind?: string; limit: number }),
  );

  app.post(
    '/api/events/:id/ack',
    { config: { role: 'operator' }, schema: { tags: ['events'], summary: 'Acknowledge an event (an alert seen and dealt with)', params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] }, response: { 200: okReply, 409: problem } } },
    async (req) => {
      const id = (req.params as { id: number }).id;
      if (!s.events.acknowledge(id, actor(req.session), s.policies.audit)) throw new ConsoleError('BH_CONFLICT', `event ${id} does not exist or was acknowledged already`);
      return { ok: true };
    },
  );

  app.get(
    '/api/events/stream',
    { config: { role: 'viewer' }, schema: { tags: ['events'], summary: 'Live events as text/event-stream (each `data:` one event as JSON)', querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'integer', minimum: 0 } } } } },
    (req, reply) => {
      let after = (req.query as { after?: number }).after ?? s.events.list({ limit: 1 }).at(-1)?.id ?? 0;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': bulkhead events\n\n');
      const send = () => {
        for (const e of s.events.list({ after, limit: 200 })) {
          res.write(`id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`);
          after = e.id;
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
}
