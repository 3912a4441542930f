// Policy documents, derivation shapes, lint and diff on small baselines written out by hand.

import { describe, expect, it } from 'vitest';
import { derivePolicy, type DeriveAsset, type DeriveConversation } from './derive.js';
import { diffPolicies } from './diff.js';
import { formatPolicy, parsePolicy, PolicyError } from './document.js';
import { lintPolicy } from './lint.js';
import type { Policy } from './model.js';

type Op = DeriveConversation['operations'][string];

function conv(client: string, server: string, port: number, protocol: DeriveConversation['protocol'], ops: Partial<Op>[], broadcast = false): DeriveConversation {
  const operations: Record<string, Op> = {};
  ops.forEach((o, i) => {
    operations[`k${i}`] = { kind: 'read', code: 3, count: 10, firstSeen: 100, lastSeen: 200, targets: [], ...o };
  });
  return { key: `${client}>${server}:${port}/${protocol}`, protocol, client: { ip: client }, server: { ip: server, port, ...(broadcast ? { broadcast } : {}) }, firstSeen: 100, lastSeen: 200, transactions: 10 * ops.length, operations };
}

const asset = (ip: string, level: number): DeriveAsset => ({ ip, purdue: { level, reason: 'test' } });

function parseError(text: string): string[] {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).problems;
  }
  throw new Error('expected the policy to be refused');
}

const MINIMAL = `bulkheadPolicy: 1
name: t
defaultAction: deny
zones:
  - { id: a, name: A, securityLevel: 2, members: [10.0.0.1] }
conduits: []
`;

describe('policy document', () => {
  it('refuses unknown keys and bad values with the path of each problem', () => {
    expect(parseError(MINIMAL.replace('defaultAction: deny', 'defaultAction: deny\ncolour: red'))).toEqual(["(document): unknown key 'colour'"]);
    expect(parseError(MINIMAL.replace('securityLevel: 2', 'securityLevel: 7'))).toEqual(['zones[0].securityLevel: must be <= 4']);
    expect(parseError(MINIMAL.replace('[10.0.0.1]', '[10.0.0.1, 10.0.0.300]'))).toEqual(["zones[0].members[1]: '10.0.0.300' is not an IP address, CIDR block or MAC address"]);
    const rule = MINIMAL.replace(
      'conduits: []',
      'conduits:\n  - id: c\n    name: C\n    zones: [a, b]\n    rules:\n      - { id: r1, protocol: modbus, port: 70000, client: { zone: a }, server: { hosts: [10.0.0.2] }, allow: [{ kinds: [rede] }] }',
    );
    expect(parseError(rule)).toEqual(expect.arrayContaining(['conduits[0].rules[0].port: must be <= 65535', expect.stringMatching(/^conduits\[0\]\.rules\[0\]\.allow\[0\]\.kinds\[0\]: must be one of "read"/)]));
    expect(parseError(rule.replace('port: 70000', 'port: 502').replace('rede', 'read'))).toEqual(["conduits[0].zones[1]: no zone 'b'"]);
    expect(parseError('bulkheadPolicy: 1\nname: [unclosed')[0]).toMatch(/Flow sequence|Missing|unexpected|end/i);
  });

  it('keeps comments when a document is imported and exported as text', () => {
    const text = `# owner: controls engineering\n${MINIMAL.replace('conduits: []', 'conduits: [] # none yet')}`;
    expect(parsePolicy(text).zones[0]!.id).toBe('a');
    // The stored text is the document as written; formatting a policy adds evidence comments.
    const formatted = formatPolicy(parsePolicy(text), 'header line');
    expect(formatted.startsWith('# header line')).toBe(true);
    expect(parsePolicy(formatted)).toEqual(parsePolicy(text));
  });
});

describe('derivation shapes', () => {
  it('a building-automation network: controllers, BMS front end, discovery broadcasts', () => {
    const controllers = ['10.1.2.11', '10.1.2.12', '10.1.2.13'];
    const bms = '10.1.1.5';
    const assets = [asset(bms, 2), ...controllers.map((c) => asset(c, 1))];
    const convs = [
      conv(bms, '10.1.1.255', 47808, 'bacnet', [{ kind: 'discovery', code: 8, subCode: 1 }], true),
      ...controllers.map((c, i) =>
        conv(bms, c, 47808, 'bacnet', [
          { kind: 'read', code: 12, subCode: 0, targets: [{ type: 'bacnet', objectType: 0, instance: i, properties: ['present-value'] }] },
          { kind: 'write', code: 15, subCode: 0, targets: [{ type: 'bacnet', objectType: 2, instance: 1, properties: ['present-value'] }] },
        ]),
      ),
      ...controllers.map((c) => conv(c, '10.1.2.255', 47808, 'bacnet', [{ kind: 'discovery', code: 0, subCode: 1 }], true)),
    ];
    const p = derivePolicy(assets, convs);
    expect(p.zones.map((z) => [z.id, z.members])).toEqual([
      ['control', controllers],
      ['supervisory', [bms]],
    ]);
    expect(p.conduits.map((c) => c.id).sort()).toEqual(['control--supervisory', 'control-internal', 'supervisory-internal']);
    const writes = p.conduits.find((c) => c.id === 'control--supervisory')!.rules;
    // Different objects read per controller: one rule each at SL 3, never a wildcard.
    expect(writes.every((r) => r.allow!.every((a) => a.codes && a.bacnet))).toBe(true);
    expect(lintPolicy(p).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('layer 2: the zones\' VLANs, the EtherTypes seen (ARP always), each on-link address bound to its one MAC', () => {
    const plc: DeriveAsset = { ...asset('10.0.1.10', 1), vlan: 10, macs: [{ mac: '00:80:f4:01:02:03' }], identity: { modbus: { vendorName: 'Schneider Electric', productCode: 'BMX P34 2020' } } };
    const hmi: DeriveAsset = { ...asset('10.0.2.5', 2), vlan: 20, macs: [{ mac: '02:00:00:00:02:05' }] };
    // Seen with two MACs (a redundant pair, a replaced device), or behind a router: never bound.
    const pair: DeriveAsset = { ...asset('10.0.1.11', 1), vlan: 10, macs: [{ mac: '02:00:00:00:01:11' }, { mac: '02:00:00:00:01:12' }] };
    const remote: DeriveAsset = { ...asset('10.9.0.7', 2), macs: [{ mac: '02:00:00:00:00:01' }], behindRouter: true };
    const convs = [conv(hmi.ip, plc.ip, 502, 'modbus', [{}]), conv(hmi.ip, pair.ip, 502, 'modbus', [{}]), conv(remote.ip, plc.ip, 502, 'modbus', [{}])];
    const p = derivePolicy([plc, hmi, pair, remote], convs, { etherTypes: [0x88cc, 0x8892, 0x0026] });
    expect(p.zones.map((z) => [z.id, z.vlans])).toEqual([
      ['control', [10]],
      ['supervisory-10-0-2-0-24', [20]],
      ['supervisory-10-9-0-0-24', undefined],
    ]);
    expect(p.link).toEqual({
      etherTypes: ['arp', 'lldp', 'llc', 'profinet'].sort(),
      bindings: [
        { ip: '10.0.1.10', mac: '00:80:f4:01:02:03', name: 'Schneider Electric BMX P34 2020' },
        { ip: '10.0.2.5', mac: '02:00:00:00:02:05' },
      ],
    });
    // What derivation writes loads again; without a census, no EtherType list (every non-IP frame passes).
    expect(parsePolicy(formatPolicy(p))).toEqual(p);
    expect(derivePolicy([plc, hmi], convs.slice(0, 1)).link).toEqual({ bindings: expect.any(Array) });
    expect(lintPolicy({ ...p, link: undefined }).map((f) => f.code)).toContain('no-link-layer');
    expect(lintPolicy(p, { assets: [{ ip: plc.ip, macs: [{ mac: '00:80:f4:09:09:09' }] }] }).find((f) => f.code === 'binding-mismatch')!.message).toMatch(/was learned with 00:80:f4:09:09:09: a replaced device\?/);
  });

  it('refuses a link section the table cannot enforce, naming what is wrong', () => {
    const doc = `${MINIMAL}link:\n  etherTypes: [arp, profinett, '0x0800', '0x0026']\n  bindings:\n    - { ip: 10.0.0.1, mac: '02:00:00:00:00:01' }\n    - { ip: 10.0.0.1, mac: '02:00:00:00:00:02' }\n    - { ip: 10.0.0.0/24, mac: '02:00:00:00:00:03' }\n`;
    expect(parseError(doc)).toEqual([
      expect.stringMatching(/^link\.etherTypes\[1\]: 'profinett' is neither a known EtherType name/),
      'link.etherTypes[2]: 0x0800 (IP, IPv6, 802.1Q) always reaches the rules: it is not listed',
      'link.etherTypes[3]: 0x0026 is an 802.3 length, not an EtherType (write llc for 802.3 frames)',
      'link.bindings[1]: 10.0.0.1 is already bound to 02:00:00:00:00:01',
      "link.bindings[2].ip: '10.0.0.0/24' is not one IP address",
    ]);
  });

  it('a plant with a DMZ historian: level by level, and lint catches the shortcut around the DMZ', () => {
    const plc = '10.10.1.10';
    const scada = '10.10.2.5';
    const historian = '10.10.3.5';
    const office = '10.20.0.5';
    const assets = [asset(plc, 1), asset(scada, 2), asset(historian, 3.5), asset(office, 4)];
    const poll = { kind: 'read' as const, code: 3, targets: [{ type: 'modbus' as const, unit: 1, table: 'holding_registers', ranges: [[0, 49]] as [number, number][] }] };
    const read = { kind: 'read' as const, code: 631, targets: [{ type: 'opcua' as const, nodeId: 'ns=2;s=Line.Flow' }] };
    const convs = [conv(scada, plc, 502, 'modbus', [poll]), conv(historian, scada, 4840, 'opcua', [read]), conv(office, historian, 4840, 'opcua', [read])];
    const p = derivePolicy(assets, convs);
    expect(p.zones.map((z) => [z.id, z.purdueLevel])).toEqual([
      ['control', 1],
      ['supervisory', 2],
      ['dmz', 3.5],
      ['enterprise', 4],
    ]);
    expect(p.conduits.map((c) => c.id).sort()).toEqual(['control--supervisory', 'dmz--enterprise', 'dmz--supervisory']);
    expect(lintPolicy(p).filter((f) => f.code === 'no-dmz')).toEqual([]);
    const shortcut = derivePolicy(assets, [...convs, conv(office, scada, 4840, 'opcua', [read])]);
    expect(lintPolicy(shortcut).filter((f) => f.code === 'no-dmz').map((f) => f.where)).toEqual(['conduit enterprise--supervisory']);
  });

  it('raises strictness with SL-T: hosts only, then kinds, then codes and ranges, then exact ranges and rates', () => {
    const convs = [conv('10.0.2.5', '10.0.1.10', 502, 'modbus', [{ kind: 'read', code: 3, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[0, 9], [20, 29]] }] }])];
    const rule = (sl: 1 | 2 | 3 | 4) => derivePolicy([asset('10.0.2.5', 2), asset('10.0.1.10', 1)], convs, { securityLevel: sl }).conduits[0]!.rules[0]!;
    expect(rule(1).allow).toBeUndefined();
    expect(rule(2).allow).toEqual([{ kinds: ['read'] }]);
    expect(rule(3).allow).toEqual([{ kinds: ['read'], codes: [3], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[0, 29]] }] }]);
    expect(rule(4).allow![0]!.modbus![0]!.ranges).toEqual([
      [0, 9],
      [20, 29],
    ]);
    expect(rule(4).ratePerSecond).toBeGreaterThan(0);
    expect(rule(1).client).toEqual({ hosts: ['10.0.2.5'] });
  });
});

describe('lint and diff', () => {
  const base = (): Policy => parsePolicy(`bulkheadPolicy: 1
name: t
defaultAction: deny
zones:
  - { id: eng, name: Engineering, securityLevel: 2, purdueLevel: 2, owner: o, members: [10.0.2.15, 10.0.2.16, 10.0.2.17, 10.0.2.18] }
  - { id: cell, name: Cell 1, securityLevel: 3, purdueLevel: 1, owner: o, members: [10.0.1.10] }
conduits:
  - id: eng-cell
    name: Eng-Cell
    zones: [eng, cell]
    rules:
      - { id: reads, protocol: modbus, port: 502, client: { hosts: [10.0.2.15] }, server: { hosts: [10.0.1.10] }, allow: [{ kinds: [read], codes: [3], modbus: [{ unit: 1, table: holding_registers, ranges: [[0, 199]] }] }] }
      - { id: reads-again, protocol: modbus, port: 502, client: { hosts: [10.0.2.15] }, server: { hosts: [10.0.1.10] }, allow: [{ kinds: [read], codes: [3], modbus: [{ unit: 1, table: holding_registers, ranges: [[0, 199]] }] }] }
      - { id: anything, protocol: modbus, client: { zone: eng }, server: { zone: cell } }
      - { id: no-writes, action: deny, protocol: modbus, client: { zone: eng }, server: { zone: cell }, allow: [{ kinds: [write] }] }
`);

  it('finds redundant, conflicting, over-broad and write-up rules, each with its clause', () => {
    const findings = lintPolicy(base(), { ruleHits: { reads: 5 } });
    const codes = (where: string) => findings.filter((f) => f.where.endsWith(where)).map((f) => f.code).sort();
    // Covered twice: by its identical twin and by the any-operation rule.
    expect(codes('rule reads-again')).toEqual(['redundant', 'redundant', 'unused']);
    expect(codes('rule anything')).toEqual(['any-operation', 'conflicting', 'many-writers', 'unused', 'write-up']);
    expect(findings.every((f) => f.clause.length > 10)).toBe(true);
    const p = base();
    p.defaultAction = 'allow';
    expect(lintPolicy(p)[0]).toMatchObject({ severity: 'error', code: 'default-allow', clause: expect.stringContaining('SR 5.2 RE1') });
  });

  it('says what changed between two versions', () => {
    const a = base();
    const b = base();
    b.zones[1]!.securityLevel = 4;
    b.zones[0]!.members.push('10.0.2.99');
    b.conduits[0]!.rules[0]!.allow![0]!.modbus![0]!.ranges = [[0, 99]];
    b.conduits[0]!.rules.splice(1, 1);
    expect(diffPolicies(a, b).changes).toEqual([
      'zone eng: members added: 10.0.2.99',
      'zone cell: SL-T 3 -> 4',
      'rule reads: allows Read Holding Registers (FC 3) on unit 1 holding registers 40001-40200 (0-199) -> Read Holding Registers (FC 3) on unit 1 holding registers 40001-40100 (0-99)',
      'rule reads-again removed',
    ]);
  });

  it('sees a change past what the words name: the seventh of seven codes swapped', () => {
    const a = base();
    const b = base();
    a.conduits[0]!.rules[0]!.allow = [{ codes: [1, 2, 3, 4, 5, 6, 15] }];
    b.conduits[0]!.rules[0]!.allow = [{ codes: [1, 2, 3, 4, 5, 6, 16] }];
    expect(diffPolicies(a, b).changes).toEqual([expect.stringMatching(/^rule reads: allows .* and 1 more codes -> .* and 1 more codes$/)]);
  });
});
