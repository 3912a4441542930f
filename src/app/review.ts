// Policy review as the console offers it: versions by reference (parsed once and kept), lint in
// context, diff, storing a document, deriving, zone-map edits, a proposal from would-deny
// traffic, approval, apply with commit-confirm, confirm, roll back, simulation and the
// compliance report. Policies are named by version, `latest` or `active`: never a file (the
// console reads no path a browser names).

import { Type, type Static } from '@sinclair/typebox';
import { complianceHtml, type ComplianceReport } from '../policy/compliance.js';
import { diffPolicies, type PolicyDiff } from '../policy/diff.js';
import { formatPolicy, parsePolicy } from '../policy/document.js';
import { editZones, type ZoneEdit } from '../policy/edit.js';
import { POLICY_SCHEMA } from '../policy/schema.js';
import { RULES_SHOWN, storedOutline, storeVersion } from '../policy/stored.js';
import type { Rule } from '../policy/model.js';
import { describeRule } from '../policy/words.js';
import { compareSimulations } from '../policy/simulate.js';
import type { Finding } from '../policy/lint.js';
import type { DeriveOptions } from '../policy/derive.js';
import type { Db } from '../store/database.js';
import { EventStore } from '../store/event-store.js';
import { LearnStore } from '../store/learn-store.js';
import { PolicyStore } from '../store/policy-store.js';
import { BulkheadError } from '../errors.js';
import { baselineSince, derive, learnedNames, loadPolicy, simulateSince, type LoadedPolicy, type SimulationComparison } from './policy.js';
import { propose, type Proposal, type ProposeOptions } from './propose.js';
import { complianceFor, lintInContext } from './report.js';

export type { ZoneEdit };

/**
 * The policy as the review page receives it: the document's own schema, each conduit with its
 * ruleCount, each rule with `allows`, what it lets through in the plant's words.
 */
const { $id, title, ...document } = POLICY_SCHEMA;
const conduit = document.properties.conduits.items;
const rules = conduit.properties.rules;
/** A rule as a page shows it: as written, with `allows` in the plant's words. */
const SHOWN_RULE_SCHEMA = { ...rules.items, required: [...rules.items.required, 'allows'], properties: { ...rules.items.properties, allows: { type: 'string' } } };
const link = document.properties.link;
/** What all of a conduit's rules let through, in short (policy/stored.ts ConduitSummary). */
const strings = { type: 'array', items: { type: 'string' } } as const;
const CONDUIT_SUMMARY_SCHEMA = { type: 'object', additionalProperties: false, required: ['protocols', 'kinds'], properties: { protocols: strings, kinds: strings } } as const;
export const SHOWN_POLICY_SCHEMA = {
  ...document,
  properties: {
    ...document.properties,
    // The first bindings only, and how many there are (policy/stored.ts outlinePolicy).
    link: { ...link, properties: { ...link.properties, bindingCount: { type: 'integer' } } },
    conduits: {
      ...document.properties.conduits,
      items: {
        ...conduit,
        required: [...conduit.required, 'ruleCount', 'summary'],
        properties: { ...conduit.properties, ruleCount: { type: 'integer' }, summary: CONDUIT_SUMMARY_SCHEMA, rules: { ...rules, items: SHOWN_RULE_SCHEMA } },
      },
    },
  },
} as const;

/** Parsed versions kept (documents never change once stored): a derived policy can hold 100,000 rules. */
const CACHED_VERSIONS = 2;
/** How many rules a conduit shows first: one constant, beside the outline kept with each version. */
export { RULES_SHOWN };
export const DOCUMENT_SHOWN = 1 << 20;
/** Rules in one page of a conduit's rules, by default and at most. */
export const RULE_PAGE = 200;
export const RULE_PAGE_MAX = 1000;

/** A page of one conduit's rules, found by what they name when `q` is given; `matched`: the rules that name `q` (all of them without one). */
export const RULE_PAGE_SCHEMA = Type.Object({
  version: Type.Integer(),
  conduitId: Type.String(),
  ruleCount: Type.Integer(),
  matched: Type.Integer(),
  offset: Type.Integer(),
  rules: Type.Array(Type.Unsafe<Rule & { allows: string }>(SHOWN_RULE_SCHEMA)),
});
export type RulePage = Static<typeof RULE_PAGE_SCHEMA>;

/** What a rule names, for a search: its id, protocol, port, endpoints and comment. */
function mentions(r: Rule, q: string): boolean {
  const words = [r.id, r.protocol, r.port === undefined ? '' : String(r.port), r.client.zone ?? '', r.server.zone ?? '', r.comment ?? '', ...(r.client.hosts ?? []), ...(r.server.hosts ?? [])];
  return words.some((w) => w.toLowerCase().includes(q));
}

export class PolicyReview {
  readonly policies: PolicyStore;
  readonly learn: LearnStore;
  private readonly cache = new Map<number, LoadedPolicy>();
  /** The last lint in context, by version and the learned baseline's revision: it reads every conversation. */
  private linted: { key: string; findings: Finding[] } | undefined;

  constructor(readonly db: Db) {
    this.policies = new PolicyStore(db);
    this.learn = new LearnStore(db);
  }

  /** The stored version a reference names ("3", "latest", "active"); says what is missing. */
  version(ref: string): number {
    const v = /^\d+$/.test(ref) ? Number(ref) : this.policies.latest(ref === 'active' ? 'active' : undefined)?.version;
    if (v === undefined) loadPolicy(this.policies, ref); // throws, naming what is missing
    return v!;
  }

  /** A version by reference, parsed once. */
  load(ref: string): LoadedPolicy {
    const v = this.version(ref);
    let hit = this.cache.get(v);
    if (!hit) {
      hit = loadPolicy(this.policies, String(v));
      if (this.cache.size >= CACHED_VERSIONS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(v, hit);
    }
    return hit;
  }

  list() {
    return this.policies.list();
  }

  /** A version with its approvals, its policy (at most RULES_SHOWN rules per conduit, each with its ruleCount) and its document, up to DOCUMENT_SHOWN bytes. */
  show(ref: string) {
    // From the outline kept with the version (kilobytes), not the whole policy: a 100,000-rule
    // version's form is tens of MB and its document more; the text is read only when shown.
    const version = this.version(ref);
    const { documentLength, ...meta } = this.policies.summary(version);
    const outline = storedOutline(this.policies, version);
    const shown = this.shownRule();
    const policy = { ...outline, conduits: outline.conduits.map((c) => ({ ...c, rules: c.rules.map(shown) })) };
    return { ...meta, policy, ...(documentLength <= DOCUMENT_SHOWN ? { document: this.policies.get(version).document } : { documentBytes: documentLength }) };
  }

  /** Rules `offset`.. of a conduit (those naming `q`, when given), each with what it allows in words. */
  rules(ref: string, conduitId: string, page: { offset?: number; limit?: number; q?: string } = {}): RulePage {
    const version = this.version(ref);
    const conduit = this.load(String(version)).policy.conduits.find((c) => c.id === conduitId);
    if (!conduit) throw new BulkheadError('BH_NOT_FOUND', `policy version ${version} has no conduit '${conduitId}'`);
    const q = page.q?.trim().toLowerCase();
    const matching = q ? conduit.rules.filter((r) => mentions(r, q)) : conduit.rules;
    const offset = page.offset ?? 0;
    const limit = Math.min(page.limit ?? RULE_PAGE, RULE_PAGE_MAX);
    return { version, conduitId, ruleCount: conduit.rules.length, matched: matching.length, offset, rules: matching.slice(offset, offset + limit).map(this.shownRule()) };
  }

  /** A rule with `allows`, in the words the plant's devices use for their targets. */
  private shownRule(): (r: Rule) => Rule & { allows: string } {
    const names = learnedNames(this.learn);
    return (r) => ({ ...r, allows: describeRule(r, names) });
  }

  /** Lint findings in the context of what was learned; kept until the version or the baseline changes. */
  lint(ref: string): Finding[] {
    const version = this.version(ref);
    const key = `${version}:${this.learn.revision()}`;
    if (this.linted?.key !== key) this.linted = { key, findings: lintInContext(this.learn, this.load(String(version)).policy) };
    return this.linted.findings;
  }

  diff(a: string, b: string): PolicyDiff {
    return diffPolicies(this.load(a).policy, this.load(b).policy);
  }

  /** A YAML or JSON document stored as a new draft, validated first (errors name `where`). */
  store(document: string, where: string, by: string): number {
    const policy = parsePolicy(document, where);
    return storeVersion(this.policies, document, policy.name, 'console', by, policy);
  }

  derive(options: DeriveOptions, by: string): number {
    return derive(this.learn, this.policies, options, by).version;
  }

  /** A zone map edit of version `v`, stored as a new draft. */
  edit(v: string, edit: ZoneEdit, by: string): number {
    const edited = editZones(this.load(v).policy, edit);
    const doc = formatPolicy(edited, `Edited on the zone map from version ${v}: ${edit.op}.`);
    const checked = parsePolicy(doc, 'the edited policy');
    return storeVersion(this.policies, doc, edited.name, `zone map edit (${edit.op}) of version ${v}`, by, checked);
  }

  approve(v: number, by: string) {
    const { document, ...approved } = this.policies.approve(v, by);
    return approved;
  }

  apply(v: number, by: string, confirmWithin?: number) {
    return this.policies.apply(v, by, confirmWithin);
  }

  confirm(by: string): number {
    return this.policies.confirm(by);
  }

  rollback(by: string, detail: string) {
    return this.policies.rollback(by, detail);
  }

  /** A draft letting through what learn mode would have denied since `since` (and what alerts' "learn this" decided), on the policy in force. */
  propose(o: ProposeOptions): Proposal {
    return propose({ policies: this.policies, events: new EventStore(this.db), load: (v) => this.load(String(v)).policy, isolated: this.policies.isolations().flatMap((i) => i.addresses) }, o);
  }

  /** What `policy` would have denied of the baseline since `since`, compared with `against`. */
  simulate(o: { policy: string; since: string; against?: string }): SimulationComparison {
    const from = baselineSince(this.learn, o.since);
    if (from === undefined) throw new BulkheadError('BH_VALIDATION', `body/since: must be like 7d, 24h, 90m or a date, got '${o.since}'`);
    const r = simulateSince(this.learn, this.policies, this.load(o.policy).policy, o.against ? this.load(o.against).policy : undefined, from);
    return r.current ? { ...r, changes: compareSimulations(r.current, r.candidate) } : r;
  }

  compliance(ref?: string): ComplianceReport {
    return complianceFor(this.db, ref);
  }

  complianceHtml(ref?: string): string {
    return complianceHtml(this.compliance(ref));
  }
}
