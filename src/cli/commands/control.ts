// Changing a running gateway through the store it follows: apply, confirm, rollback, mode,
// isolate and release. Each says who (`--by`), for the audit log.

import { isolate } from '../../app/isolation.js';
import { GATEWAY_MODES, isGatewayMode } from '../../gateway/health.js';
import { PolicyStore } from '../../store/policy-store.js';
import { formatTable, formatTime } from '../format/table.js';
import { common, positiveNumber, UsageError, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

type Options = Common & { by?: string; confirmWithin?: string; reason?: string };

function who(command: string, o: Options): string {
  if (!o.by) throw new UsageError(`bulkhead ${command}: say who with --by NAME`);
  return o.by;
}

/** The policy in force: apply, confirm, rollback. */
const registerChange: Register = (root, io, act) => {
  common(root.command('apply'))
    .description('make an approved version the active policy')
    .argument('<version>')
    .option('--by <name>', 'who applies it (required)')
    .option('--confirm-within <s>', 'unless confirmed within S seconds, the previous version returns by itself')
    .action(
      act((v: string, o: Options) => {
        const by = who('apply', o);
        const within = positiveNumber('apply', 'confirm-within', o.confirmWithin);
        if (!/^\d+$/.test(v)) throw new UsageError('bulkhead apply: name the version number');
        return withDb(o.db, (db) => {
          const r = new PolicyStore(db).apply(Number(v), by, within);
          io.out(o.json ? JSON.stringify({ version: Number(v), ...r }) : `policy version ${v} is active${r.previous !== undefined ? ` (was ${r.previous})` : ''}${r.deadline ? `; confirm before ${new Date(r.deadline * 1000).toISOString()} (bulkhead confirm --by NAME) or it rolls back` : ''}`);
          return 0;
        });
      }),
    );
  common(root.command('confirm'))
    .description('confirm the pending change')
    .option('--by <name>', 'who confirms it (required)')
    .action(
      act((o: Options) => {
        const by = who('confirm', o);
        return withDb(o.db, (db) => {
          const v = new PolicyStore(db).confirm(by);
          io.out(o.json ? JSON.stringify({ version: v }) : `policy version ${v} confirmed`);
          return 0;
        });
      }),
    );
  common(root.command('rollback'))
    .description('put the previous active version back')
    .option('--by <name>', 'who rolls back (required)')
    .action(
      act((o: Options) => {
        const by = who('rollback', o);
        return withDb(o.db, (db) => {
          const r = new PolicyStore(db).rollback(by, 'requested');
          io.out(o.json ? JSON.stringify(r) : `policy version ${r.from} rolled back${r.to !== undefined ? `: version ${r.to} is active again` : ': no policy is active'}`);
          return 0;
        });
      }),
    );
};

/** The gateway's mode and island mode: mode, isolate, release. */
const registerSteer: Register = (root, io, act) => {
  common(root.command('mode'))
    .description(`the mode a running gateway follows (${GATEWAY_MODES.join(', ')}); without MODE: the one set`)
    .argument('[mode]', GATEWAY_MODES.join(', '))
    .option('--by <name>', 'who switches it (required to switch)')
    .action(
      act((wanted: string | undefined, o: Options) =>
        withDb(o.db, (db) => {
          const policies = new PolicyStore(db);
          if (!wanted) {
            io.out(o.json ? JSON.stringify({ mode: policies.mode() ?? null }) : (policies.mode() ?? 'not set (a gateway runs in the mode it was started with)'));
            return 0;
          }
          if (!isGatewayMode(wanted)) throw new UsageError(`bulkhead mode: must be ${GATEWAY_MODES.join(', ')}, got '${wanted}'`);
          policies.setMode(wanted, who('mode', o));
          io.out(`mode ${wanted}: a gateway following the store switches within a second, without interrupting allowed traffic`);
          return 0;
        }),
      ),
    );
  common(root.command('isolate'))
    .description('island mode: cut an address, CIDR block or zone off at once, in every mode; without TARGET: what is isolated')
    .argument('[target]', 'an address, a CIDR block or a zone id')
    .option('--by <name>', 'who isolates it (required)')
    .option('--reason <text>', 'why, for the audit log and the console')
    .action(
      act((target: string | undefined, o: Options) =>
        withDb(o.db, (db) => {
          const policies = new PolicyStore(db);
          if (!target) {
            const list = policies.isolations();
            io.out(o.json ? JSON.stringify(list) : list.length ? formatTable(['target', 'addresses', 'since', 'by', 'reason'], list.map((i) => [i.target, i.addresses.join(','), formatTime(i.since), i.by, i.reason || '-'])) : 'nothing is isolated');
            return 0;
          }
          const by = who('isolate', o);
          const addresses = isolate(policies, target, by, o.reason ?? '');
          io.out(`${target} isolated (${addresses.join(', ')}): an enforcing gateway cuts it off within a second, in every mode`);
          return 0;
        }),
      ),
    );
  common(root.command('release'))
    .description('end an isolation')
    .argument('<target>', 'the isolated target')
    .option('--by <name>', 'who releases it (required)')
    .action(
      act((target: string, o: Options) => {
        const by = who('release', o);
        return withDb(o.db, (db) => {
          new PolicyStore(db).release(target, by);
          io.out(`${target} released (an enforcing gateway restores its traffic within a second)`);
          return 0;
        });
      }),
    );
};

export const registerControl: Register = (root, io, act) => {
  registerChange(root, io, act);
  registerSteer(root, io, act);
};
