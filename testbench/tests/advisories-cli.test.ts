// Advisory import through the command line, on the shared corpus: the whole bundle (2,379 CISA
// ICS advisories in CSAF 2.0 and the KEV catalogue, with its JSON schema beside it) imported in
// one go and again (unchanged), one advisory shown with its CVEs' scores and KEV flags, a
// malformed file refusing the import whole (the file and the JSON pointer named, nothing stored)
// or skipped on request; then people's word on a learned asset (confirm, undo, criticality),
// audited.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImportReport, RiskSummary, ShownAdvisory } from '../../src/app/advisories.js';
import { ADVISORIES, advisoriesUnavailable, csafFile } from '../../src/test-support/advisories.js';
import { writeModbusCapture } from '../../src/test-support/modbus-traffic.js';
import { CLI } from '../lib/processes.js';

const unavailable = advisoriesUnavailable();
if (unavailable) console.warn(`SKIPPED: advisory import through the command line: ${unavailable}`);

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const json = <T>(r: ReturnType<typeof run>): T => {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as T;
};

describe.skipIf(unavailable)('bulkhead advisories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-advisories-'));
  const db = join(dir, 'b.db');

  it('imports the whole corpus and the KEV catalogue, and finds it unchanged the second time', () => {
    const first = json<ImportReport>(run('advisories', 'import', ADVISORIES, '--by', 'olga', '--json', '--db', db));
    console.log(`advisories import: ${first.documents} documents (${first.added} advisories, KEV ${first.kevVersion} with ${first.kevEntries} entries) in ${first.seconds} s`);
    expect(first).toMatchObject({ documents: 2381, advisories: 2380, added: 2379, updated: 0, unchanged: 0, kevEntries: 1404, kevVersion: '2025.08.25', skippedCount: 0 });
    expect(first.ignored).toEqual([{ file: join(ADVISORIES, 'kev', 'known_exploited_vulnerabilities_schema.json'), why: 'a JSON schema, not an advisory' }]);

    const again = run('advisories', 'import', join(ADVISORIES, 'csaf'), '--db', db);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^imported 2,379 document\(s\) from .*csaf in \d+\.\d s: 0 advisories added, 0 updated, 2,379 unchanged\n$/);
    console.log(`advisories import again: ${again.stdout.trim()}`);

    const summary = json<RiskSummary>(run('advisories', '--json', '--db', db));
    expect(summary).toMatchObject({ advisories: 2379, products: 17158, kevEntries: 1404, kevVersion: '2025.08.25', newestRelease: expect.stringMatching(/^2024-/) });
    // 15,875 products in the trees and 1,283 'installed on' relationships; 6,977 distinct CVEs.
    expect(summary.cves).toBe(6977);
    expect(summary.sources.map((s) => [s.added, s.updated])).toEqual([[0, 0], [2379, 0]]);
    expect(run('advisories', 'list', '--db', db).stdout).toMatch(/^2,379 advisories naming [\d,]+ CVEs and [\d,]+ products; the newest ICS\S+ of 2024-\d\d-\d\d\nKEV catalogue 2025\.08\.25: 1,404 known exploited vulnerabilities\n/);
  });

  it('shows one advisory: products, CVEs with CVSS and the KEV flag, remediations', () => {
    const a = json<ShownAdvisory>(run('advisories', 'show', 'ICSA-17-094-03', '--json', '--db', db));
    expect(a.cves).toEqual([expect.objectContaining({ cve: 'CVE-2017-3881', cvss: 9.8, kev: expect.objectContaining({ dateAdded: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), requiredAction: expect.any(String) }) })]);
    const text = run('advisories', 'show', 'ICSA-21-194-02', '--db', db).stdout;
    expect(text).toMatch(/^ICSA-21-194-02 Schneider Electric Modicon Controllers and Software \(Update A\)\n/);
    expect(text).toMatch(/CSAFPID-0003 +Schneider Electric Software, LLC +Modicon M340 CPU \(part numbers BMXP34\*\) +vers:all\/\*/);
    expect(text).toMatch(/CVE-2021-22779 +9\.8 +no +CWE-290 Authentication Bypass by Spoofing/);
    expect(text).toMatch(/mitigation for CSAFPID-0001 .* \(CVE-2021-22778, CVE-2021-22779, .*\): Schneider Electric provides detailed mitigation information/);
    const missing = run('advisories', 'show', 'ICSA-99-999-99', '--db', db);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no advisory 'ICSA-99-999-99' in the catalogue/);
  });

  it('refuses a bundle with a malformed file whole, naming the file and the JSON pointer; --skip-invalid imports the rest', () => {
    const bundle = join(dir, 'bundle');
    mkdirSync(join(bundle, 'sub'), { recursive: true });
    copyFileSync(csafFile('ICSA-21-005-01'), join(bundle, 'icsa-21-005-01.json'));
    const broken = JSON.parse(readFileSync(csafFile('ICSA-21-133-03'), 'utf8')) as { document: { tracking: Record<string, unknown> } };
    delete broken.document.tracking.id;
    writeFileSync(join(bundle, 'sub', 'broken.json'), JSON.stringify(broken));
    writeFileSync(join(bundle, 'sub', 'cut.json'), '{"document": {"category": ');
    const fresh = join(dir, 'fresh.db');
    const r = run('advisories', 'import', bundle, '--db', fresh);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`bulkhead: 2 of 3 documents are not valid advisories; nothing imported`);
    expect(r.stderr).toContain(`${join(bundle, 'sub', 'broken.json')}: /document/tracking/id: required`);
    expect(r.stderr).toMatch(new RegExp(`${join(bundle, 'sub', 'cut.json').replace(/[.]/g, '\\.')}: /: not JSON \\(`));
    expect(json<RiskSummary>(run('advisories', '--json', '--db', fresh))).toMatchObject({ advisories: 0, kevEntries: 0, sources: [] });

    const skipped = json<ImportReport>(run('advisories', 'import', bundle, '--skip-invalid', '--json', '--db', fresh));
    expect(skipped).toMatchObject({ documents: 3, added: 1, skippedCount: 2 });
    expect(skipped.skipped.map((s) => s.file)).toEqual([join(bundle, 'sub', 'broken.json'), join(bundle, 'sub', 'cut.json')]);
    expect(run('advisories', 'import', join(dir, 'nowhere'), '--db', fresh).stderr).toMatch(/nowhere: no such file or folder/);
  });

  it('records confirm, undo and criticality on a learned asset, audited', () => {
    const capture = join(dir, 'plant.pcap');
    const hmi = { ip: '10.1.0.21', mac: '02:00:00:00:00:21' };
    const plc = { ip: '10.1.0.11', mac: '00:0e:8c:00:00:11' };
    writeModbusCapture(capture, (t) => t.connect(hmi, plc, 40001, 1_800_000_000).readHolding(0, 10, 1_800_000_001));
    expect(run('learn', '--pcap', capture, '--db', db).status).toBe(0);

    expect(run('risk', 'confirm', plc.ip, 'ICSA-21-194-02', '--db', db).stderr).toMatch(/bulkhead risk confirm: say who with --by NAME/);
    const d = json<{ decision: string; by: string }>(run('risk', 'confirm', plc.ip, 'ICSA-21-194-02', '--by', 'olga', '--reason', 'an M340 runs the kiln', '--json', '--db', db));
    expect(d).toMatchObject({ decision: 'confirmed', by: 'olga' });
    expect(run('risk', '--db', db, 'dismiss', plc.ip, 'ICSA-21-005-01', '--by', 'olga').stdout).toBe(`ICSA-21-005-01 dismissed for ${plc.ip} by olga\n`);
    expect(run('risk', 'undo', plc.ip, 'ICSA-21-005-01', '--by', 'olga', '--db', db).status).toBe(0);
    const none = run('risk', 'undo', plc.ip, 'ICSA-21-005-01', '--by', 'olga', '--db', db);
    expect([none.status, none.stderr]).toEqual([2, expect.stringMatching(/no decision on ICSA-21-005-01 for 10\.1\.0\.11 to undo/)]);
    expect(run('risk', 'confirm', '10.9.9.9', 'ICSA-21-194-02', '--by', 'olga', '--db', db).stderr).toMatch(/no asset '10\.9\.9\.9' in the inventory/);

    expect(run('risk', 'criticality', plc.ip, '5', '--by', 'olga', '--reason', 'the kiln', '--db', db).stdout).toBe(`${plc.ip}: criticality 5, set by olga\n`);
    expect(run('risk', 'criticality', plc.ip, '7', '--by', 'olga', '--db', db).stderr).toMatch(/the level is 1 \(little\) to 5/);
    expect(run('risk', 'criticality', plc.ip, '--clear', '--by', 'olga', '--db', db).status).toBe(0);

    const audit = json<{ actor: string; action: string; target: string }[]>(run('audit', '--json', '--db', db));
    expect(audit.map((e) => `${e.actor} ${e.action} ${e.target}`)).toEqual([
      `olga advisories.import ${ADVISORIES}`,
      `${process.env.USER ?? 'unknown'} advisories.import ${join(ADVISORIES, 'csaf')}`,
      `olga risk.confirm ${plc.ip} ICSA-21-194-02`,
      `olga risk.dismiss ${plc.ip} ICSA-21-005-01`,
      `olga risk.undo ${plc.ip} ICSA-21-005-01`,
      `olga risk.criticality ${plc.ip}`,
      `olga risk.criticality.clear ${plc.ip}`,
    ]);
  });
});
