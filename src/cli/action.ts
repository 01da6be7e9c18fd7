import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliContext, type GlobalOptions } from './context';

/**
 * Adapts a handler to commander's action signature (positionals, options, command): the
 * handler gets a context built from the global and local options, closed once it returns.
 */
export function withContext<O extends object = object>(
  handler: (ctx: CliContext, opts: O & GlobalOptions, ...positionals: string[]) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const opts = command.optsWithGlobals<O & GlobalOptions>();
    const positionals = args.slice(0, -2) as string[];
    const ctx = new CliContext(opts);
    try {
      await handler(ctx, opts, ...positionals);
    } finally {
      await ctx.close();
    }
  };
}

/** Every command offers --json; declared on each so that its own --help lists it. */
export function jsonOption(command: Command): Command {
  return command.addOption(new Option('--json', 'print one JSON document instead of text'));
}

export function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`"${text}" is not a positive whole number`);
  return value;
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
