// What the engine's inspection pool (inspection-pool.ts) and its workers (inspection-worker.ts)
// say to each other: the policy put in force, the workers' reports and their denials.

import type { TargetNames } from '../../protocols/protocol.js';
import type { Policy } from '../policy/model.js';
import type { InspectionEvent } from './inspector.js';
import type { LatencyStats } from './latency.js';
import type { EnforceMode } from './nft-compiler.js';

/** What a worker is put to inspect: the policy, the learned names its reasons use, the mode and the isolations. */
export interface InspectionSetting {
  policy: Policy;
  names?: TargetNames;
  mode: EnforceMode;
  isolated: readonly string[];
}

export interface WorkerStart extends InspectionSetting {
  queue: number;
  /** Packets the kernel holds for this queue before it passes (fail-open) or drops them. */
  maxLength: number;
}

export type ToWorker = ({ type: 'use'; id: number } & InspectionSetting) | { type: 'reset'; conduitId: string } | { type: 'close' };

export interface WorkerReport {
  type: 'report';
  queue: number;
  packets: number;
  denied: number;
  /** The addon's own count of packets received, and of callback failures or receive overruns. */
  received: { packets: number; errors: number };
  reassembly: { heldBytes: number; refused: number };
  latency: [string, LatencyStats][];
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string; unavailable: boolean }
  | { type: 'used'; id: number }
  | { type: 'events'; events: InspectionEvent[]; dropped: number }
  | WorkerReport;

/** How often a worker reports: under the engine's heartbeat period, so that a silent one is noticed in time. */
export const REPORT_MS = 200;
/** Denials held between two posts (a flood of hostile requests); more are counted, not kept. */
export const EVENT_BATCH = 1024;
