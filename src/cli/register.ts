// What a command module gives the command line (its own module: the program and every command name it).

import type { Command } from 'commander';
import type { Io } from './io.js';

/** What an action returns: the exit status. */
export type Action = (...args: never[]) => Promise<number> | number;

/** Declares one module's commands on the root; `act` wraps an action so that its exit status is kept. */
export type Register = (root: Command, io: Io, act: (f: Action) => (...args: unknown[]) => Promise<void>) => void;
