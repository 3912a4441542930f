// Alerts against labels. An alert detects an attack when its type is one the label expects, it
// concerns one of the label's addresses, and one of its sightings falls in the attack's window
// (widened by a minute each side: a silence's evidence is the last request before it, a burst
// needs a minute to add up). Time to detect is that sighting's time less the attack's start,
// capture time. Every alert of the normal copy is a false alarm.

import type { Alert } from '../../src/store/alert-store.js';
import type { LabelledAttack } from './capture.js';

/** Seconds a detecting sighting may fall before an attack's start or after its end. */
export const WINDOW_SLACK = 60;
/** At most this many false alarms per 100 devices per day of normal traffic. */
export const FALSE_ALARM_TARGET = 1;

export interface AlertBrief {
  id: number;
  type: string;
  summary: string;
  firstSeen: number;
  count: number;
}

export interface AttackResult {
  attack: string;
  description: string;
  expected: string[];
  detected: boolean;
  alert?: AlertBrief;
  /** Seconds from the attack's start to the detecting sighting. */
  timeToDetect?: number;
  /** The detecting alert was open before the attack (an earlier sighting of the same incident): the attack only added to it. */
  raisedBefore?: boolean;
  frames: number[];
  frameCount: number;
}

export interface FalseAlarms {
  count: number;
  devices: number;
  days: number;
  perHundredDevicesPerDay: number;
  target: number;
  alerts: AlertBrief[];
}

export interface Score {
  attacks: AttackResult[];
  falseAlarms: FalseAlarms;
  /** Alerts of the attacked copy that detect no attack and are not false alarms of the normal copy: what the attacks set off besides. */
  alsoRaised: AlertBrief[];
  ok: boolean;
}

const brief = (a: Alert): AlertBrief => ({ id: a.id, type: a.type, summary: a.summary, firstSeen: a.firstSeen, count: a.count });

/** The addresses an alert is about: its asset, its source, its request's ends. */
function addresses(a: Alert): Set<string> {
  const out = new Set<string>();
  for (const ip of [a.asset, a.source, a.operation?.client.ip, a.operation?.server.ip]) if (ip) out.add(ip);
  return out;
}

/** The earliest sighting of `a` within `l`'s window, if it detects `l`. */
function sighting(a: Alert, l: LabelledAttack): number | undefined {
  if (!l.expects.includes(a.type)) return undefined;
  const about = addresses(a);
  if (!l.subjects.some((s) => about.has(s))) return undefined;
  const times = [a.firstSeen, ...a.evidence.map((e) => e.ts)].filter((ts) => ts >= l.from - WINDOW_SLACK && ts <= l.to + WINDOW_SLACK);
  return times.length ? Math.min(...times) : undefined;
}

function judge(l: LabelledAttack, alerts: readonly Alert[]): AttackResult {
  const base = { attack: l.name, description: l.description, expected: l.expects, frames: l.frames, frameCount: l.frameCount };
  let best: { a: Alert; ts: number } | undefined;
  for (const a of alerts) {
    const ts = sighting(a, l);
    if (ts !== undefined && (!best || ts < best.ts)) best = { a, ts };
  }
  if (!best) return { ...base, detected: false };
  const r: AttackResult = { ...base, detected: true, alert: brief(best.a), timeToDetect: best.ts - l.from };
  if (best.a.firstSeen < l.from - WINDOW_SLACK) r.raisedBefore = true;
  return r;
}

export function score(labels: readonly LabelledAttack[], attacked: readonly Alert[], normal: readonly Alert[], plant: { devices: number; days: number }): Score {
  const attacks = labels.map((l) => judge(l, attacked));
  const detecting = new Set(attacks.map((r) => r.alert?.id));
  const normalKeys = new Set(normal.map((a) => a.key));
  const alsoRaised = attacked.filter((a) => !detecting.has(a.id) && !normalKeys.has(a.key)).map(brief);
  const byTime = [...normal].sort((x, y) => x.firstSeen - y.firstSeen || x.id - y.id);
  const rate = normal.length / (plant.devices / 100) / plant.days;
  const falseAlarms: FalseAlarms = { count: normal.length, devices: plant.devices, days: plant.days, perHundredDevicesPerDay: rate, target: FALSE_ALARM_TARGET, alerts: byTime.map(brief) };
  return { attacks, falseAlarms, alsoRaised: alsoRaised.sort((x, y) => x.firstSeen - y.firstSeen), ok: attacks.every((r) => r.detected) && rate <= FALSE_ALARM_TARGET };
}
