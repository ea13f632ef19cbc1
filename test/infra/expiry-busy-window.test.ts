/**
 * The expiry watch waits for shipment-events to set back an edited stamp of
 * a RELEASED shipment at most EXPIRY_BUSY_MS past a lead's due time
 * (shared/engine/expiry-watch.ts). That wait must outlast what the stack
 * gives shipment-events to set a console edit back before its batch goes to
 * the DLQ: the batching window, then the first run and every retry, each up
 * to the function's timeout, and one clock tick to see the result.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPIRY_BUSY_MS } from '../../shared/engine/expiry-watch.js';
import { ref, type Synthesized, synthesize } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

describe("the expiry watch's wait for an edited stamp", () => {
  it("outlasts shipment-events' runs and retries of the batch that sets the edit back, and a clock tick", () => {
    const fnId = s.logicalId(s.stack.shipmentEvents.fn);
    const timeoutS = Number(s.resource(fnId).Properties?.Timeout);
    const mappings = Object.values(
      s.template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { FunctionName: ref(fnId) },
      }),
    );
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]?.Properties as Record<string, unknown>;
    const retries = Number(mapping.MaximumRetryAttempts);
    const windowS = Number(mapping.MaximumBatchingWindowInSeconds ?? 0);
    s.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    const tickS = 60;
    expect(timeoutS).toBeGreaterThan(0);
    expect(retries).toBeGreaterThanOrEqual(0);
    expect(EXPIRY_BUSY_MS / 1000).toBeGreaterThanOrEqual(windowS + (1 + retries) * timeoutS + tickS);
  });
});
