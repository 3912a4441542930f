// Automatic response, opt-in per zone or conduit: the source of an alert of at least the set
// severity is isolated (island mode) the moment the detection is made, before the alert is even
// written, and the engine following the store cuts it off on the bridge. Only detections with a
// source (the client that wrote, scanned, appeared) qualify: a silent PLC or a MAC claimed by
// someone else is never isolated by itself. Bounded: past MAX_PER_HOUR isolations it stops and
// says so (an attacker forging addresses must not be able to cut the plant apart).

import type { Detection } from '../detect/alert-book.js';
import { compilePolicy, type Evaluator } from '../policy/evaluate.js';
import type { Db } from '../store/database.js';
import { EventStore } from '../store/event-store.js';
import { PolicyStore } from '../store/policy-store.js';
import { severityRank as rank, type ResponseRule } from '../store/records.js';
import { ResponseRules } from '../store/response-rules.js';
import { matches, Suppressions, type Suppression } from '../store/suppressions.js';
import { currentRef, loadPolicy } from '../gateway/policy-ref.js';
import { BulkheadError } from '../errors.js';
import { isolate } from './isolation.js';

/** Isolations made automatically per hour; past this, automatic response pauses until the hour is over. */
export const MAX_PER_HOUR = 10;


export class AutoResponder {
  private readonly policies: PolicyStore;
  private readonly rules: ResponseRules;
  private readonly events: EventStore;
  private seenVersion = -1;
  private compiled: { version: number; evaluator: Evaluator } | undefined;
  private active: { rules: ResponseRule[]; evaluator: Evaluator | undefined; isolated: Set<string>; suppressions: Suppression[] } = { rules: [], evaluator: undefined, isolated: new Set(), suppressions: [] };
  private hour = 0;
  private thisHour = 0;
  private pausedNoted = false;

  constructor(
    private readonly db: Db,
    private readonly log: (line: string) => void,
    private readonly now = () => Date.now() / 1000,
  ) {
    this.policies = new PolicyStore(db);
    this.rules = new ResponseRules(db);
    this.events = new EventStore(db);
  }

  /** Never throws: detection goes on whatever the store says. */
  respond(d: Detection): void {
    if (!d.source) return;
    try {
      this.refresh();
      this.act(d, d.source);
    } catch (err) {
      this.log(`ERROR: automatic response for ${d.source} (${d.type}): ${(err as Error).message}`);
    }
  }

  private act(d: Detection, source: string): void {
    const { rules, evaluator, isolated, suppressions } = this.active;
    if (rules.length === 0 || !evaluator || isolated.has(source)) return;
    // What people suppressed is not raised, and isolates nothing either.
    const alike = { type: d.type, key: `${d.type}|${d.subject}`, ...(d.asset ? { asset: d.asset } : {}) };
    if (suppressions.some((s) => matches(s, alike, d.op.evidence.ts))) return;
    const rule = ruleFor(rules, evaluator, d);
    if (!rule || !this.admit()) return;
    const seenMs = (this.now() - d.op.evidence.ts) * 1000;
    const reason = `automatic response (${rule.scope} ${rule.id}: isolate the source of alerts of severity ${rule.minSeverity} or above): ${d.type}: ${d.summary}`;
    try {
      isolate(this.policies, source, 'auto-response', reason);
    } catch (err) {
      this.log(`ERROR: automatic response could not isolate ${source}: ${(err as Error).message}`);
      return;
    }
    isolated.add(source);
    const ms = (this.now() - d.op.evidence.ts) * 1000;
    const message = `${source} isolated automatically, ${ms.toFixed(1)} ms after the packet that showed it (detected after ${seenMs.toFixed(1)} ms; ${d.type}, ${d.severity}): ${d.summary}`;
    this.log(`AUTO-RESPONSE ${message}`);
    this.events.append([{ ts: this.now(), kind: 'alert', data: { source: 'auto-response', message, client: source, reasonCode: d.type } }]);
  }

  /** Rules, the active policy and the isolations again when another connection changed the store. */
  private refresh(): void {
    const v = this.db.pragma('data_version', { simple: true }) as number;
    if (v === this.seenVersion) return;
    this.seenVersion = v;
    const rules = this.rules.list();
    // The evaluator is compiled again only when another version becomes active (other writes are learning's and the engine's events).
    const active = rules.length ? this.policies.latest('active')?.version : undefined;
    if (active !== this.compiled?.version) this.compiled = active === undefined ? undefined : { version: active, evaluator: compilePolicy(loadPolicy(this.policies, String(active)).policy) };
    const evaluator = this.compiled?.evaluator;
    this.active = { rules, evaluator, isolated: new Set(this.policies.isolations().map((i) => i.target)), suppressions: new Suppressions(this.db).list() };
  }

  private admit(): boolean {
    const hour = Math.floor(this.now() / 3600);
    if (hour !== this.hour) Object.assign(this, { hour, thisHour: 0, pausedNoted: false });
    if (this.thisHour < MAX_PER_HOUR) {
      this.thisHour++;
      return true;
    }
    if (!this.pausedNoted) {
      this.pausedNoted = true;
      const message = `automatic response paused: ${MAX_PER_HOUR} sources isolated within this hour already; further alerts are raised but isolate nothing until the hour is over`;
      this.log(`AUTO-RESPONSE ${message}`);
      this.events.append([{ ts: this.now(), kind: 'alert', data: { source: 'auto-response', message } }]);
    }
    return false;
  }
}

/** The rule with the lowest threshold the detection meets: a conduit it crossed, or a zone either end is in. */
function ruleFor(rules: readonly ResponseRule[], evaluator: Evaluator, d: Detection): ResponseRule | undefined {
  const conduit = evaluator.conduitBetween(d.op.client, d.op.server)?.id;
  const zones = [evaluator.zoneOf(d.op.client)?.id, evaluator.zoneOf(d.op.server)?.id];
  const applies = rules.filter((r) => (r.scope === 'conduit' ? r.id === conduit : zones.includes(r.id)) && rank(d.severity) >= rank(r.minSeverity));
  return applies.sort((a, b) => rank(a.minSeverity) - rank(b.minSeverity))[0];
}

/** Setting automatic response: only for a zone or conduit of the policy in force (or the latest stored, before any is). */
export class ResponseSettings {
  private readonly rules: ResponseRules;
  private readonly policies: PolicyStore;

  constructor(db: Db) {
    this.rules = new ResponseRules(db);
    this.policies = new PolicyStore(db);
  }

  list(): ResponseRule[] {
    return this.rules.list();
  }

  set(scope: ResponseRule['scope'], id: string, minSeverity: ResponseRule['minSeverity'], by: string): ResponseRule {
    const ref = currentRef(this.policies);
    if (!ref) throw new BulkheadError('BH_NOT_FOUND', 'no policy stored yet: automatic response is set on a zone or conduit of the policy');
    const policy = loadPolicy(this.policies, ref).policy;
    const ids = (scope === 'zone' ? policy.zones : policy.conduits).map((x) => x.id);
    if (!ids.includes(id)) throw new BulkheadError('BH_NOT_FOUND', `no ${scope} '${id}' in the ${ref} policy (its ${scope}s: ${ids.join(', ') || 'none'})`);
    return this.rules.set({ scope, id, minSeverity, by });
  }

  remove(scope: ResponseRule['scope'], id: string, by: string): void {
    this.rules.remove(scope, id, by);
  }
}
