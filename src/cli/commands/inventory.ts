// `bulkhead assets` and `bulkhead conversations`: the learned inventory and baseline.

import { isProtocol, PROTOCOLS } from '../../../protocols/registry.js';
import { learnedNames } from '../../app/policy.js';
import { LearnStore } from '../../store/learn-store.js';
import { formatAssets, formatConversations } from '../format/inventory.js';
import { common, UsageError, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

type Options = Common & { ip?: string; protocol?: string };

export const registerInventory: Register = (root, io, act) => {
  const protocol = (command: string, o: Options) => {
    if (o.protocol && !isProtocol(o.protocol)) throw new UsageError(`bulkhead ${command}: --protocol must be one of ${PROTOCOLS.map((m) => m.name).join(', ')}, got '${o.protocol}'`);
  };
  common(root.command('assets'))
    .description('the asset inventory')
    .option('--ip <addr>', 'only this address')
    .option('--protocol <p>', `only hosts speaking ${PROTOCOLS.map((m) => m.name).join(', ')}`)
    .action(
      act((o: Options) => {
        protocol('assets', o);
        return withDb(o.db, (db) => {
          const assets = new LearnStore(db).assets().filter((a) => (!o.ip || a.ip === o.ip) && (!o.protocol || (a.protocols as string[]).includes(o.protocol)));
          io.out(o.json ? JSON.stringify(assets) : formatAssets(assets));
          return 0;
        });
      }),
    );
  common(root.command('conversations'))
    .description('the conversation baseline')
    .option('--ip <addr>', 'only conversations of this address')
    .option('--protocol <p>', `only ${PROTOCOLS.map((m) => m.name).join(', ')}`)
    .action(
      act((o: Options) => {
        protocol('conversations', o);
        return withDb(o.db, (db) => {
          const learn = new LearnStore(db);
          const convs = learn.conversations({ ...(o.ip ? { ip: o.ip } : {}), ...(o.protocol ? { protocol: o.protocol } : {}) });
          io.out(o.json ? JSON.stringify(convs) : formatConversations(convs, learnedNames(learn)));
          return 0;
        });
      }),
    );
};
