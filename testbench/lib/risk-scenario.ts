// The risk scenario of the console tests: a learned Modbus server of the demo plant that says it
// is a Modicon M340 (its MEI 14 identity), and a catalogue made for the test so it always runs:
// one CSAF 2.0 advisory naming 'Modicon M340 CPU (part numbers BMXP34*)', all versions, with two
// CVEs, and a KEV catalogue listing one of them. The advisory carries the tracking id of the
// real one (ICSA-21-194-02), so the reviewed virtual patch table answers it.

import type { Db } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';

export const ADVISORY_ID = 'ICSA-21-194-02';
export const KEV_CVE = 'CVE-2021-22779';
export const OTHER_CVE = 'CVE-2021-22780';
export const MODICON = { vendorName: 'Schneider Electric', productCode: 'BMX P34 2020', revision: 'v2.70', productName: 'Modicon M340' };

const RELEASE = '2021-07-13T00:00:00Z';

/** The advisory as CISA would publish it (the part Bulkhead reads). */
export function modiconAdvisory(): Record<string, unknown> {
  const product = 'Modicon M340 CPU (part numbers BMXP34*)';
  const vulnerability = (cve: string, score: number, cwe: [string, string]) => ({
    cve,
    cwe: { id: cwe[0], name: cwe[1] },
    notes: [{ category: 'summary', text: `${cwe[1]} in the Modicon M340 firmware.` }],
    scores: [{ products: ['CSAFPID-0001'], cvss_v3: { version: '3.1', baseScore: score, baseSeverity: score >= 9 ? 'CRITICAL' : 'HIGH', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }],
    product_status: { known_affected: ['CSAFPID-0001'] },
    remediations: [{ category: 'mitigation', details: 'Block Modbus function code 90 (UMAS) from untrusted networks; only the engineering workstation may program the controller.', product_ids: ['CSAFPID-0001'] }],
  });
  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      publisher: { category: 'coordinator', name: 'CISA', namespace: 'https://www.cisa.gov/' },
      title: 'Schneider Electric Modicon Controllers',
      tracking: { id: ADVISORY_ID, current_release_date: RELEASE, initial_release_date: RELEASE, revision_history: [{ date: RELEASE, number: '1', summary: 'Initial' }], status: 'final', version: '1' },
      notes: [{ category: 'summary', title: 'Risk evaluation', text: 'Successful exploitation could allow an attacker to bypass authentication through UMAS.' }],
    },
    product_tree: { branches: [{ category: 'vendor', name: 'Schneider Electric', branches: [{ category: 'product_name', name: product, branches: [{ category: 'product_version', name: 'vers:all/*', product: { name: `${product} vers:all/*`, product_id: 'CSAFPID-0001' } }] }] }] },
    vulnerabilities: [vulnerability(KEV_CVE, 9.8, ['CWE-290', 'Authentication Bypass by Spoofing']), vulnerability(OTHER_CVE, 7.5, ['CWE-319', 'Cleartext Transmission of Sensitive Information'])],
  };
}

/** A KEV catalogue of one entry. */
export function kevCatalogue(): Record<string, unknown> {
  return {
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: '2025.08.25',
    dateReleased: '2025-08-25T17:04:19.9796Z',
    count: 1,
    vulnerabilities: [{ cveID: KEV_CVE, vendorProject: 'Schneider Electric', product: 'Modicon', vulnerabilityName: 'Schneider Electric Modicon authentication bypass', dateAdded: '2025-08-25', shortDescription: 'Authentication bypass by spoofing.', requiredAction: 'Apply mitigations per vendor instructions or discontinue use of the product.', dueDate: '2025-09-15' }],
  };
}

/** Gives a learned asset the Modicon's identity, as learning stores what MEI 14 answered. */
export function identifyAsModicon(db: Db, ip: string): void {
  const learn = new LearnStore(db);
  const asset = learn.asset(ip);
  if (!asset) throw new Error(`no learned asset ${ip} to make a Modicon of`);
  learn.flush({ assets: [{ ...asset, identity: { ...asset.identity, modbus: MODICON } }], conversations: [], discoveries: [], events: [], clock: learn.clock()! });
}
