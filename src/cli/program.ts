// The `bulkhead` command line: one module per command (src/cli/commands/), each declaring its
// name, summary, arguments and options to commander, which parses them and writes the help
// (`bulkhead help`, `bulkhead CMD --help`) from those declarations. A usage error is one line,
// with the command's name and where its help is.

import { Command, CommanderError } from 'commander';
import { toBulkheadError } from '../errors.js';
import { UsageError, type Io } from './io.js';
import type { Action } from './register.js';
import { registerAudit } from './commands/audit.js';
import { registerBackup } from './commands/backup.js';
import { registerCentral } from './commands/central.js';
import { registerConfig } from './commands/config.js';
import { registerConsole } from './commands/console.js';
import { registerAdvisories } from './commands/advisories.js';
import { registerAlerts } from './commands/alerts.js';
import { registerRespond } from './commands/respond.js';
import { registerControl } from './commands/control.js';
import { registerDecode } from './commands/decode.js';
import { registerDemo } from './commands/demo.js';
import { registerEnforce } from './commands/enforce.js';
import { registerFailsafe } from './commands/failsafe.js';
import { registerFleet } from './commands/fleet.js';
import { registerInventory } from './commands/inventory.js';
import { registerLearn } from './commands/learn.js';
import { registerPolicy } from './commands/policy.js';
import { registerReport } from './commands/report.js';
import { registerRisk } from './commands/risk.js';
import { registerRiskDecisions } from './commands/risk-decisions.js';
import { registerStart } from './commands/start.js';
import { registerStatus } from './commands/status.js';


/** Every command, in the order the help lists them (the risk report's registerRisk goes before registerRiskDecisions, which attaches to it). */
const COMMANDS = [registerDecode, registerLearn, registerInventory, registerPolicy, registerEnforce, registerControl, registerAlerts, registerRespond, registerAdvisories, registerRisk, registerRiskDecisions, registerAudit, registerBackup, registerReport, registerDemo, registerConsole, registerStart, registerFailsafe, registerConfig, registerStatus, registerFleet, registerCentral];

/** The command line with every command registered; `result.code` holds the exit status of the action run. */
export function program(io: Io): { program: Command; result: { code: number } } {
  const result = { code: 0 };
  const root = new Command('bulkhead')
    .description('OT/ICS segmentation gateway: learn Modbus/TCP, OPC UA and BACnet/IP, derive IEC 62443 zone-and-conduit policies, enforce them inline')
    .usage('<command> [options]')
    .helpCommand('help [command]', 'the help of a command')
    .showSuggestionAfterError(true)
    // A command's options after its name are its own (a parent such as \`advisories\` that takes them too stops at its subcommand).
    .enablePositionalOptions();
  const act =
    (f: Action) =>
    async (...args: unknown[]) => {
      result.code = await (f as (...a: unknown[]) => Promise<number> | number)(...args);
    };
  for (const register of COMMANDS) register(root, io, act);
  // Every command: errors come back here (no exit from inside), and output goes through io.
  const configure = (c: Command) => {
    c.exitOverride((err) => {
      throw Object.assign(err, { command: c });
    }).configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: () => undefined });
    c.commands.forEach(configure);
  };
  configure(root);
  return { program: root, result };
}

/** The name a commander error belongs to ("policy approve"), from the command that raised it. */
function commandPath(c: Command | undefined): string {
  const names: string[] = [];
  for (let x = c; x && x.parent; x = x.parent) names.unshift(x.name());
  return names.join(' ');
}

/** Runs the command line; resolves to the exit status. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const { program: root, result } = program(io);
  if (argv.length === 0) {
    process.stdout.write(root.helpInformation());
    return 1;
  }
  try {
    await root.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      const where = commandPath((e as CommanderError & { command?: Command }).command);
      throw new UsageError(`bulkhead${where ? ` ${where}` : ''}: ${e.message.replace(/^error: /, '')}`);
    }
    throw e;
  }
}

/** How a failure is told: a usage error in one line with where the help is, any other by its code. */
export function describeFailure(e: unknown): { message: string; exitStatus: number } {
  const err = toBulkheadError(e);
  if (err.code !== 'BH_USAGE') return { message: `bulkhead: ${err.message}`, exitStatus: err.exitStatus };
  const command = /^bulkhead ([a-z-]+(?: [a-z-]+)?)/.exec(err.message)?.[1];
  return { message: `${err.message} (bulkhead ${command ? `${command} --help` : 'help'} for the options)`, exitStatus: err.exitStatus };
}
