// Talking to systemd when it runs us as a Type=notify service: readiness once the gateway
// enforces, a status line for `systemctl status`, and the watchdog keep-alive (WatchdogSec).
// Outside systemd (no $NOTIFY_SOCKET) there is nothing to tell and `serviceManager()` is undefined.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BulkheadError } from '../errors.js';

export interface ServiceManager {
  /** READY=1 with a status line: systemd considers the service started. */
  ready(status: string): void;
  status(text: string): void;
  /** WATCHDOG=1: the keep-alive systemd expects at least every `watchdogMs`. */
  keepAlive(): void;
  stopping(status: string): void;
  /** systemd's watchdog period for this process (WatchdogSec), if it set one. */
  readonly watchdogMs?: number;
}

export class ServiceManagerError extends BulkheadError {
  constructor(message: string, options?: ErrorOptions) {
    super('BH_SERVICE_MANAGER', message, options);
    this.name = 'ServiceManagerError';
  }
}

interface Native {
  notify(socket: string, message: string): void;
}

function load(): Native {
  const here = import.meta.dirname;
  const candidates = [join(here, 'native', 'build', 'Release', 'sdnotify.node'), join(here, '..', '..', '..', 'src', 'gateway', 'native', 'build', 'Release', 'sdnotify.node')];
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new ServiceManagerError('systemd expects notifications ($NOTIFY_SOCKET is set) but the sd_notify addon is not built (npm run build:native)');
  return createRequire(import.meta.url)(path) as Native;
}

/** Status lines are one line each for systemd. */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ').slice(0, 1000);

export function serviceManager(env: NodeJS.ProcessEnv = process.env): ServiceManager | undefined {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  const native = load();
  const send = (message: string) => {
    try {
      native.notify(socket, message);
    } catch (err) {
      throw new ServiceManagerError(`cannot notify systemd at ${socket}: ${(err as Error).message}`, { cause: err });
    }
  };
  // The watchdog applies to the process systemd named (the supervisor, not its engine).
  const usec = Number(env.WATCHDOG_USEC);
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  return {
    ready: (status) => send(`READY=1\nSTATUS=${oneLine(status)}\nMAINPID=${process.pid}`),
    status: (text) => send(`STATUS=${oneLine(text)}`),
    keepAlive: () => send('WATCHDOG=1'),
    stopping: (status) => send(`STOPPING=1\nSTATUS=${oneLine(status)}`),
    ...(Number.isFinite(usec) && usec > 0 && forUs ? { watchdogMs: usec / 1000 } : {}),
  };
}
