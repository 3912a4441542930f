// `bulkhead failsafe`: the active policy's rules in the kernel with nobody inspecting, each
// conduit in its fail state (after the gateway stops, and at boot), or a plain bridge (--clear).

import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/appliance-config.js';
import { failsafe } from '../../gateway/failsafe.js';
import { PolicyStore } from '../../store/policy-store.js';
import { formatFailState } from '../format/failsafe.js';
import { common, gatewayFromConfig, portsOption, queueNumber, relayDriver, withDb, type GatewayValues } from '../io.js';
import type { Register } from '../register.js';

export const registerFailsafe: Register = (root, io, act) => {
  common(root.command('failsafe'))
    .description("put the active policy's rules in the kernel with nobody inspecting: each conduit in its fail state, the bypass relay engaged where none is fail-closed (run after the gateway stops)")
    .option('--config <file>', "database, bridge, ports, queue and relay from the appliance's configuration")
    .option('--bridge <br>', 'the plant bridge')
    .option('--ports <p1,p2>', 'the table for these plant ports, whether or not the bridge exists yet (at boot)')
    .option('--queue <n>', 'NFQUEUE number the fail-open conduits are queued to with bypass (default 0)')
    .option('--bypass-driver <d>', 'the hardware bypass relay (as for start)')
    .option('--clear', 'remove every rule instead (a plain bridge) and release the relay')
    .option('--by <name>', 'who (default: bulkhead failsafe)')
    .action(
      act((o: GatewayValues & { config?: string; clear?: boolean; by?: string }) => {
        if (o.config) gatewayFromConfig(o, loadConfig(o.config));
        const queue = queueNumber('failsafe', o.queue);
        const bypass = relayDriver('failsafe', o.bypassDriver);
        const ports = portsOption('failsafe', o.ports, o.bridge);
        // At boot the bridge is not there yet: its configured ports are guarded by name. A bridge that
        // is gone with no ports named still gets a table, for every bridge of this box.
        const bridge = o.bridge !== undefined && (ports || existsSync(`/sys/class/net/${o.bridge}/brif`)) ? o.bridge : undefined;
        if (o.bridge !== undefined && !bridge) io.err(`bulkhead failsafe: bridge ${o.bridge} is not here and no ports are named: the rules apply to every bridge of this box`);
        return withDb(o.db, async (db) => {
          const s = await failsafe({ store: new PolicyStore(db), queue, by: o.by ?? 'bulkhead failsafe', ...(bridge ? { bridge } : {}), ...(ports ? { ports } : {}), ...(bypass ? { bypass } : {}), ...(o.clear ? { clear: true } : {}) });
          bypass?.close?.(o.clear === true);
          io.out(o.json ? JSON.stringify(s) : formatFailState(s));
          return 0;
        });
      }),
    );
};
