// The gateway's side of policy distribution. Its leaf mirrors the gateway's bucket at the centre;
// each package that arrives is verified (the centre's signature, this gateway, a version past the
// last one taken) and then applied the way an engineer applies one here: stored as a version,
// approved by the people who approved it at the centre, applied with commit-confirm. It is
// confirmed once the engine reports it enforces that version; if the engine does not within the
// deadline, the change rolls back by itself. Every outcome (refused with its reason, applied,
// confirmed, rolled back) goes up as a policy result.

import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { engineRunning, readEngineHealth } from '../gateway/health.js';
import type { Db } from '../store/database.js';
import { PolicyStore } from '../store/policy-store.js';
import { readSetting, writeSetting } from '../store/settings.js';
import { parsePolicy } from '../policy/document.js';
import { storeVersion } from '../policy/stored.js';
import { verifyPackage } from './signed-policy.js';

const LAST_TAKEN = 'fleet.policy.last';
/** The change waiting for the engine, kept in the store so a restarted link still confirms or reports it. */
const WAITING = 'fleet.policy.waiting';

export interface Waiting {
  local: number;
  version: number;
  policyVersion: number;
  deadline: number;
}

/** The last package taken, and the change waiting for the engine, if any. */
export function followerState(db: Db): { lastPackage: number; waiting?: Waiting } {
  const waiting = readSetting<Waiting | null>(db, WAITING);
  return { lastPackage: readSetting<number>(db, LAST_TAKEN) ?? 0, ...(waiting ? { waiting } : {}) };
}

export type PolicyOutcome = 'refused' | 'applied' | 'confirmed' | 'rolled-back';

export interface PolicyResult {
  outcome: PolicyOutcome;
  /** The package version (the centre's count for this gateway). */
  version?: number;
  /** The centre's policy version it carries. */
  policyVersion?: number;
  /** The version it became here. */
  localVersion?: number;
  reason: string;
}

export interface FollowerOptions {
  db: Db;
  gateway: string;
  centralKey: string;
  /** Seconds the engine has to report the new version before the change rolls back. */
  confirmWithin: number;
  report: (r: PolicyResult) => Promise<void>;
  log: (line: string) => void;
}

export class PolicyFollower {
  private readonly policies: PolicyStore;
  private readonly key: KeyObject;

  constructor(private readonly o: FollowerOptions) {
    this.policies = new PolicyStore(o.db);
    this.key = createPublicKey(o.centralKey);
  }

  lastTaken(): number {
    return followerState(this.o.db).lastPackage;
  }

  /** One value from the bucket: refused, or stored and applied pending confirmation. */
  async take(value: Uint8Array): Promise<PolicyResult> {
    const v = verifyPackage(value, this.key, this.o.gateway, this.lastTaken());
    if (!v.ok) return this.tell({ outcome: 'refused', reason: v.reason, ...(v.version !== undefined ? { version: v.version } : {}) });
    const pkg = v.pkg;
    const before = this.waiting();
    let local: number;
    try {
      // Stored, approved, applied and remembered in one transaction: all of it or none.
      local = this.o.db.transaction(() => {
        if (before && this.policies.pending()?.version === before.local) this.policies.rollback('central', `package ${pkg.version} came before the engine took package ${before.version}`);
        const n = storeVersion(this.policies, pkg.document, pkg.name, `central package ${pkg.version} (policy ${pkg.policyVersion})`, 'central', parsePolicy(pkg.document, `package ${pkg.version}`));
        for (const by of pkg.approvedBy) this.policies.approve(n, `${by} (at the centre)`);
        const deadline = this.policies.apply(n, 'central', this.o.confirmWithin).deadline!;
        writeSetting(this.o.db, LAST_TAKEN, pkg.version);
        writeSetting(this.o.db, WAITING, { local: n, version: pkg.version, policyVersion: pkg.policyVersion, deadline } satisfies Waiting);
        return n;
      })();
    } catch (err) {
      writeSetting(this.o.db, LAST_TAKEN, pkg.version);
      return this.tell({ outcome: 'refused', version: pkg.version, policyVersion: pkg.policyVersion, reason: `it does not apply here: ${(err as Error).message}` });
    }
    return this.tell({ outcome: 'applied', version: pkg.version, policyVersion: pkg.policyVersion, localVersion: local, reason: `applied as version ${local}; confirmed once the engine enforces it, else rolled back in ${this.o.confirmWithin} s` });
  }

  /** Confirms the waiting change once the engine enforces it; reports a rollback when its deadline passed. */
  async check(now = Date.now() / 1000): Promise<PolicyResult | undefined> {
    const w = this.waiting();
    if (!w) return undefined;
    const health = readEngineHealth(this.o.db);
    const ids = { version: w.version, policyVersion: w.policyVersion, localVersion: w.local };
    if (this.policies.pending()?.version !== w.local) {
      // Confirmed or rolled back here meanwhile (by an engineer at this gateway, or the engine's own deadline).
      writeSetting(this.o.db, WAITING, null);
      const active = this.policies.latest('active')?.version === w.local;
      return this.tell({ outcome: active ? 'confirmed' : 'rolled-back', ...ids, reason: active ? `version ${w.local} was confirmed at the gateway` : `version ${w.local} was rolled back at the gateway` });
    }
    if (health && engineRunning(health, now) && health.policy === `version ${w.local}`) {
      this.policies.confirm('central');
      writeSetting(this.o.db, WAITING, null);
      return this.tell({ outcome: 'confirmed', ...ids, reason: `the engine enforces version ${w.local} (${health.mode})` });
    }
    if (now < w.deadline) return undefined;
    const rolled = this.policies.expirePending(now);
    writeSetting(this.o.db, WAITING, null);
    const back = rolled?.to !== undefined ? `version ${rolled.to} is back in force` : 'no earlier version to go back to';
    return this.tell({ outcome: 'rolled-back', ...ids, reason: `the engine did not report version ${w.local} within ${this.o.confirmWithin} s: ${back}` });
  }

  private waiting(): Waiting | undefined {
    return followerState(this.o.db).waiting;
  }

  private async tell(r: PolicyResult): Promise<PolicyResult> {
    this.o.log(`policy from the centre: ${r.outcome}${r.version !== undefined ? ` (package ${r.version})` : ''}: ${r.reason}`);
    await this.o.report(r);
    return r;
  }
}
