// `bulkhead start --bridge BR`: the gateway on this box, supervised, until stopped (root). The
// appliance's service runs it with --config; the demo plant is `bulkhead demo`.

import { dirname, resolve } from 'node:path';
import { loadConfig, RETENTION_DEFAULTS, type ApplianceConfig, type SiemTarget } from '../../config/appliance-config.js';
import { nftUnavailable } from '../../enforce/nft-apply.js';
import { EnforceError } from '../../enforce/ruleset.js';
import { GATEWAY_MODES, isGatewayMode } from '../../gateway/health.js';
import { serviceManager } from '../../gateway/sd-notify.js';
import { supervise } from '../../gateway/supervisor.js';
import { PolicyStore } from '../../store/policy-store.js';
import { bridgeCheck, common, dbPath, gatewayFromConfig, onStopOption, portsOption, positiveNumber, queueCount, queueNumber, relayDriver, stopOnSignals, UsageError, withDb, type GatewayValues } from '../io.js';
import type { Register } from '../register.js';

interface StartValues extends GatewayValues {
  mode?: string;
  watchdogMs?: string;
  startupMs?: string;
  onStop?: string;
  by?: string;
  config?: string;
  watch?: boolean;
}

export const registerStart: Register = (root, io, act) => {
  common(root.command('start'))
    .description('the gateway: the active policy inline on bridge BR, supervised, until stopped (root); with no policy active yet, it learns on BR until one is applied')
    .option('--bridge <br>', 'the plant bridge (required, unless --config names it)')
    .option('--config <file>', "the appliance's configuration (database, bridge, ports, mode, watchdog, bypass, retention, SIEM; flags win)")
    .option('--ports <p1,p2>', "the bridge's plant ports: guarded from the start, even before they join the bridge")
    .option('--mode <m>', `${GATEWAY_MODES.join(', ')} (recorded in the store; default: as last set, else enforce)`)
    .option('--by <name>', 'who sets the mode (default: bulkhead start)')
    .option('--queue <n>', 'NFQUEUE number for deep inspection (default 0)')
    .option('--queues <n>', 'inspect on N queues from --queue, a worker thread each (default: one per core, at most 4)')
    .option('--watchdog-ms <n>', 'an engine silent this long is killed and restarted (default 2000)')
    .option('--startup-ms <n>', "how long an engine may take to report in after it starts (default 20000)")
    .option('--bypass-driver <d>', 'hardware bypass relay engaged while the engine is down: simulated:FILE, gpio:PATH[:active-low], sysfs:PATH:ON:OFF or watchdog:PATH:SECONDS')
    .option('--no-watch', 'no detection beside the engine (the watcher learning and judging the bridge\'s traffic)')
    .option('--on-stop <s>', 'what stopping leaves: remove (a plain bridge; the default) or fail-state (each conduit in its fail state; the default with --config)')
    .action(
      act((o: StartValues) => {
        let retention: Required<NonNullable<ApplianceConfig['retention']>> = { ...RETENTION_DEFAULTS };
        let siem: SiemTarget[] = [];
        if (o.config) {
          // The appliance's file gives what the command line does not.
          const c = loadConfig(o.config);
          gatewayFromConfig(o, c);
          o.mode ??= c.gateway?.mode;
          o.watchdogMs ??= c.gateway?.watchdogMs?.toString();
          // The appliance's service leaves each conduit in its fail state unless the file says otherwise.
          o.onStop ??= c.gateway?.onStop ?? 'fail-state';
          retention = { ...RETENTION_DEFAULTS, ...c.retention };
          siem = c.siem ?? [];
        }
        if (o.bridge === undefined) throw new UsageError('bulkhead start: name the plant bridge with --bridge BR (or --config FILE); the demo plant is bulkhead demo');
        return startGateway(o, o.bridge, retention, siem, io.err);
      }),
    );
};

async function startGateway(o: StartValues, bridge: string, retention: Required<NonNullable<ApplianceConfig['retention']>>, siem: SiemTarget[], err: (line: string) => void): Promise<number> {
  bridgeCheck('start', bridge);
  const ports = portsOption('start', o.ports, bridge);
  const queue = queueNumber('start', o.queue);
  const queues = queueCount('start', o.queues, queue);
  const watchdogMs = positiveNumber('start', 'watchdog-ms', o.watchdogMs) ?? 2000;
  const startupMs = positiveNumber('start', 'startup-ms', o.startupMs) ?? 20_000;
  if (o.mode !== undefined && !isGatewayMode(o.mode)) throw new UsageError(`bulkhead start: --mode must be ${GATEWAY_MODES.join(', ')}, got '${o.mode}'`);
  const onStop = onStopOption('start', o.onStop);
  const bypass = relayDriver('start', o.bypassDriver);
  const notify = serviceManager();
  const missing = nftUnavailable();
  if (missing) throw new EnforceError(`cannot enforce: ${missing}`);
  const path = dbPath(o.db);
  return withDb(path, async (db) => {
    const store = new PolicyStore(db);
    if (o.mode !== undefined && o.mode !== store.mode()) store.setMode(o.mode, o.by ?? 'bulkhead start');
    const active = store.latest('active');
    err(`bulkhead gateway on ${bridge}: mode ${store.mode() ?? 'enforce'}, ${active ? `policy ${active.version}` : 'no policy active yet: learning until one is applied'}, watchdog ${watchdogMs} ms${bypass ? `, hardware bypass ${bypass.spec}` : ''}`);
    const s = await supervise({
      engineArgs: ['--db', path, '--queue', String(queue), '--queues', String(queues), '--bridge', bridge, ...(ports ? ['--ports', ports.join(',')] : [])],
      learnArgs: ['--db', path, '--interface', bridge],
      watch: o.watch !== false,
      watchdogMs,
      startupMs,
      onStop,
      housekeeping: { dataDir: dirname(resolve(path)), storageWarnPercent: retention.storageWarnPercent, eventsDays: retention.eventsDays },
      ...(bypass ? { bypass } : {}),
      ...(notify ? { notify } : {}),
      ...(siem.length ? { siem } : {}),
      store,
      signal: stopOnSignals().signal,
      log: err,
    });
    err(`stopped after ${s.restarts} engine restart${s.restarts === 1 ? '' : 's'}`);
    return 0;
  });
}
