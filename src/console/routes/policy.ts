// Policy review: versions with their documents and evidence, lint, diff, simulation, zone edits,
// approval (optionally two people), apply with a commit-confirm deadline, confirm, roll back,
// and the compliance report. Policies are named by version, `latest` or `active`: never a file.

import type { FastifyInstance } from 'fastify';
import { derive, loadPolicy, parseSince, simulateBaseline, type LoadedPolicy } from '../../app/policy.js';
import { complianceFor, lintInContext } from '../../app/report.js';
import type { Conversation } from '../../learn/model.js';
import { complianceHtml } from '../../policy/compliance.js';
import { diffPolicies } from '../../policy/diff.js';
import { formatPolicy, parsePolicy } from '../../policy/document.js';
import { editZones, type ZoneEdit } from '../../policy/edit.js';
import { compareSimulations } from '../../policy/simulate.js';
import { ConsoleError } from '../errors.js';
import { actor, anyArray, anyObject, problem, type Stores } from '../context.js';

const ref = { type: 'string', pattern: '^([0-9]{1,9}|latest|active)$' } as const;
const version = { type: 'string', pattern: '^[0-9]{1,9}$' } as const;
const refParams = { type: 'object', properties: { ref }, required: ['ref'] } as const;
const versionParams = { type: 'object', properties: { v: version }, required: ['v'] } as const;
const zoneId = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } as const;
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

/** Parsed versions kept (documents never change once stored): a derived policy can hold 100,000 rules. */
const CACHED_VERSIONS = 2;
const RULES_SHOWN = 200;
const DOCUMENT_SHOWN = 1 << 20;

export function policyRoutes(app: FastifyInstance, s: Stores): void {
  const p = s.policies;
  const cache = new Map<number, LoadedPolicy>();
  /** A version by reference, parsed once. */
  const load = (ref: string): LoadedPolicy => {
    const v = /^\d+$/.test(ref) ? Number(ref) : p.latest(ref === 'active' ? 'active' : undefined)?.version;
    if (v === undefined) return loadPolicy(p, ref); // says what is missing
    let hit = cache.get(v);
    if (!hit) {
      hit = loadPolicy(p, String(v));
      if (cache.size >= CACHED_VERSIONS) cache.delete(cache.keys().next().value!);
      cache.set(v, hit);
    }
    return hit;
  };

  app.get('/api/policies', { config: { role: 'viewer' }, schema: { tags: ['policy'], summary: 'Stored policy versions', response: { 200: anyArray } } }, async () => p.list());

  app.get(
    '/api/policies/:ref',
    {
      config: { role: 'viewer' },
      schema: { tags: ['policy'], summary: `A version: the parsed policy (at most ${RULES_SHOWN} rules per conduit, with each conduit's ruleCount), its approvals, and its document as written (up to 1 MiB)`, params: refParams, response: { 200: anyObject, 404: problem } },
    },
    async (req) => {
      const r = (req.params as { ref: string }).ref;
      const loaded = load(r);
      const { documentLength, ...meta } = p.summary(/^\d+$/.test(r) ? Number(r) : p.latest(r === 'active' ? 'active' : undefined)!.version);
      // A derived policy of a large plant holds 100,000 rules: a page shows what a person can read.
      const policy = { ...loaded.policy, conduits: loaded.policy.conduits.map((c) => ({ ...c, ruleCount: c.rules.length, rules: c.rules.slice(0, RULES_SHOWN) })) };
      return { ...meta, policy, ...(documentLength <= DOCUMENT_SHOWN ? { document: loaded.text } : { documentBytes: documentLength }) };
    },
  );

  app.get('/api/policies/:ref/lint', { config: { role: 'viewer' }, schema: { tags: ['policy'], summary: 'Lint findings with the standard clause each comes from', params: refParams, response: { 200: anyArray } } }, async (req) =>
    lintInContext(s.learn, load((req.params as { ref: string }).ref).policy),
  );

  app.get('/api/policies/:a/diff/:b', { config: { role: 'viewer' }, schema: { tags: ['policy'], summary: 'What changes from A to B', params: { type: 'object', properties: { a: ref, b: ref }, required: ['a', 'b'] }, response: { 200: anyObject } } }, async (req) => {
    const { a, b } = req.params as { a: string; b: string };
    return diffPolicies(load(a).policy, load(b).policy);
  });

  app.post(
    '/api/policies',
    {
      config: { role: 'engineer' },
      schema: { tags: ['policy'], summary: 'Store a YAML or JSON document as a new draft (validated first)', body: { type: 'object', additionalProperties: false, required: ['document'], properties: { document: text(4 << 20) } }, response: { 200: { type: 'object', properties: { version: { type: 'integer' } } }, 400: problem } },
    },
    async (req) => {
      const doc = (req.body as { document: string }).document;
      const policy = parsePolicy(doc, 'body/document');
      return { version: p.add(doc, policy.name, 'console', actor(req.session)) };
    },
  );

  app.post(
    '/api/derive',
    {
      config: { role: 'engineer' },
      schema: { tags: ['policy'], summary: 'Derive a draft from the learned baseline', body: { type: 'object', additionalProperties: false, properties: { securityLevel: { type: 'integer', minimum: 0, maximum: 4 }, name: text(200) } }, response: { 200: { type: 'object', properties: { version: { type: 'integer' } } }, 409: problem } },
    },
    async (req) => {
      const b = (req.body ?? {}) as { securityLevel?: 0 | 1 | 2 | 3 | 4; name?: string };
      return { version: derive(s.learn, p, b, actor(req.session)).version };
    },
  );

  app.post(
    '/api/policies/:v/edit',
    {
      config: { role: 'engineer' },
      schema: {
        tags: ['policy'],
        summary: 'Zone map edit (rename, move an asset, merge, split): stored as a new draft',
        params: versionParams,
        body: {
          oneOf: [
            { type: 'object', additionalProperties: false, required: ['op', 'zone', 'name'], properties: { op: { const: 'rename' }, zone: zoneId, name: text(200) } },
            { type: 'object', additionalProperties: false, required: ['op', 'member', 'to'], properties: { op: { const: 'move' }, member: text(64), to: zoneId } },
            { type: 'object', additionalProperties: false, required: ['op', 'zone', 'into'], properties: { op: { const: 'merge' }, zone: zoneId, into: zoneId } },
            { type: 'object', additionalProperties: false, required: ['op', 'zone', 'members', 'id', 'name'], properties: { op: { const: 'split' }, zone: zoneId, members: { type: 'array', minItems: 1, maxItems: 10000, items: text(64) }, id: zoneId, name: text(200) } },
          ],
        },
        response: { 200: { type: 'object', properties: { version: { type: 'integer' } } }, 400: problem, 409: problem },
      },
    },
    async (req) => {
      const v = (req.params as { v: string }).v;
      const edit = req.body as ZoneEdit;
      const edited = editZones(load(v).policy, edit);
      const doc = formatPolicy(edited, `Edited on the zone map from version ${v}: ${edit.op}.`);
      parsePolicy(doc, 'the edited policy');
      return { version: p.add(doc, edited.name, `zone map edit (${edit.op}) of version ${v}`, actor(req.session)) };
    },
  );

  app.post('/api/policies/:v/approve', { config: { role: 'engineer' }, schema: { tags: ['policy'], summary: 'Approve (a second approval by another person is recorded too)', params: versionParams, response: { 200: anyObject, 409: problem } } }, async (req) =>
    p.approve(Number((req.params as { v: string }).v), actor(req.session)),
  );

  app.post(
    '/api/policies/:v/apply',
    {
      config: { role: 'engineer' },
      schema: {
        tags: ['policy'],
        summary: 'Make an approved version active; with confirmWithin it rolls back by itself unless confirmed',
        params: versionParams,
        body: { type: 'object', additionalProperties: false, properties: { confirmWithin: { type: 'integer', minimum: 10, maximum: 3600 } } },
        response: { 200: anyObject, 409: problem },
      },
    },
    async (req) => {
      const within = (req.body as { confirmWithin?: number } | undefined)?.confirmWithin;
      return p.apply(Number((req.params as { v: string }).v), actor(req.session), within);
    },
  );

  app.post('/api/confirm', { config: { role: 'engineer' }, schema: { tags: ['policy'], summary: 'Confirm the pending change', response: { 200: { type: 'object', properties: { version: { type: 'integer' } } }, 409: problem } } }, async (req) => ({ version: p.confirm(actor(req.session)) }));

  app.post('/api/rollback', { config: { role: 'engineer' }, schema: { tags: ['policy'], summary: 'Put the previous active version back', response: { 200: anyObject, 409: problem } } }, async (req) => p.rollback(actor(req.session), 'requested in the console'));

  app.post(
    '/api/simulate',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['policy'],
        summary: 'What a policy would have denied of the learned baseline since a time (7d, 24h, a date), compared with another',
        body: { type: 'object', additionalProperties: false, required: ['policy'], properties: { policy: ref, since: { type: 'string', maxLength: 40, default: '7d' }, against: ref } },
        response: { 200: anyObject, 400: problem },
      },
    },
    async (req) => {
      const b = req.body as { policy: string; since: string; against?: string };
      const since = parseSince(b.since, s.learn.clock()?.lastSeen ?? Date.now() / 1000);
      if (since === undefined) throw new ConsoleError('BH_VALIDATION', `body/since: must be like 7d, 24h, 90m or a date, got '${b.since}'`);
      const conversations = s.learn.conversations<Conversation>();
      // Island mode in force counts: what is isolated now is denied whatever the candidate says.
      const isolated = p.isolations().flatMap((i) => i.addresses);
      const candidate = simulateBaseline(load(b.policy).policy, conversations, since, isolated);
      if (!b.against) return { candidate };
      const current = simulateBaseline(load(b.against).policy, conversations, since, isolated);
      return { candidate, current, changes: compareSimulations(current, candidate) };
    },
  );

  app.get(
    '/api/report/compliance',
    { config: { role: 'viewer' }, schema: { tags: ['policy'], summary: 'IEC 62443 / NIST SP 800-82 compliance with this deployment\'s evidence (format=html for the printable page)', querystring: { type: 'object', additionalProperties: false, properties: { policy: ref, format: { type: 'string', enum: ['json', 'html'] } } } } },
    async (req, reply) => {
      const q = req.query as { policy?: string; format?: string };
      const report = complianceFor(s.db, q.policy);
      if (q.format === 'html') return reply.type('text/html; charset=utf-8').send(complianceHtml(report));
      return report;
    },
  );
}
