// Alerts from the detectors: newest first by status and lowest severity, one with its evidence,
// acknowledged and resolved by operators (audited).

import { Type } from '@sinclair/typebox';
import { AlertRecord, AlertStateName, Problem, SeverityName } from '../../app/schemas.js';
import { actor, type Feature } from '../context.js';

const byId = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const note = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

export const alertRoutes: Feature = async (app, { s }) => {
  app.get(
    '/api/alerts',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'Alerts, newest first: each with what the baseline says and what was seen, in numbers',
        querystring: Type.Object({ status: Type.Optional(AlertStateName), minSeverity: Type.Optional(SeverityName), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }) }, { additionalProperties: false }),
        response: { 200: Type.Array(AlertRecord) },
      },
    },
    async (req) => s.alerts.list(req.query),
  );

  app.get('/api/alerts/:id', { config: { role: 'viewer' }, schema: { tags: ['alerts'], summary: 'One alert with its evidence', params: byId, response: { 200: AlertRecord, 404: Problem } } }, async (req) => s.alerts.get(req.params.id));

  for (const [verb, status] of [['ack', 'acknowledged'], ['resolve', 'resolved']] as const) {
    app.post(
      `/api/alerts/:id/${verb}`,
      { config: { role: 'operator' }, schema: { tags: ['alerts'], summary: `Mark an alert ${status} (audited, with an optional note)`, params: byId, body: note, response: { 200: AlertRecord, 404: Problem, 409: Problem } } },
      async (req) => (verb === 'ack' ? s.alerts.acknowledge(req.params.id, actor(req.session), req.body.note) : s.alerts.resolve(req.params.id, actor(req.session), req.body.note)),
    );
  }
};
