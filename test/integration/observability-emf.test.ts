import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { HOLD_REASONS } from '../../shared/domain/model.js';
import { adminConsole } from '../helpers/admin-console.js';
import { captureStdout, emfDocuments } from '../helpers/emf.js';
import { aLicense, anInventory, aShipment, heldBacklog } from '../helpers/factories.js';
import { until } from '../helpers/poll.js';
import { invokeWithRecords, rejectHistoryAppendsOf, releaseRecords } from '../helpers/release-kit.js';
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

const stdout = captureStdout();
/** Where the EMF documents read start: a test moves it past what came before the step it judges. */
let from = 0;
beforeEach(() => {
  from = 0;
});
const emf = (): Emf[] => emfDocuments<Emf>(stdout().slice(from));
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
    from = stdout().length;

    await s.setLicenseStatus('LIC-EMF', 'APPROVED');
    await local.drain();

    const docs = emf();
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect(d._aws.CloudWatchMetrics[0]?.Namespace).toBe('Clearance');
    expect(total('ShipmentsReleased', { service: 'license-events' })).toBe(3);
    expect(total('UnitsReleased', { service: 'license-events', LicenseId: 'LIC-EMF' })).toBe(30);
    expect(total('ShipmentsReheld', { service: 'license-events' })).toBe(0);
    expect(total('LicensesApplied', { service: 'license-events' })).toBeGreaterThanOrEqual(1);
    // 3 releases + 2 shipments relabelled LICENSE_QUANTITY_EXHAUSTED: one JSON message each. Their digests
    // are the license event's, sent by license-events when the pass ends, not by shipment-events.
    expect(total('NotificationsPublished', { service: 'shipment-events', Audience: 'customer' })).toBe(5);
    expect(total('NotificationsPublished', { service: 'shipment-events', Audience: 'logistics' })).toBe(5);
    // The license event's digests: to the customer and to the warehouse, one per event type (released,
    // hold updated).
    expect(total('DigestsPublished', { service: 'license-events', Audience: 'customer' })).toBe(2);
    expect(total('DigestsPublished', { service: 'license-events', Audience: 'logistics' })).toBe(2);
    const release = docs.find((d) => d.ReleaseDuration !== undefined);
    expect(release?._aws.CloudWatchMetrics[0]?.Metrics).toEqual(
      expect.arrayContaining([{ Name: 'ReleaseDuration', Unit: 'Milliseconds' }]),
    );
  });

  it('counts a rejected license edit', async () => {
    await s.putLicense(aLicense({ licenseId: 'LIC-EMF-BAD', status: 'PENDING' }));
    await local.drain();
    from = stdout().length;
    await s.setLicenseStatus('LIC-EMF-BAD', 'APPROVD');
    await local.drain();
    expect(total('EditsRejected', { service: 'license-events' })).toBe(1);
  });
});

/** A metric as CloudWatch identifies it: namespace, name and the exact set of dimensions (values, or any for a SEARCH schema). */
interface MetricRef {
  readonly where: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string | undefined>>;
}

/** Every metric of `namespace` an alarm or a dashboard widget of the stack's template reads. */
function referencedMetrics(namespace: string): MetricRef[] {
  const refs: MetricRef[] = [];
  const resources = Object.entries(local.stack.template.Resources ?? {}) as [
    string,
    { Type: string; Properties?: Record<string, unknown> },
  ][];
  const dims = (list: unknown) =>
    Object.fromEntries(((list ?? []) as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
  for (const [id, r] of resources) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::CloudWatch::Alarm') {
      if (p.Namespace === namespace)
        refs.push({ where: id, name: String(p.MetricName), dimensions: dims(p.Dimensions) });
      for (const q of (p.Metrics ?? []) as { MetricStat?: { Metric: Record<string, unknown> } }[]) {
        const m = q.MetricStat?.Metric;
        if (m?.Namespace === namespace)
          refs.push({ where: id, name: String(m.MetricName), dimensions: dims(m.Dimensions) });
      }
    }
    if (r.Type === 'AWS::CloudWatch::Dashboard') {
      // Intrinsics (region, resource names) sit inside JSON strings: any placeholder keeps it JSON.
      const raw = p.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
      const text =
        typeof raw === 'string'
          ? raw
          : raw['Fn::Join'][1].map((x) => (typeof x === 'string' ? x : 'X')).join('');
      const body = JSON.parse(text) as {
        widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
      };
      for (const w of body.widgets) {
        for (const line of w.properties.metrics ?? []) {
          const where = `${id} "${w.properties.title}"`;
          const [first] = line;
          if (first === namespace) {
            const parts = line.filter((x): x is string => typeof x === 'string');
            const dimensions: Record<string, string> = {};
            for (let i = 2; i + 1 < parts.length; i += 2) dimensions[String(parts[i])] = String(parts[i + 1]);
            refs.push({ where, name: String(parts[1]), dimensions });
          }
          const expression = (first as { expression?: string } | undefined)?.expression ?? '';
          const search = /SEARCH\('\{([^}]*)\}\s*MetricName="([^"]+)"/.exec(expression);
          if (search) {
            const [ns, ...names] = String(search[1])
              .split(',')
              .map((x) => x.trim());
            if (ns === namespace)
              refs.push({
                where,
                name: String(search[2]),
                dimensions: Object.fromEntries(names.map((n) => [n, undefined])),
              });
          }
        }
      }
    }
  }
  return refs;
}

/** Every metric (name and dimensions with their values) the captured EMF documents of `namespace` define. */
function emitted(namespace: string): MetricRef[] {
  return emf().flatMap((d) =>
    d._aws.CloudWatchMetrics.filter((c) => c.Namespace === namespace).flatMap((c) =>
      c.Dimensions.flatMap((set) =>
        c.Metrics.map((m) => ({
          where: 'EMF',
          name: m.Name,
          dimensions: Object.fromEntries(set.map((k) => [k, String(d[k])])),
        })),
      ),
    ),
  );
}

/** Whether CloudWatch would give `ref` the data of `e`: same name, same dimension names, and values where `ref` names them. */
const matches = (ref: MetricRef, e: MetricRef) => {
  const names = Object.keys(ref.dimensions).sort();
  return (
    e.name === ref.name &&
    JSON.stringify(names) === JSON.stringify(Object.keys(e.dimensions).sort()) &&
    names.every((n) => ref.dimensions[n] === undefined || ref.dimensions[n] === e.dimensions[n])
  );
};

const show = (r: MetricRef) =>
  `${r.name}{${Object.entries(r.dimensions)
    .map(([k, v]) => `${k}=${v ?? '*'}`)
    .join(',')}}`;

describe('alarms and dashboard against the EMF the handlers emit', () => {
  it('reads only metrics the handlers emit, with the same names and dimensions', async () => {
    const refs = referencedMetrics('Clearance');
    expect(refs.map((r) => r.name)).toEqual(expect.arrayContaining(['EditsRejected', 'ExpiryWatchFailures']));

    // A release of 150 (license-events, shipment-events' notifications, shipment-history).
    await s.putInventory(anInventory());
    await s.putLicense(aLicense({ licenseId: 'LIC-REF', status: 'PENDING', authorizedQuantity: 1500 }));
    await s.putShipments(heldBacklog(150, { licenseId: 'LIC-REF', quantity: 10 }));
    await s.putLicense(aLicense({ licenseId: 'LIC-REF-HELD', status: 'PENDING' }));
    const held = aShipment({ licenseId: 'LIC-REF-HELD', quantity: 1 });
    await s.putShipments([held]);
    await s.putLicense(aLicense({ licenseId: 'LIC-REF-GONE', status: 'PENDING' }));
    await local.drain();
    from = stdout().length;
    await s.setLicenseStatus('LIC-REF', 'APPROVED');
    await local.drain();

    // shipment-history writing only the first of its two transactions (HistoryEntriesFailed).
    const releases = await releaseRecords(local, 'LIC-REF');
    expect(releases).toHaveLength(150);
    const second = new Set(releases.slice(100).map((r) => r.dynamodb?.NewImage?.shipmentId?.S));
    const remove = rejectHistoryAppendsOf(local, second, 'test: rejected');
    try {
      await invokeWithRecords(local, 'shipment-history', releases);
    } finally {
      remove();
    }

    // Rejected edits: a license status typo, and HELD → SHIPPED (high severity).
    await s.setLicenseStatus('LIC-REF-HELD', 'APPROVD');
    await s.setShipmentStatus(held.shipmentId, 'SHIPPED');
    // An applied license deleted (a high-severity ops alert: OpsAlerts, Severity=high).
    await local.ddb.send(
      new DeleteCommand({
        TableName: local.resources.tables.licenses.name,
        Key: { licenseId: 'LIC-REF-GONE' },
      }),
    );
    await local.drain();
    // A clock tick in a slot that samples the held backlog.
    await local.esm.invokeSchedule('license-clock', { time: new Date('2026-06-01T10:05:00Z') });
    // The sandbox's stdout reaches this process after the invocation's result: wait for the tick's flush.
    await until("the clock tick's EMF document", async () =>
      emf().some((d) => d.service === 'license-clock' && d.SettlingPasses !== undefined) ? true : undefined,
    );

    // The backlog gauge names every hold reason, 0 included, so a reason whose backlog empties falls to 0.
    const gauges = emf().filter((d) => d.service === 'license-clock' && d.HeldShipments !== undefined);
    expect(new Set(gauges.map((d) => d.HoldReason))).toEqual(new Set(HOLD_REASONS));
    expect(gauges.some((d) => d.HeldShipments === 0)).toBe(true);

    const seen = emitted('Clearance');
    const missing = refs.filter((r) => !seen.some((e) => matches(r, e))).map((r) => `${r.where}: ${show(r)}`);
    expect(missing, `emitted: ${[...new Set(seen.map(show))].sort().join(' ')}`).toEqual([]);
  });
});
