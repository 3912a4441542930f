// One operation of a conversation, accumulated: counts, targets coalesced, outcomes, response
// times and polling periods. Every list has a bound; past it the record says it is incomplete.

import { registerWords } from '../../protocols/modbus/words.js';
import { OPCUA_VALUE_ATTRIBUTE, type Operation, type Outcome, type Target } from '../../protocols/operation.js';
import type { Transaction } from '../flow/transactions.js';
import type { OperationStats, ValueProfile, PollStats, TargetSummary } from './model.js';
import { hourOfDay } from './hours.js';
import { addRange, capRanges, formatRanges } from './ranges.js';
import { appended } from './lists.js';
import { targetWords } from './target-words.js';

export const MAX_TARGET_ENTRIES = 256;
export const MAX_RANGES_PER_ENTRY = 64;
export const MAX_PROPERTIES_PER_OBJECT = 64;
export const MAX_POLLS = 16;
/** Points (registers, coils) whose values are profiled per operation. */
export const MAX_VALUE_POINTS = 64;
/** Distinct values kept per point before it counts as continuous. */
export const MAX_DISTINCT_VALUES = 8;
/** Read-back values are sampled at most this often per operation (capture seconds): a poll many times a second would otherwise cost more than all the rest of learning. Writes are always taken. */
export const READ_SAMPLE_SECONDS = 1;

/** Told each value before it is learned, with the point's profile so far (the value detector). */
export type ValueCheck = (point: string, value: number, profile: ValueProfile | undefined) => void;
/** Outcome of a request whose response time was still running when the input ended. */
export const CUT_OFF_OUTCOME = 'capture ended before the response';
/** An interval this many times the mean is a pause in polling, not a sample of the period. */
const PAUSE_FACTOR = 5;
/** Samples before pauses are told apart from the period. */
const SETTLED = 5;

export function operationKey(op: Operation): string {
  return op.subCode === undefined ? `${op.kind}/${op.code}` : `${op.kind}/${op.code}/${op.subCode}`;
}

export function newOperationStats(op: Operation): OperationStats {
  const s: OperationStats = {
    kind: op.kind,
    code: op.code,
    codeName: op.codeName,
    count: 0,
    firstSeen: op.evidence.ts,
    lastSeen: op.evidence.ts,
    targets: [],
    outcomes: {},
    polls: [],
    anomalies: {},
  };
  if (op.subCode !== undefined) s.subCode = op.subCode;
  if (op.subCodeName !== undefined) s.subCodeName = op.subCodeName;
  if (op.encrypted) s.encrypted = true;
  return s;
}

export function outcomeLabel(o: Outcome): string {
  if (o.status === 'ok') return 'ok';
  const parts: string[] = [o.status];
  if (o.errorClass !== undefined) parts.push(`class ${o.errorClass}`);
  if (o.code !== undefined) parts.push(String(o.code));
  if (o.name) parts.push(o.name);
  return parts.join(' ');
}

/**
 * Adds one transaction to its operation's statistics. Returns readable descriptions of the
 * targets it covered for the first time (new behaviour, for the learning progress).
 */
export function recordTransaction(s: OperationStats, t: Transaction, check?: ValueCheck): readonly string[] {
  const op = t.op;
  const ts = op.evidence.ts;
  s.count++;
  if (ts < s.firstSeen) s.firstSeen = ts;
  if (ts > s.lastSeen) s.lastSeen = ts;
  for (const a of op.anomalies) s.anomalies[a.type] = (s.anomalies[a.type] ?? 0) + 1;
  if (t.status === 'answered') {
    const label = outcomeLabel(t.response!.outcome ?? op.outcome ?? { status: 'ok' });
    s.outcomes[label] = (s.outcomes[label] ?? 0) + 1;
    const rt = (s.responseTime ??= { samples: 0, mean: 0, max: 0 });
    rt.samples++;
    rt.mean += (t.responseTime! - rt.mean) / rt.samples;
    if (t.responseTime! > rt.max) rt.max = t.responseTime!;
  } else if (t.status === 'unanswered' || t.status === 'cut_off') {
    const label = t.status === 'unanswered' ? 'unanswered' : CUT_OFF_OUTCOME;
    s.outcomes[label] = (s.outcomes[label] ?? 0) + 1;
  }
  let added: string[] | undefined;
  for (const target of op.targets) {
    const what = addTarget(s, target);
    if (what) (added ??= []).push(what);
  }
  if (op.targetsTruncated) s.targetsTruncated = true;
  s.hours = (s.hours ?? 0) | (1 << hourOfDay(ts));
  s.hoursSince ??= ts;
  recordPoll(s, op, ts);
  recordValues(s, t, check);
  return added ?? NOTHING_NEW;
}

const NOTHING_NEW: readonly string[] = [];

/**
 * The values a write carried, or a read's response brought back, into their points' profiles, as
 * Operation.values lays them out: a Modbus range's at the request's first target's addresses (at
 * most its quantity of them); any other's one a target, by index.
 */
function recordValues(s: OperationStats, t: Transaction, check: ValueCheck | undefined): void {
  const carrier = s.kind === 'write' ? t.op : s.kind === 'read' ? t.response : undefined;
  const values = carrier?.values;
  const first = t.op.targets[0];
  if (!values || !first || (first.type === 'modbus' && first.start === undefined)) return;
  const ts = t.op.evidence.ts;
  if (s.kind === 'read') {
    if (s.valuesSampledAt !== undefined && ts - s.valuesSampledAt < READ_SAMPLE_SECONDS && ts >= s.valuesSampledAt) return;
    s.valuesSampledAt = ts;
  }
  if (first.type === 'modbus') {
    const n = Math.min(values.length, Math.max(1, first.count ?? 1));
    const points = modbusPoints(s, first, n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) learnValue(s, points[i]!, v, ts, check);
    }
    return;
  }
  // A response that names no targets (OPC UA Read) carries its request's values.
  const targets = carrier!.targets.length > 0 ? carrier!.targets : t.op.targets;
  const n = Math.min(values.length, targets.length);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const point = valuePoint(targets[i]!);
    if (point !== undefined) learnValue(s, point, v, ts, check);
  }
}

/**
 * Learning's working memory of one operation: what its last request asked for, so that a poll,
 * which asks the same again, finds its poll and its value points without building their names.
 * Kept on the statistics under a symbol, not enumerable: never stored, listed or compared, and
 * gone with them (a WeakMap would cost every garbage collection a pass over its entries).
 */
interface Working {
  /** The poll the last request counted in, and what that request asked for. */
  pollFirst?: Target | undefined;
  pollTargets?: number;
  poll?: PollStats | undefined;
  /** The names of the points of the Modbus range values were last learned at. */
  points?: { unit: number; table: string | undefined; start: number; names: string[] };
}
const WORKING = Symbol('working');

function working(s: OperationStats): Working {
  const held = s as OperationStats & { [WORKING]?: Working };
  let w = held[WORKING];
  if (!w) Object.defineProperty(held, WORKING, { value: (w = {}), enumerable: false });
  return w;
}

/** The names of the first `n` points from a Modbus target's start ("unit 1 holding 40"), made once per range read. */
function modbusPoints(s: OperationStats, first: Extract<Target, { type: 'modbus' }>, n: number): string[] {
  const start = first.start!;
  const w = working(s);
  const last = w.points;
  if (last && last.start === start && last.unit === first.unit && last.table === first.table && last.names.length >= n) return last.names;
  const prefix = `unit ${first.unit}${first.table ? ` ${first.table}` : ''} `;
  // Made to its size: a list grown by pushes keeps room for more it never gets.
  const names = new Array<string>(n);
  for (let i = 0; i < n; i++) names[i] = prefix + (start + i);
  w.points = { unit: first.unit, table: first.table, start, names };
  return names;
}

/** The point a BACnet or OPC UA target's value belongs to, in the words of its target ("analog-value 1 present-value", "ns=2;s=Line1.Setpoint"). */
function valuePoint(t: Target): string | undefined {
  if (t.type === 'opcua') return t.attribute === OPCUA_VALUE_ATTRIBUTE ? t.nodeId : undefined;
  if (t.type !== 'bacnet' || t.property === undefined) return undefined;
  const property = `${t.propertyName ?? t.property}${t.arrayIndex !== undefined ? `[${t.arrayIndex}]` : ''}`;
  return targetWords({ type: 'bacnet', objectType: t.objectType, objectTypeName: t.objectTypeName, instance: t.instance, properties: [property] });
}

/** One value into its point's profile (a new point while the operation has room for it), told to `check` first. */
function learnValue(s: OperationStats, point: string, v: number, ts: number, check: ValueCheck | undefined): void {
  const profiles = (s.values ??= {});
  let p = profiles[point];
  check?.(point, v, p);
  if (!p) {
    if (Object.keys(profiles).length >= MAX_VALUE_POINTS) {
      s.valuesTruncated = true;
      return;
    }
    p = profiles[point] = { samples: 0, min: v, max: v, distinct: [], firstSeen: ts, lastSeen: ts };
  }
  p.samples++;
  if (v < p.min) p.min = v;
  if (v > p.max) p.max = v;
  if (ts > p.lastSeen) p.lastSeen = ts;
  if (p.distinct && !p.distinct.includes(v)) {
    if (p.distinct.length < MAX_DISTINCT_VALUES) p.distinct = appended(p.distinct, v);
    else delete p.distinct;
  }
}

/** Merges a target into the summary; returns its description when it covers something new. */
function addTarget(s: OperationStats, t: Target): string | undefined {
  switch (t.type) {
    case 'modbus': {
      let entry = modbusEntry(s.targets, t);
      if (!entry) {
        if (!roomFor(s)) return undefined;
        entry = { type: 'modbus', unit: t.unit, ranges: [] };
        if (t.table !== undefined) entry.table = t.table;
        if (t.access !== undefined) entry.access = t.access;
        if (t.file !== undefined) entry.file = t.file;
        s.targets = appended(s.targets, entry);
        if (t.start === undefined) return `unit ${t.unit}`;
      }
      if (t.start === undefined) return undefined;
      const last = t.start + Math.max(1, t.count ?? 1) - 1;
      if (!addRange(entry.ranges, t.start, last)) return undefined;
      if (capRanges(entry.ranges, MAX_RANGES_PER_ENTRY)) s.targetsTruncated = true;
      return registerWords(t.unit, t.table, [[t.start, last]]);
    }
    case 'bacnet': {
      let entry = s.targets.find((e) => e.type === 'bacnet' && e.objectType === t.objectType && e.instance === t.instance) as
        | Extract<TargetSummary, { type: 'bacnet' }>
        | undefined;
      let fresh = false;
      if (!entry) {
        if (!roomFor(s)) return undefined;
        entry = { type: 'bacnet', objectType: t.objectType, objectTypeName: t.objectTypeName, instance: t.instance, properties: [] };
        s.targets = appended(s.targets, entry);
        fresh = true;
      }
      const prop = t.propertyName ?? (t.property !== undefined ? String(t.property) : undefined);
      if (prop !== undefined && !entry.properties.includes(prop)) {
        if (entry.properties.length < MAX_PROPERTIES_PER_OBJECT) entry.properties.push(prop);
        else s.targetsTruncated = true;
        return `${t.objectTypeName},${t.instance} ${prop}`;
      }
      return fresh ? `${t.objectTypeName},${t.instance}` : undefined;
    }
    case 'opcua': {
      let entry = s.targets.find((e) => e.type === 'opcua' && e.nodeId === t.nodeId) as Extract<TargetSummary, { type: 'opcua' }> | undefined;
      let fresh = false;
      if (!entry) {
        if (!roomFor(s)) return undefined;
        entry = { type: 'opcua', nodeId: t.nodeId, attributes: [], methods: [] };
        s.targets = appended(s.targets, entry);
        fresh = true;
      }
      if (t.attribute !== undefined && !entry.attributes.includes(t.attribute) && entry.attributes.length < 32) entry.attributes.push(t.attribute);
      if (t.methodId !== undefined && !entry.methods.includes(t.methodId)) {
        if (entry.methods.length < MAX_PROPERTIES_PER_OBJECT) entry.methods.push(t.methodId);
        return `${t.nodeId} method ${t.methodId}`;
      }
      return fresh ? t.nodeId : undefined;
    }
  }
}

function modbusEntry(targets: TargetSummary[], t: Extract<Target, { type: 'modbus' }>): Extract<TargetSummary, { type: 'modbus' }> | undefined {
  for (const e of targets) if (e.type === 'modbus' && e.unit === t.unit && e.table === t.table && e.access === t.access && e.file === t.file) return e;
  return undefined;
}

function roomFor(s: OperationStats): boolean {
  if (s.targets.length < MAX_TARGET_ENTRIES) return true;
  s.targetsTruncated = true;
  return false;
}

/** What a repeated request asks for: its code and exact targets. */
function pollSignature(op: Operation): string {
  if (op.targets.length === 0) return op.codeName;
  const t = op.targets[0]!;
  let first: string;
  if (t.type === 'modbus') first = `unit ${t.unit}${t.table ? ` ${t.table}` : ''}${t.start !== undefined ? ` ${formatRanges([[t.start, t.start + Math.max(1, t.count ?? 1) - 1]])}` : ''}`;
  else if (t.type === 'bacnet') first = `${t.objectTypeName},${t.instance}${t.propertyName ? ` ${t.propertyName}` : ''}`;
  else first = t.nodeId;
  return op.targets.length > 1 ? `${first} +${op.targets.length - 1}` : first;
}

function sameTarget(a: Target, b: Target): boolean {
  switch (a.type) {
    case 'modbus':
      return b.type === 'modbus' && a.unit === b.unit && a.table === b.table && a.start === b.start && a.count === b.count;
    case 'bacnet':
      return b.type === 'bacnet' && a.objectTypeName === b.objectTypeName && a.instance === b.instance && a.propertyName === b.propertyName;
    case 'opcua':
      return b.type === 'opcua' && a.nodeId === b.nodeId;
  }
}

/** The poll of `op`'s signature: the last one when the request asks the same again, else found (or made) by its signature. */
function pollOf(s: OperationStats, op: Operation, ts: number): PollStats | undefined {
  const first = op.targets[0];
  const w = working(s);
  if (w.pollTargets === op.targets.length && (first === undefined ? w.pollFirst === undefined : w.pollFirst !== undefined && sameTarget(first, w.pollFirst))) return w.poll;
  const signature = pollSignature(op);
  let p: PollStats | undefined;
  for (const q of s.polls) if (q.signature === signature) p = q;
  w.pollFirst = first;
  w.pollTargets = op.targets.length;
  if (!p && s.polls.length < MAX_POLLS) {
    w.poll = { signature, samples: 0, interval: 0, jitter: 0, pauses: 0, last: ts, m2: 0 };
    s.polls = appended(s.polls, w.poll);
    return undefined;
  }
  w.poll = p;
  return p;
}

function recordPoll(s: OperationStats, op: Operation, ts: number): void {
  const p = pollOf(s, op, ts);
  if (!p) return;
  const dt = ts - p.last;
  p.last = ts;
  if (dt < 0) return;
  if (p.samples >= SETTLED && dt > PAUSE_FACTOR * p.interval) {
    p.pauses++;
    return;
  }
  // Welford: mean and variance in one pass, no history kept.
  p.samples++;
  const delta = dt - p.interval;
  p.interval += delta / p.samples;
  p.m2 += delta * (dt - p.interval);
  p.jitter = Math.sqrt(p.m2 / p.samples);
}

/** The steadiest poll of an operation (most samples), if it polls at all. */
export function mainPoll(s: OperationStats): PollStats | undefined {
  let best: PollStats | undefined;
  for (const p of s.polls) if (p.samples >= 3 && (!best || p.samples > best.samples)) best = p;
  return best;
}
