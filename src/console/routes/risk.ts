// The risk assessment (issue 17): assets ranked by risk with their matched advisories, the zones'
// SL-T gaps and the countermeasures; a countermeasure drafted into a policy version (engineers,
// as for every policy change), never put in force. Decisions on matches, criticalities and the
// catalogue's upload are the advisory routes' (routes/advisories.ts).

import { Type } from '@sinclair/typebox';
import { CountermeasureDraftSchema, RiskReportSchema } from '../../app/risk-schemas.js';
import { Problem } from '../../app/schemas.js';
import { actor, text, type Feature } from '../context.js';

export const riskRoutes: Feature = async (app, { s }) => {
  app.get(
    '/api/risk',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['risk'],
        summary: 'The risk assessment: assets with a matched advisory worst first (risk with its parts, advisories with CVEs, CVSS and KEV), zones with their SL-T gap, countermeasures. At most a few seconds old unless fresh (after a change)',
        querystring: Type.Object({ fresh: Type.Boolean({ default: false }) }, { additionalProperties: false }),
        response: { 200: RiskReportSchema },
      },
    },
    async (req) => s.risk.recent(Date.now(), req.query.fresh),
  );
  app.post(
    '/api/risk/countermeasures/:id/draft',
    {
      config: { role: 'engineer' },
      schema: {
        tags: ['risk'],
        summary: 'A suggested countermeasure stored as a draft policy version on the working version, with its diff (reviewed, approved and applied like any draft)',
        params: Type.Object({ id: text(300) }),
        body: Type.Object({}, { additionalProperties: false }),
        response: { 200: CountermeasureDraftSchema, 404: Problem, 409: Problem },
      },
    },
    async (req) => s.risk.draft(req.params.id, actor(req.session)),
  );
};
