// Alerts from the detectors: newest first by status and lowest severity, one with its evidence,
// acknowledged and resolved by operators (audited).

import { Type } from '@sinclair/typebox';
import { AlertRecord, AlertStateName, literals, Ok, Problem, ProposalSchema, ResponseRuleRecord, SeverityName, SuppressionRecord } from '../../app/schemas.js';
import { MAX_SUPPRESSION_DAYS, SUPPRESSION_SCOPES, type Services } from '../../app/services.js';
import { actor, type Feature, type FeatureApp } from '../context.js';

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

  decisionRoutes(app, s);
  responseRoutes(app, s);
};

/** "Learn this" and suppressions: engineers decide what is expected. */
function decisionRoutes(app: FeatureApp, s: Services): void {
  app.post(
    '/api/alerts/:id/learn',
    { config: { role: 'engineer' }, schema: { tags: ['alerts'], summary: "Learn this: the alert's request proposed into a draft policy change (never applied by itself); the alert resolved", params: byId, body: note, response: { 200: Type.Object({ alert: AlertRecord, proposal: ProposalSchema }), 404: Problem, 409: Problem } } },
    async (req) => s.alerts.learn(req.params.id, actor(req.session), req.body.note),
  );
  app.post(
    '/api/alerts/:id/suppress',
    {
      config: { role: 'engineer' },
      schema: {
        tags: ['alerts'],
        summary: 'Alerts like this one (the incident, its type on its asset, or its type) not raised for some days (audited)',
        params: byId,
        body: Type.Object({ scope: literals(SUPPRESSION_SCOPES), days: Type.Number({ exclusiveMinimum: 0, maximum: MAX_SUPPRESSION_DAYS }), note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: { 200: SuppressionRecord, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => s.alerts.suppress(req.params.id, { ...req.body, by: actor(req.session) }),
  );
  app.get('/api/suppressions', { config: { role: 'viewer' }, schema: { tags: ['alerts'], summary: 'Suppressions, with what each kept quiet', response: { 200: Type.Array(SuppressionRecord) } } }, async () => s.alerts.suppressionList());
  app.delete('/api/suppressions/:id', { config: { role: 'engineer' }, schema: { tags: ['alerts'], summary: 'Lift a suppression (audited)', params: byId, response: { 200: Ok, 404: Problem } } }, async (req) => {
    s.alerts.lift(req.params.id, actor(req.session));
    return { ok: true as const };
  });
}

const responseScope = Type.Object({ scope: ResponseRuleRecord.properties.scope, id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/** Automatic response per zone or conduit. */
function responseRoutes(app: FeatureApp, s: Services): void {
  app.get('/api/responses', { config: { role: 'viewer' }, schema: { tags: ['alerts'], summary: 'Where alerts isolate their source automatically', response: { 200: Type.Array(ResponseRuleRecord) } } }, async () => s.responses.list());
  app.put(
    '/api/responses',
    { config: { role: 'engineer' }, schema: { tags: ['alerts'], summary: 'Isolate the source of alerts of at least a severity on a zone or conduit (audited)', body: Type.Composite([responseScope, Type.Object({ minSeverity: SeverityName })], { additionalProperties: false }), response: { 200: ResponseRuleRecord, 404: Problem } } },
    async (req) => s.responses.set(req.body.scope, req.body.id, req.body.minSeverity, actor(req.session)),
  );
  app.delete('/api/responses', { config: { role: 'engineer' }, schema: { tags: ['alerts'], summary: 'Automatic response off on a zone or conduit (audited)', body: responseScope, response: { 200: Ok, 404: Problem } } }, async (req) => {
    s.responses.remove(req.body.scope, req.body.id, actor(req.session));
    return { ok: true as const };
  });
}
