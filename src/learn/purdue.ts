// A Purdue-level guess for an asset from what it does on the wire, always with its reason: the
// engineer confirms or corrects it when zones are drawn.

import type { ProtocolModule } from '../../protocols/protocol.js';
import { PROTOCOLS } from '../../protocols/registry.js';
import type { Asset, PurdueGuess } from './model.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function period(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`;
}

/** The asset's identity as the protocol it serves says it ("BACnet device 1050 (Delta Controls)"), else "Modbus server". */
function served(asset: Asset, m: ProtocolModule): string {
  for (const [slot, fields] of Object.entries(asset.identity)) {
    const text = fields && m.describeIdentity(slot, fields as Record<string, unknown>);
    if (text) return text;
  }
  return `${m.title} ${m.serverRole.slice(m.serverRole.indexOf('_') + 1)}`;
}

export function guessPurdue(asset: Asset): PurdueGuess | undefined {
  const has = (r: string) => asset.roles.includes(r as Asset['roles'][number]);
  const act = asset.activity;
  // Field protocols (their servers are controllers and field devices) and the others (OPC UA).
  const fieldServer = PROTOCOLS.find((m) => m.field && has(m.serverRole));
  const fieldClient = PROTOCOLS.some((m) => m.field && has(m.clientRole));
  const upperServer = PROTOCOLS.find((m) => !m.field && has(m.serverRole));
  const upperClient = PROTOCOLS.find((m) => !m.field && has(m.clientRole));
  const queries = act.fieldServersQueried;

  if (fieldServer && queries === 0) {
    return { level: 1, reason: `${served(asset, fieldServer)} answering ${plural(act.clientsServed, 'client')}: a controller or field device` };
  }
  if (fieldServer) {
    return { level: 1, reason: `serves field protocol requests and also queries ${plural(queries, 'device')}: a gateway or controller talking to peers` };
  }
  if (upperServer && queries > 0) {
    return { level: 2, reason: `${upperServer.title} server that queries ${plural(queries, 'field device')}: a SCADA or gateway server` };
  }
  if (fieldClient && act.fieldServersPolled > 0) {
    const every = act.pollInterval !== undefined ? ` every ${period(act.pollInterval)}` : '';
    const writes = act.fieldServersWritten > 0 ? ` and writes to ${act.fieldServersWritten}` : '';
    return { level: 2, reason: `polls ${plural(act.fieldServersPolled, 'device')}${every}${writes}: an HMI or SCADA station` };
  }
  if (fieldClient && act.fieldServersWritten > 0) {
    return { level: 2, reason: `writes to ${plural(act.fieldServersWritten, 'device')} without polling: an engineering workstation` };
  }
  if (fieldClient) {
    const what = queries > 0 ? `reads ${plural(queries, 'device')} now and then` : 'only identifies or discovers devices';
    return { level: 2, reason: `field protocol client that ${what}: a supervisory or engineering station` };
  }
  if (upperClient && !upperServer) {
    return { level: 3, reason: `${upperClient.title} client only, no field protocols${act.opcuaHistory ? ', reading history or subscriptions' : ''}: a historian or operations system` };
  }
  if (upperServer) {
    const client = upperClient ? ` (also an ${upperClient.title} client: an aggregating server)` : '';
    return { level: 2, reason: `${upperServer.title} server with no field protocol seen${client}: a SCADA server, or a PLC with an embedded server (then level 1)` };
  }
  return undefined;
}
