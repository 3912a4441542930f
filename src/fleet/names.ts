// The fleet's names on NATS, in one place: every subject, stream and bucket a gateway or the
// centre uses is built here, so the permissions the hub grants a gateway (nats-config.ts) and
// what the two sides actually use cannot drift apart.
//
// Each gateway runs a leaf node with a JetStream domain of its own, named by its id. It keeps its
// telemetry in a local stream the centre sources, and its policy in a bucket of its own at the
// centre that the leaf mirrors. Deliveries between the two carry a per-gateway prefix, which is
// what lets the hub's permissions tell one gateway's traffic from another's.

import { BulkheadError } from '../errors.js';

/** The centre's JetStream domain. */
export const CENTRAL_DOMAIN = 'central';
/** The NATS account every gateway and the centre share; permissions, not accounts, keep gateways apart. */
export const FLEET_ACCOUNT = 'FLEET';
/** The local account on a gateway's leaf node. */
export const LOCAL_ACCOUNT = 'LOCAL';
/** The centre's stream, sourcing every gateway's telemetry. */
export const FLEET_STREAM = 'FLEET';
/** The key of a gateway's signed policy in its bucket. */
export const POLICY_KEY = 'policy';

/** What a gateway sends up: each kind is a subject under its own prefix. */
/** `discovery`: the baseline's changes (a new asset, conversation, operation or target), assets and conversations with their record. */
export const TELEMETRY_KINDS = ['event', 'alert', 'audit', 'health', 'policy-result', 'discovery'] as const;
export type TelemetryKind = (typeof TELEMETRY_KINDS)[number];

const GATEWAY_ID = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** Throws unless `id` can name a domain, a stream and a subject token. */
export function checkGatewayId(id: string): string {
  if (!GATEWAY_ID.test(id) || id === CENTRAL_DOMAIN) {
    throw new BulkheadError('BH_VALIDATION', `'${id}' is not a gateway id: 2-32 lower-case letters, digits and dashes, starting with a letter and not ending with a dash ('${CENTRAL_DOMAIN}' is the centre's)`);
  }
  return id;
}

export const names = {
  /** The subject of one kind of a gateway's telemetry. */
  telemetry: (gw: string, kind: TelemetryKind) => `bulkhead.gw.${gw}.${kind}`,
  /** A gateway's own telemetry stream, on its leaf node (named for the gateway, so flow control is too). */
  telemetryStream: (gw: string) => `TELEMETRY_${gw}`,
  /** Every subject of a gateway's telemetry (its local stream's subjects). */
  telemetryAll: (gw: string) => `bulkhead.gw.${gw}.>`,
  /** The bucket at the centre holding a gateway's signed policy (mirrored onto its leaf). */
  policyBucket: (gw: string) => `policy_${gw}`,
  /** The stream behind that bucket. */
  policyStream: (gw: string) => `KV_policy_${gw}`,
  /** Prefix of the deliveries the centre's mirror consumer sends down to the gateway. */
  deliverDown: (gw: string) => `bulkhead.down.${gw}`,
  /** Prefix of the deliveries the gateway's stream sends up to the centre's source. */
  deliverUp: (gw: string) => `bulkhead.up.${gw}`,
  /** The JetStream API prefix of a gateway's domain, as seen from the centre. */
  gatewayApi: (gw: string) => `$JS.${gw}.API`,
  /** The centre's JetStream API prefix, as seen from a leaf. */
  centralApi: `$JS.${CENTRAL_DOMAIN}.API`,
  /** The common name of the client certificate a gateway's leaf node connects with. */
  leafName: (gw: string) => `gw-${gw}`,
  /** Its user at the hub: the certificate's subject, as the hub maps it (verify_and_map). */
  leafUser: (gw: string) => `CN=${names.leafName(gw)}`,
  /** Message id of a telemetry record: its kind and its id in the gateway's store, so a resend is a duplicate. */
  messageId: (gw: string, kind: TelemetryKind, id: number | string) => `${gw}:${kind}:${id}`,
};
