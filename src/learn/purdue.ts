// A Purdue-level guess for an asset from what it does on the wire, always with its reason: the
// engineer confirms or corrects it when zones are drawn.

import type { Asset, PurdueGuess } from './model.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function period(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`;
}

export function guessPurdue(asset: Asset): PurdueGuess | undefined {
  const has = (r: Asset['roles'][number]) => asset.roles.includes(r);
  const act = asset.activity;
  const fieldServer = has('modbus_server') || has('bacnet_device');
  const fieldClient = has('modbus_client') || has('bacnet_client');
  const queries = act.fieldServersQueried;

  if (fieldServer && queries === 0) {
    const b = asset.identity.bacnet;
    const what = has('bacnet_device') ? `BACnet device${b ? ` ${b.deviceInstance}` : ''}` : 'Modbus server';
    return { level: 1, reason: `${what} answering ${plural(act.clientsServed, 'client')}: a controller or field device` };
  }
  if (fieldServer) {
    return { level: 1, reason: `serves field protocol requests and also queries ${plural(queries, 'device')}: a gateway or controller talking to peers` };
  }
  if (has('opcua_server') && queries > 0) {
    return { level: 2, reason: `OPC UA server that queries ${plural(queries, 'field device')}: a SCADA or gateway server` };
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
  if (has('opcua_client') && !has('opcua_server')) {
    return { level: 3, reason: `OPC UA client only, no field protocols${act.opcuaHistory ? ', reading history or subscriptions' : ''}: a historian or operations system` };
  }
  if (has('opcua_server')) {
    const client = has('opcua_client') ? ' (also an OPC UA client: an aggregating server)' : '';
    return { level: 2, reason: `OPC UA server with no field protocol seen${client}: a SCADA server, or a PLC with an embedded server (then level 1)` };
  }
  return undefined;
}
