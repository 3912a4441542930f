// Whether an allowance of a rule takes an operation: its kinds, codes and sub-codes, and every
// target inside its scopes (Modbus tables and address ranges, BACnet objects and properties,
// OPC UA nodes and namespaces). Compiled once per rule into sets; run on every request, so the
// loops are indexed and nothing is allocated.

import type { Operation, Target } from '../../protocols/operation.js';
import type { Allowance, BacnetScope, ModbusScope } from './model.js';

export interface CompiledAllowance {
  source: Allowance;
  kinds?: Set<string>;
  codes?: Set<number>;
  subCodes?: Set<number>;
  modbus?: ModbusScope[];
  bacnet?: BacnetScope[];
  nodes?: Set<string>;
  namespaces?: Set<number>;
}

function opcuaNamespace(nodeId: string): number {
  const m = /^ns=(\d+);/.exec(nodeId);
  return m ? Number(m[1]) : 0;
}

// Indexed loops on the per-request path: destructuring a range pair costs an iterator each time.
function within(ranges: [number, number][] | undefined, first: number, last: number): boolean {
  if (!ranges) return true;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (first >= r[0] && last <= r[1]) return true;
  }
  return false;
}

function targetAllowed(a: CompiledAllowance, t: Target): boolean {
  switch (t.type) {
    case 'modbus': {
      if (!a.modbus) return true;
      for (let i = 0; i < a.modbus.length; i++) {
        const s = a.modbus[i]!;
        if (s.unit !== t.unit) continue;
        if (s.table !== undefined && s.table !== t.table) continue;
        if (!s.ranges) return true;
        // An address range is allowed only when it is known and inside.
        if (t.start === undefined) continue;
        if (within(s.ranges, t.start, t.start + Math.max(1, t.count ?? 1) - 1)) return true;
      }
      return false;
    }
    case 'bacnet': {
      if (!a.bacnet) return true;
      for (const s of a.bacnet) {
        if (s.objectType !== t.objectType || !within(s.instances, t.instance, t.instance)) continue;
        if (!s.properties) return true;
        const prop = t.propertyName ?? (t.property !== undefined ? String(t.property) : undefined);
        if (prop === undefined || s.properties.includes(prop) || (t.property !== undefined && s.properties.includes(String(t.property)))) return true;
      }
      return false;
    }
    case 'opcua': {
      if (!a.nodes && !a.namespaces) return true;
      if (a.nodes?.has(t.nodeId)) return true;
      return a.namespaces?.has(opcuaNamespace(t.nodeId)) ?? false;
    }
  }
}

/** The allowance's kinds and codes take the operation, whatever its targets. */
export function codeMatches(a: CompiledAllowance, op: Operation): boolean {
  return (!a.kinds || a.kinds.has(op.kind)) && (!a.codes || a.codes.has(op.code)) && (!a.subCodes || (op.subCode !== undefined && a.subCodes.has(op.subCode)));
}

function allowanceMatches(a: CompiledAllowance, op: Operation): boolean {
  if (!codeMatches(a, op)) return false;
  const scoped = a.modbus !== undefined || a.bacnet !== undefined || a.nodes !== undefined || a.namespaces !== undefined;
  if (!scoped) return true;
  // Scoped access needs every target known: a truncated or target-less request cannot be shown to stay inside.
  if (op.targetsTruncated) return false;
  const targets = op.targets;
  for (let i = 0; i < targets.length; i++) if (!targetAllowed(a, targets[i]!)) return false;
  return targets.length > 0;
}

export function anyAllowance(list: CompiledAllowance[], op: Operation): boolean {
  for (let i = 0; i < list.length; i++) if (allowanceMatches(list[i]!, op)) return true;
  return false;
}

export function compileAllowance(a: Allowance): CompiledAllowance {
  const c: CompiledAllowance = { source: a };
  if (a.kinds) c.kinds = new Set(a.kinds);
  if (a.codes) c.codes = new Set(a.codes);
  if (a.subCodes) c.subCodes = new Set(a.subCodes);
  if (a.modbus) c.modbus = a.modbus;
  if (a.bacnet) c.bacnet = a.bacnet;
  if (a.opcua?.nodes) c.nodes = new Set(a.opcua.nodes);
  if (a.opcua?.namespaces) c.namespaces = new Set(a.opcua.namespaces);
  return c;
}
