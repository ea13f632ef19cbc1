/**
 * How the Lambda host ends a sandbox: a crash fails its invocation at once and
 * the thread is told to exit between its own tasks (terminating it from
 * outside mid-HTTP-parse can abort the whole process); a thread that cannot
 * exit by itself (a handler spinning on the CPU) is terminated after a grace.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FunctionBundle, LambdaHost, LambdaSandboxError } from '../../../local/lambda-host.js';

const dir = mkdtempSync(join(tmpdir(), 'clearance-stop-'));
const keyFile = join(dir, 'key');

/** `wait`: writes its access key (to be crashed by it) and waits 30 s; `spin`: never yields. */
const HANDLER = `import { writeFileSync } from 'node:fs';
export const handler = async (event) => {
  if (event.spin) for (;;) {}
  writeFileSync(${JSON.stringify(keyFile)}, process.env.AWS_ACCESS_KEY_ID);
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  return 'waited';
};
`;
writeFileSync(join(dir, 'index.mjs'), HANDLER);

const fn = (timeoutSeconds: number): FunctionBundle => ({
  logicalId: 'Stopper',
  name: 'stopper',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:stopper',
  label: 'stopper',
  bundleFile: join(dir, 'index.mjs'),
  exportName: 'handler',
  environment: {},
  timeoutSeconds,
  memorySizeMb: 128,
});

const host = new LambdaHost({ region: 'us-east-1', endpointEnvironment: {}, logSink: () => undefined });
afterAll(() => host.dispose());

async function keyWritten(): Promise<string> {
  for (let i = 0; i < 200; i++) {
    try {
      const key = readFileSync(keyFile, 'utf8');
      if (key) return key;
    } catch {
      // not yet written
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the handler never wrote its key');
}

describe('Lambda host: ending a sandbox', () => {
  it('fails a crashed invocation at once with the reason, and counts the sandbox killed until its thread is gone', async () => {
    const invocation = host.invoke(fn(60), {}).catch((e: unknown) => e);
    const key = await keyWritten();
    expect(host.isKilled(key)).toBe(false);
    expect(host.crash(key, 'test: crash')).toBe(true);
    expect(host.isKilled(key), 'what it sends before it has exited is dropped').toBe(true);
    const error = await invocation;
    expect(error).toBeInstanceOf(LambdaSandboxError);
    expect((error as LambdaSandboxError).reason).toBe('crash');
    expect((error as LambdaSandboxError).message).toBe('test: crash');
    expect(host.crash(key, 'again'), 'a killed sandbox is not crashed twice').toBe(false);
  });

  it('times out a handler that never yields, and its thread, which cannot take the exit message, is terminated', async () => {
    const error = await host.invoke(fn(1), { spin: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaSandboxError);
    expect((error as LambdaSandboxError).reason).toBe('timeout');
    // The host still ends: dispose waits for every thread, this one terminated after the grace.
    await host.dispose();
  });
});
