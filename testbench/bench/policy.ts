// Policy engine speed:
//  1. evaluations per second on one core against a 1,000-rule policy (target: at least 1,000,000/s),
//     with a naive linear scan over the same rules in the same run as the baseline;
//  2. derivation time from 100,000 learned conversations (target: under 10 s).
//
//   npm run bench:policy

import type { Operation } from '../../protocols/operation.js';
import { derivePolicy, type DeriveAsset, type DeriveConversation } from '../../src/policy/derive.js';
import { compilePolicy } from '../../src/policy/evaluate.js';
import { lintPolicy } from '../../src/policy/lint.js';
import type { Policy, Rule } from '../../src/policy/model.js';

const ip = (net: number, i: number) => `10.${net}.${(i >> 8) & 255}.${i & 255}`;

/** 1,000 rules: 100 HMIs x 10 PLCs each, SL 3 style (codes and register ranges). */
function policyOf1000(): Policy {
  const rules: Rule[] = [];
  for (let h = 0; h < 100; h++) {
    for (let k = 0; k < 10; k++) {
      const plc = (h * 7 + k) % 400;
      rules.push({
        id: `r${h}-${k}`,
        protocol: 'modbus',
        port: 502,
        client: { hosts: [ip(2, h)] },
        server: { hosts: [ip(1, plc)] },
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

function operations(n: number): Operation[] {
  const ops: Operation[] = [];
  for (let i = 0; i < n; i++) {
    const h = i % 100;
    const k = (i >> 7) % 12; // some to PLCs the HMI has no rule for
    const write = i % 5 === 0;
    ops.push({
      protocol: 'modbus',
      direction: 'request',
      kind: write ? 'write' : 'read',
      code: write ? 6 : 3,
      codeName: write ? 'Write Single Register' : 'Read Holding Registers',
      client: { ip: ip(2, h), port: 40000 },
      server: { ip: ip(1, (h * 7 + k) % 400), port: 502 },
      flowId: 'f',
      targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', start: write ? 500 + (i % 20) : (i % 120), count: write ? 1 : 10 }],
      anomalies: [],
      evidence: { ts: i, frame: i, bytes: 12 },
    });
  }
  return ops;
}

function rate(label: string, ops: Operation[], evaluate: (op: Operation) => string, rounds: number): number {
  let allowed = 0;
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const op of ops) if (evaluate(op) === 'allow') allowed++;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = (ops.length * rounds) / secs;
  console.log(`${label.padEnd(26)} ${Math.round(perSecond).toLocaleString('en')} evaluations/s (${((100 * allowed) / (ops.length * rounds)).toFixed(0)}% allowed)`);
  return perSecond;
}

const policy = policyOf1000();
const ev = compilePolicy(policy);
const ops = operations(100_000);
rate('warm-up', ops, (op) => ev.evaluate(op).action, 2);
const compiled = rate('compiled (reasons on demand)', ops, (op) => ev.evaluate(op).action, 10);
// The baseline: a linear scan over the rules, what a naive firewall loop does.
const rules = policy.conduits[0]!.rules;
const linear = rate('linear scan', ops.slice(0, 20_000), (op) => {
  for (const r of rules) {
    if (r.client.hosts![0] !== op.client.ip || r.server.hosts![0] !== op.server.ip) continue;
    for (const a of r.allow!) {
      const t = op.targets[0]!;
      const m = a.modbus![0]!;
      if (a.codes!.includes(op.code) && t.type === 'modbus' && t.start! >= m.ranges![0]![0] && t.start! + t.count! - 1 <= m.ranges![0]![1]) return 'allow';
    }
  }
  return 'deny';
}, 5);
console.log(`evaluate: ${Math.round(compiled).toLocaleString('en')}/s on 1,000 rules, ${(compiled / linear).toFixed(1)}x the linear scan (target: at least 1,000,000/s)`);

// Derivation from 100,000 conversations: 1,000 clients x 100 servers, two operations each.
const assets: DeriveAsset[] = [];
const conversations: DeriveConversation[] = [];
for (let c = 0; c < 1000; c++) assets.push({ ip: ip(2, c), purdue: { level: 2, reason: 'bench' } });
for (let s = 0; s < 9000; s++) assets.push({ ip: ip(1, s), purdue: { level: 1, reason: 'bench' } });
for (let c = 0; c < 1000; c++) {
  for (let k = 0; k < 100; k++) {
    const s = (c * 9 + k) % 9000;
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
const start = process.hrtime.bigint();
const derived = derivePolicy(assets, conversations);
const secs = Number(process.hrtime.bigint() - start) / 1e9;
const ruleCount = derived.conduits.reduce((n, c) => n + c.rules.length, 0);
console.log(`derive:   ${conversations.length.toLocaleString('en')} conversations, ${assets.length.toLocaleString('en')} assets -> ${derived.zones.length} zones, ${ruleCount.toLocaleString('en')} rules in ${secs.toFixed(2)} s (target: under 10 s)`);
const lintStart = process.hrtime.bigint();
const findings = lintPolicy(derived);
const byCode: Record<string, number> = {};
for (const f of findings) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
console.log(`lint:     ${ruleCount.toLocaleString('en')} rules in ${(Number(process.hrtime.bigint() - lintStart) / 1e9).toFixed(2)} s (findings: ${JSON.stringify(byCode)})`);
