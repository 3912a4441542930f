// The risk assessment over a real database: a learned Modicon M340 answering MEI 14, a device no
// advisory names, an advisory naming the M340 by part number, a KEV entry for one of its CVEs;
// then what an engineer's word changes, the policy's reach, the virtual patch drafted as a new
// version, and derive --risk giving the vulnerable PLC a zone of its own.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { derivePolicy } from '../policy/derive.js';
import { formatPolicy, parsePolicy } from '../policy/document.js';
import { compilePolicy } from '../policy/evaluate.js';
import { openDatabase } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';
import { PolicyStore } from '../store/policy-store.js';
import type { AssetRecordType as Asset, ConversationRecordType as Conversation } from '../store/records.js';
import { csafDocument } from '../test-support/csaf-document.js';
import { RiskAssessment } from './assessment.js';
import { readCsaf } from './csaf.js';

const PLC = '10.0.1.5';
const OTHER = '10.0.1.6';
const HMI = '10.0.2.10';

const csaf = (id: string, product: string, version: string, cves: { cve: string; score: number }[]) =>
  csafDocument({ id, title: `Schneider Electric ${product}`, vendor: 'Schneider Electric ', product, version, cves, summary: 'Successful exploitation could allow an attacker to bypass authentication through UMAS.', remediation: { category: 'mitigation', details: 'Block Modbus function code 90 (UMAS) from untrusted networks.' } });

function advisory(doc: unknown) {
  const r = readCsaf(doc);
  if (!('advisory' in r)) throw new Error(r.problems.join('; '));
  return r.advisory;
}

const asset = (ip: string, identity: Asset['identity'], purdue: number): Asset => ({ key: ip, ip, macs: [], firstSeen: 1, lastSeen: 2, protocols: ['modbus'], roles: purdue <= 1 ? ['modbus_server'] : ['modbus_client'], identity, activity: { clientsServed: 1, fieldServersQueried: 0, fieldServersPolled: 0, fieldServersWritten: 0 }, purdue: { level: purdue, reason: 'test' } });

function conversation(server: string, kinds: ('read' | 'write')[]): Conversation {
  const operations: Conversation['operations'] = {};
  for (const kind of kinds) {
    const code = kind === 'read' ? 3 : 6;
    operations[`${kind}/${code}`] = { kind, code, codeName: kind === 'read' ? 'Read Holding Registers' : 'Write Single Register', count: 10, firstSeen: 1, lastSeen: 2, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[0, 9]] }] } as unknown as Conversation['operations'][string];
  }
  return { key: `${HMI}>${server}:502/modbus`, protocol: 'modbus', client: { ip: HMI }, server: { ip: server, port: 502 }, firstSeen: 1, lastSeen: 2, packets: 40, bytes: 4000, transactions: 20, orphanResponses: 0, operations };
}

function plant() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-risk-')), 'b.db'));
  const learn = new LearnStore(db);
  const assets = [
    asset(PLC, { modbus: { vendorName: 'Schneider Electric', productCode: 'BMX P34 2020', revision: 'v2.70', productName: 'Modicon M340' } }, 1),
    asset(OTHER, { modbus: { vendorName: 'Bulkhead Testbench', productCode: 'TB-100', revision: '1.0' } }, 1),
    asset(HMI, {}, 2),
  ];
  const conversations = [conversation(PLC, ['read', 'write']), conversation(OTHER, ['read'])];
  learn.flush({ assets, conversations, discoveries: [], events: [], clock: { firstSeen: 1, lastSeen: 2, lastDiscovery: 1 } });
  const risk = new RiskAssessment(db);
  risk.store.importCatalogue(
    {
      advisories: [advisory(csaf('ICSA-21-194-02', 'Modicon M340 CPU (part numbers BMXP34*)', 'vers:all/*', [{ cve: 'CVE-2021-22779', score: 9.8 }, { cve: 'CVE-2021-22780', score: 7.5 }])), advisory(csaf('ICSA-19-183-01', 'Modicon M580', '< 3.01', [{ cve: 'CVE-2019-6819', score: 7.5 }]))],
      kev: { catalogVersion: '2025.08.25', dateReleased: '2025-08-25T00:00:00Z', entries: [{ cve: 'CVE-2021-22779', vendor: 'Schneider Electric', product: 'Modicon', name: 'Modicon authentication bypass', dateAdded: '2024-01-01', ransomware: false, requiredAction: 'Apply mitigations per vendor instructions.' }] },
    },
    'test',
  );
  return { db, learn, risk, assets, conversations };
}

describe('risk assessment', () => {
  it('matches the M340 by part number with the advisory CVEs, KEV flag and why; nothing for the unknown device', () => {
    const { risk } = plant();
    const r = risk.assess();
    expect(r.counts).toMatchObject({ assets: 3, identified: 2, matched: 1, vulnerable: 1 });
    const plc = r.assets[0]!;
    expect(plc.ip).toBe(PLC);
    expect(plc.matches.map((m) => m.advisoryId)).toEqual(['ICSA-21-194-02']);
    const m = plc.matches[0]!;
    expect(m.confidence).toBe('high');
    expect(m.cves.map((c) => [c.cve, c.cvss, c.knownExploited])).toEqual([['CVE-2021-22779', 9.8, true], ['CVE-2021-22780', 7.5, false]]);
    expect(m.why.join(' ')).toMatch(/BMX ?P34 ?2020/);
    expect(m.remediations[0]!.details).toMatch(/function code 90/);
    // No policy: the HMI that reads and writes it reaches it. 3 (CVSS 9.8) + 1 (KEV) + 1 (reach) + 1 (write) = 6, at most 5.
    expect(plc.reach.from).toBe('baseline');
    expect(plc.risk.likelihood).toBe(5);
    expect(plc.risk.impact).toBe(4);
    expect(plc.risk.risk).toBe(20);
    expect(plc.risk.band).toBe('critical');
    expect(plc.risk.text).toMatch(/likelihood 5 .*impact 4/);
    expect(plc.risk.neededSl).toBe(3);
  });

  it("an engineer's dismissal takes the match out of the score; criticality sets the impact", () => {
    const { risk } = plant();
    risk.store.setCriticality({ assetKey: PLC, criticality: 5, by: 'eng', at: 1 });
    expect(risk.assess().assets[0]!.risk.risk).toBe(25);
    risk.store.decide({ assetKey: PLC, advisoryId: 'ICSA-21-194-02', decision: 'dismissed', by: 'eng', at: 1, reason: 'CPU replaced' });
    const plc = risk.assess().assets[0]!;
    expect(plc.matches[0]!.counted).toBe(false);
    expect(plc.risk.risk).toBe(0);
  });

  it('with a policy: reach over the conduit, the virtual patch drafted as a version that refuses FC 90 and still allows reads', () => {
    const { db, risk, assets, conversations } = plant();
    const policies = new PolicyStore(db);
    const derived = derivePolicy(assets, conversations);
    policies.add(formatPolicy(derived), derived.name, 'derived', 'eng');
    // A safety-critical PLC: its zone (control, SL-T 3) is short of the 4 it needs.
    risk.store.setCriticality({ assetKey: PLC, criticality: 5, by: 'eng', at: 1 });
    const r = risk.assess();
    const plc = r.assets[0]!;
    expect(plc.reach.from).toBe('policy');
    expect(plc.reach.zones.length).toBe(1);
    expect(plc.reach.writeCapable).toBe(true);
    const patch = r.countermeasures.find((c) => c.kind === 'virtual_patch' && c.assetKey === PLC && !c.inForce && c.draftable);
    expect(patch, JSON.stringify(r.countermeasures)).toBeDefined();
    expect(r.countermeasures.find((c) => c.kind === 'own_zone')?.securityLevel).toBe(4);
    expect(r.zones.find((z) => z.id === plc.zone)).toMatchObject({ securityLevel: 3, neededSl: 4, gap: 1 });
    expect(r.countermeasures.find((c) => c.kind === 'raise_sl')?.zone).toBe(plc.zone);
    const d = risk.draft(patch!.id, 'eng');
    expect(d.diff.changes.join('\n')).toMatch(/vp-umas/);
    const drafted = parsePolicy(policies.get(d.version).document);
    const judge = compilePolicy(drafted);
    const op = (code: number, kind: 'read' | 'write' | 'program') => ({ protocol: 'modbus', direction: 'request', kind, code, codeName: 'x', client: { ip: HMI, port: 40000 }, server: { ip: PLC, port: 502 }, targets: code === 90 ? [] : [{ type: 'modbus', unit: 1, table: 'holding_registers', start: 0, count: 10 }] }) as unknown as Parameters<typeof judge.evaluate>[0];
    const refused = judge.evaluate(op(90, 'program'));
    expect(refused.action).toBe('deny');
    expect(refused.ruleId).toMatch(/^vp-umas-modicon-/);
    expect(judge.evaluate(op(3, 'read')).action).toBe('allow');
    // Now in force on that draft (the working version): the patch counts against the likelihood.
    const after = risk.assess();
    expect(after.countermeasures.find((c) => c.id === patch!.id)!.inForce).toBe(true);
    expect(after.assets[0]!.risk.parts.some((p) => p.name === 'virtual patch')).toBe(true);
  });

  it('derive --risk gives the vulnerable PLC a zone of its own at the level it needs', () => {
    const { risk, assets, conversations } = plant();
    const needs = risk.derivationNeeds();
    expect(needs.get(PLC)?.securityLevel).toBe(3);
    const p = derivePolicy(assets, conversations, { risk: new Map([[PLC, { ...needs.get(PLC)!, securityLevel: 4 }]]) });
    const own = p.zones.find((z) => z.members.length === 1 && z.members[0] === PLC)!;
    expect(own.securityLevel).toBe(4);
    expect(own.description).toMatch(/ICSA-21-194-02/);
    expect(p.zones.find((z) => z.members.includes(OTHER))!.members).not.toContain(PLC);
    expect(p.conduits.some((c) => c.zones.includes(own.id) && c.rules.some((r) => r.server.hosts?.includes(PLC)))).toBe(true);
  });
});
