import { type Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../context.js';

/**
 * Turns a command handler into a commander action: the action builds the
 * handler's context from the parsed options, passes the command's arguments
 * and options on, and records the exit code the handler returns.
 */
export type Act = <A extends unknown[]>(
  fn: (ctx: CliContext, ...args: A) => Promise<number>,
) => (...args: unknown[]) => Promise<void>;

/** What a command group needs to register its commands. */
export interface Wiring {
  act: Act;
  env: Readonly<Record<string, string | undefined>>;
}

/** Adds one group of commands (license, shipment, ...) to the program. */
export type RegisterCommands = (program: Command, wiring: Wiring) => void;

export const whole = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number (0 or more)');
  return n;
};

export const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
};

/** The "Examples:" section of a command's help. */
export const example = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
