// Applying the compiled table with nft, reading it back (IEC 62443-3-3 SR 3.3: the ruleset in
// the kernel is the one intended), reading its counters, and removing it cleanly.

import type { NftProgram } from './nft-compiler.js';
import { BulkheadError } from '../errors.js';
import { run, runAsync, type Ran } from './exec.js';

/** Runs nft with arguments and optional stdin (inside a namespace, a test prefixes `ip netns exec`). */
export type NftRunner = (args: string[], input?: string) => Ran;
/** Either form: what applying and reading back the table take. */
export type AsyncNftRunner = (args: string[], input?: string) => Ran | Promise<Ran>;

export const runNft: NftRunner = (args, input) => run('nft', args, input);

/** nft without blocking the caller's event loop (the engine verdicts packets on it meanwhile). */
export const runNftAsync: AsyncNftRunner = (args, input) => runAsync('nft', args, input);

export class NftError extends BulkheadError {
  constructor(message: string) {
    super('BH_ENFORCE', message);
    this.name = 'NftError';
  }
}

/** Why nftables cannot be used here, or undefined. */
export function nftUnavailable(run: NftRunner = runNft): string | undefined {
  const r = run(['--version']);
  if (r.status !== 0) return `nft is not installed (${r.stderr.trim() || 'not found'}): apt-get install nftables`;
  const list = run(['list', 'tables']);
  if (list.status !== 0) return `nft cannot talk to the kernel: ${list.stderr.trim()} (needs root or CAP_NET_ADMIN)`;
  return undefined;
}

/** Loads the whole table in one transaction: it applies entirely or not at all. */
export async function applyNft(program: NftProgram, run: AsyncNftRunner = runNftAsync): Promise<void> {
  const r = await run(['-f', '-'], program.script);
  if (r.status !== 0) throw new NftError(`nft refused the ruleset (nothing was changed): ${r.stderr.trim()}`);
}

export interface RuleCounter {
  comment: string;
  packets: number;
  bytes: number;
}

interface NftJsonRule {
  rule?: { comment?: string; expr?: { counter?: { packets: number; bytes: number } }[] };
}

/** The table's rules as the kernel holds them, in order, with their counters. */
export async function readRules(table: string, run: AsyncNftRunner = runNftAsync): Promise<RuleCounter[]> {
  const r = await run(['-j', 'list', 'table', 'bridge', table]);
  if (r.status !== 0) throw new NftError(`cannot read table bridge ${table}: ${r.stderr.trim()}`);
  const doc = JSON.parse(r.stdout) as { nftables: NftJsonRule[] };
  const out: RuleCounter[] = [];
  for (const item of doc.nftables) {
    if (!item.rule?.comment) continue;
    const counter = item.rule.expr?.find((e) => e.counter)?.counter;
    out.push({ comment: item.rule.comment, packets: counter?.packets ?? 0, bytes: counter?.bytes ?? 0 });
  }
  return out;
}

/** Compares the kernel's rules with the program's: empty when they are the same, else what differs. */
export async function verifyNft(program: NftProgram, run: AsyncNftRunner = runNftAsync): Promise<string[]> {
  const got = (await readRules(program.table, run)).map((r) => r.comment);
  const want = program.comments;
  const problems: string[] = [];
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (got[i] !== want[i]) problems.push(`rule ${i + 1}: expected ${want[i] ?? '(none)'}, kernel has ${got[i] ?? '(none)'}`);
    if (problems.length >= 10) break;
  }
  return problems;
}

/** Removes the table; a table already gone is not an error. */
export async function removeNft(table: string, run: AsyncNftRunner = runNftAsync): Promise<void> {
  const r = await run(['delete', 'table', 'bridge', table]);
  if (r.status !== 0 && !/No such file or directory/.test(r.stderr)) throw new NftError(`cannot remove table bridge ${table}: ${r.stderr.trim()}`);
}

/**
 * Whether this kernel has the nftables `queue` expression for bridged traffic: a probe table is
 * loaded and removed. Without it, inspection is steered by the xtables NFQUEUE target.
 */
export function nftQueueSupported(run: NftRunner = runNft): boolean {
  const probe = 'bulkhead_queue_probe';
  const r = run(['-f', '-'], `table bridge ${probe} {\n  chain c {\n    type filter hook forward priority 0; policy accept;\n    meta l4proto tcp tcp dport 9 queue num 65535 bypass\n  }\n}\n`);
  run(['delete', 'table', 'bridge', probe]);
  return r.status === 0;
}
