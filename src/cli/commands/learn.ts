// `bulkhead learn`: captures or a live interface into the baseline, or the learning progress.

import { learnInterface, learnPcaps, progressOf } from '../../app/learn.js';
import { LearnStore } from '../../store/learn-store.js';
import { PolicyStore } from '../../store/policy-store.js';
import { formatLearnReport, formatProgress } from '../format/learn.js';
import { common, dbPath, positiveNumber, stopOnSignals, UsageError, type Common } from '../io.js';
import type { Register } from '../register.js';
import { openDatabase } from '../../store/database.js';

interface LearnOptions extends Common {
  pcap?: boolean;
  interface?: string;
  filter?: string;
  seconds?: string;
  status?: boolean;
  quietHours?: string;
  untilPolicy?: boolean;
  respond?: boolean;
}

export const registerLearn: Register = (root, io, act) => {
  common(root.command('learn'))
    .description('learn captures (--pcap FILE..., in time order, resuming an interrupted import) or an interface (--interface IF, until Ctrl-C) into the baseline; --status: learning progress and convergence')
    .argument('[files...]', 'capture files, with --pcap')
    .option('--pcap', 'learn the capture files named')
    .option('--interface <if>', 'learn live from an interface (mirror port or bridge)')
    .option('--filter <bpf>', 'capture filter (default: TCP, BACnet/IP ports, IP fragments, non-IP frames, also VLAN-tagged)')
    .option('--seconds <n>', 'stop after N seconds')
    .option('--respond', 'with --interface: isolate the source of an alert where automatic response is set (bulkhead respond)')
    .option('--until-policy', 'stop once a policy is active (the gateway learns on its bridge until then)')
    .option('--status', 'learning progress and convergence')
    .option('--quiet-hours <n>', 'hours without new behaviour that count as converged (default 72)')
    .action(
      act(async (files: string[], o: LearnOptions) => {
        const modes = [o.pcap, o.interface !== undefined, o.status].filter(Boolean).length;
        if (modes !== 1) throw new UsageError('bulkhead learn: give exactly one of --pcap FILE..., --interface IF, --status');
        if (o.pcap && files.length === 0) throw new UsageError('bulkhead learn --pcap: name at least one capture file');
        if (!o.pcap && files.length > 0) throw new UsageError(`bulkhead learn: unexpected argument '${files[0]}' (capture files go after --pcap)`);
        if (o.respond && o.interface === undefined) throw new UsageError('bulkhead learn --respond: automatic response needs live traffic (--interface IF)');
        const quietHours = positiveNumber('learn', 'quiet-hours', o.quietHours);
        const seconds = positiveNumber('learn', 'seconds', o.seconds);
        const store = new LearnStore(openDatabase(dbPath(o.db)));
        try {
          if (o.status) {
            const p = progressOf(store, quietHours);
            io.out(o.json ? JSON.stringify(p) : formatProgress(p));
            return 0;
          }
          if (o.pcap) {
            const { report, failed } = await learnPcaps(store, files, {}, o.json ? () => {} : io.err);
            io.out(o.json ? JSON.stringify(report) : formatLearnReport(report));
            return failed ? 2 : 0;
          }
          const report = await learnInterface(store, o.interface!, o.filter, { ...(seconds ? { seconds } : {}), respond: o.respond === true, signal: learnSignal(store, o.untilPolicy === true, io.err) }, o.json ? () => {} : io.err);
          io.out(o.json ? JSON.stringify(report) : formatLearnReport(report));
          // The libpcap binding can abort in its destructor during teardown: everything is
          // committed and printed, so leave without tearing the runtime down.
          io.exitAtOnce();
          return 0;
        } finally {
          store.db.close();
        }
      }),
    );
};

/**
 * When live learning stops: a signal, or (`untilPolicy`, the gateway learning on its bridge)
 * once a policy is active. Under the gateway's supervisor, heartbeats for its watchdog meanwhile.
 */
function learnSignal(store: LearnStore, untilPolicy: boolean, err: (line: string) => void): AbortSignal {
  const stop = stopOnSignals();
  const beat = process.send ? setInterval(() => process.send!({ type: 'heartbeat' }), 250) : undefined;
  const policies = new PolicyStore(store.db);
  const watch = untilPolicy
    ? setInterval(() => {
        const active = policies.latest('active');
        if (!active) return;
        err(`policy version ${active.version} is active: learning stops, the engine takes over`);
        stop.abort();
      }, 1000)
    : undefined;
  stop.signal.addEventListener('abort', () => (clearInterval(beat), clearInterval(watch)), { once: true });
  return stop.signal;
}
