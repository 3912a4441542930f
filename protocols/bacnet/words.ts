// BACnet in the plant's words: services by their standard names with the service number kept
// ("readProperty (confirmed service 12)"), objects as a building engineer lists them
// ("analog-input 1-5 present-value").

import type { BacnetTarget } from '../operation.js';
import { rangeText } from '../words.js';
import { BVLC_FUNCTIONS, NETWORK_MESSAGES, PDU_TYPES, propertyName, serviceEntry, SUBCODE_BVLC, SUBCODE_NETWORK, objectTypeName } from './codes.js';

const CONFIRMED_REQUEST = 0;
const UNCONFIRMED_REQUEST = 1;

/** What the number of a code counts, by the record's subCode (APDU type, or a BVLC/network message). */
function numbered(code: number, sub: number | undefined): string {
  if (sub === SUBCODE_BVLC) return `BVLC function ${code}`;
  if (sub === SUBCODE_NETWORK) return `network message ${code}`;
  if (sub === UNCONFIRMED_REQUEST) return `unconfirmed service ${code}`;
  if (sub === undefined) return `service ${code}`;
  return `confirmed service ${code}`;
}

/** "readProperty (confirmed service 12)", "readProperty complex-ack (confirmed service 12)", "who-Is (unconfirmed service 8)". */
export function codeWords(name: string, code: number, sub: number | undefined): string {
  const reply = sub !== undefined && sub !== CONFIRMED_REQUEST && sub !== UNCONFIRMED_REQUEST && sub < PDU_TYPES.length ? ` ${PDU_TYPES[sub]}` : '';
  return `${name}${reply} (${numbered(code, sub)})`;
}

/** A code a rule allows, by the standard's names; without an APDU type both services of that number are named. */
export function allowedCodeWords(code: number, sub: number | undefined): string {
  if (sub === SUBCODE_BVLC) return codeWords(BVLC_FUNCTIONS.get(code)?.[0] ?? `BVLC-${code}`, code, sub);
  if (sub === SUBCODE_NETWORK) return codeWords(NETWORK_MESSAGES.get(code)?.[0] ?? `network-message-${code}`, code, sub);
  if (sub === undefined) return codeWords(`${serviceEntry(true, code)[0]} or ${serviceEntry(false, code)[0]}`, code, sub);
  return codeWords(serviceEntry(sub !== UNCONFIRMED_REQUEST, code)[0], code, sub);
}

/** A property as a rule writes it (a name, or its number as text), by name. */
const propertyWords = (p: string): string => (/^\d+$/.test(p) ? propertyName(Number(p)) : p);

/** "analog-input 1-5 present-value, status-flags"; no instances: every object of the type; no properties: any property. */
export function objectWords(objectType: number, instances: readonly (readonly [number, number])[] | undefined, properties: readonly string[] | undefined): string {
  const type = objectTypeName(objectType);
  const which = instances?.length ? `${type} ${instances.map(rangeText).join(', ')}` : `every ${type}`;
  return properties?.length ? `${which} ${properties.map(propertyWords).join(', ')}` : which;
}

/** One request's target: "analog-input 3 present-value", "device 1050 object-list[2]". */
export function targetWords(t: BacnetTarget): string {
  const index = t.arrayIndex !== undefined ? `[${t.arrayIndex}]` : '';
  return `${t.objectTypeName} ${t.instance}${t.propertyName ? ` ${t.propertyName}${index}` : ''}`;
}
