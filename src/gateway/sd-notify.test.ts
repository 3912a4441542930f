// sd_notify against a real AF_UNIX datagram socket (python3 binds it: Node cannot), path and abstract.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceManager } from './sd-notify.js';
import { CLI } from '../test-support/cli.js';

const python = spawnSync('python3', ['--version']).status === 0;
if (!python) console.warn('SKIPPED: sd_notify tests: python3 is needed to bind the receiving socket');

/** A receiver printing each datagram as a JSON string, one per line. */
function receiver(address: string) {
  const script = `import socket,sys,json
s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
a=sys.argv[1]
s.bind('\\0'+a[1:] if a.startswith('@') else a)
print('ready',flush=True)
while True: print(json.dumps(s.recv(4096).decode()),flush=True)`;
  const p = spawn('python3', ['-c', script, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  const bound = new Promise<void>((resolve) =>
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        if (l === 'ready') resolve();
        else lines.push(JSON.parse(l) as string);
      }
    }),
  );
  const waitFor = async (n: number, ms = 2000) => {
    for (let i = 0; i < ms / 20 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    return lines;
  };
  return { bound, waitFor, stop: () => p.kill() };
}

describe.skipIf(!python)('sd_notify', () => {
  it('is absent outside systemd', () => {
    expect(serviceManager({})).toBeUndefined();
  });

  for (const kind of ['path', 'abstract'] as const) {
    it(`sends readiness, status and keep-alives to a ${kind} socket`, async () => {
      const address = kind === 'path' ? join(mkdtempSync(join(tmpdir(), 'bulkhead-notify-')), 'notify') : `@bulkhead-test-${process.pid}`;
      const r = receiver(address);
      try {
        await r.bound;
        const sm = serviceManager({ NOTIFY_SOCKET: address, WATCHDOG_USEC: '4000000', WATCHDOG_PID: String(process.pid) })!;
        expect(sm.watchdogMs).toBe(4000);
        sm.ready('enforcing policy 3\nin enforce mode');
        sm.keepAlive();
        sm.stopping('stopping');
        const got = await r.waitFor(3);
        expect(got[0]).toBe(`READY=1\nSTATUS=enforcing policy 3 in enforce mode\nMAINPID=${process.pid}`);
        expect(got[1]).toBe('WATCHDOG=1');
        expect(got[2]).toBe('STOPPING=1\nSTATUS=stopping');
      } finally {
        r.stop();
      }
    });
  }

  it('the console reports ready only once it listens (its unit is Type=notify)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-notify-console-'));
    const r = receiver(join(dir, 'notify'));
    await r.bound;
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    const console_ = spawn(process.execPath, [CLI, 'console', '--db', join(dir, 'b.db'), '--port', String(port), '--http', '--log-level', 'silent'], {
      env: { ...process.env, NOTIFY_SOCKET: join(dir, 'notify') },
      stdio: 'ignore',
    });
    try {
      const got = await r.waitFor(1, 15_000);
      expect(got[0]).toBe(`READY=1\nSTATUS=console on http://127.0.0.1:${port}/\nMAINPID=${console_.pid}`);
      const answered = await new Promise<boolean>((resolve) => {
        const c = connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
        c.unref();
      });
      expect(answered).toBe(true);
      // Stopped as systemd stops it: the process must end by itself, listener and all.
      const exited = new Promise<number | null>((resolve) => console_.once('exit', (code) => resolve(code)));
      console_.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (console_.exitCode === null && console_.signalCode === null) console_.kill('SIGKILL');
      r.stop();
    }
  }, 30_000);

  it('ignores a watchdog meant for another process and names a socket nobody listens on', () => {
    const sm = serviceManager({ NOTIFY_SOCKET: '/nonexistent/notify', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' })!;
    expect(sm.watchdogMs).toBeUndefined();
    expect(() => sm.keepAlive()).toThrow(/cannot notify systemd at \/nonexistent\/notify: No such file or directory/);
  });
});
