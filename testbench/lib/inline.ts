// What the inline tests need and whether this machine has it: namespaces (root), nftables,
// iptables-nft and br_netfilter for steering, and the NFQUEUE addon.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nftUnavailable } from '../../src/enforce/nft-apply.js';
import type { Policy } from '../../src/policy/model.js';
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

/** The inline tests' cell: an HMI that may read holding registers 0-9 of a PLC, and nothing else. */
export function cellPolicy(hmi: string, plc: string, failMode: 'open' | 'closed' = 'open'): Policy {
  return {
    bulkheadPolicy: 1,
    name: 'cell',
    defaultAction: 'deny',
    zones: [
      { id: 'control', name: 'Control', securityLevel: 3, members: [plc] },
      { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: [hmi] },
    ],
    conduits: [
      {
        id: 'sup-ctl',
        name: 'Supervisory-Control',
        zones: ['control', 'supervisory'],
        failMode,
        rules: [{ id: 'hmi-reads', protocol: 'modbus', port: 502, client: { hosts: [hmi] }, server: { hosts: [plc] }, allow: [{ kinds: ['read'], codes: [3], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[0, 9]] }] }] }],
      },
    ],
  };
}
