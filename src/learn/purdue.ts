// A Purdue-level guess for an asset from what it does on the wire, always with its reason: the
// engineer confirms or corrects it when zones are drawn.

import type { Asset, Conversation, PurdueGuess } from './model.js';
import { mainPoll } from './operation-stats.js';

const ACTIVE_KINDS = new Set(['write', 'control', 'program']);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `asClient` and `asServer`: the asset's conversations on each side (broadcasts excluded). */
export function guessPurdue(asset: Asset, asClient: Conversation[], asServer: Conversation[]): PurdueGuess | undefined {
  const has = (r: string) => asset.roles.includes(r as Asset['roles'][number]);
  const fieldServer = has('modbus_server') || has('bacnet_device');
  const fieldClient = has('modbus_client') || has('bacnet_client');
  const fieldClientConvs = asClient.filter((c) => c.protocol !== 'opcua' && Object.values(c.operations).some((o) => o.kind !== 'discovery' && o.kind !== 'unknown'));
  const servers = new Set(fieldClientConvs.map((c) => c.server.ip)).size;
  const polled = fieldClientConvs.filter((c) => Object.values(c.operations).some((o) => o.kind === 'read' && mainPoll(o)));
  const writes = fieldClientConvs.filter((c) => Object.values(c.operations).some((o) => ACTIVE_KINDS.has(o.kind)));
  const clients = new Set(asServer.map((c) => c.client.ip)).size;

  if (fieldServer && !fieldClientConvs.length) {
    const what = has('bacnet_device') && asset.identity.bacnet ? `BACnet device ${asset.identity.bacnet.deviceInstance}` : has('bacnet_device') ? 'BACnet device' : 'Modbus server';
    return { level: 1, reason: `${what} answering ${plural(clients, 'client')}: a controller or field device` };
  }
  if (fieldServer && fieldClientConvs.length) {
    return { level: 1, reason: `serves field protocol requests and also queries ${plural(servers, 'device')}: a gateway or controller talking to peers` };
  }
  if (has('opcua_server') && fieldClientConvs.length) {
    return { level: 2, reason: `OPC UA server that queries ${plural(servers, 'field device')}: a SCADA or gateway server` };
  }
  if (fieldClient && polled.length) {
    const poll = polled
      .flatMap((c) => Object.values(c.operations))
      .map((o) => mainPoll(o))
      .find((p) => p !== undefined);
    const every = poll ? ` every ${poll.interval < 1 ? `${Math.round(poll.interval * 1000)} ms` : `${poll.interval.toFixed(1)} s`}` : '';
    return { level: 2, reason: `polls ${plural(polled.length, 'device')}${every}${writes.length ? ` and writes to ${writes.length}` : ''}: an HMI or SCADA station` };
  }
  if (fieldClient && writes.length) {
    return { level: 2, reason: `writes to ${plural(writes.length, 'device')} without polling: an engineering workstation` };
  }
  if (fieldClient) {
    return { level: 2, reason: `field protocol client of ${plural(servers, 'device')} (discovery or occasional reads): a supervisory or engineering station` };
  }
  if (has('opcua_client') && !has('opcua_server')) {
    const history = asClient.some((c) => Object.values(c.operations).some((o) => /History|MonitoredItems|Subscription|Publish/.test(o.codeName)));
    return { level: 3, reason: `OPC UA client only, no field protocols${history ? ', reading history or subscriptions' : ''}: a historian or operations system` };
  }
  if (has('opcua_server')) {
    const client = has('opcua_client') ? ' (also an OPC UA client: an aggregating server)' : '';
    return { level: 2, reason: `OPC UA server with no field protocol seen${client}: a SCADA server, or a PLC with an embedded server (then level 1)` };
  }
  return undefined;
}
