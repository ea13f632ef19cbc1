/**
 * What an operator can see of a clock tick that defers the due expiry watches
 * (shared/engine/clock.ts watchDue: once the invocation's budget for them is
 * spent, the rest wait for the next tick). When the scan itself outlasts that
 * budget (half of the invocation), every tick defers every due
 * LICENSE_EXPIRING warning: ExpiryWatchesDeferred, which the
 * ExpiryWatchesDeferred alarm reads, shows it. The handler runs as Lambda
 * runs it, over stubbed AWS clients, and its EMF document is read from stdout.
 */
import { describe, expect, it, vi } from 'vitest';
import { captureStdout, emfDocuments } from '../../helpers/emf.js';

const ENV = {
  LICENSES_TABLE: 'L',
  SHIPMENTS_TABLE: 'S',
  LOGISTICS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:l',
  OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:o',
  EXPIRY_LEAD_DAYS: '30,7,1',
  POWERTOOLS_SERVICE_NAME: 'license-clock',
  POWERTOOLS_METRICS_NAMESPACE: 'Clearance',
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_REGION: 'us-east-1',
};

const DAY = 86_400_000;
/** An applied APPROVED license whose 30-day lead is due now and was never judged. */
const expiringSoon = (licenseId: string) => ({
  licenseId,
  licenseNumber: 'N-1',
  customerId: 'C1',
  sku: 'H20',
  destinationCountry: 'CN',
  authorizedQuantity: 100,
  releasedQuantity: 10,
  validFrom: '2020-01-01T00:00:00Z',
  validUntil: new Date(Date.now() + 20 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  status: 'APPROVED',
  appliedStatus: 'APPROVED',
});

const written = captureStdout();

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

describe('license-clock: expiry watches deferred for lack of time', () => {
  it('counts the due LICENSE_EXPIRING watches it deferred in ExpiryWatchesDeferred, apart from failures', async () => {
    Object.assign(process.env, ENV);
    // A fresh module graph: another file of the worker may have built the handler with metrics disabled.
    vi.resetModules();
    const runtime = await import('../../../functions/runtime.js');
    const calls: string[] = [];
    const ddb = vi.spyOn(runtime.documentClient, 'send').mockImplementation((async (command: {
      constructor: { name: string };
    }) => {
      calls.push(command.constructor.name);
      if (command.constructor.name === 'ScanCommand')
        return { Items: [expiringSoon('LIC-EXP-1'), expiringSoon('LIC-EXP-2')] };
      return { Items: [] };
    }) as never);
    const sns = vi.spyOn(runtime.snsClient, 'send').mockImplementation((async () => ({})) as never);
    try {
      const { handler } = await import('../../../functions/license-clock.js');
      // A tick whose scan took the half of the invocation the watches may use (here: an invocation
      // with only the flush's 5 s left), at minute 01 (no backlog sample).
      const result = (await handler(
        { time: '2026-06-01T10:01:00Z' } as never,
        {
          getRemainingTimeInMillis: () => 5_000,
          functionName: 'license-clock',
          awsRequestId: 'r',
        } as never,
      )) as { expiryWatchesDeferred: number; expiryFailed: string[] };
      expect(result.expiryWatchesDeferred).toBe(2);
      expect(result.expiryFailed).toEqual([]);
    } finally {
      ddb.mockRestore();
      sns.mockRestore();
    }

    const docs = emfDocuments<Emf>(written()).filter((d) => d.service === 'license-clock');
    expect(docs.length).toBeGreaterThan(0);
    // No failure: the deferral shows in its own metric only.
    expect(docs.some((d) => d.ExpiryWatchFailures === 0)).toBe(true);
    const names = docs.flatMap((d) => d._aws.CloudWatchMetrics.flatMap((c) => c.Metrics.map((m) => m.Name)));
    expect(names, `metrics emitted: ${[...new Set(names)].join(', ')}`).toContain('ExpiryWatchesDeferred');
    expect(docs.find((d) => d.ExpiryWatchesDeferred !== undefined)?.ExpiryWatchesDeferred).toBe(2);
  }, 60_000);
});
