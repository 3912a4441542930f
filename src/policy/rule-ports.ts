// The server ports a policy's rules put protocols on: a rule's own port, else its protocol's
// default. The inline inspector and the simulation of captures read a connection's protocol
// from them (with the registered ports), so both take a stream for the same protocol.

import type { Protocol } from '../../protocols/operation.js';
import { protocolModule } from '../../protocols/registry.js';
import type { Policy } from './model.js';

export function rulePorts(policy: Policy): Partial<Record<Protocol, number[]>> {
  const ports: Partial<Record<Protocol, number[]>> = {};
  for (const r of policy.conduits.flatMap((c) => c.rules)) {
    const port = r.port ?? protocolModule(r.protocol).defaultPort;
    if (port !== undefined) (ports[r.protocol] ??= []).push(port);
  }
  return ports;
}
