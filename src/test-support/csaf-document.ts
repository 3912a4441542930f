// Test support: a small CSAF 2.0 advisory as CISA publishes one (the parts Bulkhead reads): one
// vendor, one product with its version branch, CVEs with a CVSS v3 score, CWE and remediation.
// Loosely typed, so that a test can break it in every way a real file could be broken.

export interface CsafSpec {
  id: string;
  title: string;
  vendor: string;
  product: string;
  /** The version branch's name; `range` (default true): product_version_range, else product_version. */
  version: string;
  range?: boolean;
  release?: string;
  summary?: string;
  cves: { cve: string; score: number; cwe?: [string, string]; summary?: string }[];
  remediation: { category: string; details: string };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function csafDocument(s: CsafSpec): Record<string, any> {
  const release = s.release ?? '2021-07-13T00:00:00Z';
  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      publisher: { category: 'coordinator', name: 'CISA', namespace: 'https://www.cisa.gov/' },
      title: s.title,
      tracking: { id: s.id, current_release_date: release, initial_release_date: release, revision_history: [{ date: release, number: '1', summary: 'Initial' }], status: 'final', version: '1' },
      notes: [{ category: 'summary', title: 'Risk evaluation', text: s.summary ?? 'Successful exploitation could allow an attacker to take control of the device.' }],
    },
    product_tree: { branches: [{ category: 'vendor', name: s.vendor, branches: [{ category: 'product_name', name: s.product, branches: [{ category: s.range === false ? 'product_version' : 'product_version_range', name: s.version, product: { name: `${s.product} ${s.version}`, product_id: 'CSAFPID-0001' } }] }] }] },
    vulnerabilities: s.cves.map((c) => ({
      cve: c.cve,
      ...(c.cwe ? { cwe: { id: c.cwe[0], name: c.cwe[1] } } : {}),
      ...(c.summary ? { notes: [{ category: 'summary', text: c.summary }] } : {}),
      product_status: { known_affected: ['CSAFPID-0001'] },
      remediations: [{ category: s.remediation.category, details: s.remediation.details, product_ids: ['CSAFPID-0001'] }],
      scores: [{ products: ['CSAFPID-0001'], cvss_v3: { version: '3.1', baseScore: c.score, baseSeverity: c.score >= 9 ? 'CRITICAL' : 'HIGH', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }],
    })),
  };
}
