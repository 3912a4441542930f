// The pair table judges a derived policy's requests by their addresses; the indexed rule lists
// judge every policy. On random policies of exact host pairs, both must give the same verdict,
// code, rule, conduit and reason: the same policy with one rule the table cannot hold (a zone
// rule no request reaches) is judged by the lists. Broadcast rules, which the table lets the
// lists judge, are among them.

import { describe, expect, it } from 'vitest';
import type { Operation, OperationKind, Protocol, Target } from '../../protocols/operation.js';
import { checkPolicy } from './document.js';
import { compilePolicy } from './evaluate.js';
import { rng, type Random } from '../test-support/mulberry.js';
import type { Allowance, Policy, Rule } from './model.js';
import { ipv4Number } from './pair-table.js';

const KINDS: OperationKind[] = ['read', 'write', 'control', 'diagnostic', 'session'];
const PROTOCOLS: Protocol[] = ['modbus', 'bacnet', 'opcua'];
const HOSTS = ['10.0.1.10', '10.0.1.11', '10.0.1.12', '10.0.2.20', '10.0.2.21', '10.0.2.22'];
/** Request addresses besides the hosts: unknown, not canonical, IPv6, broadcast, multicast. */
const ODD = ['10.0.9.9', '010.0.1.10', '10.0.1.010', 'fd00::1', '255.255.255.255', '224.0.0.5', '10.0.1.1000'];
const TABLES = ['coils', 'holding_registers', 'input_registers'];
const CODES = [1, 3, 5, 6, 16, 300, 631];

function allowance(r: Random, protocol: Protocol): Allowance {
  const a: Allowance = {};
  if (r.next() < 0.6) a.kinds = [r.pick(KINDS), r.pick(KINDS)].filter((k, i, xs) => xs.indexOf(k) === i);
  const codes = r.next();
  // Up to 8 codes are listed, more make a map: both, and codes a map cannot hold.
  if (codes < 0.5) a.codes = [r.pick(CODES), r.pick(CODES)].filter((k, i, xs) => xs.indexOf(k) === i);
  else if (codes < 0.6) a.codes = Array.from({ length: 12 }, (_, i) => i * 3 + r.int(3));
  if (r.next() < 0.1) a.subCodes = [r.int(3)];
  if (r.next() < 0.6) {
    if (protocol === 'modbus') {
      a.modbus = Array.from({ length: r.int(3) }, () => ({
        unit: r.int(2),
        ...(r.next() < 0.7 ? { table: r.next() < 0.05 ? 'holding' : r.pick(TABLES) } : {}),
        // Ranges on a grid of 5 that requests often start and end on: the bounds are what is tested.
        ...(r.next() < 0.7 ? { ranges: Array.from({ length: 1 + r.int(2) }, () => [5 * r.int(6), 5 * r.int(6) + 29] as [number, number]) } : {}),
      }));
    }
    if (protocol === 'bacnet') a.bacnet = [{ objectType: r.int(3) }];
    if (protocol === 'opcua') a.opcua = { namespaces: [r.int(3)] };
  }
  return a;
}

function pairPolicy(r: Random): Policy {
  const rules: Rule[] = [];
  for (let i = 4 + r.int(10); i > 0; i--) {
    const protocol = r.pick(PROTOCOLS);
    const hosts = (n: number) => Array.from({ length: n }, () => r.pick(HOSTS)).filter((h, k, xs) => xs.indexOf(h) === k);
    // Broadcast rules (by host or by zone) take only broadcasts, which the table leaves to the lists.
    const server = r.next() < 0.1 ? { broadcast: true } : { hosts: hosts(1 + r.int(2)) };
    const rule: Rule = { id: `r${rules.length}`, protocol, client: server.broadcast && r.next() < 0.5 ? { zone: 'cell' } : { hosts: hosts(1 + r.int(2)) }, server };
    if (r.next() < 0.25) rule.action = 'deny';
    if (r.next() < 0.7) rule.port = r.pick([502, 47808, 4840]);
    const roll = r.next();
    if (roll < 0.8) rule.allow = Array.from({ length: 1 + r.int(3) }, () => allowance(r, protocol));
    else if (roll < 0.85) rule.allow = [];
    if (r.next() < 0.2) rule.comment = 'commissioning';
    rules.push(rule);
  }
  return {
    bulkheadPolicy: 1,
    name: 'pairs',
    defaultAction: r.next() < 0.85 ? 'deny' : 'allow',
    zones: [
      { id: 'cell', name: 'Cell', securityLevel: 3, members: ['10.0.1.0/24'] },
      { id: 'scada', name: 'SCADA', securityLevel: 2, members: ['10.0.2.0/24'] },
    ],
    conduits: [
      { id: 'cell-scada', name: 'Cell to SCADA', zones: ['cell', 'scada'], rules: rules.filter((_, i) => i % 3 !== 2) },
      { id: 'cell-cell', name: 'Within the cell', zones: ['cell', 'cell'], rules: rules.filter((_, i) => i % 3 === 2) },
    ],
  };
}

/** The same policy with one more rule per protocol, in a zone no request comes from: its requests are judged by the lists. */
function withListsOnly(p: Policy): Policy {
  const ghost: Rule[] = PROTOCOLS.map((protocol) => ({ id: `ghost-${protocol}`, protocol, client: { zone: 'ghost' }, server: { zone: 'ghost' } }));
  return {
    ...p,
    zones: [...p.zones, { id: 'ghost', name: 'Ghost', securityLevel: 1, members: ['192.0.2.0/24'] }],
    conduits: [...p.conduits, { id: 'ghost', name: 'Ghost', zones: ['ghost', 'ghost'], rules: ghost }],
  };
}

function operation(r: Random): Operation {
  const protocol = r.pick(PROTOCOLS);
  const targets: Target[] = [];
  for (let i = r.int(3); i > 0; i--) {
    if (protocol === 'modbus' || r.next() < 0.1) targets.push({ type: 'modbus', unit: r.int(2), ...(r.next() < 0.9 ? { table: r.pick(TABLES) as 'coils' } : {}), ...(r.next() < 0.9 ? { start: r.next() < 0.5 ? 5 * r.int(12) : r.int(60) } : {}), ...(r.next() < 0.8 ? { count: r.pick([0, 1, 5, 6, 30]) } : {}) });
    else if (protocol === 'bacnet') targets.push({ type: 'bacnet', objectType: r.int(3), objectTypeName: 'x', instance: r.int(12) });
    else targets.push({ type: 'opcua', nodeId: `ns=${r.int(3)};s=N${r.int(4)}` });
  }
  const address = () => (r.next() < 0.15 ? r.pick(ODD) : r.pick(HOSTS));
  const server = address();
  const direction = r.next();
  const op: Operation = {
    protocol,
    direction: direction < 0.8 ? 'request' : direction < 0.9 ? 'response' : 'unsolicited',
    kind: r.next() < 0.05 ? ('odd' as OperationKind) : r.pick(KINDS),
    code: r.next() < 0.05 ? -1 : r.pick(CODES.concat([2, 4, 7, 33])),
    codeName: 'c',
    client: { ip: address(), port: 40000, ...(r.next() < 0.5 ? { mac: '02:00:00:00:00:01' } : {}) },
    server: { ip: server, port: r.pick([502, 47808, 4840]), ...(r.next() < 0.05 ? { mac: '01:00:5e:00:00:05' } : r.next() < 0.5 ? { mac: '02:00:00:00:00:02' } : {}) },
    flowId: 'f',
    targets,
    anomalies: [],
    evidence: { ts: 0, frame: 0, bytes: 0 },
  };
  if (r.next() < 0.1) op.subCode = r.int(3);
  if (r.next() < 0.05) op.targetsTruncated = true;
  return op;
}

describe('pair table', () => {
  it('reads canonical dotted quads only', () => {
    expect(ipv4Number('10.0.1.10')).toBe(0x0a00010a);
    expect(ipv4Number('255.255.255.255')).toBe(0xffffffff);
    expect(ipv4Number('0.0.0.0')).toBe(0);
    for (const odd of ['010.0.1.10', '10.0.1', '10.0.1.256', '10..1.1', '10.0.1.1.', '.10.0.1.1', 'fd00::1', '10.0.1.1a', '', '1.2.3.4.5']) expect(ipv4Number(odd), odd).toBe(-1);
  });

  it('judges 400 random pair policies x 400 operations as the rule lists do, reason and all', () => {
    const seen = new Map<string, number>();
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const policy = pairPolicy(r);
      expect(checkPolicy(policy)).toEqual([]);
      const table = compilePolicy(policy);
      const lists = compilePolicy(withListsOnly(policy));
      for (let i = 0; i < 400; i++) {
        const op = operation(r);
        const got = JSON.stringify(table.evaluate(op));
        const want = JSON.stringify(lists.evaluate(op));
        if (got !== want) throw new Error(`seed ${seed} op ${i}:\n  table ${got}\n  lists ${want}\n${JSON.stringify(op)}\n${JSON.stringify(policy)}`);
        const code = (JSON.parse(got) as { code: string }).code;
        seen.set(code, (seen.get(code) ?? 0) + 1);
      }
    }
    // Every way a request is judged here came up often, or the comparison would prove little.
    for (const code of ['allowed', 'allowed_by_default', 'response', 'no_rule', 'denied_by_rule', 'not_allowed_code', 'out_of_range']) expect(seen.get(code) ?? 0, code).toBeGreaterThan(500);
  });
});
