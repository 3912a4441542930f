// BACnet service parameters: the objects and properties each service touches (clauses 13-16).
// Only what policy needs is extracted, the process values written and read back (a single
// numeric primitive of a process object), and what a device says it is (its Device object's
// model, firmware, software and vendor strings); other values are skipped by their tags.

import type { Cursor } from '../cursor.js';
import type { BacnetTarget, PduRecord } from '../operation.js';
import { pushTarget } from '../operation.js';
import { putValue } from '../values.js';
import { DCC_STATES, DEVICE_IDENTITY_PROPERTIES, DEVICE_OBJECT, PROCESS_OBJECT_TYPES, REINITIALIZE_STATES, objectTypeName, propertyName } from './codes.js';
import { Tag, isNumericTag, numericLengthFault, peekTag, readCharacterString, readNumber, readTag, skipContent } from './tags.js';

const tag = new Tag();
const scratch = new Tag();

/** Instance number BACnet uses for "no instance" (an object created by type only). */
export const NO_INSTANCE = 4194303;

const APP_UNSIGNED = 2;
const APP_ENUMERATED = 9;
const APP_CHARSTRING = 7;
const APP_OBJECT_ID = 12;

/** Reads a service's tagged parameters in order; any mismatch stops it without throwing. */
class Params {
  c!: Cursor;
  rec!: PduRecord;

  start(c: Cursor, rec: PduRecord): this {
    this.c = c;
    this.rec = rec;
    return this;
  }

  /** Next tag is context `n` (or application `n` when app is set)? Does not consume. */
  next(n: number, app = false): boolean {
    if (!this.c.ok || this.c.remaining === 0 || !peekTag(this.c, tag)) return false;
    return tag.context !== app && tag.number === n && !tag.closing;
  }

  /** Consume context/application tag `n` and return its unsigned value, or -1. */
  unsigned(n: number, app = false): number {
    if (!this.next(n, app)) return -1;
    readTag(this.c, tag);
    if (tag.opening || tag.length < 1 || tag.length > 4) {
      skipContent(this.c, tag, scratch);
      return -1;
    }
    return this.c.uintBE(tag.length);
  }

  objectId(n: number, app = false): [type: number, instance: number] | undefined {
    if (!this.next(n, app)) return undefined;
    readTag(this.c, tag);
    if (tag.length !== 4) {
      this.invalid(`object identifier of ${tag.length} bytes`);
      return undefined;
    }
    const v = this.c.u32be();
    return [v >>> 22, v & 0x3fffff];
  }

  string(n: number, app = false): string | undefined {
    if (!this.next(n, app)) return undefined;
    readTag(this.c, tag);
    return readCharacterString(this.c, tag.length);
  }

  /** Consume whatever tag comes next, with its content. */
  skipOne(): boolean {
    if (!readTag(this.c, tag)) return false;
    return skipContent(this.c, tag, scratch);
  }

  /** Consume an opening tag `n`; false when the next tag is not one. */
  open(n: number): boolean {
    if (!this.next(n) || !tag.opening) return false;
    readTag(this.c, tag);
    return true;
  }

  /** At the closing tag `n`? Consumes it when so. */
  close(n: number): boolean {
    if (!this.c.ok || !peekTag(this.c, tag) || !tag.closing || tag.number !== n) return false;
    readTag(this.c, tag);
    return true;
  }

  invalid(detail: string): void {
    this.rec.anomalies.push({ type: 'invalid_tag', detail: `${this.rec.codeName}: ${detail}` });
    this.c.skip(this.c.remaining);
  }

  target(obj: [number, number], property = -1, arrayIndex = -1): void {
    const t: BacnetTarget = { type: 'bacnet', objectType: obj[0], objectTypeName: objectTypeName(obj[0]), instance: obj[1] };
    if (property >= 0) {
      t.property = property;
      t.propertyName = propertyName(property);
    }
    if (arrayIndex >= 0) t.arrayIndex = arrayIndex;
    if (!pushTarget(this.rec, t)) this.rec.targetsTruncated = true;
  }

  /** The index of the target a property reference adds, or -1 when the record holds as many as it may. */
  propertyTarget(obj: [number, number], property: number, arrayIndex: number): number {
    const index = this.rec.targets.length;
    this.target(obj, property, arrayIndex);
    return this.rec.targets.length > index ? index : -1;
  }

  /** objectId [o], property [o+1], optional array index [o+2]: the common reference triple; its target's index, or -1. */
  propertyRef(o: number): number {
    const obj = this.objectId(o);
    if (!obj) {
      this.invalid(`missing object identifier [${o}]`);
      return -1;
    }
    const prop = this.unsigned(o + 1);
    const idx = this.unsigned(o + 2);
    return this.propertyTarget(obj, prop, idx);
  }

  /**
   * The constructed value in opening tag `n` of target `index` (-1: none), when that is a process
   * object and the value is next (consumed through its closing tag; else false, nothing
   * consumed): the target's value when it is one numeric primitive. A length its type cannot
   * have is an anomaly.
   */
  value(n: number, index: number): boolean {
    const t = this.rec.targets[index];
    if (t?.type !== 'bacnet' || !PROCESS_OBJECT_TYPES.has(t.objectType) || !this.open(n)) return false;
    let value: number | null = null;
    let items = 0;
    while (this.c.ok && this.c.remaining > 0 && !this.close(n)) {
      if (!readTag(this.c, tag)) return true;
      items++;
      if (!isNumericTag(tag)) {
        if (!skipContent(this.c, tag, scratch)) return true;
        continue;
      }
      const fault = numericLengthFault(tag);
      if (fault === undefined) value = readNumber(this.c, tag);
      else {
        this.rec.anomalies.push({ type: 'invalid_value', detail: `${this.rec.codeName}: ${fault}` });
        if (tag.number !== 1) this.c.skip(tag.length);
      }
    }
    if (items === 1) putValue(this.rec, index, value);
    return true;
  }

  /**
   * The constructed value in opening tag `n` of target `index` (-1: none), when that is one of
   * the Device object's identity properties (DEVICE_IDENTITY_PROPERTIES) and the value is next
   * (consumed through its closing tag; else false, nothing consumed): its CharacterString into
   * the record's details under the fact's name, with the device's instance (unless the request
   * named it by the wildcard). Any other value, or a character set not read, gives no fact.
   */
  deviceFact(n: number, index: number): boolean {
    const t = this.rec.targets[index];
    if (t?.type !== 'bacnet' || t.objectType !== DEVICE_OBJECT || t.arrayIndex !== undefined) return false;
    const fact = DEVICE_IDENTITY_PROPERTIES.get(t.property ?? -1);
    if (!fact || !this.open(n)) return false;
    const details = this.rec.details!;
    while (this.c.ok && this.c.remaining > 0 && !this.close(n)) {
      if (!readTag(this.c, tag)) return true;
      if (tag.context || tag.number !== APP_CHARSTRING) {
        if (!skipContent(this.c, tag, scratch)) return true;
        continue;
      }
      const text = readCharacterString(this.c, tag.length);
      if (text === undefined) continue;
      details[fact] = text;
      if (t.instance !== NO_INSTANCE) details.deviceInstance = t.instance;
    }
    return true;
  }

  /** A list of (property [p], optional index [p+1], value [p+2], then other tagged fields) up to closing tag `close`. */
  propertyList(obj: [number, number], p: number, close: number): void {
    while (this.c.ok && this.c.remaining > 0 && !this.close(close)) {
      const prop = this.unsigned(p);
      if (prop < 0) {
        if (!this.skipOne()) return;
        continue;
      }
      const idx = this.unsigned(p + 1);
      const index = this.propertyTarget(obj, prop, idx);
      // The value, priorities and per-property errors follow until the next property tag.
      while (this.c.ok && this.c.remaining > 0 && !this.next(p) && !(peekTag(this.c, tag) && tag.closing && tag.number === close)) {
        if (!this.value(p + 2, index) && !this.deviceFact(p + 2, index) && !this.skipOne()) return;
      }
    }
  }

  /** The properties listed inside opening tag `n`, each a target on `obj`; else `obj` itself. */
  propertiesOrObject(obj: [number, number], n: number): void {
    if (this.open(n)) this.propertyList(obj, 0, n);
    else this.target(obj);
  }

  /** Repeated (objectId [0], opening [1] property list [1]) blocks, as in RPM/WPM and their ACK. */
  objectBlocks(propertyTag: number): void {
    while (this.c.ok && this.c.remaining > 0) {
      const obj = this.objectId(0);
      if (!obj) return this.invalid('missing object identifier');
      if (!this.open(1)) {
        this.target(obj);
        continue;
      }
      this.propertyList(obj, propertyTag, 1);
    }
  }
}

const params = new Params();

export function decodeServiceRequest(c: Cursor, rec: PduRecord, confirmed: boolean, choice: number): void {
  const p = params.start(c, rec);
  const details = rec.details!;
  if (!confirmed) return decodeUnconfirmed(p, rec, choice);
  switch (choice) {
    case 12: // readProperty
    case 26: // readRange
    case 8: // addListElement
    case 9: // removeListElement
      p.propertyRef(0);
      return;
    case 15: {
      // writeProperty: the value [3] and its priority [4]
      if (!p.value(3, p.propertyRef(0)) && p.open(3)) skipContent(c, tag, scratch);
      const priority = p.unsigned(4);
      if (priority >= 0) details.priority = priority;
      return;
    }
    case 14: // readPropertyMultiple
    case 16: // writePropertyMultiple
      p.objectBlocks(0);
      return;
    case 5: // subscribeCOV
    case 28: // subscribeCOVProperty
      return decodeSubscription(p, rec, choice === 28);
    case 1: // confirmedCOVNotification
    case 2: // confirmedEventNotification
      return decodeNotification(p, rec, choice === 1);
    case 6: // atomicReadFile
    case 7: {
      // atomicWriteFile
      const obj = p.objectId(APP_OBJECT_ID, true);
      if (!obj) return p.invalid('missing file object identifier');
      p.target(obj);
      details.fileAccess = p.next(0) ? 'stream' : 'record';
      return;
    }
    case 10: // createObject
      return decodeCreateObject(p);
    case 11: {
      // deleteObject
      const obj = p.objectId(APP_OBJECT_ID, true);
      if (!obj) return p.invalid('missing object identifier');
      return p.target(obj);
    }
    case 17: {
      // deviceCommunicationControl
      const duration = p.unsigned(0);
      if (duration >= 0) details.timeDuration = duration;
      const state = p.unsigned(1);
      if (state >= 0) details.enableDisable = DCC_STATES[state] ?? `state-${state}`;
      if (p.next(2)) details.passwordPresent = true;
      return;
    }
    case 20: {
      // reinitializeDevice
      const state = p.unsigned(0);
      if (state >= 0) details.reinitializedState = REINITIALIZE_STATES[state] ?? `state-${state}`;
      if (p.next(1)) details.passwordPresent = true;
      return;
    }
    case 27: {
      // lifeSafetyOperation
      p.unsigned(0);
      if (p.next(1)) p.skipOne();
      const request = p.unsigned(2);
      if (request >= 0) details.lifeSafetyRequest = request;
      const obj = p.objectId(3);
      if (obj) p.target(obj);
      return;
    }
    default:
      return;
  }
}

/** subscribeCOV, or (`property`) subscribeCOVProperty: the object, or the property, watched. */
function decodeSubscription(p: Params, rec: PduRecord, property: boolean): void {
  const pid = p.unsigned(0);
  if (pid >= 0) rec.details!.subscriberProcessId = pid;
  const obj = p.objectId(1);
  if (!obj) return p.invalid('missing monitored object [1]');
  if (!property) return p.target(obj);
  p.unsigned(2);
  p.unsigned(3);
  p.propertiesOrObject(obj, 4);
}

/** createObject: the object, by type or identifier, and the properties it is created with. */
function decodeCreateObject(p: Params): void {
  if (!p.open(0)) return p.invalid('missing object specifier [0]');
  const type = p.unsigned(0);
  const obj = type >= 0 ? ([type, NO_INSTANCE] as [number, number]) : p.objectId(1);
  if (!obj) return p.invalid('object specifier is neither a type nor an identifier');
  p.close(0);
  p.propertiesOrObject(obj, 1);
}

function decodeNotification(p: Params, rec: PduRecord, cov: boolean): void {
  const details = rec.details!;
  p.unsigned(0);
  const device = p.objectId(1);
  if (device) details.initiatingDevice = device[1];
  const obj = p.objectId(2);
  if (!obj) return p.invalid('missing monitored object [2]');
  if (!cov) return p.target(obj);
  p.unsigned(3);
  p.propertiesOrObject(obj, 4);
}

function decodeUnconfirmed(p: Params, rec: PduRecord, choice: number): void {
  const details = rec.details!;
  switch (choice) {
    case 0: {
      // i-Am: the device announces itself: identity for the inventory.
      const obj = p.objectId(APP_OBJECT_ID, true);
      if (!obj) return p.invalid('missing device identifier');
      p.target(obj);
      details.deviceInstance = obj[1];
      const maxApdu = p.unsigned(APP_UNSIGNED, true);
      const segmentation = p.unsigned(APP_ENUMERATED, true);
      const vendor = p.unsigned(APP_UNSIGNED, true);
      if (maxApdu >= 0) details.maxApduAccepted = maxApdu;
      if (segmentation >= 0) details.segmentationSupported = segmentation;
      if (vendor >= 0) details.vendorId = vendor;
      return;
    }
    case 1: {
      // i-Have
      const device = p.objectId(APP_OBJECT_ID, true);
      const obj = p.objectId(APP_OBJECT_ID, true);
      if (!device || !obj) return p.invalid('missing device or object identifier');
      details.deviceInstance = device[1];
      p.target(obj);
      const name = p.string(APP_CHARSTRING, true);
      if (name !== undefined) details.objectName = name;
      return;
    }
    case 2: // unconfirmedCOVNotification
    case 3: // unconfirmedEventNotification
      return decodeNotification(p, rec, choice === 2);
    case 7: {
      // who-Has
      const low = p.unsigned(0);
      const high = p.unsigned(1);
      if (low >= 0) details.lowLimit = low;
      if (high >= 0) details.highLimit = high;
      const obj = p.objectId(2);
      if (obj) return p.target(obj);
      const name = p.string(3);
      if (name !== undefined) details.objectName = name;
      return;
    }
    case 8: {
      // who-Is
      const low = p.unsigned(0);
      const high = p.unsigned(1);
      if (low >= 0) details.lowLimit = low;
      if (high >= 0) details.highLimit = high;
      return;
    }
    default:
      return;
  }
}

export function decodeServiceAck(c: Cursor, rec: PduRecord, choice: number): void {
  const p = params.start(c, rec);
  switch (choice) {
    case 12: {
      // readProperty: its value [3]
      const index = p.propertyRef(0);
      if (!p.value(3, index)) p.deviceFact(3, index);
      return;
    }
    case 26: // readRange
      p.propertyRef(0);
      return;
    case 14: // readPropertyMultiple: results carry property [2], index [3], value [4] or error [5]
      return p.objectBlocks(2);
    case 10: {
      // createObject: the new object's identifier
      const obj = p.objectId(APP_OBJECT_ID, true);
      if (obj) p.target(obj);
      return;
    }
    default:
      return;
  }
}
