// Virtual patches: each entry quotes its advisory (checked against the corpus when it is there),
// each compiled deny refuses what the advisory names while a normal read of the same device
// still passes, and each port of another service is judged on deny and allow policies.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIRMED_SERVICES } from '../../protocols/bacnet/codes.js';
import { FUNCTIONS, functionKind, functionName } from '../../protocols/modbus/codes.js';
import type { Operation, OperationKind, Protocol, Target } from '../../protocols/operation.js';
import { protocolModule } from '../../protocols/registry.js';
import { SERVICE_IDS } from '../../protocols/opcua/codes.js';
import { observedOperation } from '../policy/adapt.js';
import { formatPolicy, parsePolicy } from '../policy/document.js';
import { compilePolicy } from '../policy/evaluate.js';
import type { Policy, Rule } from '../policy/model.js';
import { otherPortCovered, PATCH_ID_MAX, patchesFor, patchRule, VIRTUAL_PATCHES, VirtualPatchError, type VirtualPatch } from './virtual-patches.js';

const CSAF = join(import.meta.dirname, '..', '..', '..', 'shared', 'advisories', 'csaf');
const corpus = existsSync(CSAF);
if (!corpus) console.warn('SKIPPED: virtual patch quotes and CVEs against the advisories: the CSAF corpus (../shared/advisories/csaf beside the repository) is absent');

const HMI = '10.0.1.10';
const LAPTOP = '10.0.1.66';
const DEVICE = '10.0.2.11';
const ZONES = { client: 'supervisory', server: 'control' };

function op(protocol: Protocol, kind: OperationKind, code: number, codeName: string, port: number, targets: Target[], client = HMI, subCode?: number): Operation {
  return observedOperation({
    protocol,
    client: { ip: client },
    server: { ip: DEVICE, port },
    kind,
    code,
    codeName,
    targets,
    count: 1,
    firstSeen: 1000,
    lastSeen: 1000,
    evidence: {},
    ...(subCode !== undefined ? { subCode } : {}),
  });
}

/** A Modbus request as the decoder names it (FC 8 restart and listen-only are control, FC 43/14 discovery). */
function modbus(fc: number, o: { sub?: number; kind?: OperationKind; client?: string } = {}): Operation {
  const table = FUNCTIONS.get(fc)?.table;
  return op('modbus', o.kind ?? functionKind(fc), fc, functionName(fc), 502, [{ type: 'modbus', unit: 1, ...(table ? { table, start: 0, count: 1 } : {}) }], o.client, o.sub);
}

function opcua(service: string, port: number, client = HMI): Operation {
  const found = [...SERVICE_IDS].find(([, s]) => s.name === `${service}Request`);
  if (!found) throw new Error(`no OPC UA service ${service}`);
  return op('opcua', found[1].kind, found[0], found[1].name, port, [{ type: 'opcua', nodeId: 'ns=2;s=Line1.Temperature', attribute: 13 }], client);
}

function bacnet(service: string, client = HMI): Operation {
  const found = [...CONFIRMED_SERVICES].find(([, [name]]) => name === service);
  if (!found) throw new Error(`no BACnet service ${service}`);
  const target: Target = { type: 'bacnet', objectType: 0, objectTypeName: 'analog-input', instance: 1, property: 85, propertyName: 'present-value' };
  // subCode 0: a confirmed request.
  return op('bacnet', found[1][1], found[0], service, 47808, [target], client, 0);
}

/** What each protocol patch must refuse and what must still pass (from the HMI, unless `clients` is given). */
interface Case {
  refused: Operation[];
  kept: Operation[];
  clients?: string[];
}

const CASES: Record<string, Case> = {
  'vp-umas-modicon': { refused: [modbus(90)], kept: [modbus(3), modbus(16), modbus(43, { sub: 14 })] },
  'vp-umas-m221': { refused: [modbus(90)], kept: [modbus(3), modbus(6)] },
  'vp-modbus-file-tbox': { refused: [modbus(20), modbus(21), modbus(91), modbus(100)], kept: [modbus(3), modbus(16), modbus(8, { sub: 0 })] },
  'vp-modbus-admin-pac3200': { refused: [modbus(6), modbus(16), modbus(8, { sub: 1, kind: 'control' }), modbus(90)], kept: [modbus(3), modbus(4), modbus(8, { sub: 0 }), modbus(43, { sub: 14 })] },
  'vp-opcua-lds': { refused: [opcua('FindServers', 4840), opcua('GetEndpoints', 4840), opcua('Read', 4840)], kept: [opcua('Read', 4841), opcua('CreateSession', 4841)] },
  'vp-opcua-siemens-4840': { clients: [LAPTOP], refused: [opcua('Read', 4840, LAPTOP), opcua('CreateSession', 4840, LAPTOP)], kept: [opcua('Read', 4840), opcua('Write', 4840)] },
  'vp-bacnet-desigo': { clients: [LAPTOP], refused: [bacnet('readProperty', LAPTOP), bacnet('reinitializeDevice', LAPTOP)], kept: [bacnet('readProperty'), bacnet('readPropertyMultiple')] },
};

/** Two zones and one conduit allowing every Modbus, OPC UA and BACnet operation of the supervisory zone on the device (OPC UA on any port). */
function cell(extra: Rule[] = []): Policy {
  return {
    bulkheadPolicy: 1,
    name: 'cell',
    defaultAction: 'deny',
    zones: [
      { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: [HMI, LAPTOP] },
      { id: 'control', name: 'Control', securityLevel: 3, members: [DEVICE] },
    ],
    conduits: [
      {
        id: 'sup-ctl',
        name: 'Supervisory-Control',
        zones: ['supervisory', 'control'],
        rules: [
          { id: 'modbus-all', protocol: 'modbus', port: 502, client: { zone: 'supervisory' }, server: { hosts: [DEVICE] } },
          { id: 'opcua-all', protocol: 'opcua', client: { zone: 'supervisory' }, server: { hosts: [DEVICE] } },
          { id: 'bacnet-all', protocol: 'bacnet', port: 47808, client: { zone: 'supervisory' }, server: { hosts: [DEVICE] } },
          ...extra,
        ],
      },
    ],
  };
}

/** The policy with the rules given, as a document round trip loads it (schema and references checked). */
const loaded = (p: Policy) => parsePolicy(formatPolicy(p), 'test policy');

const protocolPatches = VIRTUAL_PATCHES.filter((p) => p.protocol !== 'other');
const otherPatches = VIRTUAL_PATCHES.filter((p) => p.protocol === 'other');

/** Every string of a CSAF document (notes, remediations, titles): its text, as a reader sees it. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

interface Csaf {
  vulnerabilities?: { cve?: string }[];
}

function advisory(id: string): Csaf {
  return JSON.parse(readFileSync(join(CSAF, `20${id.split('-')[1]}`, `${id.toLowerCase()}.json`), 'utf8')) as Csaf;
}

describe('the virtual patch table', () => {
  it('holds 10-16 entries with stable, short, unique ids, each shaped for its kind', () => {
    expect(VIRTUAL_PATCHES.length).toBeGreaterThanOrEqual(10);
    expect(VIRTUAL_PATCHES.length).toBeLessThanOrEqual(16);
    const ids = VIRTUAL_PATCHES.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of VIRTUAL_PATCHES) {
      expect(p.id, p.id).toMatch(/^vp-[a-z0-9-]+$/);
      expect(p.id.length, p.id).toBeLessThanOrEqual(PATCH_ID_MAX);
      expect(p.advisories.length, p.id).toBeGreaterThan(0);
      expect(p.cves.every((c) => /^CVE-\d{4}-\d{4,}$/.test(c)), p.id).toBe(true);
      if (p.protocol === 'other') expect([p.transport, p.port, p.service, p.deny], p.id).toEqual([expect.any(String), expect.any(Number), expect.any(String), undefined]);
      else expect([p.transport, p.service], p.id).toEqual([undefined, undefined]);
      // The port refused is the one the plant reads in its words.
      if (p.port !== undefined) expect(p.what, p.id).toContain(`${(p.transport ?? protocolModule(p.protocol as Protocol).transport).toUpperCase()} ${p.port}`);
    }
  });

  it('has a case below for every protocol patch', () => {
    expect(protocolPatches.map((p) => p.id).sort()).toEqual(Object.keys(CASES).sort());
  });
});

describe.skipIf(!corpus)('each entry against its advisories', () => {
  it.each(VIRTUAL_PATCHES.map((p) => [p.id, p] as const))('%s: the quote is in its first advisory, and its CVEs are its advisories\' own', (_id, p: VirtualPatch) => {
    const docs = p.advisories.map(advisory);
    expect(strings(docs[0]).join('\n')).toContain(p.quote);
    const named = docs.map((d) => new Set((d.vulnerabilities ?? []).map((v) => v.cve)));
    for (const cve of p.cves) expect(named.some((s) => s.has(cve)), `${cve} in ${p.advisories.join(', ')}`).toBe(true);
    named.forEach((s, i) => expect(p.cves.some((c) => s.has(c)), `${p.advisories[i]} names one of ${p.cves.join(', ')}`).toBe(true));
  });
});

describe('a protocol patch in force', () => {
  it.each(protocolPatches.map((p) => [p.id, p] as const))('%s: refuses what the advisory names, by its rule, and a normal read of the device still passes', (_id, p: VirtualPatch) => {
    const c = CASES[p.id]!;
    const rule = patchRule(p, DEVICE, ZONES, c.clients)!;
    const evaluator = compilePolicy(loaded(cell([rule])));
    for (const o of c.refused) {
      const v = evaluator.evaluate(o);
      expect({ ...v, reason: undefined }, `${o.codeName} from ${o.client.ip}`).toMatchObject({ action: 'deny', code: 'denied_by_rule', ruleId: rule.id, conduitId: 'sup-ctl' });
      expect(v.reason).toContain(p.advisories[0]);
      // Without the patch the same request passed: the rule is what refuses it.
      expect(compilePolicy(cell()).evaluate(o).action).toBe('allow');
    }
    for (const o of c.kept) expect(evaluator.evaluate(o), `${o.codeName} from ${o.client.ip}`).toMatchObject({ action: 'allow', code: 'allowed' });
  });

  it('exempts the engineering workstation when the rule is given the other hosts of its zone', () => {
    const umas = VIRTUAL_PATCHES.find((p) => p.id === 'vp-umas-modicon')!;
    const evaluator = compilePolicy(loaded(cell([patchRule(umas, DEVICE, ZONES, [LAPTOP])!])));
    expect(evaluator.evaluate(modbus(90, { client: LAPTOP })).action).toBe('deny');
    expect(evaluator.evaluate(modbus(90)).action).toBe('allow');
  });
});

describe('patch rules', () => {
  const umas = VIRTUAL_PATCHES.find((p) => p.id === 'vp-umas-modicon')!;

  it('are denies on the server from the client zone, named after both, commented with what and the advisories', () => {
    const rule = patchRule(umas, DEVICE, ZONES)!;
    expect(rule).toMatchObject({ id: 'vp-umas-modicon-10.0.2.11-supervisory', action: 'deny', protocol: 'modbus', client: { zone: 'supervisory' }, server: { zone: 'control', hosts: [DEVICE] }, allow: [{ codes: [90] }] });
    expect(rule.client.hosts).toBeUndefined();
    expect(rule.comment).toBe(`${umas.what} (virtual patch for ICSA-17-101-01, ICSA-21-194-02, ICSA-23-227-01, ICSA-23-201-01)`);
    expect(patchRule(umas, DEVICE, ZONES)).toEqual(rule);
    // From another zone: another rule, so both fit one policy.
    expect(patchRule(umas, DEVICE, { client: 'enterprise', server: 'control' })!.id).not.toBe(rule.id);
  });

  it('hand out a copy of the operations refused, never the table itself', () => {
    const rule = patchRule(umas, DEVICE, ZONES)!;
    rule.allow![0]!.codes!.push(3);
    expect(umas.deny).toEqual([{ codes: [90] }]);
  });

  it('keep ids within the schema for long addresses and zone names, and stable', () => {
    const zones = { client: `engineering-workstations-of-the-${'north-'.repeat(5)}site`, server: 'control' };
    const server = 'fd00:1234:5678:9abc:def0:1234:5678:9abc';
    const a = patchRule(umas, server, zones)!;
    expect(a.id.length).toBeLessThanOrEqual(64);
    expect(a.id).toMatch(/^vp-umas-modicon-[0-9a-f]{8}$/);
    expect(patchRule(umas, server, zones)!.id).toBe(a.id);
    expect(patchRule(umas, server, { ...zones, client: `${zones.client}-2` })!.id).not.toBe(a.id);
  });

  it('refuse what is not an address, and an empty list of clients, naming the patch', () => {
    expect(() => patchRule(umas, 'plc-1', ZONES)).toThrow(VirtualPatchError);
    expect(() => patchRule(umas, 'plc-1', ZONES)).toThrow(/vp-umas-modicon: the server 'plc-1' is not an IP address/);
    expect(() => patchRule(umas, DEVICE, ZONES, ['10.0.1.300'])).toThrow(/the client '10.0.1.300'/);
    expect(() => patchRule(umas, DEVICE, ZONES, [])).toThrow(/no client host to refuse/);
  });

  it('are none for a port of another service', () => {
    for (const p of otherPatches) expect(patchRule(p, DEVICE, ZONES), p.id).toBeUndefined();
  });
});

describe('ports of other services', () => {
  // An OPC UA rule without a port: the kernel opens every TCP port between its hosts.
  const wideOpcua: Rule = { id: 'opcua-any-port', protocol: 'opcua', client: { zone: 'supervisory' }, server: { hosts: [DEVICE] } };
  const portOnly = (p: Policy): Policy => ({ ...p, conduits: p.conduits.map((c) => ({ ...c, rules: c.rules.filter((r) => r.id !== 'opcua-all') })) });
  const denyPolicy = portOnly(cell([{ ...wideOpcua, id: 'opcua-4840', port: 4840 }]));

  it.each(otherPatches.map((p) => [p.id, p] as const))('%s: in force under a deny default, not under an allow default, nor where a rule opens its port', (_id, p: VirtualPatch) => {
    const what = `${p.transport!.toUpperCase()} ${p.port} (${p.service})`;
    expect(otherPortCovered(p, denyPolicy)).toEqual({ covered: true, why: `already in force: no conduit allows ${what} between zones; traffic inside one zone does not cross the gateway` });
    expect(otherPortCovered(p, { ...denyPolicy, defaultAction: 'allow' })).toMatchObject({ covered: false, why: expect.stringContaining('default action is allow') });
    const wide = otherPortCovered(p, portOnly(cell([wideOpcua])));
    if (p.transport === 'tcp') expect(wide).toMatchObject({ covered: false, why: expect.stringContaining(`OPC UA rule opcua-any-port of conduit Supervisory-Control opens every TCP port between its hosts, ${p.port} included`) });
    else expect(wide.covered).toBe(true);
    const onPort = otherPortCovered(p, portOnly(cell([{ ...wideOpcua, id: 'odd', protocol: p.transport === 'tcp' ? 'modbus' : 'bacnet', port: p.port! }])));
    expect(onPort).toMatchObject({ covered: false, why: expect.stringContaining(`rule odd of conduit Supervisory-Control is on ${what}`) });
  });

  it('a deny rule opens nothing, and a protocol patch is not judged here', () => {
    const ftp = VIRTUAL_PATCHES.find((p) => p.id === 'vp-ftp-m340')!;
    expect(otherPortCovered(ftp, portOnly(cell([{ ...wideOpcua, action: 'deny' }]))).covered).toBe(true);
    expect(() => otherPortCovered(VIRTUAL_PATCHES[0]!, denyPolicy)).toThrow(/is not a port of another service/);
  });
});

describe('patches for an advisory', () => {
  it('are found by tracking id (any case) or CVE, each once, in table order', () => {
    expect(patchesFor('icsa-21-194-02 ', []).map((p) => p.id)).toEqual(['vp-umas-modicon']);
    expect(patchesFor('ICSA-99-999-99', ['cve-2018-7798']).map((p) => p.id)).toEqual(['vp-umas-m221']);
    expect(patchesFor('ICSA-23-012-05', ['CVE-2023-0052']).map((p) => p.id)).toEqual(['vp-ftp-sauter-nova', 'vp-telnet-sauter-nova']);
    expect(patchesFor('ICSA-17-285-05', []).map((p) => p.id)).toEqual(['vp-http-siemens-pxc', 'vp-https-siemens-pxc']);
    expect(patchesFor('ICSA-20-001-01', ['CVE-2020-0001'])).toEqual([]);
  });
});
