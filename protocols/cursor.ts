// Bounds-checked reader over a Buffer: reading past the end never throws, it clears `ok`
// and returns zeros, so decoders check `ok` once at the end instead of at every field.

export class Cursor {
  buf: Buffer;
  pos: number;
  end: number;
  ok = true;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = Math.min(end, buf.length);
  }

  reset(buf: Buffer, start = 0, end = buf.length): this {
    this.buf = buf;
    this.pos = start;
    this.end = Math.min(end, buf.length);
    this.ok = true;
    return this;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private take(n: number): number {
    if (!this.ok || n < 0 || this.end - this.pos < n) {
      this.ok = false;
      this.pos = this.end;
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.buf[at]!;
  }

  u16be(): number {
    const at = this.take(2);
    return at < 0 ? 0 : (this.buf[at]! << 8) | this.buf[at + 1]!;
  }

  u16le(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.buf[at]! | (this.buf[at + 1]! << 8);
  }

  u32be(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.buf.readUInt32BE(at);
  }

  u32le(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.buf.readUInt32LE(at);
  }

  i32le(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.buf.readInt32LE(at);
  }

  /** Unsigned big-endian integer of 1-4 bytes. */
  uintBE(n: number): number {
    const at = this.take(n);
    if (at < 0 || n > 4) return 0;
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.buf[at + i]!;
    return v;
  }

  skip(n: number): boolean {
    return this.take(n) >= 0;
  }

  /** A view (no copy) of the next n bytes, or an empty view when they are not there. */
  bytes(n: number): Buffer {
    const at = this.take(n);
    return at < 0 ? this.buf.subarray(0, 0) : this.buf.subarray(at, at + n);
  }
}
