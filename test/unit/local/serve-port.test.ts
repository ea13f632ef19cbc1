/**
 * `npm run stack -- --port N` with N already taken: refused up front (exit
 * 2), before DynamoDB Local or fauxqs start, with a message that names the
 * port and `--port`, as `--port-dynamodb` and `--port-sns` are refused
 * (local/services.ts assertPortFree). Java is not needed to get there.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertPortFree, PortInUseError } from '../../../local/services.js';

const serve = fileURLToPath(new URL('../../../local/serve.ts', import.meta.url));

/** A server listening on a free port of 127.0.0.1, and that port. */
async function occupied(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

describe('the request gateway port (--port) already in use', () => {
  it('is a PortInUseError naming the port and --port', async () => {
    const { server, port } = await occupied();
    try {
      const refused = assertPortFree(port, "the stack's request gateway", '--port');
      await expect(refused).rejects.toBeInstanceOf(PortInUseError);
      await expect(refused).rejects.toThrow(
        new RegExp(`^Port ${port} for the stack's request gateway is already in use\\..*pass another --port`),
      );
    } finally {
      server.close();
    }
  });

  it('stops `npm run stack` up front with exit code 2 and that message, starting nothing', async () => {
    const { server, port } = await occupied();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', serve, '--port', String(port)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        // No Java on the PATH: the check comes before DynamoDB Local would need it.
        env: { ...process.env, PATH: '/nonexistent' },
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(stderr).toMatch(
        new RegExp(
          `^npm run stack: Port ${port} for the stack's request gateway is already in use\\. .*--port`,
        ),
      );
      expect(stderr).not.toMatch(/Starting DynamoDB Local|synth/);
      expect(stdout).toBe('');
      expect(code).toBe(2);
    } finally {
      server.close();
    }
  }, 30_000);
});
