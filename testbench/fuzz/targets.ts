// Fuzz targets and the input generator shared by `npm run fuzz` and the test suite's short run.
// Inputs are random bytes and mutations of real PDUs taken from the shared captures.

import { decodeBacnet } from '../../protocols/bacnet/bacnet.js';
import { decodeModbus, frameModbus } from '../../protocols/modbus/modbus.js';
import { PacketInfo, decodePacket } from '../../protocols/net/packet.js';
import { frameOpcua } from '../../protocols/opcua/framing.js';
import { OpcuaChannel } from '../../protocols/opcua/opcua.js';
import { OperationDecoder } from '../../src/flow/operation-decoder.js';
import { Rng } from '../lib/rng.js';

export { Rng };

export interface FuzzTarget {
  name: string;
  run(input: Buffer): void;
}

const info = new PacketInfo();
// The whole pipeline over a stream of mutated frames: flows, reassembly and framing state carry over.
const pipeline = new OperationDecoder(() => {}, () => {}, { maxFlows: 1024 });
let frameIndex = 0;

export const TARGETS: FuzzTarget[] = [
  {
    name: 'net',
    run: (b) => {
      for (const lt of [1, 0, 101, 113, 276]) decodePacket(lt, b, info);
    },
  },
  {
    name: 'modbus',
    run: (b) => {
      frameModbus(b, 0, b.length);
      decodeModbus(b, 0, b.length, 'request');
      decodeModbus(b, 0, b.length, 'response');
    },
  },
  {
    name: 'pipeline',
    run: (b) => pipeline.packet({ index: ++frameIndex, linkType: 1, ts: frameIndex / 1000, frame: b }),
  },
  { name: 'bacnet', run: (b) => void decodeBacnet(b, 0, b.length) },
  {
    name: 'opcua',
    run: (b) => {
      frameOpcua(b, 0, b.length);
      // A fresh channel per input, both directions, and one that believes the policy is None.
      const ch = new OpcuaChannel();
      ch.securityPolicyUri = 'http://opcfoundation.org/UA/SecurityPolicy#None';
      if (b.length >= 8) {
        ch.decode(b, 0, b.length, true);
        ch.decode(b, 0, b.length, false);
        new OpcuaChannel().decode(b, 0, b.length, true);
      }
    },
  },
];

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0x3f];

/** A new input: random bytes, or a seed with byte flips, splices, truncation or length lies. */
export function generate(rng: Rng, seeds: Buffer[], out: Buffer): Buffer {
  const mode = rng.below(8);
  if (mode === 0 || seeds.length === 0) {
    const len = rng.below(300);
    for (let i = 0; i < len; i++) out[i] = rng.below(256);
    return out.subarray(0, len);
  }
  const seed = seeds[rng.below(seeds.length)]!;
  let len = Math.min(seed.length, out.length);
  seed.copy(out, 0, 0, len);
  const edits = 1 + rng.below(6);
  for (let e = 0; e < edits && len > 0; e++) {
    const at = rng.below(len);
    switch (rng.below(6)) {
      case 0:
        out[at] = rng.below(256);
        break;
      case 1:
        out[at] = INTERESTING[rng.below(INTERESTING.length)]!;
        break;
      case 2:
        out[at]! ^= 1 << rng.below(8);
        break;
      case 3:
        len = at; // truncate
        break;
      case 4: {
        // length lie: a 16/32-bit field set to an extreme
        if (at + 4 <= len) out.writeUInt32LE([0, 0xffffffff, 0x7fffffff, 0x80000000, rng.next()][rng.below(5)]! >>> 0, at);
        break;
      }
      default: {
        // splice in bytes from another seed
        const other = seeds[rng.below(seeds.length)]!;
        const n = Math.min(rng.below(32), out.length - at, other.length);
        other.copy(out, at, 0, n);
        len = Math.max(len, at + n);
      }
    }
  }
  return out.subarray(0, len);
}
