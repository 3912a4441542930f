// `bulkhead alerts`: what the detectors found in allowed traffic; `bulkhead alert show|ack|resolve ID`.

import { Alerts, MAX_SUPPRESSION_DAYS, SUPPRESSION_SCOPES } from '../../app/alerts.js';
import { ALERT_STATES, SEVERITIES } from '../../store/records.js';
import { formatAlert, formatAlerts, formatLearned, formatSuppressions } from '../format/alerts.js';
import { common, group, positiveNumber, UsageError, withDb, type Common } from '../io.js';
import type { Command } from 'commander';
import type { Register } from '../register.js';

type Options = Common & { status?: string; severity?: string; limit?: string; format?: string; by?: string; note?: string };

const oneOf = <T extends string>(command: string, option: string, values: readonly T[], v: string | undefined): T | undefined => {
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw new UsageError(`bulkhead ${command}: --${option} must be ${values.join(', ')}, got '${v}'`);
  return v as T;
};

function alertId(command: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`bulkhead ${command}: name the alert by its number`);
  return Number(v);
}

export const registerAlerts: Register = (root, io, act) => {
  common(root.command('alerts'))
    .description('alerts from the detectors, newest first; exit 3 when one is still new')
    .option('--status <s>', `only ${ALERT_STATES.join(', ')}`)
    .option('--severity <s>', `at least ${SEVERITIES.join(', ')}`)
    .option('--limit <n>', 'at most N (default 200)')
    .option('--format <f>', 'text (default), syslog (RFC 5424) or cef: the lines a SIEM target gets')
    .action(
      act((o: Options) => {
        const format = oneOf('alerts', 'format', ['text', 'syslog', 'cef'] as const, o.format) ?? 'text';
        const status = oneOf('alerts', 'status', ALERT_STATES, o.status);
        const minSeverity = oneOf('alerts', 'severity', SEVERITIES, o.severity);
        const limit = positiveNumber('alerts', 'limit', o.limit);
        return withDb(o.db, (db) => {
          const list = new Alerts(db).list({ ...(status ? { status } : {}), ...(minSeverity ? { minSeverity } : {}), ...(limit ? { limit: Math.floor(limit) } : {}) });
          io.out(o.json ? JSON.stringify(list) : formatAlerts(list, format));
          return list.some((a) => a.status === 'new') ? 3 : 0;
        });
      }),
    );

  const alert = group(root.command('alert').description('one alert: show, ack, resolve'));
  common(alert.command('show'))
    .description('an alert with what the baseline says, what was seen, and its evidence')
    .argument('<id>')
    .action(
      act((id: string, o: Options) =>
        withDb(o.db, (db) => {
          const a = new Alerts(db).get(alertId('alert show', id));
          io.out(o.json ? JSON.stringify(a) : formatAlert(a));
          return 0;
        }),
      ),
    );
  for (const [name, verb] of [['ack', 'acknowledge'], ['resolve', 'resolve']] as const) {
    common(alert.command(name))
      .description(`${verb} an alert (audited)`)
      .argument('<id>')
      .option('--by <name>', `who ${verb}s it (required)`)
      .option('--note <text>', 'why, for the audit log')
      .action(
        act((id: string, o: Options) => {
          const n = alertId(`alert ${name}`, id);
          if (!o.by) throw new UsageError(`bulkhead alert ${name}: say who with --by NAME`);
          return withDb(o.db, (db) => {
            const alerts = new Alerts(db);
            const a = verb === 'acknowledge' ? alerts.acknowledge(n, o.by!, o.note) : alerts.resolve(n, o.by!, o.note);
            io.out(o.json ? JSON.stringify(a) : `alert ${a.id} ${a.status}`);
            return 0;
          });
        }),
      );
  }

  registerDecisions(root, alert, io, act);
};

/** "Learn this" and suppressions: what people decide about an alert. */
const registerDecisions = (root: Command, alert: Command, io: Parameters<Register>[1], act: Parameters<Register>[2]): void => {
  common(alert.command('learn'))
    .description('"learn this": the alert\'s request proposed into a draft policy change (never applied by itself), the alert resolved (audited)')
    .argument('<id>')
    .option('--by <name>', 'who decides it is expected (required)')
    .option('--note <text>', 'why, for the audit log')
    .action(
      act((id: string, o: Options) => {
        const n = alertId('alert learn', id);
        if (!o.by) throw new UsageError('bulkhead alert learn: say who with --by NAME');
        return withDb(o.db, (db) => {
          const r = new Alerts(db).learn(n, o.by!, o.note);
          io.out(o.json ? JSON.stringify(r) : formatLearned(r));
          return 0;
        });
      }),
    );
  common(alert.command('suppress'))
    .description('alerts like this one are not raised for --days (audited; counted on the suppression)')
    .argument('<id>')
    .option('--scope <s>', `${SUPPRESSION_SCOPES.join(', ')} (default asset: its type on its asset)`)
    .option('--days <n>', `how long, at most ${MAX_SUPPRESSION_DAYS} (required)`)
    .option('--by <name>', 'who suppresses (required)')
    .option('--note <text>', 'why, for the audit log')
    .action(
      act((id: string, o: Options & { scope?: string; days?: string }) => {
        const n = alertId('alert suppress', id);
        const scope = oneOf('alert suppress', 'scope', SUPPRESSION_SCOPES, o.scope) ?? 'asset';
        const days = positiveNumber('alert suppress', 'days', o.days);
        if (days === undefined) throw new UsageError('bulkhead alert suppress: say how long with --days N');
        if (!o.by) throw new UsageError('bulkhead alert suppress: say who with --by NAME');
        return withDb(o.db, (db) => {
          const s = new Alerts(db).suppress(n, { scope, days, by: o.by!, ...(o.note ? { note: o.note } : {}) });
          io.out(o.json ? JSON.stringify(s) : formatSuppressions([s]));
          return 0;
        });
      }),
    );
  common(root.command('suppressions'))
    .description('the alert suppressions, with what each kept quiet')
    .action(
      act((o: Options) =>
        withDb(o.db, (db) => {
          const list = new Alerts(db).suppressionList();
          io.out(o.json ? JSON.stringify(list) : formatSuppressions(list));
          return 0;
        }),
      ),
    );
  common(alert.command('unsuppress'))
    .description('lift a suppression by its number (audited)')
    .argument('<suppression>')
    .option('--by <name>', 'who lifts it (required)')
    .action(
      act((id: string, o: Options) => {
        const n = alertId('alert unsuppress', id);
        if (!o.by) throw new UsageError('bulkhead alert unsuppress: say who with --by NAME');
        return withDb(o.db, (db) => {
          new Alerts(db).lift(n, o.by!);
          io.out(o.json ? JSON.stringify({ lifted: n }) : `suppression ${n} lifted`);
          return 0;
        });
      }),
    );
};
