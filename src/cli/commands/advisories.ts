// `bulkhead advisories`: the advisory catalogue's summary; `advisories import PATH...` (CSAF 2.0
// advisories and the KEV catalogue, files or folders, all checked before anything is stored) and
// `advisories show ID` (products, CVEs with CVSS and the KEV flag, remediations).

import type { Command } from 'commander';
import { Advisories } from '../../app/advisories.js';
import { formatAdvisory, formatImport, formatSummary } from '../format/advisories.js';
import { actor, common, withDb, withParents, type Common } from '../io.js';
import type { Register } from '../register.js';

type Options = Common & { skipInvalid?: boolean; by?: string };

export const registerAdvisories: Register = (root, io, act) => {
  const summary = (o: Options) =>
    withDb(o.db, (db) => {
      const s = new Advisories(db).advisorySummary();
      io.out(o.json ? JSON.stringify(s) : formatSummary(s));
      return 0;
    });
  // Positional: `--db` and `--json` after a subcommand are the subcommand's, before it the parent's (withParents reads both).
  const advisories = common(root.command('advisories'))
    .description('the vulnerability advisory catalogue (CISA ICS advisories in CSAF 2.0, the KEV catalogue): import, list, show')
    .enablePositionalOptions()
    .action(act((o: Options) => summary(o)));
  common(advisories.command('list'))
    .description('what the catalogue holds: advisories, CVEs, products, the KEV catalogue and the last imports')
    .action(act((_o: Options, c: Command) => summary(withParents<Options>(c))));
  common(advisories.command('import'))
    .description('import CSAF 2.0 advisories and the KEV catalogue from files or folders (*.json, walked); all are checked first, and one invalid file imports nothing (audited)')
    .argument('<path...>', 'files or folders')
    .option('--skip-invalid', 'import the valid documents and name the invalid ones with why')
    .option('--by <name>', 'who imports, for the audit log (default: the login name)')
    .action(
      act((paths: string[], _o: Options, c: Command) => {
        const o = withParents<Options>(c);
        return withDb(o.db, (db) => {
          const r = new Advisories(db).importAdvisories(paths, { ...(o.skipInvalid ? { skipInvalid: true } : {}), by: actor(o.by) });
          io.out(o.json ? JSON.stringify(r) : formatImport(r));
          return 0;
        });
      }),
    );
  common(advisories.command('show'))
    .description('one advisory: its products, CVEs with CVSS and whether each is known exploited (KEV), remediations')
    .argument('<id>', 'the advisory id, e.g. ICSA-21-005-01')
    .action(
      act((id: string, _o: Options, c: Command) => {
        const o = withParents<Options>(c);
        return withDb(o.db, (db) => {
          const a = new Advisories(db).showAdvisory(id);
          io.out(o.json ? JSON.stringify(a) : formatAdvisory(a));
          return 0;
        });
      }),
    );
};
