// OPC UA binary (opc.tcp) as the registry knows it: any TCP port (4840 registered), chunk
// framing, a secure channel per connection, the Hello that names the client, identities from
// the application descriptions of CreateSession and GetEndpoints and from the server's build
// information read in its ServerStatus.

import type { Operation } from '../operation.js';
import { NO_CLAIMS, NO_TRANSACTION_KEY, type IdentityClaim, type ProtocolModule } from '../protocol.js';
import { fieldText } from '../identity-fields.js';
import { frameOpcua, looksLikeOpcua, OPCUA_PORT } from './framing.js';
import { OpcuaChannel } from './opcua.js';
import { allowedCodeWords, codeWords, targetWords } from './words.js';

/** Services a historian uses: history reads, monitored items, subscriptions, publishing. */
const HISTORY = /History|MonitoredItems|Subscription|Publish/;
/** The application description's fields (CreateSession, GetEndpoints) and the server's build information (a ServerStatus read). */
const IDENTITY_FIELDS = ['ApplicationUri', 'ApplicationName', 'ProductUri', 'ApplicationType', 'ManufacturerName', 'ProductName', 'SoftwareVersion', 'BuildNumber'] as const;
/** The fields that name an application: a claim without one says nothing of which it is. */
const NAMING_FIELDS = ['applicationUri', 'applicationName', 'manufacturerName', 'productName'] as const;

/** The server's slot of its nodes' names (from Browse responses), and how many it keeps. */
const NAMES_SLOT = 'opcuaNames';
const NODE_NAMES_KEPT = 2000;

/** A Browse response's names by node id, or undefined when it carried none. */
function browsedNames(nodes: unknown, names: unknown): Record<string, string> | undefined {
  if (!Array.isArray(nodes) || !Array.isArray(names) || nodes.length === 0) return undefined;
  const fields: Record<string, string> = {};
  nodes.forEach((n: unknown, i) => {
    const name: unknown = names[i];
    if (typeof n === 'string' && typeof name === 'string') fields[n] = name;
  });
  return fields;
}

export const opcua: ProtocolModule = {
  name: 'opcua',
  title: 'OPC UA',
  field: false,
  transport: 'tcp',
  ports: [OPCUA_PORT],
  anyPort: true,
  probe: (buf, off, end) => looksLikeOpcua(buf, off, end),
  frame: frameOpcua,
  channel: (budget) => new OpcuaChannel(budget),
  opener(buf, off, end) {
    if (end - off < 3) return undefined;
    const type = buf.toString('latin1', off, off + 3);
    // Whoever says Hello is the client; Acknowledge and ReverseHello come from the server.
    return type === 'HEL' ? 'sender' : type === 'ACK' || type === 'RHE' ? 'receiver' : undefined;
  },
  transactionKey(op: Operation): number | undefined {
    if (op.encrypted || op.codeName === 'CloseSecureChannelRequest') return undefined;
    // Hello/Acknowledge carry no request id: they pair as the one exchange of their kind.
    return op.transactionId ?? NO_TRANSACTION_KEY;
  },
  describeCode: (op) => codeWords(op.codeName, op.code),
  describeAllowedCode: (code) => allowedCodeWords(code),
  describeTarget: (t, names) => (t.type === 'opcua' ? targetWords(t, names) : ''),
  namesSlot: NAMES_SLOT,
  identity(op: Operation): readonly IdentityClaim[] {
    const d = op.details;
    if (!d) return NO_CLAIMS;
    const claims: IdentityClaim[] = [];
    for (const role of ['client', 'server'] as const) {
      const fields: Record<string, string> = {};
      for (const f of IDENTITY_FIELDS) {
        const v = d[`${role}${f}`];
        if (typeof v === 'string') fields[f[0]!.toLowerCase() + f.slice(1)] = v;
      }
      if (NAMING_FIELDS.some((f) => fields[f] !== undefined)) claims.push({ endpoint: role, slot: role === 'client' ? 'opcuaClient' : 'opcua', fields });
    }
    const names = browsedNames(d.browsedNodes, d.browsedNames);
    if (names) claims.push({ endpoint: 'server', slot: NAMES_SLOT, fields: names, limit: NODE_NAMES_KEPT });
    return claims;
  },
  gathersHistory: (codeName) => HISTORY.test(codeName),
  clientRole: 'opcua_client',
  serverRole: 'opcua_server',
  describeIdentity(slot, f) {
    if (slot !== 'opcua' && slot !== 'opcuaClient') return undefined;
    const text = (k: string) => fieldText(f, k);
    const product = text('productName');
    const name = text('applicationName') ?? product ?? text('applicationUri');
    if (!name) return undefined;
    // The build information: "OPC UA .NET Standard 1.4.363.107 (OPC Foundation)", the product left out when it is the name.
    const version = text('softwareVersion');
    const build = text('buildNumber');
    const made = [product !== name && product, version, build && build !== version && `build ${build}`].filter(Boolean).join(' ');
    const maker = text('manufacturerName');
    const about = [made, maker && `(${maker})`].filter(Boolean).join(' ');
    return `OPC UA ${slot === 'opcua' ? 'server' : 'client'} ${name}${about ? `, ${about}` : ''}`;
  },
  product(slot, f) {
    if (slot !== 'opcua' && slot !== 'opcuaClient') return undefined;
    const names = [f.productName, f.applicationName].filter((v): v is string => typeof v === 'string');
    if (!names.length) return undefined;
    return {
      source: slot === 'opcua' ? 'OPC UA server build information' : 'OPC UA client application description',
      ...(typeof f.manufacturerName === 'string' ? { vendor: f.manufacturerName } : {}),
      names,
      models: [],
      ...(typeof f.softwareVersion === 'string' ? { version: f.softwareVersion, versionFrom: 'SoftwareVersion' } : {}),
    };
  },
  role: (_op, isClient) => (isClient ? 'opcua_client' : 'opcua_server'),
};
