// Modbus in the plant's words: function codes by name with the code kept ("Read Holding
// Registers (FC 3)"), and registers as engineers read them off a PLC's I/O list: Modicon
// reference numbers (40001 is holding register 0) with the wire addresses beside them.

import type { ModbusTable, ModbusTarget } from '../operation.js';
import { rangeText } from '../words.js';
import { DIAGNOSTIC_SUBFUNCTIONS, functionName, MEI_TYPES } from './codes.js';

/** The leading digit of each table's reference numbers (0xxxx coils ... 4xxxx holding registers). */
const REFERENCE_DIGIT: Partial<Record<string, number>> = { coils: 0, discrete_inputs: 1, input_registers: 3, holding_registers: 4 };
const TABLE_WORDS: Record<ModbusTable, string> = {
  coils: 'coils',
  discrete_inputs: 'discrete inputs',
  holding_registers: 'holding registers',
  input_registers: 'input registers',
  file_records: 'file records',
  fifo: 'FIFO queue',
};
/** Five-digit references reach address 9998; past it engineers write six digits (400001-465536). */
const FIVE_DIGIT_LAST = 9998;

const ENCAPSULATED_INTERFACE = 43;
const DIAGNOSTICS = 8;

function subFunctionName(code: number, sub: number): string {
  if (code === DIAGNOSTICS) return DIAGNOSTIC_SUBFUNCTIONS.get(sub) ?? `Reserved (${sub})`;
  if (code === ENCAPSULATED_INTERFACE) return MEI_TYPES.get(sub) ?? `MEI ${sub}`;
  return String(sub);
}

/** "Read Holding Registers (FC 3)", "Diagnostics: Restart Communications Option (FC 8/1)". */
export function codeWords(name: string, code: number, subName?: string, sub?: number): string {
  return `${name}${subName ? `: ${subName}` : ''} (FC ${code}${sub !== undefined ? `/${sub}` : ''})`;
}

/** A code a rule allows, by the specification's names. */
export function allowedCodeWords(code: number, sub: number | undefined): string {
  return codeWords(functionName(code), code, sub === undefined ? undefined : subFunctionName(code, sub), sub);
}

/**
 * "unit 1 holding registers 40001-40010 (0-9)": a unit, its table, and the ranges as reference
 * numbers with the wire addresses in brackets; tables without references (file records, FIFO)
 * keep the addresses alone. No table: the whole unit; no ranges: the whole table.
 */
export function registerWords(unit: number, table: string | undefined, ranges: readonly (readonly [number, number])[] | undefined): string {
  if (!table) return `unit ${unit}`;
  const words = TABLE_WORDS[table as ModbusTable] ?? table;
  if (!ranges?.length) return `unit ${unit} ${words} (all)`;
  const digit = REFERENCE_DIGIT[table];
  const addresses = ranges.map(rangeText).join(', ');
  if (digit === undefined) return `unit ${unit} ${words} ${addresses}`;
  const digits = ranges.every(([, y]) => y <= FIVE_DIGIT_LAST) ? 5 : 6;
  const base = digit * 10 ** (digits - 1);
  const ref = (a: number) => String(base + a + 1).padStart(digits, '0');
  const references = ranges.map(([x, y]) => (x === y ? ref(x) : `${ref(x)}-${ref(y)}`)).join(', ');
  return `unit ${unit} ${words} ${references} (${addresses})`;
}

/** One request's target: its unit, table and block ("unit 1 holding registers 40001-40010 (0-9)"). */
export function targetWords(t: ModbusTarget): string {
  if (!t.table) return `unit ${t.unit}`;
  const ranges = t.start === undefined ? undefined : [[t.start, t.start + Math.max(1, t.count ?? 1) - 1] as const];
  const file = t.file !== undefined ? ` file ${t.file}` : '';
  const access = t.access ? ` (${t.access})` : '';
  return `${registerWords(t.unit, t.table, ranges)}${file}${access}`;
}
