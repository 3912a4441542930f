// The watcher beside the engine: learning and detection on a copy of the bridge's traffic
// (libpcap), in a process of its own so that it adds nothing to the verdict path, with automatic
// response where an engineer set it. Restarted when it exits; never part of the fail-safe (the
// engine's conduits do not depend on it).

import { fork, type ChildProcess } from 'node:child_process';

/** A watcher that exited is started again after this long. */
const RESTART_MS = 5000;
/** An orderly stop waits this long before killing it. */
const STOP_MS = 5000;

export class WatcherChild {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly cli: string,
    private readonly args: string[],
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    if (this.child || this.stopping) return;
    this.timer = undefined;
    const c = fork(this.cli, this.args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child = c;
    this.log(`watcher started (pid ${c.pid}): detection on the bridge's traffic, off the verdict path`);
    c.once('exit', (code, signal) => {
      this.child = undefined;
      if (this.stopping) return;
      this.log(`watcher ${signal ? `killed by ${signal}` : `exited with status ${code}`}: detection resumes in ${RESTART_MS / 1000} s (enforcement is not affected)`);
      this.timer = setTimeout(() => this.start(), RESTART_MS);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const c = this.child;
    if (!c) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const kill = setTimeout(() => c.kill('SIGKILL'), STOP_MS);
    await exited;
    clearTimeout(kill);
  }
}
