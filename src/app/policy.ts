// `bulkhead derive`, `bulkhead policy ...` and `bulkhead simulate`: the policy engine over the
// learned baseline and the stored policy versions.

import type { EtherCensusState } from '../learn/ether-census.js';
import type { ModbusTable, Operation, Target } from '../../protocols/operation.js';
import { readCapture } from '../capture/capture-reader.js';
import { learnedTargetNames, targetNames } from '../learn/target-names.js';
import type { TargetNames } from '../../protocols/protocol.js';
import { derivePolicy, type DeriveOptions } from '../policy/derive.js';
import { formatPolicy, parsePolicy } from '../policy/document.js';
import { compilePolicy } from '../policy/evaluate.js';
import { lintPolicy, type Finding } from '../policy/lint.js';
import type { Policy } from '../policy/model.js';
import { Simulation, type SimulationReport, type compareSimulations } from '../policy/simulate.js';
import { CaptureSimulation, type CaptureSimulationOptions } from '../policy/simulate-capture.js';
import { Judge } from '../policy/verdict.js';
import type { ConversationDigest } from '../store/conversation-digest.js';
import type { LearnStore } from '../store/learn-store.js';
import { PolicyStore, PolicyStoreError } from '../store/policy-store.js';
import { loadPolicy } from '../gateway/policy-ref.js';
import { storeVersion } from '../policy/stored.js';

export { loadPolicy, type LoadedPolicy } from '../gateway/policy-ref.js';

export function derive(learn: LearnStore, policies: PolicyStore, options: DeriveOptions, by: string): { version: number; policy: Policy; text: string; findings: Finding[] } {
  const assets = learn.assets();
  const conversations = learn.conversations();
  if (conversations.length === 0) throw new PolicyStoreError('nothing learned yet: run `bulkhead learn` first');
  const census = learn.etherTypes<EtherCensusState>();
  const policy = derivePolicy(assets, conversations, { ...options, ...(census ? { etherTypes: census.types.map((t) => t.etherType) } : {}) });
  const rules = policy.conduits.reduce((n, c) => n + c.rules.length, 0);
  const text = formatPolicy(
    policy,
    `Bulkhead policy derived ${new Date().toISOString()} from ${conversations.length} conversations and ${assets.length} assets.\n` +
      `${policy.zones.length} zones, ${policy.conduits.length} conduits, ${rules} rules. Review, edit, then: bulkhead policy import FILE; bulkhead policy approve N.`,
    targetNames(assets),
  );
  // What is stored must load again: a derivation that breaks the schema is a bug, not a draft.
  const checked = parsePolicy(text, 'the derived policy');
  const version = storeVersion(policies, text, policy.name, 'derived', by, checked);
  const findings = lintPolicy(policy, { assets, ruleHits: simulateBaseline(policy, conversations).ruleHits });
  return { version, policy, text, findings };
}

/** Import: validated before anything is stored. */
export function importPolicy(policies: PolicyStore, file: string, by: string): { version: number; policy: Policy } {
  const { policy, text } = loadPolicy(policies, file);
  return { version: storeVersion(policies, text, policy.name, `imported from ${file}`, by, policy), policy };
}

/**
 * Operations standing for the learned baseline: one per operation and target entry, counted as
 * the operation's count. `since`: only operations seen since then (capture time).
 */
export function* baselineOperations(conversations: readonly ConversationDigest[], since = 0): Generator<{ op: Operation; count: number }> {
  for (const c of conversations) {
    for (const s of Object.values(c.operations)) {
      if (s.lastSeen < since) continue;
      const base: Omit<Operation, 'targets'> = {
        protocol: c.protocol,
        direction: c.server.broadcast ? 'unsolicited' : 'request',
        kind: s.kind,
        code: s.code,
        codeName: s.codeName,
        client: { ip: c.client.ip, port: 0 },
        // A learned broadcast destination stays one (a subnet broadcast is known by its MAC only).
        server: c.server.broadcast ? { ip: c.server.ip, port: c.server.port, mac: 'ff:ff:ff:ff:ff:ff' } : { ip: c.server.ip, port: c.server.port },
        flowId: c.key,
        anomalies: [],
        evidence: { ts: s.lastSeen, frame: 0, bytes: 0 },
      };
      if (s.subCode !== undefined) base.subCode = s.subCode;
      if (s.targetsTruncated) base.targetsTruncated = true;
      const targets: Target[][] = [];
      for (const t of s.targets) {
        if (t.type === 'modbus') {
          const table = t.table ? { table: t.table as ModbusTable } : {};
          if (t.ranges.length === 0) targets.push([{ type: 'modbus', unit: t.unit, ...table }]);
          for (const [a, b] of t.ranges) targets.push([{ type: 'modbus', unit: t.unit, ...table, start: a, count: b - a + 1 }]);
        } else if (t.type === 'bacnet') {
          const props = t.properties.length ? t.properties : [undefined];
          for (const p of props) targets.push([{ type: 'bacnet', objectType: t.objectType, objectTypeName: t.objectTypeName, instance: t.instance, ...(p ? { propertyName: p } : {}) }]);
        } else targets.push([{ type: 'opcua', nodeId: t.nodeId }]);
      }
      if (targets.length === 0) targets.push([]);
      for (const t of targets) yield { op: { ...base, targets: t }, count: s.count };
    }
  }
}

/** `names`: what the plant's devices call their targets, for the reasons (targetNames of the learned assets). */
export function simulateBaseline(policy: Policy, conversations: readonly ConversationDigest[], since = 0, isolated: readonly string[] = [], names?: TargetNames): SimulationReport {
  const judge = new Judge(compilePolicy(policy, names));
  judge.isolate(isolated);
  const sim = new Simulation(judge);
  for (const { op, count } of baselineOperations(conversations, since)) sim.add(op, count);
  return sim.result();
}

/** Replays captures, in order, as the inline inspector would have seen them: one report per policy. */
export async function simulatePcaps(policies: Policy[], files: string[], options: CaptureSimulationOptions = {}): Promise<SimulationReport[]> {
  const sim = new CaptureSimulation(policies, options);
  for (const f of files) await readCapture(f, (p) => sim.packet(p));
  return sim.results();
}

/** A simulation, and with another policy what applying the candidate instead changes (`changes`: for the console's review). */
export interface SimulationComparison {
  candidate: SimulationReport;
  current?: SimulationReport;
  changes?: ReturnType<typeof compareSimulations>;
}

/**
 * What `candidate` would have denied of the learned baseline since `from` (capture time), with
 * what is isolated now denied whatever it says; compared with `current` when given.
 */
export function simulateSince(learn: LearnStore, policies: PolicyStore, candidate: Policy, current: Policy | undefined, from: number): SimulationComparison {
  const conversations = learn.digests();
  const isolated = policies.isolations().flatMap((i) => i.addresses);
  const names = learnedNames(learn);
  const report = simulateBaseline(candidate, conversations, from, isolated, names);
  return current ? { candidate: report, current: simulateBaseline(current, conversations, from, isolated, names) } : { candidate: report };
}

/** What the learned devices call their targets (OPC UA browse names), for explanations. */
export function learnedNames(learn: LearnStore): TargetNames {
  return learnedTargetNames(learn);
}

/** `text` ("7d", a date) as a time of the learned baseline: relative times count back from the last packet learned. */
export function baselineSince(learn: LearnStore, text: string): number | undefined {
  return parseSince(text, learn.clock()?.lastSeen ?? Date.now() / 1000);
}

/** "7d", "24h", "90m" before `now`, or an ISO date; seconds since the epoch. */
export function parseSince(text: string, now: number): number | undefined {
  const rel = /^(\d+(?:\.\d+)?)([dhm])$/.exec(text);
  if (rel) return now - Number(rel[1]) * { d: 86400, h: 3600, m: 60 }[rel[2] as 'd' | 'h' | 'm'];
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t / 1000;
}

