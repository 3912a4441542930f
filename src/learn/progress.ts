// Learning progress: what was discovered per hour, and whether learning has converged (no new
// behaviour for a quiet period), so the engineer knows when enforcement can be considered.

import type { EtherCensusState } from './ether-census.js';
import type { LearnClock } from '../store/learn-store.js';

export interface HourlyDiscoveries {
  /** Start of the hour, seconds since the epoch (capture time). */
  hour: number;
  assets: number;
  conversations: number;
  operations: number;
  targets: number;
}

export interface LearnProgress {
  learning: boolean;
  firstSeen?: number;
  lastSeen?: number;
  lastDiscovery?: number;
  /** Hours of traffic learned. */
  hoursLearned: number;
  /** Hours since anything new was seen. */
  quietHours: number;
  /** The quiet period that counts as converged. */
  convergenceHours: number;
  converged: boolean;
  /** When learning converges if nothing new appears (capture time), when not converged yet. */
  convergesAt?: number;
  /** New behaviour in the last 24 hours of traffic. */
  lastDay: Omit<HourlyDiscoveries, 'hour'>;
  perHour: HourlyDiscoveries[];
  totals: { assets: number; conversations: number };
  /** The non-IP EtherTypes learning saw (absent: learned before it counted them). */
  etherTypes?: EtherCensusState;
}

/** Three days: a plant's daily cycle seen three times without anything new. */
export const DEFAULT_CONVERGENCE_HOURS = 72;

export function learnProgress(
  clock: LearnClock | undefined,
  rows: { hour: number; type: string; count: number }[],
  totals: { assets: number; conversations: number },
  convergenceHours = DEFAULT_CONVERGENCE_HOURS,
): LearnProgress {
  const byHour = new Map<number, HourlyDiscoveries>();
  for (const r of rows) {
    let h = byHour.get(r.hour);
    if (!h) byHour.set(r.hour, (h = { hour: r.hour, assets: 0, conversations: 0, operations: 0, targets: 0 }));
    if (r.type === 'asset') h.assets += r.count;
    else if (r.type === 'conversation') h.conversations += r.count;
    else if (r.type === 'operation') h.operations += r.count;
    else if (r.type === 'target') h.targets += r.count;
  }
  const perHour = [...byHour.values()].sort((a, b) => a.hour - b.hour);
  const lastDay = { assets: 0, conversations: 0, operations: 0, targets: 0 };
  if (!clock || clock.lastSeen === 0) {
    return { learning: false, hoursLearned: 0, quietHours: 0, convergenceHours, converged: false, lastDay, perHour, totals };
  }
  for (const h of perHour) {
    if (h.hour + 3600 <= clock.lastSeen - 86_400) continue;
    lastDay.assets += h.assets;
    lastDay.conversations += h.conversations;
    lastDay.operations += h.operations;
    lastDay.targets += h.targets;
  }
  const hoursLearned = (clock.lastSeen - clock.firstSeen) / 3600;
  const quietHours = (clock.lastSeen - clock.lastDiscovery) / 3600;
  const converged = quietHours >= convergenceHours;
  const p: LearnProgress = {
    learning: true,
    firstSeen: clock.firstSeen,
    lastSeen: clock.lastSeen,
    lastDiscovery: clock.lastDiscovery,
    hoursLearned,
    quietHours,
    convergenceHours,
    converged,
    lastDay,
    perHour,
    totals,
  };
  if (!converged) p.convergesAt = clock.lastDiscovery + convergenceHours * 3600;
  return p;
}
