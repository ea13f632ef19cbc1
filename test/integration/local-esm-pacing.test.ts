/**
 * When the stream-mapping emulator polls (local/esm/emulator.ts): a drain
 * does not wait out the idle interval, a write through the stack's gateway
 * is read at the next poll, and one that bypassed the gateway at a drain,
 * however long the interval at which an unwritten stream is read. Each test
 * creates its own stack, every function overridden (no sandbox to start).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { expect, inject, it } from 'vitest';
import type { StreamHandler } from '../../local/esm.js';
import { createStackOn, type LocalStackOptions, uniquePrefix } from '../../local/stack.js';
import { workerEndpoints } from '../helpers/endpoints.js';
import { until } from '../helpers/poll.js';

/** Credentials of a client outside the stack (the gateway lets it act as an admin). */
const OUTSIDE = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A stack whose stream handlers note the `probe` of each record they are given, in `seen`. */
async function probedStack(label: string, options: LocalStackOptions) {
  const seen: string[] = [];
  const record: StreamHandler = (event) => {
    seen.push(...event.Records.map((r: DynamoDBRecord) => r.dynamodb?.NewImage?.probe?.S ?? ''));
    return { batchItemFailures: [] };
  };
  const stack = await createStackOn(workerEndpoints(), {
    assembly: inject('clearanceAssembly'),
    prefix: uniquePrefix(label),
    handlerOverrides: { licenses: record, shipments: record, 'license-clock': () => undefined },
    log: () => undefined,
    ...options,
  });
  const clientOf = (endpoint: string) =>
    DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: stack.endpoints.region, endpoint, credentials: OUTSIDE }),
    );
  const clients = {
    viaGateway: clientOf(stack.endpoints.dynamodb),
    direct: clientOf(stack.upstream.dynamodb),
  };
  const put = (client: DynamoDBDocumentClient, id: string, probe: string) =>
    client.send(
      new PutCommand({
        TableName: stack.resources.tables.licenses.name,
        Item: { licenseId: id, probe, status: 'PENDING', authorizedQuantity: 10 },
      }),
    );
  const stop = async () => {
    clients.viaGateway.destroy();
    clients.direct.destroy();
    await stack.stop();
  };
  return { stack, seen, ...clients, put, stop };
}

it('drains without waiting out the idle poll interval when drainPollIntervalMs is shorter', async () => {
  // Idle, the mappings would next poll in 2 minutes.
  const p = await probedStack('drainpoll', { pollIntervalMs: 120_000, drainPollIntervalMs: 0 });
  try {
    await p.put(p.viaGateway, 'LIC-DP-1', 'drain-poll');
    await p.stack.drain({ timeoutMs: 30_000 });
    expect(p.seen).toEqual(['drain-poll']);
  } finally {
    await p.stop();
  }
});

it('reads a stream at its next poll after a write through the gateway, and at a drain after one that bypassed it, whatever its quiet read interval', async () => {
  // Polls every 20 ms, but reads a stream nothing was written to only every 2 minutes.
  const p = await probedStack('quietread', { pollIntervalMs: 20, quietReadIntervalMs: 120_000 });
  try {
    await p.stack.drain({ timeoutMs: 30_000 });
    await p.put(p.viaGateway, 'LIC-QR-1', 'gateway');
    await until(
      'the record written through the gateway',
      async () => p.seen.includes('gateway') || undefined,
    );
    await p.put(p.direct, 'LIC-QR-2', 'bypass');
    await p.stack.drain({ timeoutMs: 30_000 });
    expect(p.seen).toEqual(['gateway', 'bypass']);
  } finally {
    await p.stop();
  }
});
