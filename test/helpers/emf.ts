import { afterEach, beforeEach } from 'vitest';

/**
 * Captures what the process writes to stdout during each test of the file
 * (Powertools flushes EMF documents there, one JSON line each): registers the
 * hooks, and returns the lines written so far in the current test.
 */
export function captureStdout(): () => string[] {
  let lines: string[] = [];
  const realWrite = process.stdout.write.bind(process.stdout);
  beforeEach(() => {
    lines = [];
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n'));
      return true;
    }) as typeof process.stdout.write;
  });
  afterEach(() => {
    process.stdout.write = realWrite;
  });
  return () => lines;
}

/** The EMF documents among `lines` (those with an `_aws` member), parsed. */
export const emfDocuments = <T = Record<string, unknown>>(lines: readonly string[]): T[] =>
  lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as T);
