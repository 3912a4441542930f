// The advisory catalogue: its summary, one advisory (CVEs with their KEV entries), an upload of
// CSAF advisories or the KEV catalogue (engineers, as for policy changes); and people's word on
// matches (confirmed, dismissed, undone) and on how critical an asset is (audited).

import { Type } from '@sinclair/typebox';
import { AdvisorySummarySchema, CriticalityRecord, ImportReportSchema, literals, MATCH_DECISIONS, MatchDecisionRecord, Ok, Problem, ShownAdvisorySchema } from '../../app/schemas.js';
import { MAX_UPLOAD_DOCUMENTS, REASON_MAX, type Services } from '../../app/services.js';
import { actor, text, type Feature, type FeatureApp } from '../context.js';

/** An upload's body: the largest CISA advisory is 0.7 MB, the KEV catalogue 1.3 MB; a year of advisories fits. */
const UPLOAD_BYTES = 25 << 20;

const Json = Type.Object({}, { additionalProperties: true });
const assetKey = text(100);
const advisoryId = text(200);
const reason = Type.Optional(Type.String({ maxLength: REASON_MAX }));
const match = Type.Object({ assetKey, advisoryId }, { additionalProperties: false });

export const advisoryRoutes: Feature = async (app, { s }) => {
  app.get('/api/advisories', { config: { role: 'viewer' }, schema: { tags: ['advisories'], summary: 'The advisory catalogue: advisories, CVEs, products, the KEV catalogue and the last imports', response: { 200: AdvisorySummarySchema } } }, async () => s.advisories.advisorySummary());
  app.get(
    '/api/advisories/:id',
    { config: { role: 'viewer' }, schema: { tags: ['advisories'], summary: 'One advisory: products, CVEs with CVSS and their KEV entries, remediations', params: Type.Object({ id: advisoryId }), response: { 200: ShownAdvisorySchema, 404: Problem } } },
    async (req) => s.advisories.showAdvisory(req.params.id),
  );
  app.post(
    '/api/advisories',
    {
      config: { role: 'engineer' },
      bodyLimit: UPLOAD_BYTES,
      schema: {
        tags: ['advisories'],
        summary: 'Import an upload: one CSAF 2.0 advisory, the KEV catalogue, or a list of CSAF advisories (all checked first; one invalid imports nothing unless skipInvalid)',
        querystring: Type.Object({ skipInvalid: Type.Boolean({ default: false }) }, { additionalProperties: false }),
        body: Type.Union([Json, Type.Array(Json, { minItems: 1, maxItems: MAX_UPLOAD_DOCUMENTS })], { description: 'the documents as their publisher wrote them; checked against CSAF 2.0 or the KEV catalogue by the import' }),
        response: { 200: ImportReportSchema, 400: Problem },
      },
    },
    async (req) => s.advisories.importDocuments(req.body, { skipInvalid: req.query.skipInvalid, by: actor(req.session) }),
  );
  decisionRoutes(app, s);
};

/** Matches confirmed or dismissed, and criticalities: engineers judge the risk. */
function decisionRoutes(app: FeatureApp, s: Services): void {
  app.get('/api/risk/decisions', { config: { role: 'viewer' }, schema: { tags: ['risk'], summary: 'Advisories confirmed or dismissed for assets', response: { 200: Type.Array(MatchDecisionRecord) } } }, async () => s.advisories.decisions());
  app.post(
    '/api/risk/decisions',
    {
      config: { role: 'engineer' },
      schema: { tags: ['risk'], summary: 'An advisory matched to an asset confirmed (it applies) or dismissed (it does not), audited', body: Type.Object({ assetKey, advisoryId, decision: literals(MATCH_DECISIONS), reason }, { additionalProperties: false }), response: { 200: MatchDecisionRecord, 404: Problem } },
    },
    async (req) => s.advisories.decideMatch({ ...req.body, by: actor(req.session) }),
  );
  app.delete('/api/risk/decisions', { config: { role: 'engineer' }, schema: { tags: ['risk'], summary: 'Take a decision back (audited)', body: match, response: { 200: Ok, 404: Problem } } }, async (req) => {
    s.advisories.undoMatch(req.body.assetKey, req.body.advisoryId, actor(req.session));
    return { ok: true };
  });
  app.get('/api/risk/criticality', { config: { role: 'viewer' }, schema: { tags: ['risk'], summary: 'How critical each asset is, where an engineer said', response: { 200: Type.Array(CriticalityRecord) } } }, async () => s.advisories.criticalities());
  app.put(
    '/api/risk/criticality',
    {
      config: { role: 'engineer' },
      schema: { tags: ['risk'], summary: "An asset's criticality, 1 (little) to 5 (the process stops without it), audited", body: Type.Object({ assetKey, criticality: Type.Integer({ minimum: 1, maximum: 5 }), reason }, { additionalProperties: false }), response: { 200: CriticalityRecord, 404: Problem } },
    },
    async (req) => s.advisories.setCriticality({ ...req.body, by: actor(req.session) }),
  );
  app.delete('/api/risk/criticality', { config: { role: 'engineer' }, schema: { tags: ['risk'], summary: "The asset's criticality judged from where it sits again (audited)", body: Type.Object({ assetKey }, { additionalProperties: false }), response: { 200: Ok, 404: Problem } } }, async (req) => {
    s.advisories.clearCriticality(req.body.assetKey, actor(req.session));
    return { ok: true };
  });
}
