// What the inline tests need and whether this machine has it: namespaces (root), nftables,
// iptables-nft and br_netfilter for steering, and the NFQUEUE addon.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nftUnavailable } from '../../src/enforce/nft-apply.js';
import { netnsUnavailable } from '../plant/lan.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** The built peers (tests run from source, peers as built JavaScript). */
export const PEERS = join(ROOT, 'dist', 'testbench', 'plant', 'peers');
const ADDON = join(ROOT, 'src', 'enforce', 'native', 'build', 'Release', 'nfqueue.node');

/** Why inline deep inspection cannot be tested here, or undefined when it can. */
export function inlineUnavailable(): string | undefined {
  return (
    netnsUnavailable() ??
    nftUnavailable() ??
    (spawnSync('iptables', ['--version']).status !== 0 ? 'iptables (iptables-nft) is not installed' : undefined) ??
    (existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables') ? undefined : 'br_netfilter is not loaded: bridged traffic cannot reach NFQUEUE') ??
    (existsSync(ADDON) ? undefined : 'the NFQUEUE addon is not built (libnetfilter-queue-dev missing)')
  );
}

export { cellPolicy } from '../../src/test-support/cell-policy.js';
