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

export interface TsharkConversation {
  a: { ip: string; port: number };
  b: { ip: string; port: number };
  frames: number;
}

/** `tshark -z conv,tcp|udp`: one row per 5-tuple conversation with its total frame count. */
export function tsharkConversations(file: string, kind: 'tcp' | 'udp'): TsharkConversation[] {
  const out = execFileSync('tshark', ['-r', file, '-n', '-q', '-z', `conv,${kind}`], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
  const endpoint = (s: string) => {
    const i = s.lastIndexOf(':');
    return { ip: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
  };
  const rows: TsharkConversation[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+<->\s+(\S+)\s+\d+\s+[\d.]+\s+\w+\s+\d+\s+[\d.]+\s+\w+\s+(\d+)\s/.exec(line);
    if (m) rows.push({ a: endpoint(m[1]!), b: endpoint(m[2]!), frames: Number(m[3]) });
  }
  return rows;
}

/** `tshark -z endpoints,ip` (and ipv6): the addresses that sent or received IP packets. */
export function tsharkEndpoints(file: string): Set<string> {
  const out = execFileSync('tshark', ['-r', file, '-n', '-q', '-z', 'endpoints,ip', '-z', 'endpoints,ipv6'], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
  const ips = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /^([0-9a-fA-F.:]+)\s+\d+\s+\d+/.exec(line);
    if (m && (m[1]!.includes('.') || m[1]!.includes(':'))) ips.add(m[1]!);
  }
  return ips;
}
