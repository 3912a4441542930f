// A minimal Modbus/TCP responder for benchmarks: answers every Read Holding Registers request at
// once from one preallocated response, so the measured time is the network path's, not a
// library's (modbus-serial's server takes about a millisecond per request).

import { createServer } from 'node:net';

const { host } = JSON.parse(process.argv[2]!) as { host: string };
const response = Buffer.alloc(29);
response.set([0, 0, 0, 0, 0, 23, 1, 3, 20]);

createServer((socket) => {
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    while (pending.length >= 12) {
      const out = Buffer.from(response);
      out[0] = pending[0]!;
      out[1] = pending[1]!;
      socket.write(out);
      pending = pending.subarray(12);
    }
  });
  socket.on('error', () => socket.destroy());
}).listen(502, host, () => process.stdout.write('{"ready":true}\n'));
