// `bulkhead respond`: automatic response per zone or conduit — isolate the source of an alert of
// at least a severity (off unless set; audited; the isolations it makes are undone with release).

import { ResponseSettings } from '../../app/auto-response.js';
import { SEVERITIES } from '../../store/records.js';
import { common, group, UsageError, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

type Options = Common & { zone?: string; conduit?: string; severity?: string; by?: string };

function scopeOf(command: string, o: Options): { scope: 'zone' | 'conduit'; id: string } {
  if ((o.zone === undefined) === (o.conduit === undefined)) throw new UsageError(`bulkhead respond ${command}: name one --zone ID or --conduit ID`);
  return o.zone !== undefined ? { scope: 'zone', id: o.zone } : { scope: 'conduit', id: o.conduit! };
}

function by(command: string, o: Options): string {
  if (!o.by) throw new UsageError(`bulkhead respond ${command}: say who with --by NAME`);
  return o.by;
}

export const registerRespond: Register = (root, io, act) => {
  const respond = group(root.command('respond').description('automatic response: isolate the source of alerts on a zone or conduit'));
  common(respond.command('list'))
    .description('the zones and conduits where alerts isolate their source')
    .action(
      act((o: Options) =>
        withDb(o.db, (db) => {
          const rules = new ResponseSettings(db).list();
          io.out(o.json ? JSON.stringify(rules) : rules.length ? rules.map((r) => `${r.scope} ${r.id}: isolate the source of alerts of severity ${r.minSeverity} or above (set by ${r.by}, ${new Date(r.since * 1000).toISOString()})`).join('\n') : 'automatic response is off everywhere');
          return 0;
        }),
      ),
    );
  common(respond.command('set'))
    .description('isolate the source of alerts of at least --severity on a zone or conduit (audited)')
    .option('--zone <id>', 'alerts on traffic from or to this zone')
    .option('--conduit <id>', 'alerts on traffic over this conduit')
    .option('--severity <s>', `the lowest severity that isolates: ${SEVERITIES.join(', ')} (default high)`)
    .option('--by <name>', 'who sets it (required)')
    .action(
      act((o: Options) => {
        const { scope, id } = scopeOf('set', o);
        const severity = o.severity ?? 'high';
        if (!(SEVERITIES as readonly string[]).includes(severity)) throw new UsageError(`bulkhead respond set: --severity must be ${SEVERITIES.join(', ')}, got '${severity}'`);
        const who = by('set', o);
        return withDb(o.db, (db) => {
          const r = new ResponseSettings(db).set(scope, id, severity as (typeof SEVERITIES)[number], who);
          io.out(o.json ? JSON.stringify(r) : `${scope} ${id}: the source of an alert of severity ${r.minSeverity} or above is isolated at once (undo with bulkhead release ADDRESS)`);
          return 0;
        });
      }),
    );
  common(respond.command('off'))
    .description('no automatic response on a zone or conduit (audited)')
    .option('--zone <id>')
    .option('--conduit <id>')
    .option('--by <name>', 'who turns it off (required)')
    .action(
      act((o: Options) => {
        const { scope, id } = scopeOf('off', o);
        const who = by('off', o);
        return withDb(o.db, (db) => {
          new ResponseSettings(db).remove(scope, id, who);
          io.out(o.json ? JSON.stringify({ scope, id, off: true }) : `${scope} ${id}: automatic response off`);
          return 0;
        });
      }),
    );
};
