/**
 * Ops alert subjects as SNS takes them. The alerts are the engine's own, made
 * in a memory world, sent through the real SnsAlerter to an SNS client that
 * judges each PublishBatch with the project's model of AWS's limits
 * (local/gateway/limits.ts, docs/local-limits.md: `sns.Subject` "< 100
 * characters, no line breaks or control characters", U+2028/2029 included).
 * A subject SNS refuses fails the alert on every attempt, and with it the
 * stream batch that must record the rejection (I5). A subject cut at its end
 * loses what happened (docs/messages.md: "a Subject that says what
 * happened"): the id is shortened first, then the middle.
 */
import type { PublishBatchCommand, PublishBatchCommandOutput, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { checkLimits } from '../../../local/gateway/limits.js';
import { SnsAlerter, snsSubject } from '../../../shared/adapters/sns.js';
import type { OpsAlert } from '../../../shared/domain/ports.js';
import { givenLicense, setStatus, shipmentEvents } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

/** An SNS client that refuses what AWS refuses (the project's limit model) and records each Subject it took. */
function limitedSns() {
  const subjects: string[] = [];
  const client = {
    async send(command: PublishBatchCommand): Promise<PublishBatchCommandOutput> {
      const input = command.input as unknown as Record<string, unknown>;
      const violation = checkLimits({ service: 'sns', operation: 'PublishBatch', input, bodyBytes: 0 });
      if (violation) throw Object.assign(new Error(violation.message), { name: violation.code });
      const entries = command.input.PublishBatchRequestEntries ?? [];
      for (const e of entries) subjects.push(e.Subject ?? '');
      return {
        $metadata: { httpStatusCode: 200 },
        Successful: entries.map((e) => ({ Id: e.Id, MessageId: `id-${e.Id}` })),
        Failed: [],
      };
    },
  };
  return { client: client as unknown as SNSClient, subjects };
}

const OPS = 'arn:aws:sns:us-east-1:000000000000:clearance-ops';

describe('ops alert subjects as SNS takes them', () => {
  it('publishes the rejection of a status pasted with a line separator (U+2028)', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const s = lut.shipment({ quantity: 10, priority: 1 });
    w.console.put('shipments', s);
    await shipmentEvents(w); // intake
    await shipmentEvents(w); // the intake's own record
    w.alerter.alerts.length = 0;

    // Logistics copies "SHIPPED" from a document into the status field: the line separator comes with it.
    w.console.edit('shipments', s.shipmentId, 'status', 'SHIPPED\u2028');
    await shipmentEvents(w);
    const alerts: OpsAlert[] = w.alerter.about(s.shipmentId);
    expect(alerts).toHaveLength(1);

    const { client, subjects } = limitedSns();
    await expect(
      new SnsAlerter(client, OPS).alert(alerts),
      'SNS refuses a Subject with a line separator: the alert never reaches ops, the stream batch fails for good',
    ).resolves.toBeUndefined();
    expect(subjects[0]).toMatch(/status edit HELD → SHIPPED.* rejected$/);
  });

  it('keeps what happened in the subject of an alert about a license with a long (valid) id', async () => {
    const w = memoryWorld();
    // 96 characters: within the data contract's ids (1-128 of letters, digits, '.', '_', ':' or '-').
    const licenseId = `LIC-H20-${'EXPORT-H20-'.repeat(8)}`;
    expect(licenseId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
    givenLicense(w, { licenseId, status: 'APPROVED', appliedStatus: 'APPROVED' });
    await setStatus(w, licenseId, 'PENDING'); // APPROVED → PENDING is illegal
    const alerts = w.alerter.about(licenseId);
    expect(alerts.map((a) => a.subject)).toEqual([`License ${licenseId}: status edit rejected`]);

    const { client, subjects } = limitedSns();
    await new SnsAlerter(client, OPS).alert(alerts);
    expect(subjects).toHaveLength(1);
    expect([...(subjects[0] ?? '')].length).toBeLessThanOrEqual(99);
    expect(subjects[0], 'the inbox shows what happened, the id shortened').toMatch(/status edit rejected$/);
  });

  it('keeps "rejected" when what happened alone is too long: the middle is cut, not the end', async () => {
    const subject =
      'License LIC-H20-0001: edit of authorizedQuantity, authorizedValue, valueTolerancePercent, validFrom, validUntil rejected';
    const { client, subjects } = limitedSns();
    await new SnsAlerter(client, OPS).alert([
      { severity: 'normal', subject, message: 'm', subjectKey: { licenseId: 'LIC-H20-0001' } },
    ]);
    expect(subjects[0]).toMatch(/^License LIC-H20-0001: edit of /);
    expect(subjects[0]).toMatch(/validUntil rejected$/);
    expect([...(subjects[0] ?? '')].length).toBeLessThanOrEqual(99);
  });

  it('leaves a subject SNS takes as it is, and replaces each run of refused characters by one space', () => {
    expect(snsSubject('License L: status edit rejected')).toBe('License L: status edit rejected');
    expect(snsSubject('a\r\n\u2029b\u0085c')).toBe('a b c');
    const shipment = `Shipment ${'S'.repeat(120)} was deleted`;
    expect(snsSubject(shipment)).toMatch(/^Shipment S+\.\.\. was deleted$/);
    expect(snsSubject(shipment)).toHaveLength(99);
  });
});
