// OPC UA services: the bodies of decoded secure-channel messages (Read, Write, Call, Browse,
// HistoryRead, monitored items, node management, session and channel services) into the
// record's targets and details. Never throws.

import { Cursor } from '../cursor.js';
import type { PduRecord } from '../operation.js';
import { OPCUA_VALUE_ATTRIBUTE, pushTarget } from '../operation.js';
import { putValue } from '../values.js';
import {
  type ExtensionBody,
  readArrayLength,
  readDataValue,
  readExpandedNodeId,
  readLocalizedText,
  readNodeId,
  readNumericNodeId,
  readString,
  skipDiagnosticInfo,
  skipExtensionObject,
  skipQualifiedName,
  skipString,
  skipStringArray,
  skipVariant,
} from './binary.js';
import { readBuildInfo } from './build-info.js';
import { readBrowseNames } from './browse-names.js';
import { APPLICATION_TYPES, IDENTITY_TOKENS, SECURITY_MODES, SERVICE_IDS, Service } from './codes.js';
import { statusCodeName } from './status-codes.js';

/** What a service tells of the channel it runs on. */
export interface ChannelFacts {
  securityMode: number | undefined;
}

export function decodeMessage(c: Cursor, rec: PduRecord, channel: ChannelFacts): void {
  const typeId = readNumericNodeId(c);
  const info = SERVICE_IDS.get(typeId);
  if (!c.ok || !info) {
    rec.anomalies.push({ type: 'unknown_message_type', detail: `service type id ${typeId < 0 ? 'outside namespace 0' : typeId}` });
    rec.kind = 'unknown';
    return;
  }
  rec.code = typeId;
  rec.codeName = info.name;
  rec.kind = info.kind;
  rec.direction = info.response ? 'response' : 'request';
  const details = rec.details!;
  const faults = rec.anomalies.length;
  if (info.response) {
    c.skip(8); // timestamp
    rec.requestHandle = c.u32le();
    const result = c.u32le();
    skipDiagnosticInfo(c);
    skipStringArray(c);
    skipExtensionObject(c);
    if (!c.ok) return truncated(rec);
    rec.outcome = (result & 0x80000000) !== 0 ? { status: 'fault', code: result, name: statusCodeName(result) } : { status: 'ok', code: result, name: statusCodeName(result) };
    decodeResponseBody(c, typeId, rec);
  } else {
    readNodeId(c); // authentication token: a secret, never kept
    c.skip(8);
    rec.requestHandle = c.u32le();
    c.skip(4);
    skipString(c);
    c.skip(4);
    skipExtensionObject(c);
    if (!c.ok) return truncated(rec);
    REQUEST_BODIES.get(typeId)?.(c, rec, channel);
  }
  // A body its decoder found malformed (a value) is not also one that ended early.
  if (!c.ok && !rec.targetsTruncated && rec.anomalies.length === faults) truncated(rec);
  if (Object.keys(details).length === 0) delete rec.details;
}

function truncated(rec: PduRecord): void {
  rec.anomalies.push({ type: 'truncated', detail: `${rec.codeName} body ends early` });
}

function addTarget(rec: PduRecord, nodeId: string, attribute?: number, methodId?: string): void {
  const t: PduRecord['targets'][number] = { type: 'opcua', nodeId };
  if (attribute !== undefined) t.attribute = attribute;
  if (methodId !== undefined) t.methodId = methodId;
  if (!pushTarget(rec, t)) rec.targetsTruncated = true;
}

/** What a request's body gives the record: its targets and details (and facts of its channel). */
type RequestBody = (c: Cursor, rec: PduRecord, channel: ChannelFacts) => void;

function decodeRead(c: Cursor, rec: PduRecord): void {
  c.skip(12); // maxAge, timestampsToReturn
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) {
    const node = readNodeId(c);
    const attr = c.u32le();
    skipString(c);
    skipQualifiedName(c);
    if (c.ok) addTarget(rec, node, attr);
  }
}

/** nodesToWrite: each node a target, and its value when a whole scalar number is written to its Value. */
function decodeWrite(c: Cursor, rec: PduRecord): void {
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) {
    const node = readNodeId(c);
    const attr = c.u32le();
    const indexRange = c.i32le();
    if (indexRange > 0) c.skip(indexRange);
    const value = readDataValue(c, 0, rec.anomalies);
    if (!c.ok) return;
    const index = rec.targets.length;
    addTarget(rec, node, attr);
    if (attr === OPCUA_VALUE_ATTRIBUTE && indexRange <= 0 && rec.targets.length > index) putValue(rec, index, value);
  }
}

const extension: ExtensionBody = { type: -1, start: 0, end: 0 };
const body = new Cursor(Buffer.alloc(0));

/**
 * results: the value read of each node of the request, by index (the response names no nodes),
 * and the server's build information where a result is its ServerStatus or BuildInfo.
 */
function decodeReadResults(c: Cursor, rec: PduRecord): void {
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) {
    putValue(rec, i, readDataValue(c, 0, rec.anomalies, extension));
    if (extension.end > 0) readBuildInfo(body.reset(c.buf, extension.start, extension.end), extension.type, rec.details!);
  }
}

function decodeCall(c: Cursor, rec: PduRecord): void {
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) {
    const object = readNodeId(c);
    const method = readNodeId(c);
    const args = readArrayLength(c);
    for (let j = 0; j < args && c.ok; j++) skipVariant(c);
    if (c.ok) addTarget(rec, object, undefined, method);
  }
}

function decodeBrowse(c: Cursor, rec: PduRecord): void {
  readNodeId(c);
  c.skip(16); // view timestamp, view version, max references per node
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) {
    const node = readNodeId(c);
    c.skip(4);
    readNodeId(c);
    c.skip(9);
    if (c.ok) addTarget(rec, node);
  }
}

function decodeHistoryRead(c: Cursor, rec: PduRecord): void {
  skipExtensionObject(c);
  c.skip(5);
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) {
    const node = readNodeId(c);
    skipString(c);
    skipQualifiedName(c);
    skipString(c);
    if (c.ok) addTarget(rec, node, 13);
  }
}

function decodeCreateMonitoredItems(c: Cursor, rec: PduRecord): void {
  c.skip(8); // subscription id, timestamps to return
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) {
    const node = readNodeId(c);
    const attr = c.u32le();
    skipString(c);
    skipQualifiedName(c);
    c.skip(16); // monitoring mode, client handle, sampling interval
    skipExtensionObject(c);
    c.skip(5);
    if (c.ok) addTarget(rec, node, attr);
  }
}

function decodeDeleteNodes(c: Cursor, rec: PduRecord): void {
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) {
    const node = readNodeId(c);
    c.skip(1);
    if (c.ok) addTarget(rec, node);
  }
}

function decodeAddNodes(c: Cursor, rec: PduRecord): void {
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) {
    const parent = readExpandedNodeId(c);
    readNodeId(c);
    readExpandedNodeId(c);
    skipQualifiedName(c);
    c.skip(4);
    skipExtensionObject(c);
    readExpandedNodeId(c);
    if (c.ok) addTarget(rec, parent);
  }
}

function decodeOpenSecureChannel(c: Cursor, rec: PduRecord, channel: ChannelFacts): void {
  c.skip(8); // protocol version, request type
  const mode = c.u32le();
  if (c.ok) {
    channel.securityMode = mode;
    rec.details!.securityMode = SECURITY_MODES[mode] ?? `mode-${mode}`;
  }
}

function decodeGetEndpoints(c: Cursor, rec: PduRecord): void {
  const url = readString(c);
  if (url !== undefined) rec.details!.endpointUrl = url;
}

function decodeCreateSession(c: Cursor, rec: PduRecord): void {
  const details = rec.details!;
  readApplicationDescription(c, details, 'client');
  skipString(c); // server uri
  const url = readString(c);
  const session = readString(c);
  if (url !== undefined) details.endpointUrl = url;
  if (session !== undefined) details.sessionName = session;
}

function decodeActivateSession(c: Cursor, rec: PduRecord): void {
  const details = rec.details!;
  skipString(c);
  skipString(c); // client signature
  const certs = readArrayLength(c);
  for (let i = 0; i < certs && c.ok; i++) {
    skipString(c);
    skipString(c);
  }
  skipStringArray(c);
  const tokenType = readNumericNodeId(c);
  const enc = c.u8();
  if (!c.ok) return;
  details.identityToken = IDENTITY_TOKENS.get(tokenType) ?? `type-${tokenType}`;
  if (enc === 1 && tokenType === 324) {
    c.skip(4); // body length
    skipString(c); // policy id
    const user = readString(c);
    if (user !== undefined) details.userName = user;
  }
  // The rest of the token (password, certificate) is secret and skipped with the message.
  c.skip(c.remaining);
}

/** The request bodies decoded, by service type id; other requests are known by their header alone. */
const REQUEST_BODIES: ReadonlyMap<number, RequestBody> = new Map<number, RequestBody>([
  [Service.ReadRequest, decodeRead],
  [Service.WriteRequest, decodeWrite],
  [Service.CallRequest, decodeCall],
  [Service.BrowseRequest, decodeBrowse],
  [Service.HistoryReadRequest, decodeHistoryRead],
  [Service.CreateMonitoredItemsRequest, decodeCreateMonitoredItems],
  [Service.DeleteNodesRequest, decodeDeleteNodes],
  [Service.AddNodesRequest, decodeAddNodes],
  [Service.OpenSecureChannelRequest, decodeOpenSecureChannel],
  [Service.GetEndpointsRequest, decodeGetEndpoints],
  [Service.CreateSessionRequest, decodeCreateSession],
  [Service.ActivateSessionRequest, decodeActivateSession],
]);

function decodeResponseBody(c: Cursor, typeId: number, rec: PduRecord): void {
  const details = rec.details!;
  if (typeId === Service.GetEndpointsResponse) {
    // The first endpoint names the server application: identity for the inventory.
    if (readArrayLength(c) > 0) {
      const url = readString(c);
      if (url !== undefined) details.endpointUrl = url;
      readApplicationDescription(c, details, 'server');
    }
  } else if (typeId === Service.CreateSessionResponse) {
    readNodeId(c); // session id
    readNodeId(c); // authentication token: a secret, never kept
    c.skip(8);
    skipString(c);
    skipString(c);
    if (readArrayLength(c) > 0) {
      skipString(c);
      readApplicationDescription(c, details, 'server');
    }
  } else if (typeId === Service.ReadResponse) {
    decodeReadResults(c, rec);
  } else if (typeId === Service.BrowseResponse) {
    readBrowseNames(c, details);
  } else if (typeId === Service.OpenSecureChannelResponse) {
    c.skip(4);
    details.secureChannelId = c.u32le();
  }
}

function readApplicationDescription(c: Cursor, details: Record<string, string | number | boolean | string[]>, role: 'client' | 'server'): void {
  const uri = readString(c);
  const product = readString(c);
  const name = readLocalizedText(c);
  const type = c.u32le();
  skipString(c);
  skipString(c);
  skipStringArray(c);
  if (!c.ok) return;
  if (uri !== undefined) details[`${role}ApplicationUri`] = uri;
  if (product !== undefined) details[`${role}ProductUri`] = product;
  if (name !== undefined) details[`${role}ApplicationName`] = name;
  details[`${role}ApplicationType`] = APPLICATION_TYPES[type] ?? `type-${type}`;
}
