// The risk scenario of the console tests: a learned Modbus server of the demo plant that says it
// is a Modicon M340 (its MEI 14 identity), and a catalogue made for the test so it always runs:
// one CSAF 2.0 advisory naming 'Modicon M340 CPU (part numbers BMXP34*)', all versions, with two
// CVEs, and a KEV catalogue listing one of them. The advisory carries the tracking id of the
// real one (ICSA-21-194-02), so the reviewed virtual patch table answers it.

import type { Db } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { csafDocument } from '../../src/test-support/csaf-document.js';

export const ADVISORY_ID = 'ICSA-21-194-02';
export const KEV_CVE = 'CVE-2021-22779';
export const OTHER_CVE = 'CVE-2021-22780';
export const MODICON = { vendorName: 'Schneider Electric', productCode: 'BMX P34 2020', revision: 'v2.70', productName: 'Modicon M340' };

const RELEASE = '2021-07-13T00:00:00Z';

/** The advisory as CISA would publish it (the part Bulkhead reads). */
export function modiconAdvisory(): Record<string, unknown> {
  const cve = (id: string, score: number, cwe: [string, string]) => ({ cve: id, score, cwe, summary: `${cwe[1]} in the Modicon M340 firmware.` });
  return csafDocument({
    id: ADVISORY_ID,
    title: 'Schneider Electric Modicon Controllers',
    vendor: 'Schneider Electric',
    product: 'Modicon M340 CPU (part numbers BMXP34*)',
    version: 'vers:all/*',
    range: false,
    release: RELEASE,
    summary: 'Successful exploitation could allow an attacker to bypass authentication through UMAS.',
    cves: [cve(KEV_CVE, 9.8, ['CWE-290', 'Authentication Bypass by Spoofing']), cve(OTHER_CVE, 7.5, ['CWE-319', 'Cleartext Transmission of Sensitive Information'])],
    remediation: { category: 'mitigation', details: 'Block Modbus function code 90 (UMAS) from untrusted networks; only the engineering workstation may program the controller.' },
  });
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
