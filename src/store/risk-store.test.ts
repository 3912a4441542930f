// The advisory catalogue on a real SQLite file: an import adds, a re-import of the same changes
// nothing, a newer release replaces and an older one is ignored, the KEV catalogue is replaced
// whole unless older, readers see another handle's import (the generation), decisions and
// criticalities round-trip, and an import that fails half-way leaves nothing.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { RiskStore, compareRelease, type Advisory, type KevEntry } from './risk-store.js';

const dbFile = () => join(mkdtempSync(join(tmpdir(), 'bulkhead-risk-')), 'b.db');

function advisory(id: string, over: Partial<Advisory> = {}): Advisory {
  return {
    id,
    title: `${id} Example Vendor PLC`,
    publisher: 'CISA',
    initialRelease: '2021-01-05T00:00:00.000Z',
    currentRelease: '2021-01-05T00:00:00.000Z',
    version: '1',
    products: [{ productId: 'CSAFPID-0001', vendor: 'Example Vendor', name: 'PLC-1', version: '< 2.0', versionIsRange: true, modelNumbers: [] }],
    cves: [{ cve: `CVE-2021-${id.slice(-4)}`, cvss: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', affected: ['CSAFPID-0001'] }],
    remediations: [{ category: 'vendor_fix', details: 'Update to 2.0', productIds: ['CSAFPID-0001'], cves: [`CVE-2021-${id.slice(-4)}`] }],
    text: 'A missing authentication lets an attacker stop the PLC.',
    textTruncated: false,
    ...over,
  };
}

const kevEntry = (cve: string): KevEntry => ({ cve, vendor: 'Example Vendor', product: 'PLC-1', name: 'Example PLC Missing Authentication', dateAdded: '2022-03-01', dueDate: '2022-03-15', ransomware: false, requiredAction: 'Apply updates per vendor instructions.' });

describe('RiskStore', () => {
  it('adds, finds a re-import unchanged, replaces with a newer release and ignores an older one', () => {
    const s = new RiskStore(openDatabase(dbFile()));
    expect(s.importCatalogue({ advisories: [advisory('ICSA-21-005-0001'), advisory('ICSA-21-005-0002')] }, 'csaf')).toEqual({ added: 2, updated: 0, unchanged: 0, older: 0 });
    expect(s.importCatalogue({ advisories: [advisory('ICSA-21-005-0001')] }, 'csaf')).toEqual({ added: 0, updated: 0, unchanged: 1, older: 0 });

    const newer = advisory('ICSA-21-005-0001', { currentRelease: '2021-03-02T00:00:00.000Z', version: '2', title: 'ICSA-21-005-0001 (Update A)' });
    expect(s.importCatalogue({ advisories: [newer] }, 'update-a')).toEqual({ added: 0, updated: 1, unchanged: 0, older: 0 });
    expect(s.advisory('ICSA-21-005-0001')?.title).toBe('ICSA-21-005-0001 (Update A)');

    const older = advisory('ICSA-21-005-0001', { title: 'the first release again' });
    expect(s.importCatalogue({ advisories: [older] }, 'old')).toEqual({ added: 0, updated: 0, unchanged: 1, older: 1 });
    expect(s.advisory('ICSA-21-005-0001')?.title).toBe('ICSA-21-005-0001 (Update A)');

    // The same release with other content (a corrected document) replaces it.
    const corrected = { ...newer, text: 'corrected text' };
    expect(s.importCatalogue({ advisories: [corrected] }, 'fix').updated).toBe(1);
    expect(s.advisories().map((a) => a.id)).toEqual(['ICSA-21-005-0001', 'ICSA-21-005-0002']);

    const sum = s.summary();
    expect(sum).toMatchObject({ advisories: 2, cves: 2, products: 2, kevEntries: 0, newestAdvisory: 'ICSA-21-005-0001', newestRelease: '2021-03-02T00:00:00.000Z' });
    expect(sum.sources.map((x) => [x.source, x.added, x.updated])).toEqual([['fix', 0, 1], ['old', 0, 0], ['update-a', 0, 1], ['csaf', 0, 0], ['csaf', 2, 0]]);
  });

  it('orders releases by date, then by version numerically', () => {
    const at = (currentRelease: string, version: string) => ({ currentRelease, version });
    expect(compareRelease(at('2021-01-06T00:00:00Z', '1'), at('2021-01-05T00:00:00.000000Z', '9'))).toBeGreaterThan(0);
    expect(compareRelease(at('2021-01-05T00:00:00Z', '10'), at('2021-01-05T00:00:00.000Z', '9'))).toBeGreaterThan(0);
    expect(compareRelease(at('2021-01-05T00:00:00Z', '1.0.0'), at('2021-01-05T00:00:00Z', '1'))).toBe(0);
  });

  it('replaces the KEV catalogue whole unless it is older, and another handle sees the import', () => {
    const file = dbFile();
    const s = new RiskStore(openDatabase(file));
    const reader = new RiskStore(openDatabase(file));
    expect(reader.kev().size).toBe(0);
    const g = reader.generation();
    const first = { catalogVersion: '2025.08.01', dateReleased: '2025-08-01T10:00:00.000Z', entries: [kevEntry('CVE-2021-0001'), kevEntry('CVE-2021-0002')] };
    expect(s.importCatalogue({ advisories: [], kev: first }, 'kev').kevEntries).toBe(2);
    expect(reader.generation()).toBeGreaterThan(g);
    expect([...reader.kev().keys()]).toEqual(['CVE-2021-0001', 'CVE-2021-0002']);

    const older = { catalogVersion: '2025.07.01', dateReleased: '2025-07-01T10:00:00.000Z', entries: [kevEntry('CVE-2020-0009')] };
    expect(s.importCatalogue({ advisories: [], kev: older }, 'kev-old').kevEntries).toBe(0);
    expect([...reader.kev().keys()]).toEqual(['CVE-2021-0001', 'CVE-2021-0002']);

    const newer = { catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z', entries: [kevEntry('CVE-2021-0002')] };
    expect(s.importCatalogue({ advisories: [], kev: newer }, 'kev-new').kevEntries).toBe(1);
    expect([...reader.kev().keys()]).toEqual(['CVE-2021-0002']);
    expect(reader.summary()).toMatchObject({ kevEntries: 1, kevVersion: '2025.08.25' });
  });

  it('caches the parsed catalogue until the next import', () => {
    const s = new RiskStore(openDatabase(dbFile()));
    s.importCatalogue({ advisories: [advisory('ICSA-21-005-0001')] }, 'csaf');
    const list = s.advisories();
    expect(s.advisories()).toBe(list);
    s.importCatalogue({ advisories: [advisory('ICSA-21-005-0002')] }, 'csaf');
    expect(s.advisories()).not.toBe(list);
    expect(s.advisories()).toHaveLength(2);
  });

  it('imports in one transaction: an advisory that cannot be written leaves nothing behind', () => {
    const s = new RiskStore(openDatabase(dbFile()));
    const broken = advisory('ICSA-21-005-0003');
    Object.defineProperty(broken, 'text', { enumerable: true, get: () => { throw new Error('disk gone'); } });
    const kev = { catalogVersion: '2025.08.01', dateReleased: '2025-08-01T10:00:00.000Z', entries: [kevEntry('CVE-2021-0001')] };
    expect(() => s.importCatalogue({ advisories: [advisory('ICSA-21-005-0001'), broken], kev }, 'csaf')).toThrow('disk gone');
    expect(s.advisories()).toEqual([]);
    expect(s.summary()).toMatchObject({ advisories: 0, cves: 0, kevEntries: 0, sources: [] });
    expect(s.generation()).toBe(0);
  });

  it('keeps decisions and criticalities, replaced by the next word on the same asset', () => {
    const s = new RiskStore(openDatabase(dbFile()));
    s.decide({ assetKey: '10.0.0.5', advisoryId: 'ICSA-21-005-0001', decision: 'confirmed', by: 'olga', at: 1, reason: 'the M340 runs v2.70' });
    s.decide({ assetKey: '10.0.0.6@vlan10', advisoryId: 'ICSA-21-005-0001', decision: 'dismissed', by: 'olga', at: 2 });
    s.decide({ assetKey: '10.0.0.5', advisoryId: 'ICSA-21-005-0001', decision: 'dismissed', by: 'ivan', at: 3 });
    expect(s.decisions()).toEqual([
      { assetKey: '10.0.0.5', advisoryId: 'ICSA-21-005-0001', decision: 'dismissed', by: 'ivan', at: 3 },
      { assetKey: '10.0.0.6@vlan10', advisoryId: 'ICSA-21-005-0001', decision: 'dismissed', by: 'olga', at: 2 },
    ]);
    expect(s.undecide('10.0.0.5', 'ICSA-21-005-0001')).toBe(true);
    expect(s.undecide('10.0.0.5', 'ICSA-21-005-0001')).toBe(false);
    expect(s.decisions()).toHaveLength(1);

    s.setCriticality({ assetKey: '10.0.0.5', criticality: 5, by: 'olga', at: 4, reason: 'the kiln PLC' });
    s.setCriticality({ assetKey: '10.0.0.5', criticality: 4, by: 'olga', at: 5 });
    expect(s.criticalities()).toEqual([{ assetKey: '10.0.0.5', criticality: 4, by: 'olga', at: 5 }]);
    expect(() => s.setCriticality({ assetKey: '10.0.0.7', criticality: 6, by: 'olga', at: 6 })).toThrow(/CHECK constraint/);
    expect(s.clearCriticality('10.0.0.5')).toBe(true);
    expect(s.clearCriticality('10.0.0.5')).toBe(false);
    expect(s.criticalities()).toEqual([]);
  });
});
