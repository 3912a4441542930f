// The fleet as the central site's console serves it (app/fleet-view.ts): sites, cells and
// gateways with their health at a glance, the fleet's queue of alerts and events, and one
// gateway's latest records with its audit chain as the centre holds it. Built on the store's
// records only, like app/schemas.ts, because the UI's build reads it too.

import { Type, type Static } from '@sinclair/typebox';
import { AuditVerificationRecord } from '../store/records.js';

const Opt = Type.Optional;
const Num = Type.Number();
const Str = Type.String();
const Int = Type.Integer();

export const GATEWAY_STATES = ['never heard', 'silent', 'ok', 'attention'] as const;

export const GatewayGlanceSchema = Type.Object({
  id: Str,
  group: Str,
  /** Seconds since the gateway was last heard from; absent: never. */
  lastHeardAgo: Opt(Int),
  state: Type.Union(GATEWAY_STATES.map((s) => Type.Literal(s))),
  /** Why the state is what it is, in words. */
  why: Str,
  mode: Opt(Str),
  policy: Opt(Str),
  engine: Opt(Type.Union([Type.Literal('running'), Type.Literal('down')])),
  /** Conduits whose verdict latency is over their budget, by name. */
  overBudget: Type.Array(Str),
  /** The bypass relay: engaged (traffic passes uninspected) or released; absent: none fitted. */
  relay: Opt(Type.Union([Type.Literal('engaged'), Type.Literal('released')])),
  storagePercent: Opt(Num),
  lastPolicyResult: Opt(Type.Object({ outcome: Str, version: Opt(Int), reason: Str })),
  events: Int,
  alerts: Int,
  audit: Int,
});
export type GatewayGlance = Static<typeof GatewayGlanceSchema>;

export const FleetQueueItem = Type.Object({ gateway: Str, kind: Str, ts: Num, summary: Str });

export const FleetViewSchema = Type.Object({
  sites: Type.Array(Type.Object({ site: Str, cells: Type.Array(Type.Object({ cell: Str, gateways: Type.Array(GatewayGlanceSchema) })) })),
  gateways: Int,
  silent: Int,
  attention: Int,
  /** The fleet's newest alerts and events, newest last, each with its gateway. */
  queue: Type.Array(FleetQueueItem),
});
export type FleetView = Static<typeof FleetViewSchema>;

export const FleetRecordSchema = Type.Object({ kind: Str, localId: Str, ts: Num, received: Num, summary: Str, data: Type.Record(Str, Type.Unknown()) });

export const FleetGatewaySchema = Type.Object({
  gateway: GatewayGlanceSchema,
  site: Str,
  cell: Str,
  enrolledAt: Num,
  enrolledBy: Str,
  removedAt: Opt(Num),
  /** Its audit chain as the centre holds it, recomputed from its first entry. */
  audit: AuditVerificationRecord,
  /** Its latest audit entries, events, alerts and policy results, newest last. */
  records: Type.Array(FleetRecordSchema),
});
export type FleetGatewayDetail = Static<typeof FleetGatewaySchema>;

export const FleetAssetSchema = Type.Object({ gateway: Str, ip: Str, identity: Str, roles: Type.Array(Str), protocols: Type.Array(Str), macs: Type.Array(Str), firstSeen: Num });
export const FleetConversationSchema = Type.Object({ gateway: Str, protocol: Str, client: Str, server: Str, port: Int, firstSeen: Num });

/** The fleet's inventory and conversations, as the gateways' discoveries brought them; at most a named number of each. */
export const FleetInventorySchema = Type.Object({
  assets: Type.Array(FleetAssetSchema),
  conversations: Type.Array(FleetConversationSchema),
  totals: Type.Object({ assets: Int, conversations: Int }),
  /** More than the view holds: the rest is in the centre's store. */
  truncated: Type.Boolean(),
  limit: Int,
});
export type FleetInventory = Static<typeof FleetInventorySchema>;
