// Steering to deep inspection. This kernel family may lack the nftables `queue` expression, so
// the rules that need protocol detail are queued with the xtables NFQUEUE target (iptables-nft)
// on bridged traffic (br_netfilter), in a chain of their own, replaced atomically with
// iptables-restore. Fail-open conduits use --queue-bypass: no listener, the kernel forwards.

import { readFileSync, writeFileSync } from 'node:fs';
import type { Policy } from '../policy/model.js';
import { protocolModule } from '../../protocols/registry.js';
import { inspectedRule, steeredAddresses } from '../policy/steering.js';
import { runAsync, type Runner } from './exec.js';

export const CHAIN = 'BULKHEAD-DPI';

/** Inspection queues: `count` consecutive queues from `first`; the kernel spreads host pairs over them. */
export interface QueueRange {
  first: number;
  count: number;
}

/**
 * The xtables target's queue: one, or a range balanced by the kernel's flow hash (the two
 * addresses and the protocol, the same either way round: a connection stays on one queue).
 */
export function queueTarget(q: QueueRange): string {
  return q.count > 1 ? `--queue-balance ${q.first}:${q.first + q.count - 1}` : `--queue-num ${q.first}`;
}

/**
 * The iptables-restore input for the inspection chain: rules that restrict operations, by host
 * pair; conduits in `bypass` (over their latency budget, fail-open) are left to the kernel table.
 */
export function queueRules(p: Policy, queues: QueueRange, failOpen: (ruleId: string) => boolean, bypass: ReadonlySet<string> = new Set()): { input: string; inspected: string[]; kernelOnly: string[] } {
  const lines = ['*filter', `:${CHAIN} - [0:0]`, `-F ${CHAIN}`];
  const inspected: string[] = [];
  const kernelOnly: string[] = [];
  for (const r of p.conduits.flatMap((c) => (bypass.has(c.id) ? [] : c.rules))) {
    if (!r.allow) continue;
    // Broadcasts are not queued: the kernel table takes them at host and port level.
    if (!inspectedRule(r)) {
      kernelOnly.push(r.id);
      continue;
    }
    inspected.push(r.id);
    for (const c of steeredAddresses(p, r.client)) {
      for (const s of steeredAddresses(p, r.server)) {
        const service = protocolModule(r.protocol);
        const l4 = service.transport;
        // A protocol without a default port (OPC UA): the rule's host pair on any port, as in the kernel table.
        const dport = r.port ?? service.defaultPort;
        lines.push(`-A ${CHAIN} -p ${l4} -s ${c} -d ${s}${dport !== undefined ? ` --dport ${dport}` : ''} -m comment --comment ${r.id} -j NFQUEUE ${queueTarget(queues)}${failOpen(r.id) ? ' --queue-bypass' : ''}`);
      }
    }
  }
  lines.push('COMMIT', '');
  return { input: lines.join('\n'), inspected, kernelOnly };
}

const BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables';
/** 802.1Q-tagged IPv4 through the same hooks: without it a tagged request bypasses inspection. */
const BRIDGE_NF_VLAN = '/proc/sys/net/bridge/bridge-nf-filter-vlan-tagged';

/** Whether bridged IPv4 passes the iptables hooks (br_netfilter); undefined without the module. */
export function bridgeNetfilter(): boolean | undefined {
  try {
    return readFileSync(BRIDGE_NF, 'utf8').trim() === '1';
  } catch {
    return undefined;
  }
}

/**
 * Sends bridged IPv4, untagged and 802.1Q-tagged, through the iptables hooks or not. Off
 * whenever nothing is inspected: every bridged packet pays for the hooks while it is on. (A
 * frame with two tags, 802.1ad, is never handed to the hooks: the kernel table refuses it.)
 */
export function setBridgeNetfilter(on: boolean): void {
  try {
    writeFileSync(BRIDGE_NF, on ? '1' : '0');
    writeFileSync(BRIDGE_NF_VLAN, on ? '1' : '0');
  } catch (err) {
    throw new Error(`cannot ${on ? 'enable' : 'disable'} br_netfilter for bridged traffic: ${(err as Error).message} (is the br_netfilter module loaded?)`, { cause: err });
  }
}

/** Installs the chain and the jump to it (from `bridge` only, when named); bridged IPv4 is made to pass the ip hooks. */
export async function installQueueRules(input: string, exec: Runner = runAsync, bridge?: string): Promise<void> {
  // br_netfilter: bridged IPv4 traverses iptables FORWARD, where NFQUEUE is available.
  setBridgeNetfilter(true);
  const r = await exec('iptables-restore', ['--noflush'], input);
  if (r.status !== 0) throw new Error(`iptables-restore refused the inspection rules (nothing changed): ${r.stderr.trim()}`);
  const jump = [...(bridge ? ['-i', bridge] : []), '-j', CHAIN];
  if ((await exec('iptables', ['-C', 'FORWARD', ...jump])).status !== 0) {
    const j = await exec('iptables', ['-I', 'FORWARD', '1', ...jump]);
    if (j.status !== 0) throw new Error(`cannot hook the inspection chain: ${j.stderr.trim()}`);
  }
}

export async function removeQueueRules(exec: Runner = runAsync): Promise<void> {
  // Every jump to the chain, whatever bridge it was limited to.
  for (const line of (await exec('iptables', ['-S', 'FORWARD'])).stdout.split('\n')) {
    if (line.startsWith('-A FORWARD ') && line.endsWith(`-j ${CHAIN}`)) await exec('iptables', ['-D', ...line.slice(3).split(' ')]);
  }
  await exec('iptables', ['-F', CHAIN]);
  await exec('iptables', ['-X', CHAIN]);
}
