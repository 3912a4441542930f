// The command line's declarations: every documented option of every command goes through the
// parser and reaches its action under its name; help is written from the same declarations;
// mistakes are one-line usage errors naming the command.

import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeFailure, program, runCli } from './program.js';

const io = { out: () => undefined, err: () => undefined, exitAtOnce: () => undefined };

/** Every command that runs something, with the words that name it. */
function leaves(c: Command, path: string[] = []): { path: string[]; command: Command }[] {
  const subs = c.commands.flatMap((s) => leaves(s, [...path, s.name()]));
  return subs.length ? subs : [{ path, command: c }];
}

/** A value an option declared `<value>` can take whatever its checks are. */
const sample = (o: Option) => (o.required ? ['1'] : []);

describe('the bulkhead command line', () => {
  it('parses every documented option of every command and hands it to the action', async () => {
    const { program: root } = program(io);
    const all = leaves(root);
    expect(all.map((l) => l.path.join(' '))).toEqual(expect.arrayContaining(['decode', 'learn', 'policy approve', 'report compliance', 'config render', 'start', 'demo', 'failsafe', 'status']));
    let checked = 0;
    for (const { path, command } of all) {
      const args = command.registeredArguments.filter((a) => a.required).map(() => 'x');
      for (const option of command.options) {
        const { program: fresh } = program(io);
        let target = fresh;
        for (const name of path) target = target.commands.find((c) => c.name() === name)!;
        let seen: Record<string, unknown> | undefined;
        target.action((...a: unknown[]) => {
          seen = a[a.length - 2] as Record<string, unknown>;
        });
        await fresh.parseAsync([...path, ...args, option.long!, ...sample(option)], { from: 'user' });
        expect(seen, `${path.join(' ')} ${option.long}`).toBeDefined();
        const key = option.attributeName();
        expect(seen![key], `${path.join(' ')} ${option.long}`).toEqual(option.negate ? false : option.required ? '1' : true);
        checked++;
      }
      // Every command takes the database and machine-readable output.
      expect(command.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--db', '--json']));
      expect(command.helpInformation()).toContain('--db <path>');
    }
    expect(checked).toBeGreaterThan(80);
  });

  it('says what is wrong in one line, with the command and where its help is', async () => {
    const failure = async (...argv: string[]) => describeFailure(await runCli(argv, io).then(() => undefined, (e: unknown) => e));
    expect(await failure('release', 'x', '--mode', 'learn')).toEqual({ message: "bulkhead release: unknown option '--mode' (bulkhead release --help for the options)", exitStatus: 1 });
    expect((await failure('policy', 'approve')).message).toBe("bulkhead policy approve: missing required argument 'version' (bulkhead policy approve --help for the options)");
    expect((await failure('policy', 'frobnicate')).message).toMatch(/^bulkhead policy: unknown subcommand 'frobnicate' \(list, show, export, import, lint, diff, approve, retire, propose\)/);
    expect((await failure('nosuch')).message).toBe("bulkhead: unknown command 'nosuch' (bulkhead help for the options)");
    expect((await failure('start')).message).toMatch(/^bulkhead start: name the plant bridge with --bridge BR \(or --config FILE\); the demo plant is bulkhead demo/);
  });
});
