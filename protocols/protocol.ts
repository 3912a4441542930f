// What a protocol module declares: everything the rest of Bulkhead knows about one protocol.
// The flow decoder, the inline inspector, the kernel table's compiler, the capture filter and
// learning iterate over the registry (registry.ts) and never name a protocol; a new protocol
// is one folder with a module of this shape and one line in the registry.

import type { Framing, Operation, PduRecord, Protocol, Target } from './operation.js';
import type { ReassemblyBudget } from './reassembly.js';

/** The transaction key of a message that pairs without an id of its own. */
export const NO_TRANSACTION_KEY = -1;

/** Decoding state of one conversation: a TCP connection, or (stateless) any datagram. */
export interface ProtocolChannel {
  /**
   * Decodes one framed PDU (a datagram for UDP). Undefined while a message sent in several
   * PDUs is still being collected. Never throws.
   */
  decode(buf: Buffer, off: number, len: number, fromClient: boolean): PduRecord | undefined;
  /** The conversation is over: what it holds of messages in pieces goes back to the budget. */
  release(): void;
}

/**
 * What an identity slot says of the product behind it, for matching against vulnerability
 * advisories: who made it, what it is called, its model or part numbers, and its firmware.
 */
export interface ProductClaim {
  /** Where it was read, in the plant's words ("Modbus device identification (MEI 14)"). */
  source: string;
  vendor?: string;
  /** Product, model and application names. */
  names: string[];
  /** Product codes, part and order numbers. */
  models: string[];
  version?: string;
  /** Which field the version came from ("MajorMinorRevision"). */
  versionFrom?: string;
}

/** What the plant's devices call their targets, by the target's key (an OPC UA node id): learned, never guessed. */
export type TargetNames = ReadonlyMap<string, string>;

/** Identity facts an operation reveals about one of its endpoints (asset inventory). */
export interface IdentityClaim {
  /** Which endpoint of the operation the facts describe. */
  endpoint: 'client' | 'server';
  /** The inventory's identity slot (`modbus`, `bacnet`, `opcua`, `opcuaClient`, ...). */
  slot: string;
  fields: Record<string, string | number>;
  /**
   * Fields that say which device the slot describes (BACnet's device instance and vendor id):
   * when the slot holds another value for one the claim carries, another device took the
   * address and the claim starts the slot afresh. Otherwise a claim adds its fields to the
   * slot, so facts learned from different messages (an I-Am, a ReadProperty) stand together.
   */
  identifies?: readonly string[];
  /** A slot of many entries (the names of a server's nodes) holds at most this many; later ones are not kept. */
  limit?: number;
}

/** What most operations reveal: one shared empty list, not one made per operation. */
export const NO_CLAIMS: readonly IdentityClaim[] = [];

export interface ProtocolModule {
  readonly name: Protocol;
  /** What the plant calls it in sentences: "Modbus", "OPC UA", "BACnet". */
  readonly title: string;
  readonly transport: 'tcp' | 'udp';
  /** Spoken to field devices (controllers, I/O, building controllers): its clients supervise them. */
  readonly field: boolean;
  /** Server ports where it is expected (its registered port or range). */
  readonly ports: readonly number[];
  /** The server port a policy rule without a port means; absent: any port (the rule's hosts bound it). */
  readonly defaultPort?: number;
  /** Recognised by its probe on any port, not only on its own (OPC UA servers listen where they like). */
  readonly anyPort: boolean;
  /**
   * Do the bytes at `off` start one of its PDUs (stream) or datagrams? `onPort`: seen on one of
   * its ports, where a header that is slightly off is still decoded (and flagged).
   */
  probe(buf: Buffer, off: number, end: number, onPort: boolean): boolean;
  /** Stream protocols: the length of the PDU at `off`, "need N more bytes", or not this protocol. */
  frame(buf: Buffer, off: number, end: number): Framing;
  /**
   * Fresh decoding state for a new conversation. Messages sent in pieces (chunks, segments) are
   * held until their last piece within `budget`, then decoded whole.
   */
  channel(budget: ReassemblyBudget): ProtocolChannel;
  /** Whether the sender of the PDU at `off` is the client ('sender') or the server ('receiver'), where the PDU says so. */
  opener(buf: Buffer, off: number, end: number): 'sender' | 'receiver' | undefined;
  /**
   * The key pairing a request with its response (Modbus transaction id, BACnet invoke id, OPC UA
   * request id); NO_TRANSACTION_KEY for messages that pair as the one exchange of their kind;
   * undefined for messages that take no part in pairing (unconfirmed services, encrypted ones).
   */
  transactionKey(op: Operation): number | undefined;
  /**
   * An operation's code as the plant names it, name first and the number kept for exactness:
   * "Write Single Register (FC 6)", "writeProperty (confirmed service 15)", "Write (service 673)".
   */
  describeCode(op: Operation): string;
  /** A code (and sub-code) a policy rule allows, in the same words, from the protocol's code tables. */
  describeAllowedCode(code: number, subCode: number | undefined): string;
  /**
   * One target of an operation of this protocol in the plant's words: "unit 1 holding registers
   * 40001-40010 (0-9)", "analog-input 3 present-value", "ns=2;s=Line1.Setpoint (Setpoint)".
   */
  describeTarget(t: Target, names?: TargetNames): string;
  /** The identity slot whose fields name this protocol's targets (see TargetNames), where it learns any. */
  readonly namesSlot?: string;
  /** Identity facts the operation reveals (vendor, product, application description). */
  identity(op: Operation): readonly IdentityClaim[];
  /** The operation (by its code's name) collects process history or subscriptions: what a historian does. */
  gathersHistory(codeName: string): boolean;
  /** The roles `role` names: the asking side's and the answering side's (the inventory lists them). */
  readonly clientRole: string;
  readonly serverRole: string;
  /**
   * One identity slot of an asset in the plant's words ("BACnet device 1050 (Delta Controls)"),
   * for the slots this protocol's claims fill; undefined for others.
   */
  describeIdentity(slot: string, fields: Record<string, unknown>): string | undefined;
  /** The product an identity slot of this protocol names; undefined for others, or when it names none. */
  product(slot: string, fields: Readonly<Record<string, unknown>>): ProductClaim | undefined;
  /** The role the operation shows its client (or server) endpoint playing, e.g. `modbus_server`. */
  role(op: Operation, isClient: boolean): string | undefined;
}
