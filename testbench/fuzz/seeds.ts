// Seed corpus: the application PDUs of the shared captures, per protocol, plus whole frames.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/capture-reader.js';
import { PacketInfo, decodePacket } from '../../protocols/net/packet.js';

export interface Seeds {
  net: Buffer[];
  pipeline: Buffer[];
  modbus: Buffer[];
  bacnet: Buffer[];
  opcua: Buffer[];
}

export async function loadSeeds(pcapRoot: string, perProtocol = 2000): Promise<Seeds> {
  const seeds: Seeds = { net: [], pipeline: [], modbus: [], bacnet: [], opcua: [] };
  const info = new PacketInfo();
  for (const dir of ['modbus', 'bacnet', 'opcua'] as const) {
    let files: string[];
    try {
      files = readdirSync(join(pcapRoot, dir)).filter((f) => f.endsWith('.pcap'));
    } catch {
      continue;
    }
    for (const f of files) {
      await readCapture(join(pcapRoot, dir, f), (p) => {
        // Ethernet frames only: the pipeline target feeds them as link type 1.
        if (p.linkType === 1 && seeds.net.length < perProtocol) seeds.net.push(Buffer.from(p.frame));
        if (seeds[dir].length >= perProtocol) return;
        if (decodePacket(p.linkType, p.frame, info) && info.payloadLength > 0) {
          seeds[dir].push(Buffer.from(p.frame.subarray(info.payloadOffset, info.payloadOffset + info.payloadLength)));
        }
      });
    }
  }
  seeds.pipeline = seeds.net;
  return seeds;
}
