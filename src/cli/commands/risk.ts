// `bulkhead risk`: the risk assessment (assets ranked by risk with its parts, the advisories each
// matched, zones and their SL-T gap, countermeasures), and `bulkhead risk draft ID`, which makes
// one countermeasure a draft policy version. Decisions on matches live in risk-decisions.ts.

import { RiskAssessment } from '../../app/risk.js';
import { formatDraft, formatRisk } from '../format/risk.js';
import type { Command } from 'commander';
import { common, UsageError, withDb, withParents, type Common } from '../io.js';
import type { Register } from '../register.js';

type Options = Common & { by?: string };

export const registerRisk: Register = (root, io, act) => {
  const risk = common(root.command('risk'))
    .description('known vulnerabilities of the identified devices: assets ranked by risk, zones and their SL-T gap, countermeasures')
    .action(
      act((o: Options) =>
        withDb(o.db, (db) => {
          const report = new RiskAssessment(db).assess();
          io.out(o.json ? JSON.stringify(report) : formatRisk(report));
          return 0;
        }),
      ),
    );
  common(risk.command('draft'))
    .description('make one suggested countermeasure a draft policy version (never applied by itself; audited)')
    .argument('<id>', 'the countermeasure id bulkhead risk lists')
    .option('--by <name>', 'who drafts it (required)')
    .action(
      act((id: string, _o: Options, c: Command) => {
        // The report's own --db and --json, given before `draft`, count too.
        const o = withParents<Options>(c);
        if (!o.by) throw new UsageError('bulkhead risk draft: say who drafts it with --by NAME');
        return withDb(o.db, (db) => {
          const d = new RiskAssessment(db).draft(id, o.by!);
          io.out(o.json ? JSON.stringify(d) : formatDraft(d));
          return 0;
        });
      }),
    );
};
