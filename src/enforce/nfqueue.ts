// The NFQUEUE binding (src/enforce/native): packets queued by the kernel, one verdict each.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BulkheadError } from '../errors.js';

export const NF_DROP = 0;
export const NF_ACCEPT = 1;
/** Accept the packet as the callback rewrote it in its buffer (the IP header gives its new length). */
export const NF_MANGLED = 2;

interface Native {
  open(queue: number, maxLength: number, failOpen: boolean, onPacket: (packet: Buffer) => number): unknown;
  close(handle: unknown): void;
  stats(handle: unknown): [number, number];
}

export class NfqueueUnavailable extends BulkheadError {
  constructor(message: string) {
    super('BH_ENFORCE', message);
    this.name = 'NfqueueUnavailable';
  }
}

let native: Native | undefined;

/** The addon, built by `npm run build:native` into src/enforce/native/build. */
function load(): Native {
  if (native) return native;
  const here = import.meta.dirname;
  const candidates = [join(here, 'native', 'build', 'Release', 'nfqueue.node'), join(here, '..', '..', '..', 'src', 'enforce', 'native', 'build', 'Release', 'nfqueue.node')];
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new NfqueueUnavailable('deep inspection is unavailable: the NFQUEUE addon is not built (apt-get install libnetfilter-queue-dev, then npm run build:native)');
  native = createRequire(import.meta.url)(path) as Native;
  return native;
}

export interface Queue {
  close(): void;
  /** Packets seen, and callback failures or receive overruns. */
  stats(): { packets: number; errors: number };
}

/**
 * Binds queue `num`. `onPacket` gets the IP packet and returns NF_ACCEPT, NF_DROP or NF_MANGLED; if it throws,
 * the packet gets the fail mode's verdict (accept when failOpen), as it does when the queue is full.
 */
export function openQueue(num: number, options: { maxLength: number; failOpen: boolean }, onPacket: (packet: Buffer) => number): Queue {
  const n = load();
  let handle: unknown;
  try {
    handle = n.open(num, options.maxLength, options.failOpen, onPacket);
  } catch (err) {
    throw new NfqueueUnavailable(`queue ${num}: ${(err as Error).message}`);
  }
  let open = true;
  return {
    close: () => {
      if (open) n.close(handle);
      open = false;
    },
    stats: () => {
      const [packets, errors] = open ? n.stats(handle) : [0, 0];
      return { packets, errors };
    },
  };
}
