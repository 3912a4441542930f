// Modbus function codes, their kinds and limits (Modbus Application Protocol V1.1b3).

import type { ModbusTable, OperationKind } from '../operation.js';

export interface FunctionInfo {
  name: string;
  kind: OperationKind;
  table?: ModbusTable;
  /** Quantity limits of the request, where the specification sets them. */
  minQty?: number;
  maxQty?: number;
}

export const FUNCTIONS: ReadonlyMap<number, FunctionInfo> = new Map<number, FunctionInfo>([
  [1, { name: 'Read Coils', kind: 'read', table: 'coils', minQty: 1, maxQty: 2000 }],
  [2, { name: 'Read Discrete Inputs', kind: 'read', table: 'discrete_inputs', minQty: 1, maxQty: 2000 }],
  [3, { name: 'Read Holding Registers', kind: 'read', table: 'holding_registers', minQty: 1, maxQty: 125 }],
  [4, { name: 'Read Input Registers', kind: 'read', table: 'input_registers', minQty: 1, maxQty: 125 }],
  [5, { name: 'Write Single Coil', kind: 'write', table: 'coils' }],
  [6, { name: 'Write Single Register', kind: 'write', table: 'holding_registers' }],
  [7, { name: 'Read Exception Status', kind: 'diagnostic' }],
  [8, { name: 'Diagnostics', kind: 'diagnostic' }],
  [9, { name: 'Program (484)', kind: 'program' }],
  [10, { name: 'Poll (484)', kind: 'program' }],
  [11, { name: 'Get Comm Event Counter', kind: 'diagnostic' }],
  [12, { name: 'Get Comm Event Log', kind: 'diagnostic' }],
  [13, { name: 'Program Controller', kind: 'program' }],
  [14, { name: 'Poll Controller', kind: 'program' }],
  [15, { name: 'Write Multiple Coils', kind: 'write', table: 'coils', minQty: 1, maxQty: 1968 }],
  [16, { name: 'Write Multiple Registers', kind: 'write', table: 'holding_registers', minQty: 1, maxQty: 123 }],
  [17, { name: 'Report Server ID', kind: 'discovery' }],
  [20, { name: 'Read File Record', kind: 'read', table: 'file_records' }],
  [21, { name: 'Write File Record', kind: 'program', table: 'file_records' }],
  [22, { name: 'Mask Write Register', kind: 'write', table: 'holding_registers' }],
  [23, { name: 'Read/Write Multiple Registers', kind: 'write', table: 'holding_registers' }],
  [24, { name: 'Read FIFO Queue', kind: 'read', table: 'fifo' }],
  [43, { name: 'Encapsulated Interface Transport', kind: 'discovery' }],
]);

export function isUserDefined(fc: number): boolean {
  return (fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110);
}

/** Codes the specification leaves unassigned that a vendor's engineering protocol uses (kind: program). */
const VENDOR_FUNCTIONS: ReadonlyMap<number, string> = new Map([[90, 'Schneider Electric UMAS']]);

export function functionName(fc: number): string {
  const info = FUNCTIONS.get(fc);
  if (info) return info.name;
  const vendor = VENDOR_FUNCTIONS.get(fc);
  if (vendor) return vendor;
  if (isUserDefined(fc)) return `User Defined (${fc})`;
  return `Unassigned (${fc})`;
}

/** User-defined codes are unknown; any other undocumented code is treated as vendor programming. */
export function functionKind(fc: number): OperationKind {
  const info = FUNCTIONS.get(fc);
  if (info) return info.kind;
  if (isUserDefined(fc) || fc === 0) return 'unknown';
  return 'program';
}

export const EXCEPTIONS: ReadonlyMap<number, string> = new Map([
  [1, 'Illegal Function'],
  [2, 'Illegal Data Address'],
  [3, 'Illegal Data Value'],
  [4, 'Server Device Failure'],
  [5, 'Acknowledge'],
  [6, 'Server Device Busy'],
  [7, 'Negative Acknowledge'],
  [8, 'Memory Parity Error'],
  [10, 'Gateway Path Unavailable'],
  [11, 'Gateway Target Device Failed to Respond'],
]);

export const DIAGNOSTIC_SUBFUNCTIONS: ReadonlyMap<number, string> = new Map([
  [0, 'Return Query Data'],
  [1, 'Restart Communications Option'],
  [2, 'Return Diagnostic Register'],
  [3, 'Change ASCII Input Delimiter'],
  [4, 'Force Listen Only Mode'],
  [10, 'Clear Counters and Diagnostic Register'],
  [11, 'Return Bus Message Count'],
  [12, 'Return Bus Communication Error Count'],
  [13, 'Return Bus Exception Error Count'],
  [14, 'Return Server Message Count'],
  [15, 'Return Server No Response Count'],
  [16, 'Return Server NAK Count'],
  [17, 'Return Server Busy Count'],
  [18, 'Return Bus Character Overrun Count'],
  [20, 'Clear Overrun Counter and Flag'],
]);

/** FC 8 sub-functions that change how the device behaves rather than report on it. */
export const CONTROL_SUBFUNCTIONS: ReadonlySet<number> = new Set([1, 4]);

export const MEI_TYPES: ReadonlyMap<number, string> = new Map([
  [13, 'CANopen General Reference'],
  [14, 'Read Device Identification'],
]);

/** MEI 14 basic and regular object ids and the names used in `details`. */
export const DEVICE_ID_OBJECTS: ReadonlyMap<number, string> = new Map([
  [0, 'vendorName'],
  [1, 'productCode'],
  [2, 'revision'],
  [3, 'vendorUrl'],
  [4, 'productName'],
  [5, 'modelName'],
  [6, 'userApplicationName'],
]);
