// ZCR 5 in the compliance report: not met without advisories, partly met while a zone is short of
// the SL-T its vulnerable contents need or an asset's product is unknown, met otherwise; the evidence names zones, residual risk
// and the countermeasures in force.

import { describe, expect, it } from 'vitest';
import { complianceReport, type ComplianceRisk } from './compliance.js';

const base = { generatedAt: 1_760_000_000, findings: [], learning: { assets: 3, conversations: 2, converged: true, quietHours: 30 }, enforcing: false };
const zone = (gap: number) => ({ id: 'control', name: 'Control (L1)', securityLevel: 3, neededSl: 3 + gap, gap, residualRisk: 16, unmitigatedRisk: 20, advisories: ['ICSA-21-194-02'], countermeasuresInForce: ['vp-umas-modicon@10.0.0.5'] });
const risk = (gap: number): ComplianceRisk => ({ advisories: 2379, kevEntries: 1404, assets: 3, identified: 2, vulnerable: 1, policyVersion: 4, zones: [zone(gap)], suggested: 2 });
const zcr5 = (r?: ComplianceRisk) => complianceReport({ ...base, ...(r ? { risk: r } : {}) }).items.find((i) => i.id === 'IEC 62443-3-2 ZCR 5')!;

describe('compliance: ZCR 5', () => {
  it('is not met without advisories', () => {
    expect(zcr5()).toMatchObject({ status: 'not met' });
    expect(zcr5({ ...risk(0), advisories: 0 }).evidence[0]).toMatch(/no vulnerability advisories imported/);
  });

  it('is partly met while a zone is short of its SL-T or an asset does not say what it is, met otherwise, with the evidence', () => {
    expect(zcr5(risk(1)).status).toBe('partly');
    expect(zcr5({ ...risk(0), identified: 3 }).status).toBe('met');
    const met = zcr5(risk(0));
    expect(met.status).toBe('partly');
    const text = met.evidence.join('\n');
    expect(text).toMatch(/2379 advisories and 1404 known exploited/);
    expect(text).toMatch(/zone Control \(L1\): SL-T 3, its contents need 3; residual risk 16 of 25 \(20 unmitigated\); ICSA-21-194-02; countermeasures in force: vp-umas-modicon@10\.0\.0\.5/);
    expect(text).toMatch(/1 asset does not say what product it is: its vulnerabilities are unknown/);
  });
});
