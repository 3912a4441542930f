// `bulkhead audit`: the audit log, its export for a SIEM, and its hash chain.

import { parseSince } from '../../app/policy.js';
import { PolicyStore } from '../../store/policy-store.js';
import { formatAudit } from '../format/audit.js';
import { common, positiveNumber, UsageError, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

export const registerAudit: Register = (root, io, act) => {
  common(root.command('audit'))
    .description('the audit log (policy changes, modes, isolations, engine events), oldest first')
    .option('--since <t>', 'only entries since T (7d, 24h, or a date)')
    .option('--limit <n>', 'the newest N')
    .option('--format <f>', 'text (default), syslog (RFC 5424) or cef, for a SIEM')
    .option('--verify', 'check the hash chain; exit 3 and name the first bad entry if it is broken')
    .action(
      act((o: Common & { since?: string; limit?: string; format?: string; verify?: boolean }) => {
        const format = o.format ?? 'text';
        if (format !== 'text' && format !== 'syslog' && format !== 'cef') throw new UsageError(`bulkhead audit: --format must be text, syslog or cef, got '${format}'`);
        const limit = positiveNumber('audit', 'limit', o.limit);
        let since: number | undefined;
        if (o.since !== undefined) {
          since = parseSince(o.since, Date.now() / 1000);
          if (since === undefined) throw new UsageError(`bulkhead audit: --since must be like 7d, 24h, 90m or a date, got '${o.since}'`);
        }
        return withDb(o.db, (db) => {
          const audit = new PolicyStore(db).audit;
          if (o.verify) {
            const v = audit.verify();
            io.out(o.json ? JSON.stringify(v) : v.ok ? `audit log verified: ${v.entries} entries, chain intact` : `audit log BROKEN at entry ${v.broken!.id}: ${v.broken!.reason}`);
            return v.ok ? 0 : 3;
          }
          const entries = audit.list({ ...(since !== undefined ? { since } : {}), ...(limit !== undefined ? { limit: Math.floor(limit) } : {}) });
          io.out(o.json ? JSON.stringify(entries) : formatAudit(entries, format));
          return 0;
        });
      }),
    );
};
