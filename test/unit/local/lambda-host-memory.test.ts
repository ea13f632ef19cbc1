/**
 * The Lambda host holds each sandbox to its function's memory size, as Lambda
 * does: a handler whose heap outgrows it fails the invocation instead of
 * passing locally and running out of memory on AWS.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FunctionBundle, LambdaHost, LambdaSandboxError } from '../../../local/lambda-host.js';

/** Keeps `event.mb` arrays of about 1 MB each alive until it returns. */
const HOARDER = `export const handler = async (event) => {
  const kept = [];
  for (let i = 0; i < event.mb; i++) kept.push(new Array(128 * 1024).fill(i + 0.5));
  return kept.length;
};
`;

function bundle(memorySizeMb: number): FunctionBundle {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-memory-'));
  writeFileSync(join(dir, 'index.mjs'), HOARDER);
  return {
    logicalId: 'Hoarder',
    name: 'hoarder',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:hoarder',
    label: 'hoarder',
    bundleFile: join(dir, 'index.mjs'),
    exportName: 'handler',
    environment: {},
    timeoutSeconds: 60,
    memorySizeMb,
  };
}

const host = new LambdaHost({ region: 'us-east-1', endpointEnvironment: {}, logSink: () => undefined });
afterAll(() => host.dispose());

describe('Lambda host memory size', () => {
  it('runs a handler that stays within its memory size', async () => {
    await expect(host.invoke(bundle(128), { mb: 16 })).resolves.toBe(16);
  });

  it("fails an invocation whose heap outgrows the function's memory size", async () => {
    const error = await host.invoke(bundle(128), { mb: 512 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaSandboxError);
    expect((error as LambdaSandboxError).message).toMatch(/out of memory.*128 MB/);
  });
});
