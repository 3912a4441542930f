// Tries a TCP connection and says whether it opened: the simplest proof of what a gateway lets
// through. With `send` (hex), it then sends those bytes and says what came of them: `reply`
// (the server answered), `reset` (the connection was reset) or `blocked` (nothing within the
// timeout), with the milliseconds it took.

import { connect } from 'node:net';

const { host, port, timeoutMs, send } = JSON.parse(process.argv[2]!) as { host: string; port: number; timeoutMs: number; send?: string };
const socket = connect({ host, port });
const started = Date.now();
const done = (result: string) => {
  process.stdout.write(send ? `${JSON.stringify({ result, ms: Date.now() - started })}\n` : `${result}\n`);
  socket.destroy();
  process.exit(0);
};
socket.setTimeout(timeoutMs, () => done('blocked'));
socket.once('connect', () => {
  if (!send) return done('open');
  socket.setNoDelay(true);
  socket.write(Buffer.from(send, 'hex'));
  socket.once('data', () => done('reply'));
});
socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ECONNRESET' ? 'reset' : `error ${err.code}`));
