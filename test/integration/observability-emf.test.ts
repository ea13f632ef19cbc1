/**
 * The handlers' EMF output for a known release: the metric names, values and
 * dimensions CloudWatch would ingest (namespace Clearance).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { aLicense, anInventory, heldBacklog } from '../helpers/factories.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack({ environmentOverrides: { POWERTOOLS_METRICS_DISABLED: 'false' } });
const s = adminConsole(local);

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

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

const emf = (): Emf[] => lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf);
/** Sum of a metric over every EMF document whose dimensions include `where`. */
const total = (name: string, where: Record<string, string> = {}) =>
  emf()
    .filter((d) => d._aws.CloudWatchMetrics.some((m) => m.Metrics.some((x) => x.Name === name)))
    .filter((d) => Object.entries(where).every(([k, v]) => d[k] === v))
    .reduce((n, d) => n + [d[name]].flat().reduce((a: number, b) => a + Number(b), 0), 0);

describe('EMF metrics', () => {
  it('reports shipments and units released, per license, and notifications by audience', async () => {
    await s.putInventory(anInventory());
    await s.putLicense(aLicense({ licenseId: 'LIC-EMF', status: 'PENDING', authorizedQuantity: 30 }));
    await s.putShipments(heldBacklog(5, { licenseId: 'LIC-EMF', quantity: 10 }));
    await local.drain();
    lines = [];

    await s.setLicenseStatus('LIC-EMF', 'APPROVED');
    await local.drain();

    const docs = emf();
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect(d._aws.CloudWatchMetrics[0]?.Namespace).toBe('Clearance');
    expect(total('ShipmentsReleased', { service: 'license-events' })).toBe(3);
    expect(total('UnitsReleased', { service: 'license-events', LicenseId: 'LIC-EMF' })).toBe(30);
    expect(total('ShipmentsReheld', { service: 'license-events' })).toBe(0);
    expect(total('LicensesApplied', { service: 'license-events' })).toBeGreaterThanOrEqual(1);
    // 3 releases + 2 shipments relabelled LICENSE_QUANTITY_EXHAUSTED: one JSON message each, plus one digest per group.
    expect(total('NotificationsPublished', { service: 'shipment-events', Audience: 'customer' })).toBe(5 + 2);
    expect(total('NotificationsPublished', { service: 'shipment-events', Audience: 'logistics' })).toBe(
      5 + 2,
    );
    const release = docs.find((d) => d.ReleaseDuration !== undefined);
    expect(release?._aws.CloudWatchMetrics[0]?.Metrics).toEqual(
      expect.arrayContaining([{ Name: 'ReleaseDuration', Unit: 'Milliseconds' }]),
    );
  });

  it('counts a rejected license edit', async () => {
    await s.putLicense(aLicense({ licenseId: 'LIC-EMF-BAD', status: 'PENDING' }));
    await local.drain();
    lines = [];
    await s.setLicenseStatus('LIC-EMF-BAD', 'APPROVD');
    await local.drain();
    expect(total('EditsRejected', { service: 'license-events' })).toBe(1);
  });
});
