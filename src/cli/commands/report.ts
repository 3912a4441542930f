// `bulkhead report compliance`: IEC 62443 / NIST SP 800-82 items with this deployment's evidence.

import { writeFileSync } from 'node:fs';
import { complianceFor } from '../../app/report.js';
import { complianceHtml, type ComplianceReport } from '../../policy/compliance.js';
import { common, group, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

function formatCompliance(r: ComplianceReport): string {
  const lines = [`compliance for policy ${r.policy}: ${r.summary.met} met, ${r.summary.partly} partly, ${r.summary['not met']} not met`, ''];
  for (const i of r.items) lines.push(`${i.status.toUpperCase().padEnd(8)} ${i.id}: ${i.title}`, ...i.evidence.map((e) => `         - ${e}`));
  return lines.join('\n');
}

export const registerReport: Register = (root, io, act) => {
  const report = group(root.command('report').description('reports: compliance'));
  common(report.command('compliance'))
    .description("IEC 62443 / NIST SP 800-82 items, met / partly / not met, with this deployment's evidence")
    .option('--policy <v>', 'the policy version (default: active, else latest)')
    .option('--html', 'an HTML page instead of text (--json for JSON)')
    .option('--out <file>', 'write it to FILE')
    .action(
      act((o: Common & { policy?: string; html?: boolean; out?: string }) =>
        withDb(o.db, (db) => {
          const r = complianceFor(db, o.policy);
          const text = o.json ? JSON.stringify(r) : o.html ? complianceHtml(r) : formatCompliance(r);
          if (o.out) writeFileSync(o.out, text);
          else io.out(text.trimEnd());
          return 0;
        }),
      ),
    );
};
