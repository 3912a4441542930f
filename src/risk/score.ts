// Asset and zone risk (IEC 62443-3-2 ZCR 5.2-5.10), always as a number with its parts:
//   likelihood 0-5 = the worst counted vulnerability's severity (CVSS 9+: 3, 7+: 2, else 1)
//                  + 1 when one of its CVEs is known exploited (CISA KEV)
//                  + 1 when clients of another zone reach it, + 1 more when they may write,
//                    control or program it (a write-capable conduit weighs more than read-only)
//                  - 1 for virtual patches in force answering every patchable advisory (min 1)
//   impact 1-5     = the criticality the engineer set, else from where it sits: a safety zone 5,
//                    Purdue level 0-1 4, level 2 3, level 3 2, DMZ and above 1, unknown 3
//   risk 0-25      = likelihood x impact (the standard leaves the matrix to the asset owner).
// A match counts when it is confirmed, or sure enough (high or medium) and not dismissed; a
// version-unknown match counts only once an engineer confirms it.

import type { SecurityLevel } from '../policy/model.js';
import type { AdvisoryMatch } from './match.js';

export type RiskBand = 'none' | 'low' | 'medium' | 'high' | 'critical';
export type Decision = 'confirmed' | 'dismissed';

export interface ScoredMatch extends AdvisoryMatch {
  decision?: Decision;
  /** It enters the score (see the header). */
  counted: boolean;
}

/** Who reaches the asset, from the policy in force (else from the learned conversations). */
export interface Reach {
  from: 'policy' | 'baseline';
  /** Zones other than its own whose clients are allowed to reach it (none without a policy). */
  zones: string[];
  /** Conduits carrying that access. */
  conduits: string[];
  clients: number;
  /** Write, control or program operations are allowed (or were seen) from another zone. */
  writeCapable: boolean;
  /** The kinds of operation allowed or seen from other zones ("read, write"). */
  kinds: string[];
}

export interface RiskPart {
  name: string;
  points: number;
  why: string;
}

export interface AssetRisk {
  likelihood: number;
  /** Before the countermeasures in force (ZCR 5.4); `likelihood` is after them (5.9). */
  unmitigatedLikelihood: number;
  parts: RiskPart[];
  impact: number;
  impactFrom: 'engineer' | 'default';
  impactWhy: string;
  risk: number;
  unmitigatedRisk: number;
  band: RiskBand;
  /** The SL-T the asset's zone needs for what is known of it (0: nothing known), and why. */
  neededSl: SecurityLevel;
  neededWhy: string;
  text: string;
}

export interface ImpactInput {
  criticality?: number;
  safetyZone: boolean;
  purdue?: number;
}

export function countMatch(m: AdvisoryMatch, decision: Decision | undefined): ScoredMatch {
  const counted = decision === 'confirmed' || (decision === undefined && m.confidence !== 'low');
  return { ...m, ...(decision ? { decision } : {}), counted };
}

export function defaultImpact(x: ImpactInput): { impact: number; why: string } {
  if (x.safetyZone) return { impact: 5, why: 'in a safety zone (SIS)' };
  if (x.purdue === undefined) return { impact: 3, why: 'Purdue level unknown' };
  if (x.purdue <= 1) return { impact: 4, why: `a controller or field device (Purdue level ${x.purdue})` };
  if (x.purdue < 3) return { impact: 3, why: 'supervisory control (Purdue level 2)' };
  if (x.purdue < 3.5) return { impact: 2, why: 'operations (Purdue level 3)' };
  return { impact: 1, why: `Purdue level ${x.purdue}: outside the control zones` };
}

export function band(risk: number): RiskBand {
  return risk === 0 ? 'none' : risk >= 16 ? 'critical' : risk >= 10 ? 'high' : risk >= 5 ? 'medium' : 'low';
}

function severity(cvss: number | undefined): { points: number; word: string } {
  if (cvss === undefined) return { points: 1, word: 'no CVSS score given' };
  if (cvss >= 9) return { points: 3, word: `CVSS ${cvss.toFixed(1)}, critical` };
  if (cvss >= 7) return { points: 2, word: `CVSS ${cvss.toFixed(1)}, high` };
  return { points: 1, word: `CVSS ${cvss.toFixed(1)}` };
}

/** The parts of the likelihood before countermeasures. */
function unmitigatedParts(counted: readonly ScoredMatch[], reach: Reach): RiskPart[] {
  const worst = counted.reduce<ScoredMatch | undefined>((w, m) => (!w || (m.worstCvss ?? 0) > (w.worstCvss ?? 0) ? m : w), undefined)!;
  const s = severity(worst.worstCvss);
  const parts: RiskPart[] = [{ name: 'vulnerability', points: s.points, why: `${worst.advisoryId} (${s.word})${counted.length > 1 ? `, the worst of ${counted.length} advisories` : ''}` }];
  const exploited = counted.flatMap((m) => m.cves.filter((c) => c.knownExploited).map((c) => c.cve));
  if (exploited.length) parts.push({ name: 'known exploited', points: 1, why: `${[...new Set(exploited)].join(', ')} in CISA's Known Exploited Vulnerabilities catalogue` });
  const n = `${reach.clients} client${reach.clients === 1 ? '' : 's'}`;
  const reached = reach.from === 'policy' ? reach.zones.length > 0 : reach.clients > 0;
  if (reached) {
    parts.push({ name: 'reach', points: 1, why: reach.from === 'policy' ? `the policy allows ${n} of ${reach.zones.join(', ')} to reach it over ${reach.conduits.join(', ')}` : `${n} were seen reaching it, and no policy is in force yet to keep others out` });
    if (reach.writeCapable) parts.push({ name: 'write access', points: 1, why: `${reach.from === 'policy' ? 'the policy allows' : 'they were seen using'} ${reach.kinds.join(', ')}${reach.from === 'policy' ? ' from other zones' : ''}: not read-only` });
  } else parts.push({ name: 'reach', points: 0, why: reach.from === 'policy' ? 'no conduit lets another zone reach it' : 'no client was seen reaching it' });
  return parts;
}

export interface ScoreInput {
  matches: readonly ScoredMatch[];
  reach: Reach;
  impact: ImpactInput;
  /** Advisories of the counted matches that have a virtual patch, and those with one in force. */
  patchable: readonly string[];
  patched: readonly string[];
}

export function scoreAsset(x: ScoreInput): AssetRisk {
  const counted = x.matches.filter((m) => m.counted);
  const engineer = x.impact.criticality !== undefined;
  const d = defaultImpact(x.impact);
  const impact = engineer ? x.impact.criticality! : d.impact;
  const impactWhy = engineer ? `criticality ${impact}, set by an engineer` : d.why;
  if (!counted.length) {
    const why = x.matches.length ? `${x.matches.length} possible match${x.matches.length === 1 ? '' : 'es'}, none counted (unconfirmed version-unknown or dismissed)` : 'no known vulnerability';
    return { likelihood: 0, unmitigatedLikelihood: 0, parts: [], impact, impactFrom: engineer ? 'engineer' : 'default', impactWhy, risk: 0, unmitigatedRisk: 0, band: 'none', neededSl: 0, neededWhy: why, text: `risk 0: ${why}` };
  }
  const parts = unmitigatedParts(counted, x.reach);
  const unmitigated = Math.min(5, parts.reduce((s, p) => s + p.points, 0));
  let likelihood = unmitigated;
  if (x.patchable.length && x.patchable.every((a) => x.patched.includes(a)) && likelihood > 1) {
    parts.push({ name: 'virtual patch', points: -1, why: `what ${x.patched.join(', ')} say${x.patched.length === 1 ? 's' : ''} to block is refused (virtual patches, or no conduit passes it)` });
    likelihood -= 1;
  }
  const risk = likelihood * impact;
  const { neededSl, neededWhy } = neededLevel(counted, impact);
  const text = `risk ${risk} of 25 (${band(risk)}) = likelihood ${likelihood} (${parts.map((p) => `${p.name} ${p.points >= 0 ? '+' : ''}${p.points}`).join(', ')}${unmitigated === 5 && parts.reduce((s, p) => s + Math.max(0, p.points), 0) > 5 ? ', at most 5' : ''}) x impact ${impact} (${impactWhy})`;
  return { likelihood, unmitigatedLikelihood: unmitigated, parts, impact, impactFrom: engineer ? 'engineer' : 'default', impactWhy, risk, unmitigatedRisk: unmitigated * impact, band: band(risk), neededSl, neededWhy, text };
}

/** SL-T a zone needs for a vulnerable asset: the attacker the flaw invites (IEC 62443-3-3 SL definitions). */
function neededLevel(counted: readonly ScoredMatch[], impact: number): { neededSl: SecurityLevel; neededWhy: string } {
  const worst = Math.max(...counted.map((m) => m.worstCvss ?? 0));
  const exploited = counted.some((m) => m.knownExploited);
  let sl = exploited || worst >= 9 ? 3 : worst >= 7 ? 2 : 1;
  let why = exploited ? 'a known exploited vulnerability: tools exist, SL 3 (sophisticated means, IACS-specific skills)' : worst >= 9 ? `CVSS ${worst.toFixed(1)}: SL 3` : worst >= 7 ? `CVSS ${worst.toFixed(1)}: SL 2 (intentional violation with simple means)` : 'a known vulnerability: SL 1';
  if (impact >= 5 && sl < 4) {
    sl += 1;
    why += `, one higher for impact ${impact}`;
  }
  return { neededSl: sl as SecurityLevel, neededWhy: why };
}
