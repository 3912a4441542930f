// Property test: for random policies and operations, the compiled evaluator agrees with a naive
// reference written straight from the policy's definition (linear scans, no indexes, no caches).

import { describe, expect, it } from 'vitest';
import type { Operation, OperationKind, Protocol, Target } from '../../protocols/operation.js';
import { checkPolicy } from './document.js';
import { compilePolicy } from './evaluate.js';
import { rng, type Random } from '../test-support/mulberry.js';
import type { Allowance, HostSelector, Policy, Rule } from './model.js';

const KINDS: OperationKind[] = ['read', 'write', 'control', 'program', 'diagnostic', 'discovery', 'session', 'unknown'];
const PROTOCOLS: Protocol[] = ['modbus', 'bacnet', 'opcua'];
const HOSTS = Array.from({ length: 12 }, (_, i) => `10.0.${i < 6 ? 1 : 2}.${10 + i}`);
const BROADCAST = '10.0.1.255';
const TABLES = ['coils', 'holding_registers'] as const;

// -- the reference --

function ipv4(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function memberHas(member: string, ip: string): boolean {
  if (!member.includes('/')) return member === ip;
  const [base, bits] = member.split('/') as [string, string];
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (ipv4(base) & mask) >>> 0 === (ipv4(ip) & mask) >>> 0;
}

function naive(p: Policy, op: Operation): { action: 'allow' | 'deny'; candidates: string[] } {
  const zoneOf = (ip: string) => p.zones.find((z) => z.members.some((m) => memberHas(m, ip)))?.id;
  const broadcast = op.server.ip === BROADCAST || op.server.ip === '255.255.255.255';
  const selects = (s: HostSelector, ip: string, isBroadcast: boolean, side: 'client' | 'server') => {
    if (side === 'server' && s.broadcast) return isBroadcast;
    if (isBroadcast) return false;
    if (s.zone !== undefined && zoneOf(ip) !== s.zone) return false;
    if (s.hosts && !s.hosts.some((h) => memberHas(h, ip))) return false;
    return s.zone !== undefined || s.hosts !== undefined;
  };
  const inRanges = (ranges: [number, number][] | undefined, a: number, b: number) => !ranges || ranges.some(([x, y]) => a >= x && b <= y);
  const targetOk = (a: Allowance, t: Target) => {
    if (t.type === 'modbus') return !a.modbus || a.modbus.some((s) => s.unit === t.unit && (s.table === undefined || s.table === t.table) && (!s.ranges || (t.start !== undefined && inRanges(s.ranges, t.start, t.start + (t.count ?? 1) - 1))));
    if (t.type === 'bacnet') return !a.bacnet || a.bacnet.some((s) => s.objectType === t.objectType && inRanges(s.instances, t.instance, t.instance));
    const ns = Number(/^ns=(\d+);/.exec(t.nodeId)?.[1] ?? 0);
    return (!a.opcua?.nodes && !a.opcua?.namespaces) || a.opcua?.nodes?.includes(t.nodeId) === true || a.opcua?.namespaces?.includes(ns) === true;
  };
  const allows = (a: Allowance) => {
    if (a.kinds && !a.kinds.includes(op.kind)) return false;
    if (a.codes && !a.codes.includes(op.code)) return false;
    const scoped = a.modbus || a.bacnet || a.opcua;
    if (!scoped) return true;
    return op.targets.length > 0 && op.targets.every((t) => targetOk(a, t));
  };
  const rules = p.conduits.flatMap((c) => c.rules);
  const endpoints = (r: Rule) => r.protocol === op.protocol && (r.port === undefined || r.port === op.server.port) && selects(r.client, op.client.ip, false, 'client') && selects(r.server, op.server.ip, broadcast, 'server');
  const matching = (deny: boolean) => rules.filter((r) => (r.action === 'deny') === deny && endpoints(r) && (!r.allow || r.allow.some(allows))).map((r) => r.id);
  const denies = matching(true);
  if (denies.length) return { action: 'deny', candidates: denies };
  const allowsIds = matching(false);
  if (allowsIds.length) return { action: 'allow', candidates: allowsIds };
  return { action: p.defaultAction, candidates: [] };
}

// -- random policies and operations --

function randomSelector(r: Random, zones: string[], side: 'client' | 'server'): HostSelector {
  const roll = r.int(side === 'server' ? 4 : 3);
  if (roll === 0) return { zone: r.pick(zones) };
  if (roll === 1) return { hosts: r.some(HOSTS).concat(r.pick(HOSTS)) };
  if (roll === 2) return { zone: r.pick(zones), hosts: [r.pick(HOSTS), r.next() < 0.3 ? '10.0.2.0/24' : r.pick(HOSTS)] };
  return { broadcast: true };
}

function randomAllowance(r: Random, protocol: Protocol): Allowance {
  const a: Allowance = {};
  if (r.next() < 0.6) a.kinds = [r.pick(KINDS), r.pick(KINDS)].filter((k, i, xs) => xs.indexOf(k) === i);
  if (r.next() < 0.6) a.codes = [r.int(8), r.int(8)].filter((k, i, xs) => xs.indexOf(k) === i);
  if (r.next() < 0.5) {
    if (protocol === 'modbus') a.modbus = [{ unit: r.int(3), ...(r.next() < 0.7 ? { table: r.pick(TABLES) } : {}), ...(r.next() < 0.7 ? { ranges: [[r.int(50), 50 + r.int(50)]] as [number, number][] } : {}) }];
    if (protocol === 'bacnet') a.bacnet = [{ objectType: r.int(3), ...(r.next() < 0.6 ? { instances: [[r.int(5), 5 + r.int(5)]] as [number, number][] } : {}) }];
    if (protocol === 'opcua') a.opcua = r.next() < 0.5 ? { nodes: [`ns=1;s=N${r.int(4)}`] } : { namespaces: [r.int(3)] };
  }
  return a;
}

function randomPolicy(r: Random): Policy {
  const zones = ['a', 'b', 'c'];
  const pool = [...HOSTS];
  const members = (n: number) => pool.splice(0, n);
  const p: Policy = {
    bulkheadPolicy: 1,
    name: 'random',
    defaultAction: r.next() < 0.8 ? 'deny' : 'allow',
    zones: [
      { id: 'a', name: 'A', securityLevel: 2, members: members(4) },
      { id: 'b', name: 'B', securityLevel: 3, members: members(4) },
      { id: 'c', name: 'C', securityLevel: 1, members: ['10.0.3.0/24'] },
    ],
    conduits: [],
  };
  let n = 0;
  for (const [x, y] of [['a', 'b'], ['a', 'a'], ['b', 'c'], ['a', 'c']] as const) {
    const rules: Rule[] = [];
    for (let i = r.int(6); i > 0; i--) {
      const protocol = r.pick(PROTOCOLS);
      const rule: Rule = { id: `r${n++}`, protocol, client: randomSelector(r, [x, y], 'client'), server: randomSelector(r, [x, y], 'server') };
      if (r.next() < 0.2) rule.action = 'deny';
      if (r.next() < 0.7) rule.port = r.pick([502, 47808, 4840]);
      if (r.next() < 0.7) rule.allow = Array.from({ length: 1 + r.int(2) }, () => randomAllowance(r, protocol));
      rules.push(rule);
    }
    p.conduits.push({ id: `${x}-${y}`, name: `${x}-${y}`, zones: [x, y], rules });
  }
  void zones;
  return p;
}

function randomOperation(r: Random): Operation {
  const protocol = r.pick(PROTOCOLS);
  const targets: Target[] = [];
  for (let i = r.int(3); i > 0; i--) {
    if (protocol === 'modbus') targets.push({ type: 'modbus', unit: r.int(3), table: r.pick(TABLES), start: r.int(110), count: 1 + r.int(5) });
    else if (protocol === 'bacnet') targets.push({ type: 'bacnet', objectType: r.int(3), objectTypeName: 'x', instance: r.int(12) });
    else targets.push({ type: 'opcua', nodeId: r.next() < 0.5 ? `ns=${r.int(3)};s=N${r.int(4)}` : `i=${r.int(100)}` });
  }
  const server = r.next() < 0.1 ? BROADCAST : r.next() < 0.1 ? '10.0.3.7' : r.pick(HOSTS);
  return {
    protocol,
    direction: r.next() < 0.9 ? 'request' : 'unsolicited',
    kind: r.pick(KINDS),
    code: r.int(8),
    codeName: 'c',
    client: { ip: r.next() < 0.1 ? '10.0.9.9' : r.next() < 0.1 ? '10.0.3.8' : r.pick(HOSTS), port: 40000 },
    server: { ip: server, port: r.pick([502, 47808, 4840]), ...(server === BROADCAST ? { mac: 'ff:ff:ff:ff:ff:ff' } : {}) },
    flowId: 'f',
    targets,
    anomalies: [],
    evidence: { ts: 0, frame: 0, bytes: 0 },
  };
}

describe('compiled evaluator against the naive reference', () => {
  it('agrees on 300 random policies x 300 random operations', () => {
    let compared = 0;
    const verdicts = { allow: 0, deny: 0 };
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const policy = randomPolicy(r);
      expect(checkPolicy(policy)).toEqual([]);
      const ev = compilePolicy(policy);
      for (let i = 0; i < 300; i++) {
        const op = randomOperation(r);
        const want = naive(policy, op);
        const got = ev.evaluate(op);
        if (got.action !== want.action || (got.ruleId !== undefined && !want.candidates.includes(got.ruleId)) || (got.ruleId === undefined && want.candidates.length > 0)) {
          throw new Error(`seed ${seed} op ${i}: compiled ${got.action} by ${got.ruleId ?? 'default'} (${got.reason}); reference ${want.action} by ${want.candidates.join(',') || 'default'}\n${JSON.stringify(op)}\n${JSON.stringify(policy)}`);
        }
        verdicts[got.action]++;
        compared++;
      }
    }
    expect(compared).toBe(90_000);
    // Both verdicts are well represented, or the comparison would prove little.
    expect(verdicts.allow).toBeGreaterThan(5_000);
    expect(verdicts.deny).toBeGreaterThan(5_000);
  });
});
