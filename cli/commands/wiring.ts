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

/**
 * A whole number typed in decimal digits. Number() alone would read `''` as 0 (which `--limit` takes
 * for "all"), `1e3` as 1000, `0x10` as 16 and `5.0` as 5; all are refused, as the license terms are.
 */
const digits = (value: string, expected: string): number => {
  const n = /^\s*[0-9]+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected ${expected}, in digits only`);
  return n;
};

export const whole = (value: string): number => digits(value, 'a whole number (0 or more)');

export const positive = (value: string): number => {
  const n = digits(value, 'a whole number above 0');
  if (n < 1) throw new InvalidArgumentError('expected a whole number above 0, in digits only');
  return n;
};

/** The "Examples:" section of a command's help. */
export const example = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
