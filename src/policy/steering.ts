// Which packets the gateway hands to deep inspection: those matching a rule that restricts
// operations (an allow rule with allowances, not to a broadcast), by client and server address,
// transport and server port. The inspection queue's rules (enforce/queue-rules.ts) are written
// from `inspectedRule` and `steeredAddresses`; the simulation of a capture asks `Steering` of
// each packet, so both agree on what the inspector sees.

import { isProtocol, protocolModule } from '../../protocols/registry.js';
import { AddressSet, parseMember, type Member } from './addresses.js';
import type { HostSelector, Policy, Rule } from './model.js';

/**
 * The rule is enforced per operation by the inspector, not by the kernel table alone: an allow
 * rule with allowances, and a deny rule with them (a virtual patch: refuse one function code,
 * let the rest of the conversation through), which the kernel could only enforce by dropping
 * every operation of its hosts and port.
 */
export function inspectedRule(r: Rule): boolean {
  return r.allow !== undefined && !r.server.broadcast && isProtocol(r.protocol);
}

/** The addresses a selector steers (IPv4 hosts and blocks: the queue's rules are iptables'). */
export function steeredAddresses(p: Policy, sel: HostSelector): string[] {
  if (sel.hosts) return sel.hosts.filter((h) => !h.includes(':') || h.includes('/'));
  const z = p.zones.find((x) => x.id === sel.zone);
  return (z?.members ?? []).filter((m) => /^[\d.]+(\/\d+)?$/.test(m));
}

interface SteeredRule {
  transport: 'tcp' | 'udp';
  port: number | undefined;
  clients: AddressSet;
  servers: AddressSet;
}

const addressSet = (texts: string[]) => new AddressSet(texts.map(parseMember).filter((m): m is Member => typeof m !== 'string'));

export class Steering {
  private readonly rules: SteeredRule[] = [];

  constructor(policy: Policy) {
    for (const r of policy.conduits.flatMap((c) => c.rules)) {
      if (!inspectedRule(r)) continue;
      const m = protocolModule(r.protocol);
      this.rules.push({ transport: m.transport, port: r.port ?? m.defaultPort, clients: addressSet(steeredAddresses(policy, r.client)), servers: addressSet(steeredAddresses(policy, r.server)) });
    }
  }

  /** Whether a packet from `client` to `server`:`port` over `transport` goes to the inspector. */
  steers(transport: 'tcp' | 'udp', client: string, server: string, port: number): boolean {
    for (const r of this.rules) {
      if (r.transport === transport && (r.port === undefined || r.port === port) && r.clients.has(client) && r.servers.has(server)) return true;
    }
    return false;
  }
}
