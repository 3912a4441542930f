// Streaming pcap / pcapng reader: reads the file in chunks, never whole, and hands each packet
// to a callback as a view into the chunk. The view and the packet object are reused: a
// consumer that keeps bytes past the callback must copy them.

import { open, type FileHandle } from 'node:fs/promises';
import { BulkheadError } from '../errors.js';

export interface CapturedPacket {
  /** 1-based position of the packet in its file. */
  index: number;
  linkType: number;
  /** Seconds since the epoch. */
  ts: number;
  frame: Buffer;
  /** Length on the wire; larger than frame.length when the capture was snapped. */
  origLength: number;
  interfaceId: number;
}

export type CaptureProblem = 'unreadable' | 'not_a_capture' | 'truncated' | 'bad_block' | 'block_too_large';

export class CaptureError extends BulkheadError {
  constructor(
    readonly problem: CaptureProblem,
    readonly path: string,
    message: string,
  ) {
    super('BH_CAPTURE', `${path}: ${message}`);
    this.name = 'CaptureError';
  }
}

export interface CaptureSummary {
  path: string;
  format: 'pcap' | 'pcapng';
  packets: number;
  bytes: number;
}

const CHUNK = 1 << 20;
/** Largest record we accept: far above any real snap length, small enough to stay bounded. */
const MAX_RECORD = 64 << 20;

const PCAP_US = 0xa1b2c3d4;
const PCAP_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;

/** Chunked file input with a sliding window: `need(n)` makes n bytes at `pos` available. */
class Window {
  buf = Buffer.allocUnsafe(CHUNK);
  pos = 0;
  have = 0;
  offset = 0; // file offset of buf[0]
  eof = false;

  constructor(private readonly fh: FileHandle) {}

  /** The n bytes at `pos` are in the buffer already (the usual case: no await per packet). */
  has(n: number): boolean {
    return this.have - this.pos >= n;
  }

  async need(n: number): Promise<boolean> {
    while (this.have - this.pos < n) {
      if (this.eof) return false;
      if (this.pos > 0) {
        this.buf.copyWithin(0, this.pos, this.have);
        this.offset += this.pos;
        this.have -= this.pos;
        this.pos = 0;
      }
      if (n > this.buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
        this.buf.copy(bigger, 0, 0, this.have);
        this.buf = bigger;
      }
      const { bytesRead } = await this.fh.read(this.buf, this.have, this.buf.length - this.have, null);
      if (bytesRead === 0) this.eof = true;
      this.have += bytesRead;
    }
    return true;
  }

  get fileOffset(): number {
    return this.offset + this.pos;
  }
}

/** Receives each packet (a reused object: copy what you keep); returning false stops reading. */
export type PacketHandler = (p: CapturedPacket) => boolean | void;

/** Timestamp of the first packet, or undefined for a capture without packets. */
export async function firstTimestamp(path: string): Promise<number | undefined> {
  let ts: number | undefined;
  await readCapture(path, (p) => {
    ts = p.ts;
    return false;
  });
  return ts;
}

export async function readCapture(path: string, onPacket: PacketHandler): Promise<CaptureSummary> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new CaptureError('unreadable', path, `cannot open: ${(err as Error).message}`);
  }
  try {
    const w = new Window(fh);
    if (!(await w.need(4))) throw new CaptureError('not_a_capture', path, 'file is shorter than a capture header');
    const magicLE = w.buf.readUInt32LE(0);
    const magicBE = w.buf.readUInt32BE(0);
    if (magicLE === PCAPNG_SHB) return await readPcapng(path, w, onPacket);
    if (magicLE === PCAP_US || magicLE === PCAP_NS || magicBE === PCAP_US || magicBE === PCAP_NS) {
      return await readPcap(path, w, onPacket);
    }
    throw new CaptureError('not_a_capture', path, `not a pcap or pcapng file (magic 0x${magicBE.toString(16).padStart(8, '0')})`);
  } finally {
    await fh.close();
  }
}

async function readPcap(path: string, w: Window, onPacket: PacketHandler): Promise<CaptureSummary> {
  if (!(await w.need(24))) throw new CaptureError('truncated', path, 'pcap file header is cut short (24 bytes expected)');
  const le = w.buf.readUInt32LE(0) === PCAP_US || w.buf.readUInt32LE(0) === PCAP_NS;
  const magic = le ? w.buf.readUInt32LE(0) : w.buf.readUInt32BE(0);
  const divisor = magic === PCAP_NS ? 1e9 : 1e6;
  const u32 = le ? (o: number) => w.buf.readUInt32LE(o) : (o: number) => w.buf.readUInt32BE(o);
  // The upper bits of the link-type field carry FCS information; the type is the low 16 bits.
  const linkType = u32(20) & 0xffff;
  w.pos = 24;
  const pkt: CapturedPacket = { index: 0, linkType, ts: 0, frame: w.buf.subarray(0, 0), origLength: 0, interfaceId: 0 };
  let bytes = 0;
  while (true) {
    if (!w.has(16) && !(await w.need(16))) {
      if (w.have - w.pos === 0) break;
      throw new CaptureError('truncated', path, `record header of packet ${pkt.index + 1} cut short at byte ${w.fileOffset}`);
    }
    const p = w.pos;
    const sec = u32(p);
    const frac = u32(p + 4);
    const incl = u32(p + 8);
    const orig = u32(p + 12);
    if (incl > MAX_RECORD) {
      throw new CaptureError('block_too_large', path, `packet ${pkt.index + 1} claims ${incl} bytes at byte ${w.fileOffset}: corrupt record header`);
    }
    if (!w.has(16 + incl) && !(await w.need(16 + incl))) {
      throw new CaptureError('truncated', path, `packet ${pkt.index + 1} cut short at byte ${w.fileOffset}: ${incl} bytes announced, ${w.have - w.pos - 16} present`);
    }
    const start = w.pos + 16;
    pkt.index++;
    pkt.ts = sec + frac / divisor;
    pkt.frame = w.buf.subarray(start, start + incl);
    pkt.origLength = orig;
    bytes += incl;
    w.pos = start + incl;
    if (onPacket(pkt) === false) break;
  }
  return { path, format: 'pcap', packets: pkt.index, bytes };
}

interface Interface {
  linkType: number;
  unitsPerSecond: number;
  snapLen: number;
}

async function readPcapng(path: string, w: Window, onPacket: PacketHandler): Promise<CaptureSummary> {
  let le = true;
  let interfaces: Interface[] = [];
  const pkt: CapturedPacket = { index: 0, linkType: 0, ts: 0, frame: w.buf.subarray(0, 0), origLength: 0, interfaceId: 0 };
  let bytes = 0;
  const u32 = (o: number) => (le ? w.buf.readUInt32LE(o) : w.buf.readUInt32BE(o));
  const u16 = (o: number) => (le ? w.buf.readUInt16LE(o) : w.buf.readUInt16BE(o));
  while (true) {
    if (!w.has(12) && !(await w.need(12))) {
      if (w.have - w.pos === 0) break;
      throw new CaptureError('truncated', path, `block header cut short at byte ${w.fileOffset}`);
    }
    let p = w.pos;
    const type = w.buf.readUInt32LE(p) === PCAPNG_SHB ? PCAPNG_SHB : u32(p);
    if (type === PCAPNG_SHB) {
      // A new section may switch byte order; its interfaces replace the previous section's.
      const bom = w.buf.readUInt32LE(p + 8);
      if (bom === PCAPNG_BOM) le = true;
      else if (w.buf.readUInt32BE(p + 8) === PCAPNG_BOM) le = false;
      else throw new CaptureError('bad_block', path, `section header at byte ${w.fileOffset} has a bad byte-order magic`);
      interfaces = [];
    }
    const total = u32(p + 4);
    if (total < 12 || total % 4 !== 0) {
      throw new CaptureError('bad_block', path, `block at byte ${w.fileOffset} has invalid length ${total}`);
    }
    if (total > MAX_RECORD) throw new CaptureError('block_too_large', path, `block at byte ${w.fileOffset} claims ${total} bytes`);
    if (!w.has(total) && !(await w.need(total))) {
      throw new CaptureError('truncated', path, `block at byte ${w.fileOffset} cut short: ${total} bytes announced, ${w.have - w.pos} present`);
    }
    p = w.pos;
    const body = p + 8;
    const bodyEnd = p + total - 4;
    if (type === 1) {
      interfaces.push(readInterface(w.buf, body, bodyEnd, u16, u32));
    } else if (type === 6 || type === 3 || type === 2) {
      let ifId = 0;
      let tsHigh = 0;
      let tsLow = 0;
      let capLen: number;
      let origLen: number;
      let data: number;
      if (type === 6) {
        ifId = u32(body);
        tsHigh = u32(body + 4);
        tsLow = u32(body + 8);
        capLen = u32(body + 12);
        origLen = u32(body + 16);
        data = body + 20;
      } else if (type === 2) {
        ifId = u16(body);
        tsHigh = u32(body + 4);
        tsLow = u32(body + 8);
        capLen = u32(body + 12);
        origLen = u32(body + 16);
        data = body + 20;
      } else {
        origLen = u32(body);
        data = body + 4;
        capLen = Math.min(origLen, bodyEnd - data, interfaces[0]?.snapLen || Infinity);
      }
      const iface = interfaces[ifId];
      if (!iface) throw new CaptureError('bad_block', path, `packet block at byte ${w.fileOffset} names interface ${ifId}, which was never described`);
      if (data + capLen > bodyEnd) {
        throw new CaptureError('bad_block', path, `packet block at byte ${w.fileOffset} claims ${capLen} captured bytes, more than the block holds`);
      }
      pkt.index++;
      pkt.linkType = iface.linkType;
      pkt.interfaceId = ifId;
      pkt.ts = (tsHigh * 4294967296) / iface.unitsPerSecond + tsLow / iface.unitsPerSecond;
      pkt.frame = w.buf.subarray(data, data + capLen);
      pkt.origLength = origLen;
      bytes += capLen;
      w.pos = p + total;
      if (onPacket(pkt) === false) break;
      continue;
    }
    w.pos = p + total;
  }
  return { path, format: 'pcapng', packets: pkt.index, bytes };
}

function readInterface(buf: Buffer, body: number, end: number, u16: (o: number) => number, u32: (o: number) => number): Interface {
  const iface: Interface = { linkType: u16(body), snapLen: u32(body + 4), unitsPerSecond: 1e6 };
  // Options: code, length, value padded to 4. if_tsresol (9) sets the timestamp unit.
  let o = body + 8;
  while (o + 4 <= end) {
    const code = u16(o);
    const len = u16(o + 2);
    if (code === 0) break;
    if (code === 9 && len >= 1 && o + 5 <= end) {
      const v = buf[o + 4]!;
      const exp = v & 0x7f;
      iface.unitsPerSecond = v & 0x80 ? 2 ** exp : 10 ** exp;
    }
    o += 4 + ((len + 3) & ~3);
  }
  return iface;
}
