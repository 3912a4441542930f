// Writing classic pcap headers, for tests and benchmarks that make their own captures.

export function pcapFileHeader(linkType: number, opts: { bigEndian?: boolean; nanoseconds?: boolean } = {}): Buffer {
  const h = Buffer.alloc(24);
  const u32 = (v: number, at: number) => (opts.bigEndian ? h.writeUInt32BE(v, at) : h.writeUInt32LE(v, at));
  const u16 = (v: number, at: number) => (opts.bigEndian ? h.writeUInt16BE(v, at) : h.writeUInt16LE(v, at));
  u32(opts.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(2, 4);
  u16(4, 6);
  u32(65535, 16);
  u32(linkType, 20);
  return h;
}

export function pcapRecordHeader(seconds: number, fraction: number, length: number, bigEndian = false): Buffer {
  const r = Buffer.alloc(16);
  const u32 = (v: number, at: number) => (bigEndian ? r.writeUInt32BE(v, at) : r.writeUInt32LE(v, at));
  u32(seconds, 0);
  u32(fraction, 4);
  u32(length, 8);
  u32(length, 12);
  return r;
}
