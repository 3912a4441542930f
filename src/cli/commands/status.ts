// `bulkhead status`: the gateway as it stands. `bulkhead next`: the guided path to enforcement,
// the step to take now and why (what the console's dashboard shows).

import { guidedPath } from '../../app/guided-path.js';
import { gatewayStatus } from '../../app/status.js';
import { PolicyStore } from '../../store/policy-store.js';
import { formatGuidedPath, formatStatus } from '../format/status.js';
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
  common(root.command('next'))
    .description('the guided path from learning to enforcement: each step done or not, the one to take now, what to do and why')
    .action(
      act((o: Common) =>
        withDb(o.db, (db) => {
          const path = guidedPath(db);
          io.out(o.json ? JSON.stringify(path) : formatGuidedPath(path));
          return 0;
        }),
      ),
    );
};
