// nats-server processes this box runs itself: the centre's cluster for the demo and for a
// single-box centre, and a gateway's leaf node where no service manager runs it. Each is started
// from a configuration written by nats-config.ts, waited for until it listens, reloaded (SIGHUP)
// when the configuration changes (a gateway enrolled or removed), and stopped with the caller.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BulkheadError } from '../errors.js';

/** How long a server has to listen after it was started. */
const START_MS = 20_000;

/** The running release, or a clear error naming how to install one. */
export function natsServerVersion(bin = 'nats-server'): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new BulkheadError('BH_ENFORCE', `${bin} is not installed or does not run (apt-get install nats-server): ${r.error?.message ?? r.stderr}`);
  return /v?(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? r.stdout.trim();
}

/** Whether release `a` (x.y.z) comes before `b`. */
export function olderThan(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((x![i] ?? 0) !== (y![i] ?? 0)) return (x![i] ?? 0) < (y![i] ?? 0);
  return false;
}

/** Starts a process: plain, or inside a network namespace (the testbench). */
export type Spawner = (cmd: string, args: string[]) => ChildProcess;

/** How long the same error is not said again. */
const ERROR_REPEAT_MS = 60_000;

const plain: Spawner = (cmd, args) => spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });

export class NatsServer {
  private proc?: ChildProcess;
  private output = '';
  /** Where its errors go as they happen; each text once a minute at most (a refused link is retried every second). */
  private errors?: (text: string) => void;
  private lastError = { text: '', at: 0 };

  constructor(
    readonly name: string,
    readonly configFile: string,
    private readonly run: Spawner = plain,
  ) {}

  /** Writes its configuration (atomically: a reload never reads half a file). */
  write(config: string): void {
    mkdirSync(dirname(this.configFile), { recursive: true });
    writeFileSync(`${this.configFile}.tmp`, config, { mode: 0o600 });
    renameSync(`${this.configFile}.tmp`, this.configFile);
  }

  async start(): Promise<void> {
    const p = this.run('nats-server', ['-c', this.configFile]);
    this.proc = p;
    p.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.output = (this.output + text).slice(-8000);
      if (this.errors) for (const m of text.matchAll(/\[ERR\] (?:\S+ - [a-z]id:\d+ - )?(.*)/g)) this.sayError(m[1]!);
    });
    // Ready is what the server says once it listens (its log is on stderr), wherever it runs.
    const deadline = Date.now() + START_MS;
    while (!/Server is ready/.test(this.output)) {
      if (p.exitCode !== null) throw new Error(`nats-server ${this.name} exited (${p.exitCode}): ${this.output.trim()}`);
      if (Date.now() > deadline) throw new Error(`nats-server ${this.name} was not ready within ${START_MS} ms: ${this.output.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Says its errors (a refused certificate, a refused user, a full store) through `to` from now on, without the connection's address and id (lid, cid, rid), so a refusal retried every second is said once a minute. */
  followErrors(to: (text: string) => void): void {
    this.errors = to;
  }

  private sayError(text: string): void {
    if (text === this.lastError.text && Date.now() - this.lastError.at < ERROR_REPEAT_MS) return;
    this.lastError = { text, at: Date.now() };
    this.errors!(`nats-server ${this.name}: ${text}`);
  }

  /** Rereads its configuration: new users may connect, removed ones are disconnected and refused. */
  reload(): void {
    this.proc?.kill('SIGHUP');
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Its process id while it runs, for reading its memory from /proc. */
  get pid(): number | undefined {
    return this.running ? this.proc!.pid : undefined;
  }

  /** Stops it (SIGTERM; SIGKILL with `kill`) and waits until it has gone. */
  async stop(kill = false): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(kill ? 'SIGKILL' : 'SIGTERM');
    await gone;
  }

  /** The last of what it wrote to stderr (its log), for errors and tests. */
  log(): string {
    return this.output;
  }
}
