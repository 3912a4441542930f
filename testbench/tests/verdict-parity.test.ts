// Simulate before you enforce: what a simulation of a capture says would be denied is what the
// inline inspector denies when fed the same packets. For every shared capture and fixture, with
// a policy derived at each SL 1-4 and a hand-written one with denies (explicit deny rules,
// narrowed allowances, an isolated host), the denied packets (frame, reason code) of
// `simulate` equal those the inspector reports in learn mode, with one inspector or with the
// packets spread over three by host pair, as the kernel spreads them over the engine's queues.

import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { learnPcaps } from '../../src/app/learn.js';
import { simulatePcaps } from '../../src/app/policy.js';
import { CaptureSimulation } from '../../src/policy/simulate-capture.js';
import { ACK, SYN, tcpSegment } from '../../src/test-support/ip-packets.js';
import { Inspector, type InspectionEvent } from '../../src/enforce/inspector.js';
import type { Asset, Conversation } from '../../src/learn/model.js';
import { derivePolicy } from '../../src/policy/derive.js';
import { compilePolicy } from '../../src/policy/evaluate.js';
import type { Policy, SecurityLevel } from '../../src/policy/model.js';
import { openDatabase } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';

const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'demo');
const captures = [
  ...['modbus', 'bacnet', 'opcua'].flatMap((d) => readdirSync(join(SHARED, d)).map((f) => join(SHARED, d, f))),
  ...readdirSync(FIXTURES).map((f) => join(FIXTURES, f)),
].filter((f) => /\.pcap(ng)?$/.test(f));

async function learned(file: string): Promise<{ assets: Asset[]; conversations: Conversation[] }> {
  const store = new LearnStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-parity-')), 'b.db')));
  await learnPcaps(store, [file]);
  const r = { assets: store.assets(), conversations: store.conversations() };
  store.db.close();
  return r;
}

/** The SL 2 policy made stricter by hand: writes denied outright for the busiest client, reads only elsewhere. */
function handWritten(base: Policy): Policy {
  const conduits = base.conduits.map((c, n) => ({
    ...c,
    rules: [
      ...(n === 0 && c.rules[0] ? [{ ...c.rules[0], id: 'no-writes', action: 'deny' as const, allow: [{ kinds: ['write' as const] }] }] : []),
      ...c.rules.map((r) => (r.allow ? { ...r, allow: r.allow.map((a) => ({ ...a, kinds: ['read' as const] })) } : r)),
    ],
  }));
  return { ...base, conduits };
}

type Denial = [frame: number, code: string];

/**
 * The queue a packet would reach among `queues`, picked as the kernel's balancing picks: by its
 * two addresses, either way round, and its protocol (the hash itself differs, the grouping not).
 */
function queueOf(ip: Buffer, queues: number): number {
  const v6 = ip[0]! >> 4 === 6;
  const [a, b] = v6 ? [ip.subarray(8, 24), ip.subarray(24, 40)] : [ip.subarray(12, 16), ip.subarray(16, 20)];
  let h = v6 ? ip[6]! : ip[9]!;
  for (const x of Buffer.concat(Buffer.compare(a, b) <= 0 ? [a, b] : [b, a])) h = (h * 31 + x) >>> 0;
  return h % queues;
}

/** The inspectors, one per queue, in learn mode, on the packets the simulation handed its judge: one event per denied packet. */
function inspectorDenials(policy: Policy, packets: { frame: number; ip: Buffer }[], isolated: string[], queues = 1): Denial[] {
  let frame = 0;
  const out: Denial[] = [];
  const inspectors = Array.from({ length: queues }, () => {
    const inspector = new Inspector(compilePolicy(policy), 'learn', (e: InspectionEvent) => out.push([frame, e.reasonCode]));
    inspector.isolate(isolated);
    return inspector;
  });
  for (const p of packets) {
    frame = p.frame;
    inspectors[queueOf(p.ip, queues)]!.verdict(p.ip);
  }
  return out;
}

describe('simulation and inspection agree, request by request', () => {
  for (const file of captures) {
    it(`${file.slice(file.lastIndexOf('/', file.lastIndexOf('/') - 1) + 1)}: SL 1-4 and a hand-written policy`, async () => {
      const { assets, conversations } = await learned(file);
      const policies = ([1, 2, 3, 4] as SecurityLevel[]).map((sl) => derivePolicy(assets, conversations, { securityLevel: sl }));
      policies.push(handWritten(policies[1]!));
      for (const [n, policy] of policies.entries()) {
        // The hand-written case also isolates one host.
        const isolated = n === 4 && assets[0] ? [assets[0].ip] : [];
        const packets: { frame: number; ip: Buffer }[] = [];
        const [report] = await simulatePcaps([policy], [file], { isolated, tap: (frame, ip) => packets.push({ frame, ip: Buffer.from(ip) }) });
        // One denial per packet: the first denied request of it, as the inspector reports it.
        // Broadcasts never reach the inspector (their rules are the kernel's): compared where it judges.
        const tapped = new Set(packets.map((p) => p.frame));
        const simulated: Denial[] = [];
        for (const d of report!.deniedRequests) if (tapped.has(d.frame) && simulated.at(-1)?.[0] !== d.frame) simulated.push([d.frame, d.reasonCode]);
        expect(report!.deniedRequestsTruncated).toBe(false);
        for (const queues of [1, 3]) expect(inspectorDenials(policy, packets, isolated, queues), `${n < 4 ? `SL ${n + 1}` : 'hand-written'} policy, ${queues} queue(s)`).toEqual(simulated);
      }
    });
  }

  it('bacnet_example at SL 3: the 120 malformed ReinitializeDevice requests, in both', async () => {
    const file = join(SHARED, 'bacnet', 'bacnet_example.pcap');
    const { assets, conversations } = await learned(file);
    const policy = derivePolicy(assets, conversations, { securityLevel: 3 });
    const packets: { frame: number; ip: Buffer }[] = [];
    const [report] = await simulatePcaps([policy], [file], { tap: (frame, ip) => packets.push({ frame, ip: Buffer.from(ip) }) });
    expect(report!.denied).toBe(120);
    expect(report!.deniedByReason).toEqual({ malformed: 120 });
    expect(report!.denials.every((g) => g.operation === 'reinitializeDevice (confirmed service 20)')).toBe(true);
    const inspected = inspectorDenials(policy, packets, []);
    expect(inspected).toHaveLength(120);
    expect(new Set(inspected.map(([, code]) => code))).toEqual(new Set(['malformed']));
  });

  it('judges what the queue steers even where no protocol is recognised, as the inspector does', () => {
    // An OPC UA rule without a port: the queue steers every TCP port between the two hosts, so an
    // SSH session between them reaches the inspector, which cannot read it.
    const [hmi, server] = ['10.0.0.21', '10.0.0.30'];
    const policy: Policy = {
      bulkheadPolicy: 1,
      name: 'ua',
      defaultAction: 'deny',
      zones: [
        { id: 'a', name: 'A', securityLevel: 2, members: [hmi] },
        { id: 'b', name: 'B', securityLevel: 2, members: [server] },
      ],
      conduits: [{ id: 'ab', name: 'A-B', zones: ['a', 'b'], rules: [{ id: 'hmi-ua', protocol: 'opcua', client: { hosts: [hmi] }, server: { hosts: [server] }, allow: [{ kinds: ['session', 'read'] }] }] }],
    };
    const packets: { frame: number; ip: Buffer }[] = [];
    const sim = new CaptureSimulation([policy], { tap: (frame, ip) => packets.push({ frame, ip: Buffer.from(ip) }) });
    const frames = [
      tcpSegment(hmi, server, 50000, 22, 7, Buffer.alloc(0), SYN),
      tcpSegment(server, hmi, 22, 50000, 900, Buffer.alloc(0), SYN | ACK),
      tcpSegment(hmi, server, 50000, 22, 8, Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')),
      // The same between hosts no rule steers: the kernel table's, not judged here.
      tcpSegment(server, hmi, 50001, 22, 7, Buffer.alloc(0), SYN),
      tcpSegment(server, hmi, 50001, 22, 8, Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')),
    ];
    frames.forEach((frame, n) => sim.packet({ index: n + 1, linkType: 101, ts: 1000 + n, frame }));
    const [report] = sim.results();
    expect(report!.deniedRequests.map((d) => [d.frame, d.reasonCode])).toEqual([[3, 'uninspectable']]);
    expect(packets.map((p) => p.frame)).toEqual([1, 3]);
    expect(inspectorDenials(policy, packets, [])).toEqual([[3, 'uninspectable']]);
  });
});

