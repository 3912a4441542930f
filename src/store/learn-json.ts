// A flush batch made ready for the writer thread (learn-writer.ts): the records' JSON written
// into 1 MiB chunks of UTF-8, handed over without a copy and bound by SQLite as they lie, the
// chunks coming back from the writer thread once written. A batch of 10,000 assets is a dozen
// chunks reused batch after batch, not 10,000 strings made on one thread and again on the other.

import { conversationDigest } from './conversation-digest.js';
import type { AssetRow, BatchFacts, ConversationRow, FlushBatch, StoredAsset, StoredConversation } from './learn-store.js';

export const CHUNK_BYTES = 1 << 20;
/** Chunks kept for the next batches; more coming back are let go. */
export const MAX_FREE_CHUNKS = 32;

/** Where a record's JSON lies: chunk, then [start, end) in bytes. */
type Span = [chunk: number, start: number, end: number];

export interface ChunkedBatch {
  facts: BatchFacts;
  chunks: Uint8Array[];
  assets: [key: string, ip: string, firstSeen: number, lastSeen: number, ...json: Span][];
  /** Each conversation's whole record, then its digest. */
  conversations: [key: string, protocol: string, clientIp: string, serverIp: string, serverPort: number, firstSeen: number, lastSeen: number, ...json: Span, ...digest: Span][];
}

/** Chunks to write into: those the writer thread gave back, else new ones. */
export class ChunkPool {
  private readonly free: Buffer[] = [];

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
  }

  /** Chunks written and sent back (a plain Uint8Array each, once it has crossed threads). */
  give(chunks: readonly Uint8Array[]): void {
    for (const c of chunks) if (c.byteLength === CHUNK_BYTES && this.free.length < MAX_FREE_CHUNKS) this.free.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  }
}

class ChunkWriter {
  readonly chunks: Buffer[] = [];
  private used = CHUNK_BYTES;

  constructor(private readonly pool: ChunkPool) {}

  add(record: unknown): Span {
    const json = JSON.stringify(record);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; a record too big for a chunk gets one of its own size.
    const room = json.length * 3;
    if (room > CHUNK_BYTES) {
      this.chunks.push(Buffer.from(json));
      this.used = CHUNK_BYTES;
      return [this.chunks.length - 1, 0, this.chunks[this.chunks.length - 1]!.length];
    }
    if (CHUNK_BYTES - this.used < room) {
      this.chunks.push(this.pool.take());
      this.used = 0;
    }
    const start = this.used;
    this.used += this.chunks[this.chunks.length - 1]!.write(json, start);
    return [this.chunks.length - 1, start, this.used];
  }
}

export function chunkedBatch<A extends StoredAsset, C extends StoredConversation>(b: FlushBatch<A, C>, pool: ChunkPool): ChunkedBatch {
  const out = new ChunkWriter(pool);
  const { assets, conversations, ...facts } = b;
  return {
    facts,
    assets: assets.map((a): ChunkedBatch['assets'][number] => [a.key, a.ip, a.firstSeen, a.lastSeen, ...out.add(a)]),
    conversations: conversations.map((c): ChunkedBatch['conversations'][number] => [c.key, c.protocol, c.client.ip, c.server.ip, c.server.port, c.firstSeen, c.lastSeen, ...out.add(c), ...out.add(conversationDigest(c))]),
    chunks: out.chunks,
  };
}

/** The rows of a chunked batch, each record's JSON a view of its chunk. */
export function chunkedRows(b: ChunkedBatch): { assets: Generator<AssetRow>; conversations: Generator<ConversationRow> } {
  const views = b.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  function* assets(): Generator<AssetRow> {
    for (const [key, ip, first, last, chunk, start, end] of b.assets) yield [key, ip, first, last, views[chunk]!.subarray(start, end)];
  }
  function* conversations(): Generator<ConversationRow> {
    for (const [key, protocol, client, server, port, first, last, chunk, start, end, dChunk, dStart, dEnd] of b.conversations) {
      yield [key, protocol, client, server, port, first, last, views[chunk]!.subarray(start, end), views[dChunk]!.subarray(dStart, dEnd)];
    }
  }
  return { assets: assets(), conversations: conversations() };
}
