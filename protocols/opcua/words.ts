// OPC UA in the plant's words: services by name with the service's encoding id kept
// ("Read (service 631)"), and nodes by their id with the name the server gave them in a
// Browse where one was seen ("ns=2;s=Line1.Setpoint (Setpoint)").

import type { OpcuaTarget } from '../operation.js';
import type { TargetNames } from '../protocol.js';
import { SERVICE_IDS } from './codes.js';
import { TRANSPORT_NAMES } from './framing.js';

/** Attributes other than Value, named (OPC 10000-6 A.1): reading a node's Description is not reading its value. */
const ATTRIBUTES: ReadonlyMap<number, string> = new Map([
  [1, 'NodeId'], [2, 'NodeClass'], [3, 'BrowseName'], [4, 'DisplayName'], [5, 'Description'], [6, 'WriteMask'],
  [7, 'UserWriteMask'], [8, 'IsAbstract'], [9, 'Symmetric'], [10, 'InverseName'], [11, 'ContainsNoLoops'],
  [12, 'EventNotifier'], [14, 'DataType'], [15, 'ValueRank'], [16, 'ArrayDimensions'], [17, 'AccessLevel'],
  [18, 'UserAccessLevel'], [19, 'MinimumSamplingInterval'], [20, 'Historizing'], [21, 'Executable'],
  [22, 'UserExecutable'], [23, 'DataTypeDefinition'], [24, 'RolePermissions'], [25, 'UserRolePermissions'],
  [26, 'AccessRestrictions'], [27, 'AccessLevelEx'],
]);
const VALUE_ATTRIBUTE = 13;

/** A request's service without its "Request" suffix: the plant says "Read", not "ReadRequest". */
const serviceName = (name: string) => name.replace(/Request$/, '');
const letters = (type: number) => String.fromCharCode(type >> 16, (type >> 8) & 0xff, type & 0xff);

/** Codes above this are message types (three letters: HEL, MSG), not service encoding ids. */
const LAST_SERVICE_ID = 0xffff;

/**
 * "Read (service 631)", "Hello (HEL)", "EncryptedMessage (MSG)": `code` is a service's encoding
 * id, or the type of a message that names no service (a transport message, an encrypted one).
 */
export function codeWords(name: string, code: number): string {
  if (code > LAST_SERVICE_ID) return `${TRANSPORT_NAMES.get(code) ?? name} (${letters(code)})`;
  return `${serviceName(name)} (service ${code})`;
}

/** A code a rule allows, by the specification's names. */
export function allowedCodeWords(code: number): string {
  return codeWords(SERVICE_IDS.get(code)?.name ?? 'unknown service', code);
}

/** "ns=2;s=Line1.Setpoint (Setpoint)": the node, and what the server calls it where a Browse said. */
export function nodeWords(nodeId: string, names: TargetNames | undefined): string {
  const name = names?.get(nodeId);
  return name && name !== nodeId ? `${nodeId} (${name})` : nodeId;
}

/** Every node of these namespaces. */
export const namespaceWords = (namespaces: readonly number[]): string => `every node of namespace ${namespaces.join(', ')}`;

/** One request's target: the node (and the method called on it), its attribute when not the value. */
export function targetWords(t: OpcuaTarget, names: TargetNames | undefined): string {
  const node = nodeWords(t.nodeId, names);
  if (t.methodId) return `method ${nodeWords(t.methodId, names)} of ${node}`;
  if (t.attribute === undefined || t.attribute === VALUE_ATTRIBUTE) return node;
  return `${node} ${ATTRIBUTES.get(t.attribute) ?? `attribute ${t.attribute}`}`;
}
