// A TCP port free on loopback now, for servers that take a port in their configuration file
// (nats-server) on a box that may already run a central site or another demo. Another process
// can take it before the server binds: the server's start then fails, saying the port is in use.

import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
