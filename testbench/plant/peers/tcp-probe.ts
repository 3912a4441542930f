// Tries a TCP connection and says whether it opened: the simplest proof of what a gateway lets through.

import { connect } from 'node:net';

const { host, port, timeoutMs } = JSON.parse(process.argv[2]!) as { host: string; port: number; timeoutMs: number };
const socket = connect({ host, port });
const done = (result: string) => {
  process.stdout.write(`${result}\n`);
  socket.destroy();
  process.exit(0);
};
socket.setTimeout(timeoutMs, () => done('blocked'));
socket.once('connect', () => done('open'));
socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'refused' : `error ${err.code}`));
