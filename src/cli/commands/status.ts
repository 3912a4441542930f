// `bulkhead status`: the gateway as it stands.

import { gatewayStatus } from '../../app/status.js';
import { PolicyStore } from '../../store/policy-store.js';
import { formatStatus } from '../format/status.js';
import { common, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

export const registerStatus: Register = (root, io, act) => {
  common(root.command('status'))
    .description('the gateway: mode, active policy, pending confirmation, isolations, engine health, supervisor and bypass, audit chain')
    .action(
      act((o: Common) =>
        withDb(o.db, (db) => {
          const s = gatewayStatus(new PolicyStore(db));
          io.out(o.json ? JSON.stringify(s) : formatStatus(s));
          return 0;
        }),
      ),
    );
};
