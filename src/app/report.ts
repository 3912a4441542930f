// Lint in this deployment's context and the compliance report: shared by the command line and
// the console.

import { complianceReport, type ComplianceInput, type ComplianceReport, type ComplianceRisk } from '../policy/compliance.js';
import { lintPolicy, type Finding } from '../policy/lint.js';
import type { Policy } from '../policy/model.js';
import type { Db } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';
import { PolicyStore } from '../store/policy-store.js';
import { engineRunning, readEngineHealth } from '../gateway/health.js';
import { progressOf } from './learn.js';
import { RiskAssessment, type RiskReport } from './risk.js';
import { loadPolicy, simulateBaseline } from './policy.js';
import { currentRef } from '../gateway/policy-ref.js';

/** Lint with the learned assets, and which rules the baseline uses (unused rules), when there is one. */
export function lintInContext(learn: LearnStore, policy: Policy): Finding[] {
  const conversations = learn.digests();
  return lintPolicy(policy, { assets: learn.assets(), ...(conversations.length ? { ruleHits: simulateBaseline(policy, conversations).ruleHits } : {}) });
}

/** The compliance report for a policy reference (default: the active version, else the latest). */
export function complianceFor(db: Db, ref?: string): ComplianceReport {
  const policies = new PolicyStore(db);
  const which = ref ?? currentRef(policies);
  const learn = new LearnStore(db);
  const progress = progressOf(learn);
  let policyInput: ComplianceInput['policy'];
  let findings: Finding[] = [];
  if (which) {
    const loaded = loadPolicy(policies, which);
    const version = loaded.stored;
    policyInput = version
      ? { policy: loaded.policy, version: version.version, status: version.status, ...(version.approvedBy ? { approvedBy: version.approvedBy } : {}), ...(version.secondApprover ? { secondApprover: version.secondApprover } : {}) }
      : { policy: loaded.policy, version: 0, status: 'draft' };
    findings = lintInContext(learn, loaded.policy);
  }
  return complianceReport({
    generatedAt: Date.now() / 1000,
    ...(policyInput ? { policy: policyInput } : {}),
    findings,
    learning: { assets: progress.totals.assets, conversations: progress.totals.conversations, ...(progress.firstSeen ? { firstSeen: progress.firstSeen } : {}), ...(progress.lastSeen ? { lastSeen: progress.lastSeen } : {}), converged: progress.converged, quietHours: progress.quietHours },
    // An engine reporting in, in enforce mode (the console never runs nft itself).
    enforcing: isEnforcing(db),
    auditLog: policies.audit.verify(),
    isolations: policies.isolations().length,
    risk: riskEvidence(new RiskAssessment(db).assess()),
  });
}

function riskEvidence(r: RiskReport): ComplianceRisk {
  return {
    advisories: r.catalogue.advisories,
    kevEntries: r.catalogue.kevEntries,
    assets: r.counts.assets,
    identified: r.counts.identified,
    vulnerable: r.counts.vulnerable,
    ...(r.policy ? { policyVersion: r.policy.version } : {}),
    zones: r.zones.map((z) => ({ id: z.id, name: z.name, securityLevel: z.securityLevel, neededSl: z.neededSl, gap: z.gap, residualRisk: z.residualRisk, unmitigatedRisk: z.unmitigatedRisk, advisories: z.advisories, countermeasuresInForce: z.countermeasuresInForce })),
    suggested: r.countermeasures.filter((c) => !c.inForce).length,
  };
}

function isEnforcing(db: Db): boolean {
  const health = readEngineHealth(db);
  return engineRunning(health, Date.now() / 1000) && health?.mode === 'enforce';
}
