// Putting a policy into the kernel on this gateway: the nftables table (host and port decisions,
// isolations, the default) and the steering of operation-level rules to the inspection queue,
// applied whole and read back. Shared by the running engine and by `bulkhead failsafe`, which
// installs the same rules with nobody listening on the queue: each conduit in its fail state.

import { readdirSync } from 'node:fs';
import { compileNft, type EnforceMode, type NftProgram } from './nft-compiler.js';
import { applyNft, verifyNft } from './nft-apply.js';
import { bridgeNetfilter, installQueueRules, queueRules, removeQueueRules, setBridgeNetfilter, type QueueRange } from './queue-rules.js';
import type { Conduit, Policy } from '../policy/model.js';
import { BulkheadError } from '../errors.js';

export class EnforceError extends BulkheadError {
  constructor(message: string, options?: ErrorOptions) {
    super('BH_ENFORCE', message, options);
    this.name = 'EnforceError';
  }
}

/** Whether a conduit passes nothing while nobody inspects it. Learn mode promises to drop nothing: there, none does. */
export function failsClosed(c: Pick<Conduit, 'failMode'>, mode: string): boolean {
  return c.failMode === 'closed' && mode !== 'learn';
}

/**
 * The ports the table guards: the bridge's ports as the kernel lists them now, and the plant ports
 * the configuration names, so that a port that joins late (at boot, or while the gateway is down)
 * is guarded the moment it joins. Names match whether or not the interface exists yet.
 */
export function guardedPorts(bridge: string, configured: readonly string[] = []): string[] {
  let live: string[] = [];
  try {
    live = readdirSync(`/sys/class/net/${bridge}/brif`);
  } catch (err) {
    if (configured.length === 0) throw new EnforceError(`cannot read the ports of bridge ${bridge}: ${(err as Error).message}`, { cause: err });
  }
  const ports = [...new Set([...live, ...configured])].sort();
  if (ports.length === 0) throw new EnforceError(`bridge ${bridge} has no ports: add the plant ports (ip link set PORT master ${bridge})`);
  return ports;
}

export interface RulesetOptions {
  mode: EnforceMode;
  /** The gateway's bridge; without it, every bridge in this network namespace is under the policy. */
  bridge?: string;
  /** The bridge's plant ports as configured: guarded even while they are not (yet) in the bridge. */
  ports?: readonly string[];
  isolated: string[];
  /** Deep inspection: the queues, and whether the table steers to them (else the xtables NFQUEUE target). */
  inspect?: { queues: QueueRange; nftQueue: boolean };
  /** Fail-open conduits over their latency budget: left to the kernel rules. */
  bypassed?: ReadonlySet<string>;
  /** Called where nothing is inspected any more (the xtables steering and br_netfilter go). */
  stopInspecting: () => Promise<void>;
}

export interface InstalledRuleset {
  program: NftProgram;
  ports?: string[];
  /** Rules whose operations are judged by the inspector. */
  inspected: string[];
  /** Rules enforced at host and port level only (broadcast servers). */
  kernelOnly: string[];
}

/** Applies `policy` atomically (nft and iptables-restore take all or nothing) and checks the kernel holds it. */
export async function installRuleset(policy: Policy, o: RulesetOptions): Promise<InstalledRuleset> {
  const ports = o.bridge ? guardedPorts(o.bridge, o.ports) : undefined;
  const failOpen = new Map(policy.conduits.flatMap((c) => c.rules.map((r) => [r.id, !failsClosed(c, o.mode)] as const)));
  const steer = queueRules(policy, o.inspect?.queues ?? { first: 0, count: 1 }, (id) => failOpen.get(id) ?? true, o.bypassed);
  const byTable = o.inspect?.nftQueue ? new Map(steer.inspected.map((id) => [id, failOpen.get(id) ?? true])) : undefined;
  const program = compileNft(policy, { mode: o.mode, isolated: o.isolated, ...(ports ? { bridgePorts: ports } : {}), ...(byTable ? { queue: { num: o.inspect!.queues.first, count: o.inspect!.queues.count, rules: byTable } } : {}) });
  try {
    await applyNft(program);
    const drift = await verifyNft(program);
    if (drift.length) throw new EnforceError(`the kernel's ruleset differs from the policy after applying it: ${drift.join('; ')}`);
    if (o.inspect && !o.inspect.nftQueue && steer.inspected.length) await installQueueRules(steer.input, undefined, o.bridge);
    else await o.stopInspecting();
  } catch (err) {
    if (err instanceof EnforceError) throw err;
    throw new EnforceError(`cannot enforce: ${(err as Error).message}`, { cause: err });
  }
  return { program, ...(ports ? { ports } : {}), inspected: o.inspect ? steer.inspected : [], kernelOnly: steer.kernelOnly };
}

/**
 * Stops inspecting: the steering goes and br_netfilter is put back as found (every bridged packet
 * pays for its hooks while it is on).
 */
export function inspectionStopper(): () => Promise<void> {
  const bridgeNfAtStart = bridgeNetfilter();
  return async () => {
    await removeQueueRules();
    if (bridgeNfAtStart === false && bridgeNetfilter()) setBridgeNetfilter(false);
  };
}
