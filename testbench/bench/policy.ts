// Policy engine cost curves, each beside its yardstick in the same run:
//  1. evaluations per second on one core against 10, 1,000 and 100,000 rules (targets: at least
//     5,000,000/s on 1,000 rules, 1,000,000/s on 100,000: flat in rule count), beside a naive
//     linear scan over the same rules;
//  2. derivation and lint time from 1,000, 10,000 and 100,000 learned conversations (target:
//     derivation of 100,000 under 5 s).
//
//   npm run bench:policy [-- --json]

import { parseArgs } from 'node:util';
import type { Operation } from '../../protocols/operation.js';
import { derivePolicy, type DeriveAsset, type DeriveConversation } from '../../src/policy/derive.js';
import { compilePolicy } from '../../src/policy/evaluate.js';
import { lintPolicy } from '../../src/policy/lint.js';
import type { Policy, Rule } from '../../src/policy/model.js';
import { printCurves, type Curve } from '../lib/curve.js';

const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
const ip = (net: number, i: number) => `10.${net}.${(i >> 8) & 255}.${i & 255}`;
const PLCS_PER_HMI = 10;
const REQUESTS = 8_192;

/** `count` rules: count/10 HMIs x 10 PLCs each, SL 3 style (codes and register ranges). */
function policyOf(count: number): Policy {
  const rules: Rule[] = [];
  const hmis = Math.max(1, count / PLCS_PER_HMI);
  for (let h = 0; h < hmis; h++) {
    for (let k = 0; k < PLCS_PER_HMI; k++) {
      rules.push({
        id: `r${h}-${k}`,
        protocol: 'modbus',
        port: 502,
        client: { hosts: [ip(2, h)] },
        server: { hosts: [ip(1, plcOf(h, k, hmis))] },
        allow: [
          { kinds: ['read'], codes: [3], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[k * 10, k * 10 + 49]] }] },
          { kinds: ['write'], codes: [6], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[500, 509]] }] },
        ],
      });
    }
  }
  return {
    bulkheadPolicy: 1,
    name: 'bench',
    defaultAction: 'deny',
    zones: [
      { id: 'control', name: 'Control', securityLevel: 3, members: ['10.1.0.0/16'] },
      { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: ['10.2.0.0/16'] },
    ],
    conduits: [{ id: 'c', name: 'C', zones: ['control', 'supervisory'], rules }],
  };
}

/** The PLC an HMI's k-th rule names: PLCs are shared by neighbouring HMIs, as on a plant floor. */
const plcOf = (h: number, k: number, hmis: number) => (h * 7 + k) % Math.max(PLCS_PER_HMI + 2, Math.ceil(hmis * 4));

/**
 * `n` requests spread over all `hmis` HMIs: reads and writes, in and out of range, some to PLCs
 * the HMI has no rule for. A gateway judges a request it has just decoded, in cache; `n` is kept
 * to what a cache holds (a pile of 100,000 request objects would measure memory, not rules),
 * while the requests still reach every part of a large policy.
 */
function operations(n: number, hmis: number): Operation[] {
  const ops: Operation[] = [];
  for (let i = 0; i < n; i++) {
    const h = (i * 7919) % hmis;
    const k = (i >> 7) % (PLCS_PER_HMI + 2);
    const write = i % 5 === 0;
    ops.push({
      protocol: 'modbus',
      direction: 'request',
      kind: write ? 'write' : 'read',
      code: write ? 6 : 3,
      codeName: write ? 'Write Single Register' : 'Read Holding Registers',
      client: { ip: ip(2, h), port: 40000 },
      server: { ip: ip(1, plcOf(h, k, hmis)), port: 502 },
      flowId: 'f',
      targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', start: write ? 500 + (i % 20) : (i % 120), count: write ? 1 : 10 }],
      anomalies: [],
      evidence: { ts: i, frame: i, bytes: 12 },
    });
  }
  return ops;
}

/** Evaluations per second of `evaluate` over `ops`, for at least `seconds` after a warm-up. */
function rate(ops: Operation[], evaluate: (op: Operation) => string, seconds: number): { perSecond: number; allowed: number } {
  for (let i = 0; i < Math.min(ops.length, 20_000); i++) evaluate(ops[i]!);
  let allowed = 0;
  let done = 0;
  const start = process.hrtime.bigint();
  let secs = 0;
  while (secs < seconds) {
    for (const op of ops) if (evaluate(op) === 'allow') allowed++;
    done += ops.length;
    secs = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return { perSecond: done / secs, allowed: allowed / done };
}

/** The baseline: a linear scan over the rules, what a naive firewall loop does. */
function linearScan(rules: Rule[]): (op: Operation) => string {
  return (op) => {
    for (const r of rules) {
      if (r.client.hosts![0] !== op.client.ip || r.server.hosts![0] !== op.server.ip) continue;
      for (const a of r.allow!) {
        const t = op.targets[0]!;
        const m = a.modbus![0]!;
        if (a.codes!.includes(op.code) && t.type === 'modbus' && t.start! >= m.ranges![0]![0] && t.start! + t.count! - 1 <= m.ranges![0]![1]) return 'allow';
      }
    }
    return 'deny';
  };
}

function evaluationCurve(): Curve {
  const curve: Curve = { name: 'evaluate', sizeUnit: 'rules', unit: 'evaluations/s on one core', yardstick: 'linear scan over the same rules', better: 'higher', per: 'evaluation', points: [] };
  for (const count of [10, 1_000, 100_000]) {
    const policy = policyOf(count);
    const hmis = Math.max(1, count / PLCS_PER_HMI);
    const ev = compilePolicy(policy);
    const ops = operations(REQUESTS, hmis);
    const ours = rate(ops, (op) => ev.evaluate(op).action, 2);
    // The scan is slow on big policies: fewer operations, the same time budget.
    const few = ops.slice(0, Math.max(1_000, 2_000_000 / count));
    const scan = linearScan(policy.conduits[0]!.rules);
    const disagree = few.filter((op) => scan(op) !== ev.evaluate(op).action).length;
    if (disagree) throw new Error(`the linear scan and the evaluator disagree on ${disagree} of ${few.length} requests on ${count} rules`);
    const yardstick = rate(few, scan, 1);
    curve.points.push({ size: count, value: ours.perSecond, yardstick: yardstick.perSecond });
  }
  return curve;
}

/** A learned plant of `n` conversations: n/100 clients x 100 servers each, two operations per conversation. */
function learnedPlant(n: number): { assets: DeriveAsset[]; conversations: DeriveConversation[] } {
  const clients = n / 100;
  const servers = clients * 9;
  const assets: DeriveAsset[] = [];
  const conversations: DeriveConversation[] = [];
  for (let c = 0; c < clients; c++) assets.push({ ip: ip(2, c), purdue: { level: 2, reason: 'bench' } });
  for (let s = 0; s < servers; s++) assets.push({ ip: ip(1, s), purdue: { level: 1, reason: 'bench' } });
  for (let c = 0; c < clients; c++) {
    for (let k = 0; k < 100; k++) {
      const s = (c * 9 + k) % servers;
      conversations.push({
        key: `${ip(2, c)}>${ip(1, s)}:502/modbus`,
        protocol: 'modbus',
        client: { ip: ip(2, c) },
        server: { ip: ip(1, s), port: 502 },
        firstSeen: 1000,
        lastSeen: 2000,
        transactions: 200,
        operations: {
          'read/3': { kind: 'read', code: 3, count: 150, firstSeen: 1000, lastSeen: 2000, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[(s % 50) * 10, (s % 50) * 10 + 9]] }] },
          'write/6': { kind: 'write', code: 6, count: 50, firstSeen: 1000, lastSeen: 2000, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[500, 500]] }] },
        },
      });
    }
  }
  return { assets, conversations };
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

function deriveAndLintCurves(): { derive: Curve; lint: Curve; sizes: Record<string, unknown>[] } {
  const derive: Curve = { name: 'derive', sizeUnit: 'conversations', unit: 's', better: 'lower', per: 'conversation', points: [] };
  const lint: Curve = { name: 'lint', sizeUnit: 'conversations', unit: 's (the derived policy)', better: 'lower', per: 'conversation', points: [] };
  const sizes: Record<string, unknown>[] = [];
  for (const n of [1_000, 10_000, 100_000]) {
    const { assets, conversations } = learnedPlant(n);
    let start = process.hrtime.bigint();
    const derived = derivePolicy(assets, conversations);
    derive.points.push({ size: n, value: seconds(start) });
    start = process.hrtime.bigint();
    const findings = lintPolicy(derived);
    lint.points.push({ size: n, value: seconds(start) });
    const byCode: Record<string, number> = {};
    for (const f of findings) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
    sizes.push({ conversations: n, assets: assets.length, zones: derived.zones.length, rules: derived.conduits.reduce((k, c) => k + c.rules.length, 0), findings: byCode });
  }
  return { derive, lint, sizes };
}

const evaluate = evaluationCurve();
const { derive, lint, sizes } = deriveAndLintCurves();
printCurves([evaluate, derive, lint], values.json === true, { derived: sizes });
if (!values.json) {
  for (const s of sizes) console.log(`  derived from ${String(s.conversations)} conversations: ${String(s.assets)} assets -> ${String(s.zones)} zones, ${String(s.rules)} rules; lint ${JSON.stringify(s.findings)}`);
  const at = (c: Curve, size: number) => c.points.find((p) => p.size === size)!.value;
  console.log(`targets: evaluate ${Math.round(at(evaluate, 1_000)).toLocaleString('en')}/s on 1,000 rules (at least 5,000,000), ${Math.round(at(evaluate, 100_000)).toLocaleString('en')}/s on 100,000 (at least 1,000,000); derive 100,000 conversations ${at(derive, 100_000).toFixed(2)} s (under 5 s)`);
}
