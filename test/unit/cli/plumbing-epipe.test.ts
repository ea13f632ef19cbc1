import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../../cli/bin.js', import.meta.url));

// `clearance ... | head` closes stdout early: the next write fails with EPIPE, which ends the command
// quietly (no "Unhandled 'error' event", no stack trace).
describe('broken pipe on stdout', () => {
  it('exits quietly when the reader of stdout goes away', async () => {
    const child = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader (`head`) is gone before the CLI writes
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event|\n\s+at /);
    expect(code).toBe(0);
  }, 30_000);
});
