// `bulkhead risk confirm|dismiss|undo ASSET ADVISORY` (an advisory matched to an asset applies,
// does not, or is judged by itself again) and `bulkhead risk criticality ASSET 1-5 | --clear`,
// each audited. They hang under `bulkhead risk` (risk.ts, the report); registered after it, they
// attach to it, and alone they make `risk` a group.

import type { Command } from 'commander';
import { Advisories } from '../../app/advisories.js';
import { common, group, UsageError, withDb, withParents, type Common } from '../io.js';
import type { Register } from '../register.js';

type Options = Common & { by?: string; reason?: string; clear?: boolean };

function who(command: string, o: Options): string {
  if (!o.by) throw new UsageError(`bulkhead risk ${command}: say who with --by NAME`);
  return o.by;
}

export const registerRiskDecisions: Register = (root, io, act) => {
  const risk = root.commands.find((c) => c.name() === 'risk') ?? group(root.command('risk').description('known vulnerabilities of the identified devices, and what people decide about them'));
  // The report takes --db and --json too: after a subcommand they are the subcommand's, before it the parent's.
  risk.enablePositionalOptions();

  for (const [name, decision, what] of [['confirm', 'confirmed', 'applies to'], ['dismiss', 'dismissed', 'does not apply to']] as const) {
    common(risk.command(name))
      .description(`say that an advisory matched to an asset ${what} it (audited)`)
      .argument('<asset>', 'the asset: its address, with @vlanN when tagged')
      .argument('<advisory>', 'the advisory id, e.g. ICSA-21-194-02')
      .option('--reason <text>', 'why, for the audit log and the report')
      .option('--by <name>', 'who decides (required)')
      .action(
        act((asset: string, advisory: string, _o: Options, c: Command) => {
          const o = withParents<Options>(c);
          const by = who(name, o);
          return withDb(o.db, (db) => {
            const d = new Advisories(db).decideMatch({ assetKey: asset, advisoryId: advisory, decision, by, ...(o.reason ? { reason: o.reason } : {}) });
            io.out(o.json ? JSON.stringify(d) : `${advisory} ${decision} for ${asset} by ${by}`);
            return 0;
          });
        }),
      );
  }

  common(risk.command('undo'))
    .description('take back what was said of an advisory on an asset: the match is judged by itself again (audited)')
    .argument('<asset>')
    .argument('<advisory>')
    .option('--by <name>', 'who takes it back (required)')
    .action(
      act((asset: string, advisory: string, _o: Options, c: Command) => {
        const o = withParents<Options>(c);
        const by = who('undo', o);
        return withDb(o.db, (db) => {
          new Advisories(db).undoMatch(asset, advisory, by);
          io.out(o.json ? JSON.stringify({ assetKey: asset, advisoryId: advisory, undone: true }) : `the decision on ${advisory} for ${asset} is undone`);
          return 0;
        });
      }),
    );

  registerCriticality(risk, io, act);
};

const registerCriticality = (risk: Command, io: Parameters<Register>[1], act: Parameters<Register>[2]): void => {
  common(risk.command('criticality'))
    .description('how critical an asset is to the plant, 1 (little) to 5 (the process stops without it); --clear: judged from where it sits again (audited)')
    .argument('<asset>')
    .argument('[level]', '1-5')
    .option('--clear', 'remove the criticality set')
    .option('--reason <text>', 'why, for the audit log and the report')
    .option('--by <name>', 'who sets it (required)')
    .action(
      act((asset: string, level: string | undefined, _o: Options, c: Command) => {
        const o = withParents<Options>(c);
        if (o.clear === (level !== undefined)) throw new UsageError('bulkhead risk criticality: give a level 1-5, or --clear');
        if (level !== undefined && !/^[1-5]$/.test(level)) throw new UsageError(`bulkhead risk criticality: the level is 1 (little) to 5 (the process stops without it), got '${level}'`);
        const by = who('criticality', o);
        return withDb(o.db, (db) => {
          const advisories = new Advisories(db);
          if (o.clear) {
            advisories.clearCriticality(asset, by);
            io.out(o.json ? JSON.stringify({ assetKey: asset, cleared: true }) : `the criticality of ${asset} is cleared: judged from where it sits again`);
          } else {
            const r = advisories.setCriticality({ assetKey: asset, criticality: Number(level), by, ...(o.reason ? { reason: o.reason } : {}) });
            io.out(o.json ? JSON.stringify(r) : `${asset}: criticality ${r.criticality}, set by ${by}`);
          }
          return 0;
        });
      }),
    );
};
