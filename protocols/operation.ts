// The one protocol-neutral record every decoder emits and everything downstream speaks.

export type Protocol = 'modbus' | 'opcua' | 'bacnet';

export type OperationKind =
  | 'read'
  | 'write'
  | 'control'
  | 'program'
  | 'diagnostic'
  | 'discovery'
  | 'session'
  | 'unknown';

/** request: client asks; response: server answers; unsolicited: neither (broadcasts, notifications). */
export type Direction = 'request' | 'response' | 'unsolicited';

export interface Endpoint {
  mac?: string;
  ip: string;
  port: number;
  /** 802.1Q VLAN id (the innermost tag) when the frame carried one. */
  vlan?: number;
}

/** Modbus data tables, named as in the specification. */
export type ModbusTable = 'coils' | 'discrete_inputs' | 'holding_registers' | 'input_registers' | 'file_records' | 'fifo';

export interface ModbusTarget {
  type: 'modbus';
  unit: number;
  /** Absent for function codes that address the device as a whole (diagnostics, identification). */
  table?: ModbusTable;
  start?: number;
  count?: number;
  /** FC 23 has a read and a write range; FC 20/21 file records carry the file number. */
  access?: 'read' | 'write';
  file?: number;
}

export interface BacnetTarget {
  type: 'bacnet';
  objectType: number;
  objectTypeName: string;
  instance: number;
  property?: number;
  propertyName?: string;
  arrayIndex?: number;
}

export interface OpcuaTarget {
  type: 'opcua';
  nodeId: string;
  /** AttributeId for Read/Write (OPCUA_VALUE_ATTRIBUTE = Value); absent for Browse and Call. */
  attribute?: number;
  /** Call: the method invoked on nodeId (the object). */
  methodId?: string;
}

/** The Value attribute of an OPC UA variable: the only attribute whose values are process values. */
export const OPCUA_VALUE_ATTRIBUTE = 13;

export type Target = ModbusTarget | BacnetTarget | OpcuaTarget;

export type OutcomeStatus = 'ok' | 'exception' | 'error' | 'reject' | 'abort' | 'fault';

export interface Outcome {
  status: OutcomeStatus;
  /** Modbus exception code, BACnet error code / reject or abort reason, OPC UA StatusCode. */
  code?: number;
  name?: string;
  /** BACnet error class. */
  errorClass?: number;
}

/** Closed set of anomalies: counted and rate-limited downstream, never free text. */
export type AnomalyType =
  | 'truncated'
  | 'invalid_length'
  | 'invalid_protocol_id'
  | 'invalid_function_code'
  | 'quantity_out_of_range'
  | 'invalid_value'
  | 'trailing_bytes'
  | 'invalid_header'
  | 'invalid_tag'
  | 'unknown_message_type'
  | 'message_too_large'
  | 'chunk_aborted'
  | 'chunk_sequence'
  | 'stream_gap'
  | 'not_protocol'
  | 'ip_fragment'
  | 'targets_truncated';

export interface Anomaly {
  type: AnomalyType;
  detail?: string;
}

export interface Evidence {
  /** Capture time, seconds since the epoch (microsecond precision or better). */
  ts: number;
  /** 1-based frame number in the capture the PDU completed in. */
  frame: number;
  /** Bytes of the application PDU. */
  bytes: number;
}

export interface Operation {
  protocol: Protocol;
  direction: Direction;
  kind: OperationKind;
  /** The protocol's own operation code as on the wire (FC, service choice, OPC UA encoding id). */
  code: number;
  codeName: string;
  /** Modbus FC 8 / 43 sub-function, BACnet APDU type, OPC UA message type where it refines code. */
  subCode?: number;
  subCodeName?: string;
  /** Modbus transaction id, BACnet invoke id, OPC UA request id: pairs requests and responses. */
  transactionId?: number;
  /** OPC UA request handle from the request/response header. */
  requestHandle?: number;
  client: Endpoint;
  server: Endpoint;
  flowId: string;
  targets: Target[];
  targetsTruncated?: boolean;
  outcome?: Outcome;
  /** Channel-level operation of an encrypted OPC UA channel: services are not visible. */
  encrypted?: boolean;
  /**
   * Process values the PDU carries, written by a request or read back by a response, in one of
   * two layouts by the kind of target:
   * - a Modbus range: the values of the request's first target, in address order (written by
   *   FC 5/6/15/16; read back by FC 1-4, whose response names no addresses, and a bit read's last
   *   byte may carry padding past the request's quantity);
   * - BACnet and OPC UA: one value per target, `values[i]` belonging to `targets[i]` of the PDU
   *   that carries it, or of its request when the PDU names no targets (an OPC UA Read response's
   *   results are its request's nodes, by index). A target without a numeric value (a string, an
   *   array, an error, a NaN, an attribute other than Value) has null, or no entry past the end.
   *   BACnet: WriteProperty(Multiple) and ReadProperty(Multiple)-ACK values of the process
   *   objects (analog, binary, multi-state, integer); OPC UA: Write and Read scalar Values.
   * Booleans and binary states are 0/1, enumerations their index, IEEE singles their shortest
   * decimal. At most MAX_VALUES; `valuesTruncated` when there were more.
   */
  values?: (number | null)[];
  valuesTruncated?: boolean;
  /** Protocol-specific facts worth keeping (identity, endpoint URL, security policy, ...). */
  details?: Record<string, string | number | boolean | string[]>;
  anomalies: Anomaly[];
  evidence: Evidence;
}

/** At most this many process values are kept per operation. */
export const MAX_VALUES = 16;

/** At most this many targets are kept per operation: hostile PDUs cannot inflate records. */
export const MAX_TARGETS = 64;

/**
 * A target into the record, unless it holds MAX_TARGETS. Its first makes a list of one: a push
 * into the empty list would give it room for 17, on every request a gateway inspects.
 */
export function pushTarget(rec: { targets: Target[] }, target: Target): boolean {
  const n = rec.targets.length;
  if (n >= MAX_TARGETS) return false;
  if (n === 0) rec.targets = [target];
  else rec.targets.push(target);
  return true;
}

/** What an application decoder knows of one PDU; the flow layer adds endpoints and evidence. */
export type PduRecord = Omit<Operation, 'client' | 'server' | 'flowId' | 'evidence'>;

/** Stream framing: a whole PDU of `length` bytes, "need N more bytes", or not this protocol. */
export type Framing =
  | { status: 'ok'; length: number }
  | { status: 'incomplete'; needed: number }
  | { status: 'invalid'; anomaly: Anomaly };

/** Targets a request keeps once it outlives its decoding (in an event, an alert): a request touching more is kept as truncated, as a rule cannot be scoped to it anyway. */
export const KEPT_TARGETS = 16;

/** What a request asked, apart from who asked whom: the part of it an event or an alert keeps. */
export type RequestKept = Pick<Operation, 'protocol' | 'kind' | 'code' | 'codeName' | 'subCode' | 'targets' | 'targetsTruncated'>;

export function requestKept(op: Operation): RequestKept {
  const r: RequestKept = { protocol: op.protocol, kind: op.kind, code: op.code, codeName: op.codeName, targets: op.targets.slice(0, KEPT_TARGETS) };
  if (op.subCode !== undefined) r.subCode = op.subCode;
  if (op.targetsTruncated || op.targets.length > KEPT_TARGETS) r.targetsTruncated = true;
  return r;
}
