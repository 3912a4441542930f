// The protocol registry: every protocol Bulkhead decodes, in the order they are tried when a
// stream's port names none of them. Adding a protocol is one folder under protocols/ and one
// line here; nothing outside the protocol's folder names its ports, message types or codes.

import { bacnet } from './bacnet/module.js';
import { modbus } from './modbus/module.js';
import type { Protocol } from './operation.js';
import { opcua } from './opcua/module.js';
import type { ProtocolModule } from './protocol.js';

export const PROTOCOLS: readonly ProtocolModule[] = [modbus, opcua, bacnet];

const BY_NAME = new Map<string, ProtocolModule>(PROTOCOLS.map((m) => [m.name, m]));

/** The module of a protocol named in a record or a policy. */
export function protocolModule(name: Protocol): ProtocolModule {
  return BY_NAME.get(name)!;
}

/** Whether `name` is a protocol of the registry (policy documents and API input are checked against it). */
export function isProtocol(name: string): name is Protocol {
  return BY_NAME.has(name);
}

/** An asset's identity slots in the plant's words, as the protocols that filled them say them. */
export function describeIdentity(identity: Readonly<Record<string, Record<string, unknown> | undefined>>): string[] {
  const out: string[] = [];
  for (const [slot, fields] of Object.entries(identity)) {
    if (!fields) continue;
    for (const m of PROTOCOLS) {
      const text = m.describeIdentity(slot, fields);
      if (text) {
        out.push(text);
        break;
      }
    }
  }
  return out;
}

/** What each protocol says of an asset, from its identity record as the store types it (or a derived asset's copy of it). */
export function identityWords(a: { identity?: object }): string[] {
  return describeIdentity((a.identity ?? {}) as Record<string, Record<string, unknown>>);
}

/** The protocols carried over one transport. */
export function protocolsOver(transport: 'tcp' | 'udp'): readonly ProtocolModule[] {
  return PROTOCOLS.filter((m) => m.transport === transport);
}

/**
 * The protocol of a datagram: its port's, where the header may be slightly off (and is then
 * decoded and flagged), else one recognised on any port by a strict probe.
 */
export function datagramProtocol(ports: PortMap, buf: Buffer, off: number, end: number, srcPort: number, dstPort: number): ProtocolModule | undefined {
  const onPort = ports.on('udp', dstPort) ?? ports.on('udp', srcPort);
  if (onPort?.probe(buf, off, end, true)) return onPort;
  for (const m of PROTOCOLS) if (m.transport === 'udp' && m !== onPort && m.anyPort && m.probe(buf, off, end, false)) return m;
  return undefined;
}

/**
 * Which protocol a server port is the service port of, over one transport: the registered
 * ports, and `extra` (ports a site or a policy puts a protocol on).
 */
export class PortMap {
  private readonly tcp = new Map<number, ProtocolModule>();
  private readonly udp = new Map<number, ProtocolModule>();

  constructor(extra: Partial<Record<Protocol, readonly number[]>> = {}) {
    for (const m of PROTOCOLS) {
      const map = m.transport === 'tcp' ? this.tcp : this.udp;
      for (const p of m.ports) if (!map.has(p)) map.set(p, m);
    }
    // A site's own ports win over registered ones: they say what really runs there.
    for (const [name, ports] of Object.entries(extra)) {
      const m = BY_NAME.get(name);
      if (!m || !ports) continue;
      for (const p of ports) (m.transport === 'tcp' ? this.tcp : this.udp).set(p, m);
    }
  }

  on(transport: 'tcp' | 'udp', port: number): ProtocolModule | undefined {
    return (transport === 'tcp' ? this.tcp : this.udp).get(port);
  }
}
