// OPC UA service encoding ids (namespace 0, DefaultBinary) and the kind each maps to.

import type { OperationKind } from '../operation.js';

export interface ServiceInfo {
  name: string;
  kind: OperationKind;
  response: boolean;
}

const SERVICES: ReadonlyArray<readonly [request: number, response: number, name: string, kind: OperationKind]> = [
  [422, 425, 'FindServers', 'discovery'],
  [428, 431, 'GetEndpoints', 'discovery'],
  [437, 440, 'RegisterServer', 'discovery'],
  [12208, 12209, 'FindServersOnNetwork', 'discovery'],
  [12211, 12212, 'RegisterServer2', 'discovery'],
  [446, 449, 'OpenSecureChannel', 'session'],
  [452, 455, 'CloseSecureChannel', 'session'],
  [461, 464, 'CreateSession', 'session'],
  [467, 470, 'ActivateSession', 'session'],
  [473, 476, 'CloseSession', 'session'],
  [479, 482, 'Cancel', 'session'],
  [488, 491, 'AddNodes', 'program'],
  [494, 497, 'AddReferences', 'program'],
  [500, 503, 'DeleteNodes', 'program'],
  [506, 509, 'DeleteReferences', 'program'],
  [527, 530, 'Browse', 'discovery'],
  [533, 536, 'BrowseNext', 'discovery'],
  [554, 557, 'TranslateBrowsePathsToNodeIds', 'discovery'],
  [560, 563, 'RegisterNodes', 'read'],
  [566, 569, 'UnregisterNodes', 'read'],
  [615, 618, 'QueryFirst', 'read'],
  [621, 624, 'QueryNext', 'read'],
  [631, 634, 'Read', 'read'],
  [664, 667, 'HistoryRead', 'read'],
  [673, 676, 'Write', 'write'],
  [700, 703, 'HistoryUpdate', 'write'],
  [712, 715, 'Call', 'control'],
  [751, 754, 'CreateMonitoredItems', 'read'],
  [763, 766, 'ModifyMonitoredItems', 'read'],
  [769, 772, 'SetMonitoringMode', 'read'],
  [775, 778, 'SetTriggering', 'read'],
  [781, 784, 'DeleteMonitoredItems', 'read'],
  [787, 790, 'CreateSubscription', 'read'],
  [793, 796, 'ModifySubscription', 'read'],
  [799, 802, 'SetPublishingMode', 'read'],
  [826, 829, 'Publish', 'read'],
  [832, 835, 'Republish', 'read'],
  [841, 844, 'TransferSubscriptions', 'read'],
  [847, 850, 'DeleteSubscriptions', 'read'],
];

export const SERVICE_FAULT = 397;

export const SERVICE_IDS: ReadonlyMap<number, ServiceInfo> = new Map<number, ServiceInfo>([
  ...SERVICES.flatMap(([req, res, name, kind]) => [
    [req, { name: `${name}Request`, kind, response: false }] as const,
    [res, { name: `${name}Response`, kind, response: true }] as const,
  ]),
  [SERVICE_FAULT, { name: 'ServiceFault', kind: 'unknown', response: true }],
]);

export const Service = {
  OpenSecureChannelRequest: 446,
  OpenSecureChannelResponse: 449,
  CloseSecureChannelRequest: 452,
  GetEndpointsRequest: 428,
  GetEndpointsResponse: 431,
  CreateSessionRequest: 461,
  CreateSessionResponse: 464,
  ActivateSessionRequest: 467,
  BrowseRequest: 527,
  BrowseResponse: 530,
  ReadRequest: 631,
  ReadResponse: 634,
  HistoryReadRequest: 664,
  WriteRequest: 673,
  CallRequest: 712,
  CreateMonitoredItemsRequest: 751,
  AddNodesRequest: 488,
  DeleteNodesRequest: 500,
} as const;

export const IDENTITY_TOKENS: ReadonlyMap<number, string> = new Map([
  [321, 'anonymous'],
  [324, 'username'],
  [327, 'x509'],
  [940, 'issued'],
]);

export const SECURITY_MODES = ['invalid', 'None', 'Sign', 'SignAndEncrypt'];

export const APPLICATION_TYPES = ['Server', 'Client', 'ClientAndServer', 'DiscoveryServer'];

export const SECURITY_POLICY_NONE = 'http://opcfoundation.org/UA/SecurityPolicy#None';
