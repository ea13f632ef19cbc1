/**
 * ParallelizationFactor on the local stack (the Shipments mapping set to 4
 * here; the template's value is in infra/tuning.ts). As Lambda does, one
 * item's records stay in order and are delivered once each, while other
 * items' batches run beside them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { SHIPMENT_EVENTS_PARALLELIZATION } from '../../infra/tuning.js';
import { type CfnTemplate, parseTemplate } from '../../local/template.js';
import { useLocalStack } from '../helpers/stack.js';

const seen: { id: string; step: string; lane: number }[] = [];
let running = 0;
let mostAtOnce = 0;
let invocations = 0;

const stepOf = (r: DynamoDBRecord) => r.dynamodb?.NewImage?.step?.S ?? '';
const idOf = (r: DynamoDBRecord) => r.dynamodb?.Keys?.shipmentId?.S ?? '';

const LANES = 4;

const local = useLocalStack({
  mappingOverrides: { 'shipment-events': { parallelizationFactor: LANES } },
  handlerOverrides: {
    'shipment-events': async (event: DynamoDBStreamEvent) => {
      const lane = invocations++;
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        // Long enough that batches of other lanes start meanwhile.
        await sleep(100);
        for (const r of event.Records) seen.push({ id: idOf(r), step: stepOf(r), lane });
        return { batchItemFailures: [] };
      } finally {
        running--;
      }
    },
  },
  log: () => undefined,
});

describe('a mapping with ParallelizationFactor > 1', () => {
  it('reads the factor from the template', () => {
    const mapping = local.stack.model.eventSourceMappings.find(
      (m) => m.tableLogicalId === local.resources.tables.shipments.logicalId,
    );
    expect(mapping?.parallelizationFactor).toBe(SHIPMENT_EVENTS_PARALLELIZATION);
  });

  it("keeps each item's records in order, delivers each once, and runs other items' batches at once", async () => {
    const table = local.resources.tables.shipments.name;
    const ids = Array.from({ length: 60 }, (_, i) => `SHP-LANE-${String(i).padStart(3, '0')}`);
    const steps = ['a', 'b', 'c'];
    for (const step of steps) {
      await Promise.all(
        ids.map((shipmentId) =>
          local.ddb.send(new PutCommand({ TableName: table, Item: { shipmentId, step } })),
        ),
      );
    }
    await local.drain();

    expect(seen).toHaveLength(ids.length * steps.length);
    for (const id of ids) expect(seen.filter((s) => s.id === id).map((s) => s.step)).toEqual(steps);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(LANES);
  });

  it('rejects a factor outside 1–10, naming the mapping', () => {
    const template = structuredClone(local.stack.template) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const [id, mapping] =
      Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping') ?? [];
    if (mapping === undefined) throw new Error('no mapping in the template');
    mapping.Properties.ParallelizationFactor = 11;
    expect(() => parseTemplate(template as unknown as CfnTemplate)).toThrow(
      new RegExp(`${id}.*ParallelizationFactor must be an integer from 1 to 10, got 11`),
    );
  });
});
