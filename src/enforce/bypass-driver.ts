// Hardware bypass: on boxes with a bypass relay (or a NIC pair with a bypass circuit), the relay
// joins the two plant ports electrically, so traffic flows even with the gateway powered off or
// its software down. The supervisor engages it while the engine is down and releases it once the
// engine enforces again. A driver is one small object; adding a vendor's is adding one here.
//
//   simulated:FILE            writes "bypass" or "inline" to FILE (tests, bench setups)
//   gpio:PATH[:active-low]    a relay on a GPIO line through sysfs (e.g. /sys/class/gpio/gpio17/value)
//   sysfs:PATH:ON:OFF         any sysfs attribute taking two values (vendor bypass NICs,
//                             e.g. /sys/class/net/eth1/device/bypass:1:0)

import { readFileSync, writeFileSync } from 'node:fs';

export interface BypassDriver {
  /** How the driver was named, for logs and status. */
  readonly spec: string;
  /** Joins the plant ports around the gateway. */
  engage(): void;
  /** Puts the gateway back in the path. */
  release(): void;
  /** Read back from the hardware (or the simulation's file). */
  engaged(): boolean;
}

export class BypassDriverError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
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

export function bypassDriver(spec: string): BypassDriver {
  const [kind, ...rest] = spec.split(':');
  const path = rest[0];
  if (!path) throw new BypassDriverError(`bypass driver '${spec}': name its file, e.g. simulated:/run/bulkhead/bypass or gpio:/sys/class/gpio/gpio17/value`);
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
    default:
      throw new BypassDriverError(`bypass driver '${spec}': unknown kind '${kind}' (simulated, gpio, sysfs)`);
  }
}
