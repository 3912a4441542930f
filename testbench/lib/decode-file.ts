// Decodes a capture into memory: the shape tests want (operations and events, by frame).

import { readCapture } from '../../src/capture/capture-reader.js';
import { OperationDecoder, type StreamEvent } from '../../src/flow/operation-decoder.js';
import type { FlowLimits } from '../../src/flow/limits.js';
import type { Operation } from '../../protocols/operation.js';

export interface Decoded {
  operations: Operation[];
  events: StreamEvent[];
  byFrame: Map<number, Operation[]>;
}

export async function decodeFile(path: string, limits: Partial<FlowLimits> = {}): Promise<Decoded> {
  const operations: Operation[] = [];
  const events: StreamEvent[] = [];
  const decoder = new OperationDecoder((op) => operations.push(op), (e) => events.push(e), limits);
  await readCapture(path, (p) => decoder.packet(p));
  decoder.flush();
  const byFrame = new Map<number, Operation[]>();
  for (const op of operations) {
    const list = byFrame.get(op.evidence.frame) ?? [];
    list.push(op);
    byFrame.set(op.evidence.frame, list);
  }
  return { operations, events, byFrame };
}
