import { createInterface } from 'node:readline/promises';

/**
 * Where a command writes. Results go to stdout (tables, or JSON with --json);
 * progress, notes and errors go to stderr, so `--json | jq` stays clean.
 */
export interface Io {
  /** Writes one block of output; a trailing newline is added. */
  out(text: string): void;
  /** Writes one line of diagnostics (progress, notes, warnings). */
  err(text: string): void;
  /** Overwrites the current stderr line, when stderr is a terminal; otherwise does nothing. */
  status?(text: string): void;
  /** stdin is a terminal, so the operator can answer a prompt. */
  readonly interactive: boolean;
  /** Asks a yes/no question on stderr; resolves true only on an explicit yes. */
  confirm(question: string): Promise<boolean>;
}

/**
 * The process's own streams. A reader of stdout that goes away (`| head`)
 * ends the command quietly, as for any Unix tool, not with a stack trace.
 */
export function processIo(): Io {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  const statusLine = { shown: false };
  const clear = () => {
    if (statusLine.shown) {
      process.stderr.write('\r\u001b[2K');
      statusLine.shown = false;
    }
  };
  return {
    out(text) {
      clear();
      process.stdout.write(`${text}\n`);
    },
    err(text) {
      clear();
      process.stderr.write(`${text}\n`);
    },
    ...(process.stderr.isTTY
      ? {
          status(text: string) {
            process.stderr.write(`\r\u001b[2K${text}`);
            statusLine.shown = true;
          },
        }
      : {}),
    interactive: process.stdin.isTTY === true,
    async confirm(question) {
      clear();
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^(y|yes)$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}

/**
 * Reports progress of a long operation on stderr: a live line on a terminal,
 * otherwise a line every `everyMs` once the operation has run that long.
 */
export function progress(io: Io, label: string, everyMs = 5000) {
  // Without a terminal, stay quiet for quick operations: the first line comes after `everyMs`.
  let last = Date.now();
  return {
    update(text: string) {
      if (io.status) {
        io.status(`${label}: ${text}`);
        return;
      }
      const now = Date.now();
      if (now - last >= everyMs) {
        last = now;
        io.err(`${label}: ${text}`);
      }
    },
    done(text: string) {
      io.err(`${label}: ${text}`);
    },
  };
}
