// Runs tshark, the independent decoder our tests and benchmarks compare against.

import { execFileSync, spawnSync } from 'node:child_process';

export function tsharkAvailable(): boolean {
  return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Fields per frame: tshark -T fields with every occurrence, comma-aggregated. Returns one row
 * per frame that matched `filter`, as { frame, values: string[][] } (one list per field).
 */
export function tsharkFields(file: string, filter: string, fields: string[], decodeAs: string[] = []): { frame: number; values: string[][] }[] {
  const args = ['-r', file, '-n', '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t', '-e', 'frame.number'];
  for (const d of decodeAs) args.push('-d', d);
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const [frame, ...cols] = line.split('\t');
      return { frame: Number(frame), values: fields.map((_, i) => (cols[i] ? cols[i]!.split(',') : [])) };
    });
}
