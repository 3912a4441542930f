// Hardware bypass: on boxes with a bypass relay (or a NIC pair with a bypass circuit), the relay
// joins the two plant ports electrically, so traffic flows even with the gateway powered off or
// its software down. The supervisor engages it while the engine is down and releases it once the
// engine enforces again. A driver is one small object; adding a vendor's is adding one here.
//
//   simulated:FILE            writes "bypass" or "inline" to FILE (tests, bench setups)
//   gpio:PATH[:active-low]    a relay on a GPIO line through sysfs (e.g. /sys/class/gpio/gpio17/value)
//   sysfs:PATH:ON:OFF         any sysfs attribute taking two values (vendor bypass NICs,
//                             e.g. /sys/class/net/eth1/device/bypass:1:0)
//   watchdog:PATH:SECONDS     a watchdog timer wired to the relay (e.g. /dev/watchdog1:10): kept
//                             alive while the gateway is inline; let go, the hardware joins the
//                             ports after SECONDS, also when this process or the whole box hangs
//
// A vendor's relay that is neither a file attribute nor a watchdog is a new case in
// `bypassDriver` returning the four methods below (and `close` if it holds something open).

import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { BulkheadError } from '../errors.js';

export interface BypassDriver {
  /** How the driver was named, for logs and status. */
  readonly spec: string;
  /** Joins the plant ports around the gateway. */
  engage(): void;
  /** Puts the gateway back in the path. */
  release(): void;
  /** Read back from the hardware (or the simulation's file). */
  engaged(): boolean;
  /**
   * The process is ending: `disarm` when the gateway leaves a plain bridge behind (a watchdog is
   * told not to fire), not when it leaves each conduit in its fail state.
   */
  close?(disarm: boolean): void;
}

export class BypassDriverError extends BulkheadError {
  constructor(message: string, options?: ErrorOptions) {
    super('BH_BYPASS_DRIVER', message, options);
    this.name = 'BypassDriverError';
  }
}

/** A driver writing one of two values to a file and reading it back. */
function fileDriver(spec: string, path: string, on: string, off: string): BypassDriver {
  const write = (value: string, what: string) => {
    try {
      writeFileSync(path, `${value}\n`);
    } catch (err) {
      throw new BypassDriverError(`bypass driver ${spec}: cannot ${what} (writing '${value}' to ${path}): ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    spec,
    engage: () => write(on, 'engage the bypass'),
    release: () => write(off, 'release the bypass'),
    engaged: () => {
      try {
        return readFileSync(path, 'utf8').trim() === on;
      } catch (err) {
        throw new BypassDriverError(`bypass driver ${spec}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

/**
 * A watchdog timer whose expiry engages the relay: kept alive every third of its period from this
 * process's event loop while released. Engaging stops the keep-alives (the relay follows when the
 * timer runs out); disarming writes the magic 'V' a Linux watchdog device takes as "stop".
 */
function watchdogDriver(spec: string, path: string, seconds: number): BypassDriver {
  let fd: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const fail = (what: string, err: unknown) => new BypassDriverError(`bypass driver ${spec}: cannot ${what} ${path}: ${(err as Error).message}`, { cause: err });
  const pet = () => {
    try {
      writeSync(fd!, '.');
    } catch (err) {
      throw fail('keep alive', err);
    }
  };
  return {
    spec,
    release: () => {
      if (timer) return;
      try {
        fd ??= openSync(path, 'w');
      } catch (err) {
        throw fail('open', err);
      }
      pet();
      // A failing keep-alive stops the timer: the relay engages, which is the safe side.
      timer = setInterval(() => {
        try {
          pet();
        } catch {
          clearInterval(timer);
        }
      }, (seconds * 1000) / 3);
    },
    engage: () => {
      clearInterval(timer);
      timer = undefined;
    },
    engaged: () => timer === undefined,
    close: (disarm) => {
      clearInterval(timer);
      timer = undefined;
      if (fd === undefined) return;
      try {
        if (disarm) writeSync(fd, 'V');
      } finally {
        closeSync(fd);
        fd = undefined;
      }
    },
  };
}

export function bypassDriver(spec: string): BypassDriver {
  const [kind, ...rest] = spec.split(':');
  const path = rest[0];
  if (!path) throw new BypassDriverError(`bypass driver '${spec}': name its file, e.g. simulated:/run/bulkhead/bypass, gpio:/sys/class/gpio/gpio17/value or watchdog:/dev/watchdog1:10`);
  switch (kind) {
    case 'simulated':
      if (rest.length !== 1) throw new BypassDriverError(`bypass driver '${spec}': simulated takes one file`);
      return fileDriver(spec, path, 'bypass', 'inline');
    case 'gpio': {
      if (rest.length > 2 || (rest[1] !== undefined && rest[1] !== 'active-low')) throw new BypassDriverError(`bypass driver '${spec}': gpio takes PATH or PATH:active-low`);
      const low = rest[1] === 'active-low';
      return fileDriver(spec, path, low ? '0' : '1', low ? '1' : '0');
    }
    case 'sysfs':
      if (rest.length !== 3 || !rest[1] || !rest[2] || rest[1] === rest[2]) throw new BypassDriverError(`bypass driver '${spec}': sysfs takes PATH:ON:OFF with two different values`);
      return fileDriver(spec, path, rest[1], rest[2]);
    case 'watchdog': {
      const seconds = Number(rest[1]);
      if (rest.length !== 2 || !Number.isInteger(seconds) || seconds < 1 || seconds > 3600) throw new BypassDriverError(`bypass driver '${spec}': watchdog takes PATH:SECONDS, the timer's period in whole seconds (1-3600)`);
      return watchdogDriver(spec, path, seconds);
    }
    default:
      throw new BypassDriverError(`bypass driver '${spec}': unknown kind '${kind}' (simulated, gpio, sysfs, watchdog)`);
  }
}
