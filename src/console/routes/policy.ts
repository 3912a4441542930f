// Policy review: versions with their documents and evidence, lint, diff, a new draft from a
// document, from the baseline, from a zone map edit or proposed from would-deny traffic. Policies are named by version, `latest`
// or `active`: never a file.

import { Type } from '@sinclair/typebox';
import { RULE_PAGE, RULE_PAGE_MAX, RULE_PAGE_SCHEMA, RULES_SHOWN, SHOWN_POLICY_SCHEMA } from '../../app/services.js';
import { DiffSchema, FindingSchema, PolicyVersionSummary, Problem, ProposalSchema, shownVersion, VersionReply } from '../../app/schemas.js';
import { actor, text, type Feature } from '../context.js';

export const ref = Type.String({ pattern: '^([0-9]{1,9}|latest|active)$' });
export const versionParams = Type.Object({ v: Type.String({ pattern: '^[0-9]{1,9}$' }) });
const refParams = Type.Object({ ref });
/** A zone or conduit id, as the policy schema allows them. */
const policyItemId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const member = text(64);
/** A version as the review page receives it. */
export const SHOWN_VERSION = shownVersion(Type.Unsafe(SHOWN_POLICY_SCHEMA));
const op = <T extends string>(name: T) => Type.Literal(name);

/** The zone map's edits, one schema each (the body names its op). */
const zoneEdit = Type.Union([
  Type.Object({ op: op('rename'), zone: policyItemId, name: text(200) }, { additionalProperties: false }),
  Type.Object({ op: op('move'), member, to: policyItemId }, { additionalProperties: false }),
  Type.Object({ op: op('merge'), zone: policyItemId, into: policyItemId }, { additionalProperties: false }),
  Type.Object({ op: op('split'), zone: policyItemId, members: Type.Array(member, { minItems: 1, maxItems: 10000 }), id: policyItemId, name: text(200) }, { additionalProperties: false }),
]);

const RulePageQuery = Type.Object(
  { offset: Type.Integer({ minimum: 0, default: 0 }), limit: Type.Integer({ minimum: 1, maximum: RULE_PAGE_MAX, default: RULE_PAGE }), q: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

export const policyRoutes: Feature = async (app, { s }) => {
  const r = s.review;
  app.get('/api/policies', { config: { role: 'viewer' }, schema: { tags: ['policy'], summary: 'Stored policy versions', response: { 200: Type.Array(PolicyVersionSummary) } } }, async () => r.list());

  app.get(
    '/api/policies/:ref',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['policy'],
        summary: `A version: the parsed policy (at most ${RULES_SHOWN} rules per conduit, with each conduit's ruleCount), its approvals, and its document as written (up to 1 MiB)`,
        params: refParams,
        response: { 200: SHOWN_VERSION, 404: Problem },
      },
      // The schema documents and types the reply; JSON.stringify writes it, twice as fast on a large
      // policy as the schema's serialiser (npm run bench:console). The test checks it against the schema.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (req) => r.show(req.params.ref),
  );

  app.get('/api/policies/:ref/lint', { config: { role: 'viewer' }, schema: { tags: ['policy'], summary: 'Lint findings with the standard clause each comes from', params: refParams, response: { 200: Type.Array(FindingSchema) } } }, async (req) =>
    r.lint(req.params.ref),
  );

  app.get('/api/policies/:a/diff/:b', { config: { role: 'viewer' }, schema: { tags: ['policy'], summary: 'What changes from A to B', params: Type.Object({ a: ref, b: ref }), response: { 200: DiffSchema } } }, async (req) =>
    r.diff(req.params.a, req.params.b),
  );

  app.post(
    '/api/policies',
    {
      config: { role: 'engineer' },
      schema: { tags: ['policy'], summary: 'Store a YAML or JSON document as a new draft (validated first)', body: Type.Object({ document: text(4 << 20) }, { additionalProperties: false }), response: { 200: VersionReply, 400: Problem } },
    },
    async (req) => ({ version: r.store(req.body.document, 'body/document', actor(req.session)) }),
  );

  app.post(
    '/api/derive',
    {
      config: { role: 'engineer' },
      schema: {
        tags: ['policy'],
        summary: 'Derive a draft from the learned baseline',
        body: Type.Object({ securityLevel: Type.Optional(Type.Unsafe<0 | 1 | 2 | 3 | 4>({ type: 'integer', minimum: 0, maximum: 4 })), name: Type.Optional(text(200)) }, { additionalProperties: false }),
        response: { 200: VersionReply, 409: Problem },
      },
    },
    async (req) => ({ version: r.derive(req.body, actor(req.session)) }),
  );

  app.post(
    '/api/policies/propose',
    {
      config: { role: 'engineer' },
      schema: {
        tags: ['policy'],
        summary: 'Propose a draft that lets through what learn mode would have denied since a time (7d, 24h, a date): its additions with their evidence, what it refused, the diff, and how much of that traffic it would let through',
        body: Type.Object({ since: Type.String({ maxLength: 40, default: '7d' }) }, { additionalProperties: false }),
        response: { 200: ProposalSchema, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => r.propose({ since: req.body.since, by: actor(req.session) }),
  );

  app.post(
    '/api/policies/:v/edit',
    {
      config: { role: 'engineer' },
      schema: { tags: ['policy'], summary: 'Zone map edit (rename, move an asset, merge, split): stored as a new draft', params: versionParams, body: zoneEdit, response: { 200: VersionReply, 400: Problem, 409: Problem } },
    },
    async (req) => ({ version: r.edit(req.params.v, req.body, actor(req.session)) }),
  );
};

/** A conduit's rules a page at a time: a derived policy's conduit can hold thousands. */
export const policyRuleRoutes: Feature = async (app, { s }) => {
  app.get(
    '/api/policies/:ref/conduits/:conduit/rules',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['policy'],
        summary: `A page of one conduit's rules (${RULE_PAGE} by default, at most ${RULE_PAGE_MAX}), each with what it allows in words; q: only rules naming it (an address, zone, rule id, protocol or port)`,
        params: Type.Object({ ref, conduit: policyItemId }),
        querystring: RulePageQuery,
        response: { 200: RULE_PAGE_SCHEMA, 404: Problem },
      },
      serializerCompiler: () => (data) => JSON.stringify(data), // as the version's view
    },
    async (req) => s.review.rules(req.params.ref, req.params.conduit, req.query),
  );
};
