// Adaptive policy, with a person in the loop: learn mode's would-deny events since a time,
// grouped into observations, and the "learn this" decisions made on alerts, let through by the
// narrowest rules (policy/adapt.ts) on top of the policy in force. The result is stored as a
// draft, audited like every stored version, and never approved or applied here; the proposal
// says what it adds and why, what it refused, the diff, and how much of that traffic it would
// let through, each event's request judged again by the one verdict against the draft.

import { PROTOCOLS } from '../../protocols/registry.js';
import type { EventOperation } from '../enforce/inspector.js';
import { conversationKey } from '../learn/keys.js';
import { allowObserved, EVIDENCE_IDS, observedOperation, unplaceable, type Addition, type Observation, type Refusal } from '../policy/adapt.js';
import { diffPolicies, type PolicyDiff } from '../policy/diff.js';
import { formatPolicy, parsePolicy } from '../policy/document.js';
import { compilePolicy, VERDICT_CODES, type VerdictCode } from '../policy/evaluate.js';
import type { Policy } from '../policy/model.js';
import { Judge } from '../policy/verdict.js';
import type { EventStore, GatewayEvent } from '../store/event-store.js';
import { PolicyStoreError, workingVersion, type PolicyStore, type WorkingVersion } from '../store/policy-store.js';
import { BulkheadError } from '../errors.js';
import { parseSince } from './policy.js';
import { storeVersion } from '../policy/stored.js';

/** Would-deny events read for one proposal (the newest); more are counted as not read. */
export const PROPOSE_EVENTS = 50_000;
/** Observations (distinct requests refused) one proposal makes; events of others are counted. */
export const PROPOSE_OBSERVATIONS = 500;

export class ProposeError extends BulkheadError {
  constructor(message: string) {
    super('BH_CONFLICT', message);
    this.name = 'ProposeError';
  }
}

export interface ProposeOptions {
  /** 7d, 24h, 90m or a date (default 7d): counted back from now, events being stamped in wall time. */
  since?: string;
  by: string;
  /** Decisions to allow what an alert saw ("learn this"), beside the events. */
  extra?: Observation[];
}

export interface Proposal {
  /** The draft stored; absent when nothing was added (nothing is stored then). */
  version?: number;
  /** The version it builds on, and why that one. */
  base: WorkingVersion;
  since: number;
  /** Would-deny events in the window: read, and whether there were more than PROPOSE_EVENTS. */
  events: { read: number; truncated: boolean };
  /** Observations made of them (and the extra ones); `ungrouped`: events whose requests were past the limit. */
  observations: { made: number; truncated: boolean; ungrouped: number };
  additions: Addition[];
  refused: Refusal[];
  /** Events that carry no request to allow (layer 2, unreadable streams, events kept before requests were), by reason. */
  withoutRequest: { reasonCode: string; count: number; why: string }[];
  diff: PolicyDiff;
  /** Of the events read, how many the draft would let through, what share, and that said in a sentence. */
  letThrough: { allowed: number; of: number; share: number; text: string };
}

interface Stores {
  policies: PolicyStore;
  events: EventStore;
  /** A stored version, parsed (the review's cache). */
  load: (version: number) => Policy;
  isolated: readonly string[];
}

function baseOf(policies: PolicyStore): Proposal['base'] {
  const base = workingVersion(policies);
  if (base) return base;
  throw new PolicyStoreError('no policy to build on: derive one first (bulkhead derive), then propose', 'BH_NOT_FOUND');
}

const PROTOCOL_NAMES: readonly string[] = PROTOCOLS.map((m) => m.name);

/** A would-deny event as an observation of one request, if it kept the request it refused. */
function observationOf(e: GatewayEvent): Observation | undefined {
  const op = (e.data as { operation?: EventOperation }).operation;
  const { client, server } = e.data;
  if (typeof op !== 'object' || op === null || !PROTOCOL_NAMES.includes(op.protocol) || typeof op.code !== 'number' || typeof op.port !== 'number' || !Array.isArray(op.targets) || !client || !server) return undefined;
  const o: Observation = {
    protocol: op.protocol,
    client: { ip: client },
    server: { ip: server, port: op.port },
    kind: op.kind,
    code: op.code,
    codeName: op.codeName,
    targets: op.targets,
    count: 1,
    firstSeen: e.ts,
    lastSeen: e.ts,
    evidence: { events: [e.id], conversation: conversationKey(op.protocol, { ip: client, port: 0 }, { ip: server, port: op.port }) },
  };
  if (op.subCode !== undefined) o.subCode = op.subCode;
  if (op.targetsTruncated) o.targetsTruncated = true;
  const code = reasonOf(e);
  if (code) o.reasonCode = code;
  return o;
}

function reasonOf(e: GatewayEvent): VerdictCode | undefined {
  const code = e.data.reasonCode;
  return (VERDICT_CODES as readonly string[]).includes(code ?? '') ? (code as VerdictCode) : undefined;
}

/** The window's events grouped by the request they refused (the newest first), bounded. */
function observe(events: EventStore, since: number, room: number): Pick<Proposal, 'events' | 'observations' | 'withoutRequest'> & { list: Observation[] } {
  const groups = new Map<string, Observation>();
  const without = new Map<string, number>();
  let read = 0;
  let ungrouped = 0;
  for (const e of events.since('would-deny', since, PROPOSE_EVENTS + 1)) {
    if (++read > PROPOSE_EVENTS) break;
    const o = observationOf(e);
    if (!o) {
      const code = e.data.reasonCode ?? 'unknown';
      without.set(code, (without.get(code) ?? 0) + 1);
      continue;
    }
    const key = JSON.stringify([o.reasonCode, o.protocol, o.client.ip, o.server.ip, o.server.port, o.kind, o.code, o.subCode, o.targets, o.targetsTruncated]);
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.firstSeen = o.firstSeen;
      if (g.evidence.events!.length < EVIDENCE_IDS) g.evidence.events!.unshift(e.id);
    } else if (groups.size < room) groups.set(key, o);
    else ungrouped++;
  }
  const withoutRequest = [...without].sort((a, b) => b[1] - a[1]).map(([reasonCode, count]) => ({
    reasonCode,
    count,
    why: unplaceable(reasonCode as VerdictCode) ?? 'the event does not keep the request it refused (kept before events did): it cannot be proposed from',
  }));
  return { list: [...groups.values()], events: { read: Math.min(read, PROPOSE_EVENTS), truncated: read > PROPOSE_EVENTS }, observations: { made: groups.size, truncated: ungrouped > 0, ungrouped }, withoutRequest };
}

/** How many of the window's events the draft allows: each event's request judged again by the one verdict. */
function letThrough(events: EventStore, since: number, window: string, draft: Policy, isolated: readonly string[]): Proposal['letThrough'] {
  const judge = new Judge(compilePolicy(draft));
  judge.isolate(isolated);
  let of = 0;
  let allowed = 0;
  for (const e of events.since('would-deny', since, PROPOSE_EVENTS)) {
    of++;
    const o = observationOf(e);
    // What the rules do not decide (malformed, link layer) stays refused whatever the draft says.
    if (o && (o.reasonCode === undefined || unplaceable(o.reasonCode) === undefined) && judge.request(observedOperation(o)).action === 'allow') allowed++;
  }
  const share = of ? allowed / of : 0;
  const which = window === '7d' ? `last week's ${of}` : `the ${of}`;
  return { allowed, of, share, text: `would let through ${allowed} of ${which} would-deny requests${window === '7d' ? '' : ` since ${new Date(since * 1000).toISOString()}`} (${Math.round(share * 100)}%)` };
}

/** A draft that lets through what learn mode would have denied since `since` (and the extra decisions). */
export function propose(s: Stores, o: ProposeOptions, now = Date.now() / 1000): Proposal {
  const window = o.since ?? '7d';
  const since = parseSince(window, now);
  if (since === undefined) throw new BulkheadError('BH_VALIDATION', `since: must be like 7d, 24h, 90m or a date, got '${window}'`);
  const extra = (o.extra ?? []).slice(0, PROPOSE_OBSERVATIONS);
  const seen = observe(s.events, since, PROPOSE_OBSERVATIONS - extra.length);
  if (seen.events.read === 0 && extra.length === 0) throw new ProposeError(`no would-deny events since ${new Date(since * 1000).toISOString()} (${window}): nothing to propose from; learn mode records them while a policy is in force`);
  const base = baseOf(s.policies);
  const before = s.load(base.version);
  const { list, ...counts } = seen;
  const adapted = allowObserved(before, [...extra, ...list]);
  const diff = diffPolicies(before, adapted.policy);
  const proposal: Proposal = { base, since, ...counts, observations: { ...counts.observations, made: counts.observations.made + extra.length }, additions: adapted.additions, refused: adapted.refused, diff, letThrough: letThrough(s.events, since, window, adapted.policy, s.isolated) };
  if (diff.changes.length === 0) return proposal;
  const header =
    `Proposed ${new Date(now * 1000).toISOString()} from ${seen.events.read} would-deny events since ${new Date(since * 1000).toISOString()}${extra.length ? ` and ${extra.length} decisions on alerts` : ''}, on version ${base.version} (${base.why}).\n` +
    `${adapted.additions.length} additions, ${adapted.refused.length} refused. Review the changes and their evidence, simulate, then approve: nothing is allowed before.`;
  const text = formatPolicy(adapted.policy, header);
  // What is stored must load again: a proposal that breaks the schema is a bug, not a draft.
  const checked = parsePolicy(text, 'the proposed policy');
  proposal.version = storeVersion(s.policies, text, adapted.policy.name, `proposed from would-deny traffic on version ${base.version}`, o.by, checked);
  return proposal;
}
