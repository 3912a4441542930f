// The guided path the dashboard and `bulkhead next` show a new user: learn, review the draft,
// simulate the last days, approve, monitor inline in learn mode, enforce with commit-confirm.
// Each step is read from what the store says (never a checklist ticked by hand), and says what
// to do next and why, in the plant's words. The current step is the first one not done.

import { loadPolicy } from '../gateway/policy-ref.js';
import type { Db } from '../store/database.js';
import { EventStore } from '../store/event-store.js';
import { LearnStore } from '../store/learn-store.js';
import { PolicyStore } from '../store/policy-store.js';
import type { PolicyVersion } from '../store/records.js';
import { progressOf } from './learn.js';
import { simulateSince } from './policy.js';
import { lintInContext } from './report.js';
import type { GuidedPath } from './schemas.js';
import { gatewayStatus, type GatewayStatus } from './status.js';

type GuideStep = GuidedPath['steps'][number];
type StepId = GuideStep['id'];

/** Days of the baseline a draft is simulated over; days of would-deny counts shown. */
export const SIMULATED_DAYS = 3;
const TREND_DAYS = 7;
/**
 * Baselines up to this many conversations are linted and simulated for the dashboard (46 ms for
 * the demo plant's 121); larger ones are left to the Policy page, which says how long it takes.
 */
export const GUIDE_CONVERSATIONS_JUDGED = 5_000;
const DAY = 86_400;

type Draft = Omit<PolicyVersion, 'document'>;
type Facts = { done: boolean; status: string; next?: string };

const plural = (n: number, one: string) => `${n.toLocaleString('en')} ${one}${n === 1 ? '' : 's'}`;
const hours = (h: number) => (h < 48 ? `${Math.round(h)} h` : `${Math.round(h / 24)} days`);

const tooLarge = (learn: LearnStore) => learn.totals().conversations > GUIDE_CONVERSATIONS_JUDGED;

function learnStep(learn: LearnStore, draft: Draft | undefined): Facts {
  const p = progressOf(learn);
  if (!p.learning) return { done: false, status: 'nothing learned yet', next: 'Connect the gateway to a mirror port and run bulkhead learn --interface IF (or import captures: bulkhead learn --pcap FILE): rules are derived only from traffic the plant really has.' };
  const seen = `${plural(p.totals.assets, 'asset')}, ${plural(p.totals.conversations, 'conversation')} in ${hours(p.hoursLearned)} of traffic`;
  if (p.converged) return { done: true, status: `${seen}; converged: nothing new for ${hours(p.quietHours)}` };
  const quiet = `new behaviour ${hours(p.quietHours)} ago; it converges after ${hours(p.convergenceHours)} without anything new`;
  // A draft may be derived before convergence: the path goes on, and says learning is not finished.
  if (draft) return { done: true, status: `${seen}; not converged yet (${quiet}): derive again later to cover what is still new` };
  return { done: false, status: `${seen}; ${quiet}`, next: 'Keep learning through the plant’s daily cycle (shifts, night, maintenance), or derive a draft now to start reviewing: bulkhead derive, or Derive on the Policy page.' };
}

function reviewStep(learn: LearnStore, policies: PolicyStore, draft: Draft | undefined): Facts {
  if (!draft) return { done: false, status: 'no policy version yet', next: 'Derive a draft from what was learned (Policy page: Derive a new draft): every rule comes with its evidence.' };
  if (draft.status !== 'draft') return { done: true, status: `version ${draft.version} ${draft.status}` };
  if (tooLarge(learn)) return { done: false, status: `version ${draft.version}: a baseline this large is linted on the Policy page`, next: 'Open the draft on the Policy page and read its lint findings: each names the rule and the IEC 62443 clause.' };
  const findings = lintInContext(learn, loadPolicy(policies, String(draft.version)).policy).filter((f) => f.severity !== 'info');
  if (findings.length === 0) return { done: true, status: `version ${draft.version}: no open lint findings` };
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    done: false,
    status: `version ${draft.version}: ${plural(findings.length, 'open lint finding')}${errors ? ` (${errors} errors)` : ''}`,
    next: `Read each finding on the Policy page (it names the rule and the IEC 62443 clause): narrow what is too wide, or accept it knowingly. The first: ${findings[0]!.where}: ${findings[0]!.message}.`,
  };
}

function simulateStep(learn: LearnStore, policies: PolicyStore, draft: Draft | undefined): Facts {
  if (!draft) return { done: false, status: 'nothing to simulate yet' };
  if (draft.status !== 'draft') return { done: true, status: `version ${draft.version} was approved` };
  const lastSeen = learn.clock()?.lastSeen;
  if (!lastSeen) return { done: false, status: 'no traffic learned to simulate' };
  if (tooLarge(learn)) return { done: false, status: 'a baseline this large is simulated on the Policy page', next: 'Simulate the draft on the Policy page over the last days: it shows what it would have refused, and why.' };
  const { candidate } = simulateSince(learn, policies, loadPolicy(policies, String(draft.version)).policy, undefined, lastSeen - SIMULATED_DAYS * DAY);
  const status = `over the last ${SIMULATED_DAYS} days it would have allowed ${plural(candidate.allowed, 'request')} and refused ${candidate.denied.toLocaleString('en')}`;
  if (candidate.denied === 0) return { done: true, status };
  return { done: false, status, next: 'On the Policy page, Simulate shows what it would have refused and why: allow what is the plant’s own work, keep refused what should never happen, then simulate again.' };
}

function approveStep(draft: Draft | undefined): Facts {
  if (!draft) return { done: false, status: 'nothing to approve yet' };
  if (draft.approvedBy) return { done: true, status: `version ${draft.version} approved by ${[draft.approvedBy, draft.secondApprover].filter(Boolean).join(' and ')}` };
  return { done: false, status: `version ${draft.version} awaits approval`, next: 'Approve it on the Policy page: the approval records who takes responsibility for these rules (a second engineer may approve too).' };
}

function monitorStep(st: GatewayStatus, perDay: number[], lastDay: number, activeSince: number | undefined, now: number): Facts {
  const engine = st.engine.running ? '' : ' No engine runs here yet: it needs root and a bridge (bulkhead start --bridge BR).';
  if (!st.policy) return { done: false, status: 'no policy in force', next: `Apply the approved version in learn mode (Switch mode: learn, then Apply on the Policy page): nothing is dropped, and what it would refuse is reported as would-deny events.${engine}` };
  const trend = `would-deny events per day since it was applied: ${perDay.join(', ')}`;
  if (st.mode.mode === 'enforce') return { done: true, status: `version ${st.policy.version} in force; ${trend}` };
  const watched = activeSince === undefined ? 0 : (now - activeSince) / 3600;
  if (st.mode.mode === 'learn' && lastDay === 0 && watched >= 24) return { done: true, status: `version ${st.policy.version} watched for ${hours(watched)}: no would-deny event in the last day` };
  return {
    done: false,
    status: `version ${st.policy.version} in ${st.mode.mode} mode for ${hours(watched)}; ${trend}`,
    next: `Wait for a day without would-deny events. Each one is a request the policy would refuse: on the Policy page, Propose from would-deny traffic turns the plant’s own into rules.${engine}`,
  };
}

function enforceStep(st: GatewayStatus): Facts {
  if (st.pending) return { done: false, status: `version ${st.pending.version} applied, ${st.pending.secondsLeft} s left to confirm`, next: 'Check the plant runs normally, then Confirm on the Policy page: without it the change rolls itself back.' };
  if (st.policy && st.mode.mode === 'enforce' && st.engine.running) return { done: true, status: `enforcing version ${st.policy.version}` };
  return { done: false, status: st.policy ? `version ${st.policy.version} not enforced (mode ${st.mode.mode}${st.engine.running ? '' : ', no engine running'})` : 'nothing enforced', next: 'Switch the mode to enforce and apply with commit-confirm: until you confirm, a mistake rolls itself back.' };
}

/** The path as the store stands at `now` (seconds). */
export function guidedPath(db: Db, now = Date.now() / 1000): GuidedPath {
  const learn = new LearnStore(db);
  const policies = new PolicyStore(db);
  const st = gatewayStatus(policies, now);
  const draft = policies.latest();
  const applied = st.policy ? policies.changes().filter((c) => c.action === 'apply' && c.version === st.policy!.version).at(-1)?.ts : undefined;
  const events = new EventStore(db);
  // Days counted from when the version was applied (at most the last TREND_DAYS), the last one still running.
  const from = Math.max(applied ?? now, now - TREND_DAYS * DAY);
  const perDay = st.policy ? events.perDay('would-deny', from, Math.max(1, Math.ceil((now - from) / DAY))) : [];
  const lastDay = st.policy ? events.perDay('would-deny', now - DAY, 1)[0]! : 0;
  const facts: [StepId, string, string, Facts][] = [
    ['learn', 'Learn the plant', '#/assets', learnStep(learn, draft)],
    ['review', 'Review the draft', draft ? `#/policy?v=${draft.version}` : '#/policy', reviewStep(learn, policies, draft)],
    ['simulate', `Simulate the last ${SIMULATED_DAYS} days`, draft ? `#/policy?v=${draft.version}` : '#/policy', simulateStep(learn, policies, draft)],
    ['approve', 'Approve', draft ? `#/policy?v=${draft.version}` : '#/policy', approveStep(draft)],
    ['monitor', 'Monitor inline in learn mode', '#/events', monitorStep(st, perDay, lastDay, applied, now)],
    ['enforce', 'Enforce with commit-confirm', '#/policy', enforceStep(st)],
  ];
  const current = facts.findIndex(([, , , f]) => !f.done);
  const steps = facts.map(([id, title, href, f], i): GuideStep => ({ id, title, href, state: f.done ? 'done' : i === current ? 'current' : 'later', status: f.status, ...(f.next && !f.done ? { next: f.next } : {}) }));
  return { steps, wouldDenyPerDay: perDay };
}
