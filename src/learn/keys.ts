// The names the baseline files assets and conversations under (the store and the console use them too).

import type { Endpoint, Protocol } from '../../protocols/operation.js';

export function hostKey(ip: string, vlan: number | undefined): string {
  return vlan === undefined ? ip : `${ip}@vlan${vlan}`;
}

export function conversationKey(protocol: Protocol, client: Endpoint, server: Endpoint): string {
  return `${hostKey(client.ip, client.vlan)}>${hostKey(server.ip, server.vlan)}:${server.port}/${protocol}`;
}
