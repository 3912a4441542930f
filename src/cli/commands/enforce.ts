// `bulkhead enforce --policy V`: the engine in the foreground on this gateway's bridge.

import { runEngine } from '../../gateway/engine-run.js';
import { isGatewayMode } from '../../gateway/health.js';
import { loadPolicy } from '../../gateway/policy-ref.js';
import { PolicyStore } from '../../store/policy-store.js';
import { bridgeCheck, common, onStopOption, portsOption, positiveNumber, queueCount, queueNumber, stopOnSignals, UsageError, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

interface EnforceValues extends Common {
  policy?: string;
  mode?: string;
  queue?: string;
  queues?: string;
  seconds?: string;
  bridge?: string;
  ports?: string;
  onStop?: string;
}

export const registerEnforce: Register = (root, io, act) => {
  common(root.command('enforce'))
    .description("enforce a policy inline on this gateway's bridge until stopped (root); with --policy active it follows apply, confirm, rollback, mode and isolations")
    .option('--policy <v>', 'a version, latest, active, or a file (required)')
    .option('--mode <m>', 'enforce (default; following the store: as last set there), learn (nothing is dropped, would-deny events) or bypass')
    .option('--queue <n>', 'NFQUEUE number for deep inspection (default 0)')
    .option('--queues <n>', 'inspect on N queues from --queue, a worker thread each, host pairs balanced over them by the kernel (default: one per core, at most 4)')
    .option('--seconds <n>', 'stop after N seconds')
    .option('--bridge <br>', "the gateway's bridge (default: every bridge in this network namespace)")
    .option('--ports <p1,p2>', "the bridge's plant ports: guarded even before they join it")
    .option('--on-stop <s>', 'what stopping leaves: remove (a plain bridge; the default) or fail-state (each conduit in its fail state)')
    .action(
      act((o: EnforceValues) => {
        const onStop = onStopOption('enforce', o.onStop);
        const ports = portsOption('enforce', o.ports, o.bridge);
        if (!o.policy) throw new UsageError('bulkhead enforce: name the policy with --policy (a version, latest, active, or a file)');
        const queue = queueNumber('enforce', o.queue);
        const queues = queueCount('enforce', o.queues, queue);
        const seconds = positiveNumber('enforce', 'seconds', o.seconds);
        if (o.bridge !== undefined) bridgeCheck('enforce', o.bridge);
        return withDb(o.db, async (db) => {
          const policies = new PolicyStore(db);
          const follow = o.policy === 'active';
          policies.expirePending(Date.now() / 1000);
          const loaded = loadPolicy(policies, o.policy!);
          // Following the store, the mode last set there wins (a restarted engine resumes it).
          const mode = o.mode ?? (follow ? policies.mode() : undefined) ?? 'enforce';
          if (!isGatewayMode(mode)) throw new UsageError(`bulkhead enforce: --mode must be enforce, learn or bypass, got '${mode}'`);
          const r = await runEngine(db, loaded, {
            mode,
            queue,
            queues,
            signal: stopOnSignals(seconds).signal,
            log: io.err,
            onEvent: (e) => io.out(JSON.stringify({ ts: new Date().toISOString(), ...e })),
            onStop,
            follow,
            ...(o.bridge ? { bridge: o.bridge } : {}),
            ...(ports ? { ports } : {}),
          });
          io.err(`inspected ${r.inspected} packets, ${r.denied} ${mode === 'enforce' ? 'denied' : 'would have been denied'}`);
          return 0;
        });
      }),
    );
};
