/**
 * docs/messages.md: `occurredAt` is the time the change was committed: the
 * item's `changedAt`, which its History entry's `at` quotes. Not the stream
 * record's ApproximateCreationDateTime, which DynamoDB Streams gives in whole
 * seconds: a re-hold committed 400 ms after a release, in the same second,
 * would read as happening before it, and no message's time would match the
 * audit trail's.
 */
import { describe, expect, it } from 'vitest';
import { recordTime } from '../../../shared/adapters/stream.js';
import { shipmentEntry } from '../../../shared/domain/history.js';
import { detectChange } from '../../../shared/domain/notifications.js';
import type { RawItem } from '../../../shared/domain/ports.js';

const base: RawItem = {
  shipmentId: 'SHP-00001',
  licenseId: 'LIC-H20-0001',
  customerId: 'CUST-ACME',
  warehouseId: 'WH-SIN',
  sku: 'H20',
  quantity: 77,
  priority: 1,
  requestedAt: '2026-11-27T08:00:00.000Z',
};
const released: RawItem = {
  ...base,
  status: 'RELEASED',
  countedStatus: 'RELEASED',
  revision: 2,
  releasedAt: '2026-11-27T09:30:00.500Z',
  changedAt: '2026-11-27T09:30:00.500Z',
};
const reheld: RawItem = {
  ...base,
  status: 'HELD',
  countedStatus: 'HELD',
  holdReason: 'LICENSE_SUSPENDED',
  revision: 3,
  changedAt: '2026-11-27T09:30:00.900Z',
};
/** ApproximateCreationDateTime of the re-hold's stream record: epoch seconds, as DynamoDB Streams gives it. */
const streamSeconds = Math.floor(Date.parse('2026-11-27T09:30:00.900Z') / 1000);

describe('occurredAt of a per-shipment message', () => {
  it('of a re-hold is its commit time (changedAt, the History entry time), after the release it undoes', () => {
    const at = recordTime(streamSeconds);
    const change = detectChange(released, reheld, at);
    if (!change) throw new Error('a re-hold is a change');
    const entry = shipmentEntry(change, reheld, at, released);
    expect(change?.eventType).toBe('SHIPMENT_REHELD');
    expect(change?.occurredAt).toBe(entry.at);
    expect(change?.occurredAt).toBe('2026-11-27T09:30:00.900Z');
  });
});
