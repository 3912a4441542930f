// The captures that have golden decodes, and where their expected output lives: one JSON-lines
// file per capture, exactly what `bulkhead decode` prints for it.

import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeFiles } from '../../src/app/decode.js';

const HERE = import.meta.dirname.includes('/dist/') ? join(import.meta.dirname, '..', '..', '..', 'testbench', 'golden') : import.meta.dirname;
const ROOT = join(HERE, '..', '..');
const SHARED = join(ROOT, '..', 'shared', 'pcaps');

export interface GoldenCapture {
  capture: string;
  golden: string;
}

/** Every shared capture and testbench fixture, with its golden file. */
export function goldenCaptures(): GoldenCapture[] {
  const dirs = [...['modbus', 'bacnet', 'opcua'].map((d) => join(SHARED, d)), join(ROOT, 'testbench', 'fixtures', 'demo')];
  return dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => /\.pcap(ng)?$/.test(f))
      .map((f) => ({ capture: join(d, f), golden: join(HERE, basename(dirname(join(d, f))), `${f.replace(/\.pcap(ng)?$/, '')}.jsonl`) })),
  );
}

/** What `bulkhead decode` prints for one capture, line by line. */
export async function decodeLines(capture: string): Promise<string[]> {
  const lines: string[] = [];
  await decodeFiles([capture], { summary: false, json: false, write: (l) => lines.push(l) });
  return lines;
}
