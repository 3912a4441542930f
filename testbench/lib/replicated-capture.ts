// A large capture made of the shared corpus's Ethernet captures replicated until it holds the
// wanted number of packets; each replica's IPv4 addresses are rewritten so its flows are new
// flows, not retransmissions of the previous replica's. Benchmarks compare tools on it.

import { openSync, writeSync, closeSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/capture-reader.js';
import { PacketInfo, decodePacket } from '../../protocols/net/packet.js';
import { pcapFileHeader, pcapRecordHeader } from '../../src/test-support/pcap-writer.js';

interface Frame {
  data: Buffer;
  ipOffset: number;
}

/** The shared corpus, beside the repository: ../shared/pcaps. */
export const SHARED_PCAPS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'pcaps');

async function corpus(root: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  const info = new PacketInfo();
  for (const dir of ['modbus', 'bacnet', 'opcua']) {
    for (const f of readdirSync(join(root, dir)).filter((n) => n.endsWith('.pcap')).sort()) {
      await readCapture(join(root, dir, f), (p) => {
        if (p.linkType !== 1) return;
        decodePacket(1, p.frame, info);
        frames.push({ data: Buffer.from(p.frame), ipOffset: info.ipVersion === 4 ? info.ipOffset : -1 });
      });
    }
  }
  return frames;
}

/** Writes the replicated capture to `path`; returns the packets written and the corpus size. */
export async function writeReplicatedCapture(path: string, target: number, root = SHARED_PCAPS): Promise<{ packets: number; corpus: number }> {
  const frames = await corpus(root);
  const fd = openSync(path, 'w');
  writeSync(fd, pcapFileHeader(1));
  const chunk: Buffer[] = [];
  let written = 0;
  let t = 1_700_000_000;
  for (let r = 0; written < target; r++) {
    for (const f of frames) {
      if (written >= target) break;
      const data = Buffer.from(f.data);
      if (f.ipOffset >= 0) {
        // Distinct addresses per replica: 10.x.y.h keeps the host byte, varies the middle.
        for (const at of [f.ipOffset + 12, f.ipOffset + 16]) {
          data[at + 1] = (r >> 8) & 0xff;
          data[at + 2] = r & 0xff;
        }
      }
      t += 0.0001;
      chunk.push(pcapRecordHeader(Math.floor(t), Math.round((t % 1) * 1e6) % 1000000, data.length), data);
      written++;
      if (chunk.length >= 8192) writeSync(fd, Buffer.concat(chunk.splice(0)));
    }
  }
  if (chunk.length) writeSync(fd, Buffer.concat(chunk));
  closeSync(fd);
  return { packets: written, corpus: frames.length };
}
