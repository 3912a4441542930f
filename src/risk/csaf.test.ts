// CSAF advisories and the KEV catalogue, read and flattened: real CISA documents give their
// products (vendor, name, version, model numbers), CVEs (highest score, CWE, affected products)
// and remediations (each once, with its CVEs); broken ones are refused with the JSON pointer of
// each problem; a file is told CSAF or KEV by its content.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { advisoriesUnavailable, csafFile, KEV_FILE } from '../test-support/advisories.js';
import { csafDocument } from '../test-support/csaf-document.js';
import { parseCatalogueText, readCatalogueDocument, type CatalogueDocument } from './catalogue.js';
import { ADVISORY_TEXT_MAX, BRANCH_DEPTH_MAX, checkCsaf, flattenCsaf } from './csaf.js';
import type { CsafDocument } from './csaf-schema.js';

const unavailable = advisoriesUnavailable();
if (unavailable) console.warn(`SKIPPED: CSAF corpus cases: ${unavailable}`);

const advisoryOf = (r: CatalogueDocument) => {
  if (r.kind !== 'csaf') throw new Error(`not read as an advisory: ${JSON.stringify(r)}`);
  return r.advisory;
};
const corpus = (id: string) => advisoryOf(parseCatalogueText(readFileSync(csafFile(id), 'utf8')));

/** A small valid advisory: one vendor, one product with a version range, one CVE (the tests break it in many ways). */
const minimal = () =>
  csafDocument({
    id: 'ICSA-99-001-01',
    title: 'Example Vendor PLC-1',
    vendor: 'Example Vendor ',
    product: 'PLC-1',
    version: '< 2.0',
    release: '2099-01-01T00:00:00Z',
    summary: 'An attacker could stop the PLC.',
    cves: [{ cve: 'CVE-2099-12345', score: 9.8, cwe: ['CWE-306', 'Missing Authentication for Critical Function'], summary: 'The PLC accepts stop commands without authentication.' }],
    remediation: { category: 'vendor_fix', details: 'Update to 2.0' },
  });

describe.skipIf(unavailable)('CISA advisories of the corpus', () => {
  it('ICSA-21-194-02 (Schneider Modicon, Update A): products with all versions, the highest score and CWE per CVE, one remediation for six CVEs', () => {
    const a = corpus('ICSA-21-194-02');
    expect(a).toMatchObject({ id: 'ICSA-21-194-02', title: 'Schneider Electric Modicon Controllers and Software (Update A)', publisher: 'CISA', version: '2', initialRelease: '2021-07-13T00:00:00.000000Z', currentRelease: '2021-07-27T00:00:00.000000Z', url: 'https://www.cisa.gov/news-events/ics-advisories/icsa-21-194-02', textTruncated: false });
    expect(a.products).toHaveLength(6);
    expect(a.products[2]).toEqual({ productId: 'CSAFPID-0003', vendor: 'Schneider Electric Software, LLC', name: 'Modicon M340 CPU (part numbers BMXP34*)', version: 'vers:all/*', versionIsRange: false, modelNumbers: [] });
    expect(a.products[5]).toMatchObject({ name: 'EcoStruxure Control Expert', version: '< 15.0 SP1', versionIsRange: true });
    expect(a.cves.map((c) => c.cve)).toEqual(['CVE-2021-22778', 'CVE-2021-22779', 'CVE-2020-12525', 'CVE-2021-22780', 'CVE-2021-22781', 'CVE-2021-22782']);
    expect(a.cves[0]).toEqual({ cve: 'CVE-2021-22778', cvss: 8.6, vector: 'CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', cwe: 'CWE-522 Insufficiently Protected Credentials', affected: ['CSAFPID-0001', 'CSAFPID-0002', 'CSAFPID-0003', 'CSAFPID-0004', 'CSAFPID-0005', 'CSAFPID-0006'] });
    expect(a.cves[1]).toMatchObject({ cve: 'CVE-2021-22779', cvss: 9.8, cwe: 'CWE-290 Authentication Bypass by Spoofing' });
    const sevd = a.remediations.find((r) => r.url === 'http://download.schneider-electric.com/files?p_Doc_Ref=SEVD-2021-194-01');
    expect(sevd).toMatchObject({ category: 'mitigation', productIds: ['CSAFPID-0001', 'CSAFPID-0002', 'CSAFPID-0003', 'CSAFPID-0004', 'CSAFPID-0005', 'CSAFPID-0006'] });
    expect(sevd!.cves).toEqual(['CVE-2021-22778', 'CVE-2021-22779', 'CVE-2020-12525', 'CVE-2021-22780', 'CVE-2021-22781', 'CVE-2021-22782']);
    expect(a.remediations).toHaveLength(1);
    expect(a.text).toMatch(/^Successful exploitation of these vulnerabilities may allow arbitrary code execution/);
    expect(a.text).toContain('An insufficiently protected credentials vulnerability exists');
  });

  it('ICSA-21-005-01 (Schneider M340 web server): 12 products, 3 CVEs, 6 remediations each given for all 3 (the older advisories repeat them)', () => {
    const a = corpus('ICSA-21-005-01');
    expect(a.products).toHaveLength(12);
    expect(a.products.find((p) => p.productId === 'CSAFPID-0008')).toEqual({ productId: 'CSAFPID-0008', vendor: 'Schneider Electric Software, LLC', name: 'Premium communication modules', version: 'TSXETY4103 *', versionIsRange: false, modelNumbers: [] });
    expect(a.cves.map((c) => [c.cve, c.cvss, c.cwe])).toEqual([
      ['CVE-2020-7562', 6.3, 'CWE-125 Out-of-bounds Read'],
      ['CVE-2020-7563', 6.3, 'CWE-787 Out-of-bounds Write'],
      ['CVE-2020-7564', 6.3, "CWE-120 Buffer Copy without Checking Size of Input ('Classic Buffer Overflow')"],
    ]);
    expect(a.remediations).toHaveLength(6);
    for (const r of a.remediations) expect(r.cves).toEqual(['CVE-2020-7562', 'CVE-2020-7563', 'CVE-2020-7564']);
    expect(a.remediations.map((r) => r.details).join('\n')).toMatch(/Disable FTP via UnityPro/);
    expect(a.remediations.find((r) => /firewall to block all unauthorized a/.test(r.details))?.productIds).toHaveLength(12);
  });

  it('ICSA-23-047-02 (Siemens SCALANCE X200 IRT): order numbers as model numbers, a vendor fix with its link', () => {
    const a = corpus('ICSA-23-047-02');
    expect(a.products).toHaveLength(13);
    expect(a.products[0]).toEqual({ productId: 'CSAFPID-0001', vendor: 'Siemens', name: 'SCALANCE X200-4P IRT (6GK5200-4AH00-2BA3)', version: '< V5.5.0', versionIsRange: true, modelNumbers: ['6GK5200-4AH00-2BA3'] });
    expect(a.cves).toEqual([expect.objectContaining({ cve: 'CVE-2007-5846', title: 'CVE-2007-5846', cvss: 7.5, cwe: 'CWE-20 Improper Input Validation' })]);
    expect(a.cves[0]!.affected).toHaveLength(13);
    expect(a.remediations.map((r) => r.category)).toEqual(['mitigation', 'vendor_fix', 'mitigation']);
    expect(a.remediations[1]).toMatchObject({ details: 'Update to V5.5.0 or later version', url: 'https://support.industry.siemens.com/cs/ww/en/view/109792534/', cves: ['CVE-2007-5846'] });
  });

  it('ICSA-21-133-03 (OPC UA .NET Standard): one product below a version, one fix', () => {
    const a = corpus('ICSA-21-133-03');
    expect(a.products).toEqual([{ productId: 'CSAFPID-0001', vendor: 'OPC Foundation', name: 'OPC UA .NET Standard', version: '< 1.4.365.48', versionIsRange: true, modelNumbers: [] }]);
    expect(a.cves).toEqual([expect.objectContaining({ cve: 'CVE-2021-27432', cvss: 7.5, cwe: 'CWE-674 Uncontrolled Recursion', affected: ['CSAFPID-0001'] })]);
    expect(a.remediations).toEqual([expect.objectContaining({ category: 'vendor_fix', url: 'https://github.com/OPCFoundation/UA-.NETStandard/releases/tag/1.4.365.48' })]);
  });

  it('reads the KEV catalogue by its content: entries by CVE, ransomware use as a flag', () => {
    const r = parseCatalogueText(readFileSync(KEV_FILE, 'utf8'));
    if (r.kind !== 'kev') throw new Error(`not read as the KEV catalogue: ${JSON.stringify(r).slice(0, 300)}`);
    expect(r.kev).toMatchObject({ catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z' });
    expect(r.kev.entries).toHaveLength(1404);
    expect(r.kev.entries[0]).toEqual({ cve: 'CVE-2025-48384', vendor: 'Git', product: 'Git', name: 'Git Link Following Vulnerability', dateAdded: '2025-08-25', dueDate: '2025-09-15', ransomware: false, requiredAction: expect.stringMatching(/^Apply mitigations per vendor instructions/) });
    expect(r.kev.entries.filter((e) => e.ransomware)).toHaveLength(293);
  });
});

describe('CSAF checks', () => {
  it('flattens a small valid advisory; vendor names are trimmed', () => {
    const a = flattenCsaf(minimal() as CsafDocument);
    expect(checkCsaf(minimal())).toEqual([]);
    expect(a.products).toEqual([{ productId: 'CSAFPID-0001', vendor: 'Example Vendor', name: 'PLC-1', version: '< 2.0', versionIsRange: true, modelNumbers: [] }]);
    expect(a.cves).toEqual([{ cve: 'CVE-2099-12345', cvss: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cwe: 'CWE-306 Missing Authentication for Critical Function', affected: ['CSAFPID-0001'] }]);
    expect(a.text).toBe('An attacker could stop the PLC.\n\nThe PLC accepts stop commands without authentication.');
    expect(a.truncated).toBeUndefined();
  });

  it('names the JSON pointer of a missing tracking id, a bad CVE, a wrong version and category', () => {
    const d = minimal();
    delete d.document.tracking.id;
    d.document.csaf_version = '2.1';
    d.vulnerabilities[0].cve = 'CVE-21-1';
    d.vulnerabilities[0].remediations[0].category = 'patch';
    expect(checkCsaf(d)).toEqual([
      '/document/csaf_version: must be "2.0", not \'2.1\'',
      '/document/tracking/id: required',
      "/vulnerabilities/0/cve: 'CVE-21-1' is not a CVE id such as CVE-2021-22779",
      '/vulnerabilities/0/remediations/0/category: \'patch\' must be one of "mitigation", "no_fix_planned", "none_available", "vendor_fix", "workaround"',
    ]);
  });

  it('finds product ids no product of the tree defines (CSAF 6.1.1)', () => {
    const d = minimal();
    d.vulnerabilities[0].product_status.known_affected.push('CSAFPID-9999');
    d.vulnerabilities[0].remediations[0].product_ids = ['CSAFPID-0002'];
    expect(checkCsaf(d)).toEqual([
      "/vulnerabilities/0/product_status/known_affected/1: product 'CSAFPID-9999' is not defined in the product tree (CSAF 6.1.1)",
      "/vulnerabilities/0/remediations/0/product_ids/0: product 'CSAFPID-0002' is not defined in the product tree (CSAF 6.1.1)",
    ]);
  });

  it('accepts fields newer than CSAF 2.0 knows, and ids from relationships and product groups', () => {
    const d = minimal();
    d.document.some_future_field = { x: 1 };
    d.vulnerabilities[0].metrics = [{ cvss_v4: {} }];
    d.product_tree.relationships = [{ category: 'installed_on', full_product_name: { name: 'Firmware 1.0 on PLC-1', product_id: 'CSAFPID-0100' }, product_reference: 'CSAFPID-0001', relates_to_product_reference: 'CSAFPID-0001' }];
    d.product_tree.product_groups = [{ group_id: 'G1', product_ids: ['CSAFPID-0001', 'CSAFPID-0100'] }];
    d.vulnerabilities[0].remediations.push({ category: 'workaround', details: 'Block port 502', group_ids: ['G1'] });
    d.vulnerabilities[0].product_status.known_affected.push('CSAFPID-0100');
    expect(checkCsaf(d)).toEqual([]);
    const a = flattenCsaf(d as CsafDocument);
    expect(a.products[1]).toEqual({ productId: 'CSAFPID-0100', vendor: 'Example Vendor', name: 'PLC-1', version: '< 2.0', versionIsRange: true, modelNumbers: [] });
    expect(a.remediations[1]).toEqual({ category: 'workaround', details: 'Block port 502', productIds: ['CSAFPID-0001', 'CSAFPID-0100'], cves: ['CVE-2099-12345'] });
  });

  it('bounds the text and refuses a product tree nested deeper than its bound', () => {
    const d = minimal();
    d.vulnerabilities[0].notes[0].text = 'x'.repeat(ADVISORY_TEXT_MAX * 2);
    const a = flattenCsaf(d as CsafDocument);
    expect(a.text).toHaveLength(ADVISORY_TEXT_MAX);
    expect(a.textTruncated).toBe(true);
    let branch: Record<string, unknown> = { category: 'product_version', name: '1', product: { name: 'p', product_id: 'CSAFPID-0001' } };
    for (let i = 0; i < BRANCH_DEPTH_MAX + 5; i++) branch = { category: 'product_family', name: `f${i}`, branches: [branch] };
    d.product_tree.branches = [branch];
    expect(checkCsaf(d)[0]).toMatch(new RegExp(`^/product_tree/branches(/0/branches){${BRANCH_DEPTH_MAX}}: product tree branches nested deeper than ${BRANCH_DEPTH_MAX}$`));
  });

  it('tells what a file is by its content, and says what is not JSON or neither', () => {
    expect(parseCatalogueText('{"document": ').kind).toBe('invalid');
    expect(parseCatalogueText('{"document": ')).toEqual({ kind: 'invalid', problems: [expect.stringMatching(/^\/: not JSON \(/)] });
    expect(parseCatalogueText('[1, 2]')).toEqual({ kind: 'invalid', problems: [expect.stringMatching(/^\/: a list, not an advisory/)] });
    expect(readCatalogueDocument({ title: 'x' })).toEqual({ kind: 'invalid', problems: ["/: neither a CSAF 2.0 advisory (no 'document') nor a KEV catalogue (no 'catalogVersion')"] });
    expect(readCatalogueDocument({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' })).toEqual({ kind: 'ignored', why: 'a JSON schema, not an advisory' });
    expect(parseCatalogueText(`\ufeff${JSON.stringify(minimal())}`).kind).toBe('csaf');
    const kev = { title: 'KEV', catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z', count: 2, vulnerabilities: [{ cveID: 'CVE-2021-22779', vendorProject: 'Schneider Electric', product: 'Modicon', vulnerabilityName: 'x', dateAdded: '2025-08-25', shortDescription: '', requiredAction: 'Apply updates', dueDate: '2025-09-15' }] };
    expect(readCatalogueDocument(kev)).toEqual({ kind: 'invalid', problems: ['/count: says 2 but the catalogue lists 1 vulnerabilities (cut short?)'] });
    expect(readCatalogueDocument({ ...kev, count: 1, vulnerabilities: [{ ...kev.vulnerabilities[0], dueDate: 'soon' }] })).toEqual({ kind: 'invalid', problems: ["/vulnerabilities/0/dueDate: 'soon' is not a date such as 2025-08-25"] });
  });
});
