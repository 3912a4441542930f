// Our decoders against an independent one: for every shared capture, the fields tshark
// extracts are compared PDU by PDU with our Operations. Every disagreement is printed.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile, type Decoded } from '../lib/decode-file.js';
import { tsharkAvailable, tsharkFields } from '../lib/tshark.js';
import { MAX_VALUES, type Operation } from '../../protocols/operation.js';

const PCAPS = join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps');
const HAVE_TSHARK = tsharkAvailable();
if (!HAVE_TSHARK) console.warn('SKIPPED: tshark is not installed (apt-get install tshark): decoder agreement tests cannot run');

interface Tally {
  pdus: number;
  agreed: number;
  disagreements: string[];
}

function captures(dir: string): string[] {
  return readdirSync(join(PCAPS, dir))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(PCAPS, dir, f));
}

function check(t: Tally, file: string, frame: number, ok: boolean, what: string): boolean {
  if (!ok) t.disagreements.push(`${file.split('/').pop()} frame ${frame}: ${what}`);
  return ok;
}

const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));

/** tshark's numbers as ours: booleans 0/1. */
const numbers = (fields: string[][]) => fields.flat().map((v) => (v === 'True' ? 1 : v === 'False' ? 0 : Number(v)));

/**
 * Do our process values (non-null) and tshark's agree as multisets (ours among theirs when
 * `subset`: we keep the first MAX_VALUES)? tshark prints a single as the double it widens to.
 */
function sameValues(ours: readonly (number | null)[], theirs: number[], subset: boolean): boolean {
  const left = [...theirs];
  for (const v of ours) {
    if (v === null) continue;
    const i = left.findIndex((x) => x === v || Math.fround(x) === Math.fround(v));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return subset || left.length === 0;
}

function compareModbus(file: string, d: Decoded, t: Tally): void {
  const rows = tsharkFields(file, 'mbtcp', ['mbtcp.trans_id', 'mbtcp.unit_id', 'modbus.func_code', 'modbus.reference_num', 'modbus.word_cnt', 'modbus.bit_cnt', 'modbus.regval_uint16']);
  for (const { frame, values } of rows) {
    const [trans, unit, fc, ref, words, bits, registers] = values as [string[], string[], string[], string[], string[], string[], string[]];
    const ours = (d.byFrame.get(frame) ?? []).filter((o) => o.protocol === 'modbus');
    for (let i = 0; i < trans.length; i++) {
      t.pdus++;
      const op = ours[i];
      if (!check(t, file, frame, op !== undefined, `tshark decodes Modbus PDU #${i + 1} (trans ${trans[i]}, FC ${fc[i]}), we emit none`)) continue;
      const target = op!.targets[0];
      let ok = check(t, file, frame, op!.transactionId === num(trans[i]), `transaction id ${op!.transactionId} vs ${trans[i]}`);
      ok = check(t, file, frame, target?.type === 'modbus' && target.unit === num(unit[i]), `unit ${JSON.stringify(target)} vs ${unit[i]}`) && ok;
      ok = check(t, file, frame, op!.code === num(fc[i]), `function code ${op!.code} vs ${fc[i]}`) && ok;
      // Address and quantity, where the frame holds one PDU and tshark shows them.
      if (trans.length === 1 && ref.length === 1 && target?.type === 'modbus' && op!.code !== 23) {
        ok = check(t, file, frame, target.start === num(ref[0]), `reference ${target.start} vs ${ref[0]}`) && ok;
        const count = num(words[0]) ?? num(bits[0]);
        if (count !== undefined) ok = check(t, file, frame, target.count === count, `count ${target.count} vs ${count}`) && ok;
      }
      // Register values written or read back, where the frame holds one PDU (ours: the first MAX_VALUES).
      if (trans.length === 1 && registers.length > 0) {
        const theirs = registers.map(Number).slice(0, MAX_VALUES);
        ok = check(t, file, frame, JSON.stringify(op!.values ?? []) === JSON.stringify(theirs), `register values ${JSON.stringify(op!.values)} vs ${JSON.stringify(theirs)}`) && ok;
      }
      if (ok) t.agreed++;
    }
  }
}

/** BACnet services whose values we decode: readProperty(Multiple) ACKs, writeProperty(Multiple). */
const VALUE_SERVICES = new Set([12, 14, 15, 16]);

function compareBacnet(file: string, d: Decoded, t: Tally): void {
  const presentValues = ['real', 'double', 'uint', 'int', 'enum_index', 'boolean'].map((f) => `bacapp.present_value.${f}`);
  const rows = tsharkFields(file, 'bvlc', ['bacapp.type', 'bacapp.confirmed_service', 'bacapp.unconfirmed_service', 'bacapp.objectType', 'bacapp.instance_number', 'bacapp.property_identifier', 'bvlc.function', ...presentValues]);
  for (const { frame, values } of rows) {
    const [type, confirmed, unconfirmed, objType, instance, property, bvlcFn, ...present] = values as string[][];
    t.pdus++;
    const op = (d.byFrame.get(frame) ?? []).find((o) => o.protocol === 'bacnet');
    if (!check(t, file, frame, op !== undefined, `tshark decodes BVLC function ${bvlcFn![0]}, we emit none`)) continue;
    let ok = true;
    if (type!.length > 0) {
      ok = check(t, file, frame, op!.subCode === num(type![0]), `APDU type ${op!.subCode} vs ${type![0]}`) && ok;
      const service = num(confirmed![0]) ?? num(unconfirmed![0]);
      if (service !== undefined) ok = check(t, file, frame, op!.code === service, `service ${op!.code} (${op!.codeName}) vs ${service}`) && ok;
      // The object and property we report must be among those tshark decodes in the PDU.
      const target = op!.targets[0];
      if (target?.type === 'bacnet' && objType!.length > 0 && !op!.targetsTruncated) {
        const pairs = new Set(objType!.map((o, i) => `${o}:${instance![i]}`));
        ok = check(t, file, frame, pairs.has(`${target.objectType}:${target.instance}`), `object ${target.objectType}:${target.instance} not among tshark's ${[...pairs].join(' ')}`) && ok;
        if (target.property !== undefined && property!.length > 0) {
          ok = check(t, file, frame, property!.includes(String(target.property)), `property ${target.property} not among tshark's ${property!.join(' ')}`) && ok;
        }
      }
      // Present-values written or read back, where we decode them (tshark shows no other property's).
      const ours = (op!.values ?? []).filter((_, i) => { const x = op!.targets[i]; return x?.type === 'bacnet' && x.property === 85; });
      if (ours.length > 0 || (VALUE_SERVICES.has(op!.code) && (op!.subCode === 0 || op!.subCode === 3) && !op!.targetsTruncated)) {
        const theirs = numbers(present);
        ok = check(t, file, frame, sameValues(ours, theirs, op!.valuesTruncated === true), `present-values ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`) && ok;
      }
    } else {
      ok = check(t, file, frame, op!.subCode === 16 || op!.subCode === 17, `tshark sees no APDU, we report ${op!.subCodeName}`) && ok;
    }
    if (ok) t.agreed++;
  }
}

function compareOpcua(file: string, d: Decoded, t: Tally): void {
  const ports = new Set<number>();
  for (const op of d.operations) if (op.protocol === 'opcua') ports.add(op.server.port);
  const decodeAs = [...ports].map((p) => `tcp.port==${p},opcua`);
  const scalars = ['Boolean', 'SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64', 'Float', 'Double'].map((f) => `opcua.${f}`);
  const rows = tsharkFields(file, 'opcua', ['opcua.transport.type', 'opcua.transport.chunk', 'opcua.servicenodeid.numeric', ...scalars], decodeAs);
  for (const { frame, values } of rows) {
    const [types, chunks, services, ...numeric] = values as string[][];
    const ours = (d.byFrame.get(frame) ?? []).filter((o) => o.protocol === 'opcua');
    // Intermediate chunks complete nothing; count each final or aborted chunk as one PDU.
    const complete = types!.filter((_, i) => chunks![i] !== 'C').length;
    t.pdus += complete;
    const ourServices = ours.filter((o) => o.code < 0x10000 && !o.encrypted).map((o) => String(o.code)).sort();
    const theirs = [...services!].sort();
    const ourTypes = ours.map(opcuaType).sort();
    const theirTypes = types!.filter((_, i) => chunks![i] !== 'C').sort();
    let ok = check(t, file, frame, JSON.stringify(ourTypes) === JSON.stringify(theirTypes), `message types ${ourTypes} vs ${theirTypes}`);
    ok = check(t, file, frame, theirs.every((s) => ourServices.includes(s)), `services ${ourServices} vs ${theirs}`) && ok;
    // Scalar values of a Write request or a Read response, where the frame completes one message.
    const valued = ours.filter((o) => o.code === 673 || o.code === 634);
    if (valued.length === 1 && ours.length === 1) {
      const op = valued[0]!;
      const theirValues = numbers(numeric);
      ok = check(t, file, frame, sameValues(op.values ?? [], theirValues, op.valuesTruncated === true), `scalar values ${JSON.stringify(op.values ?? [])} vs ${JSON.stringify(theirValues)}`) && ok;
    }
    if (ok) t.agreed += complete;
  }
}

function opcuaType(op: Operation): string {
  return op.subCodeName ?? '';
}

const cases: [string, (f: string, d: Decoded, t: Tally) => void][] = [
  ['modbus', compareModbus],
  ['bacnet', compareBacnet],
  ['opcua', compareOpcua],
];

describe.skipIf(!HAVE_TSHARK)('agreement with tshark on the shared captures', () => {
  const total: Tally = { pdus: 0, agreed: 0, disagreements: [] };

  for (const [dir, compare] of cases) {
    for (const file of captures(dir)) {
      it(`${dir}/${file.split('/').pop()}`, async () => {
        const d = await decodeFile(file);
        const t: Tally = { pdus: 0, agreed: 0, disagreements: [] };
        compare(file, d, t);
        total.pdus += t.pdus;
        total.agreed += t.agreed;
        total.disagreements.push(...t.disagreements);
        if (t.disagreements.length > 0) console.log(`${file}: ${t.agreed}/${t.pdus} agree\n  ${t.disagreements.join('\n  ')}`);
        expect(t.pdus).toBeGreaterThan(0);
      });
    }
  }

  it('agrees on at least 99.9% of the PDUs tshark decodes', () => {
    const rate = total.agreed / total.pdus;
    console.log(`tshark agreement: ${total.agreed}/${total.pdus} PDUs (${(rate * 100).toFixed(3)}%), ${total.disagreements.length} disagreements`);
    expect(total.pdus).toBeGreaterThan(3000);
    expect(rate).toBeGreaterThanOrEqual(0.999);
  });
});
