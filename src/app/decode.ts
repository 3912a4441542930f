// `bulkhead decode FILE...`: Operations and stream events as JSON lines, each tagged with what it
// is (`record`: operation or stream_event), or counts with --summary.

import { CaptureError, readCapture } from '../capture/capture-reader.js';
import { OperationDecoder, type DecoderStats, type StreamEvent } from '../flow/operation-decoder.js';
import type { Operation } from '../../protocols/operation.js';

export interface DecodeSummary {
  files: { path: string; format: string; packets: number; error?: string }[];
  stats: DecoderStats;
  /** protocol -> kind -> "code name" -> count */
  operations: Record<string, Record<string, Record<string, number>>>;
  anomalies: Record<string, number>;
}

export interface DecodeOptions {
  summary: boolean;
  json: boolean;
  write: (line: string) => void;
}

/** Decodes the files in order through one decoder (flows continue across rotated captures). */
export async function decodeFiles(paths: string[], opts: DecodeOptions): Promise<{ summary: DecodeSummary; failed: boolean }> {
  const summary: DecodeSummary = { files: [], stats: undefined as unknown as DecoderStats, operations: {}, anomalies: {} };
  const onOperation = (op: Operation) => {
    if (opts.summary) {
      const byKind = (summary.operations[op.protocol] ??= {});
      const byCode = (byKind[op.kind] ??= {});
      const key = `${op.code} ${op.codeName}`;
      byCode[key] = (byCode[key] ?? 0) + 1;
      for (const a of op.anomalies) summary.anomalies[a.type] = (summary.anomalies[a.type] ?? 0) + 1;
    } else opts.write(JSON.stringify({ record: 'operation', ...op }));
  };
  const onEvent = (e: StreamEvent) => {
    if (!opts.summary) opts.write(JSON.stringify({ record: 'stream_event', ...e }));
  };
  const decoder = new OperationDecoder(onOperation, onEvent);
  let failed = false;
  for (const path of paths) {
    try {
      const r = await readCapture(path, (p) => decoder.packet(p));
      summary.files.push({ path, format: r.format, packets: r.packets });
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      failed = true;
      summary.files.push({ path, format: 'unknown', packets: 0, error: err.message });
      process.stderr.write(`bulkhead decode: ${err.message}\n`);
    }
  }
  decoder.flush();
  summary.stats = decoder.stats;
  return { summary, failed };
}

