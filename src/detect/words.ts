// Alerts in the plant's words: assets by what they are (identity, role) before their address,
// operations by name before code, the baseline's numbers beside them.

import { protocolModule, identityWords } from '../../protocols/registry.js';
import type { Operation } from '../../protocols/operation.js';
import type { Asset, Conversation, OperationStats, TargetSummary } from '../learn/model.js';
import { targetWords } from '../learn/target-words.js';

const ROLE_WORDS: Record<string, string> = {
  modbus_client: 'Modbus client',
  modbus_server: 'Modbus server',
  opcua_client: 'OPC UA client',
  opcua_server: 'OPC UA server',
  bacnet_client: 'BACnet client',
  bacnet_device: 'BACnet device',
};

/** "Modbus server 10.0.1.11 (Schneider Electric BMX P34 2020)", or "host 10.0.1.99" for one never seen. */
export function assetWords(a: Asset | undefined, ip: string): string {
  if (!a) return `host ${ip}`;
  const role = a.roles.map((r) => ROLE_WORDS[r] ?? r)[0] ?? 'host';
  const identity = identityWords(a)[0];
  return `${role} ${a.ip}${identity ? ` (${identity})` : ''}`;
}

/** "a write", "an unknown operation": the kind of an operation as a sentence names it. */
export const kindWords = (kind: string): string => `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind === 'unknown' ? 'unknown operation' : kind}`;

/** "Write Single Register (FC 6)"-style, as the protocol names its codes. */
export function operationWords(op: Pick<Operation, 'protocol' | 'code' | 'codeName' | 'subCode' | 'subCodeName'>): string {
  return protocolModule(op.protocol).describeCode(op as Operation);
}

/** A span of capture time: "40 s", "5 h", "9 days". */
export function spanWords(seconds: number): string {
  if (seconds < 120) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

const FRACTION: Intl.NumberFormatOptions = { maximumFractionDigits: 3, maximumSignificantDigits: 7, roundingPriority: 'morePrecision' };
/**
 * A count or a value: whole numbers grouped ("4,800"), fractions to 3 decimals or 7 significant
 * digits, whichever says more ("24.5", "0.000125", "60.09259"): a REAL prints as it was meant.
 */
const n = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en') : x.toLocaleString('en', FRACTION));

/** What the conversation did in the baseline: its operations with their counts, most used first. */
export function learnedOperations(c: Conversation, most = 4): string {
  const ops = Object.values(c.operations).sort((a, b) => b.count - a.count);
  if (ops.length === 0) return 'no operation';
  const shown = ops.slice(0, most).map((s) => `${operationWords({ protocol: c.protocol, ...s })} ×${n(s.count)}`);
  return `${shown.join(', ')}${ops.length > most ? ` and ${ops.length - most} more` : ''}`;
}

/**
 * What an operation touched in the baseline before `op`, bounded: the learned summary already
 * holds op's targets (learning merges them first), so they are taken out again here.
 */
export function learnedTargetsBefore(s: OperationStats | undefined, op: Operation, most = 4): string {
  const before = (s?.targets ?? []).map((t) => without(t, op)).filter((t): t is TargetSummary => t !== undefined);
  if (before.length === 0) return 'nothing';
  const shown = before.slice(0, most).map((t) => targetWords(t));
  return `${shown.join('; ')}${before.length > most ? ` and ${before.length - most} more` : ''}`;
}

/** A learned target entry without what `op` touched (undefined: nothing left of it). */
function without(t: TargetSummary, op: Operation): TargetSummary | undefined {
  let out = t;
  for (const x of op.targets) {
    if (x.type === 'modbus' && out.type === 'modbus' && x.unit === out.unit && x.table === out.table && x.start !== undefined) {
      const last = x.start + Math.max(1, x.count ?? 1) - 1;
      out = { ...out, ranges: out.ranges.flatMap(([a, b]): [number, number][] => (b < x.start! || a > last ? [[a, b]] : [...(a < x.start! ? [[a, x.start! - 1] as [number, number]] : []), ...(b > last ? [[last + 1, b] as [number, number]] : [])])) };
      if (out.ranges.length === 0) return undefined;
    } else if (x.type === 'bacnet' && out.type === 'bacnet' && x.objectType === out.objectType && x.instance === out.instance) {
      const prop = x.propertyName ?? (x.property !== undefined ? String(x.property) : undefined);
      out = { ...out, properties: out.properties.filter((p) => p !== prop) };
      if (out.properties.length === 0) return undefined;
    } else if (x.type === 'opcua' && out.type === 'opcua' && x.nodeId === out.nodeId) return undefined;
  }
  return out;
}

export { n as numberWords, targetWords };
