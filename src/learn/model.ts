// What learning produces: the asset inventory, the conversation baseline and the discoveries
// that measure learning progress. The asset and conversation records are defined once, as the
// store's schemas (store/records.ts): the store keeps them, the console serves them and the
// policy engine reads them as they are.

import type { Static } from '@sinclair/typebox';
import type { OperationKind, Protocol } from '../../protocols/operation.js';
import type {
  AssetRecord,
  AssetRoleName,
  Assert,
  BacnetIdentityRecord,
  ConversationRecord,
  MacSightingRecord,
  ModbusIdentityRecord,
  OpcuaIdentityRecord,
  OperationKindName,
  OperationStatsRecord,
  PollStatsRecord,
  ProtocolName,
  RangeRecord,
  Same,
  TargetSummaryRecord,
  ValueProfileRecord,
} from '../store/records.js';

/** Inclusive [first, last] address range. */
export type Range = Static<typeof RangeRecord>;
export type Role = Static<typeof AssetRoleName>;
export type MacSighting = Static<typeof MacSightingRecord>;
export type ModbusIdentity = Static<typeof ModbusIdentityRecord>;
export type BacnetIdentity = Static<typeof BacnetIdentityRecord>;
export type OpcuaIdentity = Static<typeof OpcuaIdentityRecord>;
export type Asset = Static<typeof AssetRecord>;
export type AssetActivity = Asset['activity'];
export type PurdueGuess = NonNullable<Asset['purdue']>;
export type TargetSummary = Static<typeof TargetSummaryRecord>;
export type PollStats = Static<typeof PollStatsRecord>;
export type OperationStats = Static<typeof OperationStatsRecord>;
export type ValueProfile = Static<typeof ValueProfileRecord>;
export type Conversation = Static<typeof ConversationRecord>;

/** The stored records name the registry's protocols and operation kinds: these fail to compile if either changes alone. */
export type ProtocolsAgree = Assert<Same<Static<typeof ProtocolName>, Protocol>>;
export type KindsAgree = Assert<Same<Static<typeof OperationKindName>, OperationKind>>;

export type DiscoveryType = 'asset' | 'conversation' | 'operation' | 'target';

/** Something new learned: learning has converged when these stop coming. */
export interface Discovery {
  ts: number;
  type: DiscoveryType;
  subject: string;
  detail: string;
}
