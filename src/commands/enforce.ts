// `bulkhead enforce`: the policy inline on this gateway's bridge. The kernel table takes host and
// port decisions; rules that restrict operations are queued to the inspector, whose verdicts come
// from the same evaluator as simulation. Stopping removes both (the gateway becomes a plain
// bridge: the bypass state).

import { compileNft, type EnforceMode } from '../enforce/nft-compiler.js';
import { applyNft, nftUnavailable, removeNft, verifyNft } from '../enforce/nft-apply.js';
import { Inspector, type InspectionEvent } from '../enforce/inspector.js';
import { NfqueueUnavailable, openQueue, type Queue } from '../enforce/nfqueue.js';
import { installQueueRules, queueRules, removeQueueRules } from '../enforce/queue-rules.js';
import { compilePolicy } from '../policy/evaluate.js';
import type { Policy } from '../policy/model.js';

export interface EnforceOptions {
  mode: EnforceMode;
  queue: number;
  signal: AbortSignal;
  log: (line: string) => void;
  onEvent: (e: InspectionEvent) => void;
}

export class EnforceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EnforceError';
  }
}

export async function enforce(policy: Policy, label: string, o: EnforceOptions): Promise<{ inspected: number; denied: number; packets: number }> {
  const missing = nftUnavailable();
  if (missing) throw new EnforceError(`cannot enforce: ${missing}`);
  const program = compileNft(policy, { mode: o.mode });
  const failOpen = new Map(policy.conduits.flatMap((c) => c.rules.map((r) => [r.id, c.failMode !== 'closed'] as const)));
  const steer = queueRules(policy, o.queue, (id) => failOpen.get(id) ?? true);
  const inspector = new Inspector(compilePolicy(policy), o.mode, o.onEvent);
  let queue: Queue | undefined;
  try {
    queue = openQueue(o.queue, { maxLength: 4096, failOpen: true }, (p) => inspector.verdict(p));
  } catch (err) {
    if (!(err instanceof NfqueueUnavailable)) throw err;
    o.log(`WARNING: ${err.message}: ${steer.inspected.length} rules are enforced at host and port level only`);
  }
  try {
    try {
      applyNft(program);
      const drift = verifyNft(program);
      if (drift.length) throw new EnforceError(`the kernel's ruleset differs from the policy after applying it: ${drift.join('; ')}`);
      if (queue && steer.inspected.length) installQueueRules(steer.input);
    } catch (err) {
      if (err instanceof EnforceError) throw err;
      throw new EnforceError(`cannot enforce: ${(err as Error).message}`, { cause: err });
    }
    o.log(
      `${o.mode === 'enforce' ? 'enforcing' : 'monitoring (learn mode: nothing is dropped)'} policy ${label}: ${program.comments.length} kernel rules, ` +
        `${queue ? steer.inspected.length : 0} rules inspected per operation${steer.kernelOnly.length ? `, ${steer.kernelOnly.length} at host/port level only (OPC UA and broadcast rules are not inspected yet)` : ''}`,
    );
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    removeQueueRules();
    queue?.close();
    removeNft(program.table);
    o.log('stopped: inspection and kernel rules removed (the bridge forwards everything)');
  }
  return { inspected: inspector.counts.packets, denied: inspector.counts.denied, packets: queue?.stats().packets ?? 0 };
}
