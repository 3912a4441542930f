// Modbus/TCP round trips measured from the client: sequential requests for latency (median and
// p99), then several connections kept busy for throughput, every round trip of theirs timed too
// (the latency a loaded gateway gives: `loadedMedianUs`, `loadedP99Us`). Raw sockets, one preallocated
// request, so the client's own cost is small and the same in every configuration measured.
// With `sources`, the busy connections come from those local addresses in turn (several host
// pairs, which a gateway inspecting on several queues spreads over them).

import { connect, type Socket } from 'node:net';

const { server, samples, connections, seconds, sources = [] } = JSON.parse(process.argv[2]!) as { server: string; samples: number; connections: number; seconds: number; sources?: string[] };
// Read Holding Registers, unit 1, address 0, 10 registers; the answer is 9 + 20 bytes.
const REQUEST = Buffer.from([0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10]);
const RESPONSE_LENGTH = 29;

function open(n = 0): Promise<Socket> {
  const localAddress = sources.length ? sources[n % sources.length] : undefined;
  return new Promise((resolve, reject) => {
    const s = connect({ host: server, port: 502, ...(localAddress ? { localAddress } : {}) }, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

/** One request, resolved when its whole response has arrived. */
function transact(s: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const onData = (d: Buffer) => {
      got += d.length;
      if (got >= RESPONSE_LENGTH) {
        s.off('data', onData);
        resolve();
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(REQUEST);
  });
}

const s = await open();
for (let i = 0; i < 200; i++) await transact(s);
const rtts: number[] = [];
for (let i = 0; i < samples; i++) {
  const t = process.hrtime.bigint();
  await transact(s);
  rtts.push(Number(process.hrtime.bigint() - t) / 1000);
}
s.destroy();
rtts.sort((a, b) => a - b);
const loaded: number[] = [];
const socks = await Promise.all(Array.from({ length: connections }, (_, n) => open(n)));
let done = 0;
const end = Date.now() + seconds * 1000;
await Promise.all(
  socks.map(async (c) => {
    while (Date.now() < end) {
      const t = process.hrtime.bigint();
      await transact(c);
      loaded.push(Number(process.hrtime.bigint() - t) / 1000);
      done++;
    }
    c.destroy();
  }),
);
loaded.sort((a, b) => a - b);
const at = (xs: number[], q: number) => xs[Math.floor(xs.length * q)];
process.stdout.write(JSON.stringify({ medianUs: at(rtts, 0.5), p99Us: at(rtts, 0.99), transactionsPerSecond: done / seconds, loadedMedianUs: at(loaded, 0.5), loadedP99Us: at(loaded, 0.99) }) + '\n');
process.exit(0);
