import { describe, expect, it } from 'vitest';
import { parseDlqMessage, summarizeFailure } from '../../../cli/dlq-records.js';
import {
  dlqTable,
  emptyTally,
  inventoryTable,
  licenseDetail,
  licenseNote,
  licenseTable,
  shipmentTable,
  subscriptionTable,
  tally,
  violationTable,
} from '../../../cli/views.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

describe('licenseTable', () => {
  it('shows status, applied status, units and what needs attention', () => {
    const text = licenseTable([
      {
        ...aLicense({
          licenseId: 'LIC-A',
          status: 'APPROVED',
          appliedStatus: 'APPROVED',
          releasedQuantity: 1200,
          authorizedQuantity: 5000,
        }),
      },
      {
        ...aLicense({ licenseId: 'LIC-B', status: 'APPROVED', appliedStatus: 'PENDING' }),
        pendingWork: 't1',
      },
    ]);
    const [header, , a, b] = text.split('\n');
    expect(header).toMatch(
      /^LICENSE\s+CUSTOMER\s+SKU\s+DEST\s+STATUS\s+APPLIED\s+RELEASED\s+AUTHORIZED\s+REL\. VALUE\s+VALUE LIMIT\s+VALID UNTIL\s+NOTE$/,
    );
    expect(a).toMatch(/^LIC-A .*APPROVED\s+APPROVED\s+1,200\s+5,000\s+\$0\s+none /);
    expect(b).toMatch(/work in progress$/);
  });

  it('says so when there are no licenses', () => {
    expect(licenseTable([])).toBe('No licenses.');
  });

  it('notes rejected edits, unapplied statuses and invalid items', () => {
    expect(licenseNote({ ...aLicense({ appliedStatus: 'APPROVED', statusError: 'nope' }) })).toBe(
      'rejected edit: nope',
    );
    expect(licenseNote({ ...aLicense({ status: 'SUSPENDED', appliedStatus: 'APPROVED' }) })).toBe(
      'not applied yet',
    );
    expect(licenseNote({ ...aLicense(), authorizedQuantity: '5' })).toMatch(/^INVALID: authorizedQuantity/);
  });
});

describe('licenseDetail', () => {
  it('shows the system-kept fields and shipments by status and hold reason', () => {
    const license = {
      ...aLicense({ appliedStatus: 'APPROVED', statusError: 'older rejection' }),
      pendingWork: 'tok',
    };
    const counts = tally(emptyTally('index'), [
      {
        ...aShipment({ status: 'HELD', holdReason: 'LICENSE_QUANTITY_EXHAUSTED', quantity: 4 }),
        countedStatus: 'HELD',
      },
      {
        ...aShipment({ status: 'HELD', holdReason: 'LICENSE_QUANTITY_EXHAUSTED', quantity: 6 }),
        countedStatus: 'HELD',
      },
      { ...aShipment({ status: 'RELEASED', quantity: 10 }), countedStatus: 'RELEASED' },
    ]);
    const text = licenseDetail(license, counts);
    expect(text).toMatch(/Applied status:\s+APPROVED/);
    expect(text).toMatch(/Status error:\s+older rejection/);
    expect(text).toMatch(/Pending work:\s+tok/);
    expect(text).toMatch(/HELD\s+2\s+10/);
    expect(text).toMatch(/LICENSE_QUANTITY_EXHAUSTED\s+2\s+10/);
    expect(text).toMatch(/RELEASED\s+1\s+10/);
    expect(text).toMatch(/pass --scan/);
  });

  it('lists every status after a scan', () => {
    const text = licenseDetail(
      { ...aLicense() },
      tally(emptyTally('scan'), [{ ...aShipment({ status: 'CANCELLED' }), countedStatus: 'CANCELLED' }]),
    );
    expect(text).toMatch(/CANCELLED\s+1\s+10/);
    expect(text).toMatch(/SHIPPED\s+0\s+0/);
    expect(text).not.toMatch(/pass --scan/);
  });
});

describe('shipmentTable', () => {
  it('flags shipments the counters do not reflect yet', () => {
    const text = shipmentTable([
      { ...aShipment({ shipmentId: 'S1', status: 'SHIPPED' }), countedStatus: 'RELEASED' },
      { ...aShipment({ shipmentId: 'S2', status: 'HELD' }) },
    ]);
    expect(text).toMatch(/S1 .*counted as RELEASED/);
    expect(text).toMatch(/S2 .*not accepted yet/);
  });
});

describe('inventoryTable', () => {
  it('derives available = onHand - held - released, with a total row for several items', () => {
    const text = inventoryTable([
      { ...anInventory({ warehouseId: 'WH-1', onHand: 1000, held: 100, released: 50, shipped: 7 }) },
      { ...anInventory({ warehouseId: 'WH-2', onHand: 10, held: 0, released: 0, shipped: 0 }) },
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^SKU\s+WAREHOUSE\s+ON HAND\s+HELD\s+RELEASED\s+SHIPPED\s+AVAILABLE$/);
    expect(lines[2]).toMatch(/^H20\s+WH-1\s+1,000\s+100\s+50\s+7\s+850$/);
    expect(lines[4]).toMatch(/^TOTAL\s+1,010\s+100\s+50\s+7\s+860$/);
  });

  it('shows an invalid item with its problems instead of numbers', () => {
    expect(inventoryTable([{ sku: 'H20', warehouseId: 'WH-1', onHand: -1 }])).toMatch(
      /INVALID: onHand must not be negative/,
    );
  });
});

describe('violationTable', () => {
  it('shows the invariant, the keys and the problem', () => {
    expect(
      violationTable([
        {
          invariant: 'I3',
          key: { sku: 'H20', warehouseId: 'WH-1' },
          message: 'held is 9 but shipments sum to 7',
        },
      ]),
    ).toMatch(/I3\s+sku=H20 warehouseId=WH-1\s+held is 9 but shipments sum to 7/);
  });
});

describe('dlqTable', () => {
  it('shows which stream, range, when and why; and unreadable messages', () => {
    const body = {
      requestContext: {
        functionArn: 'arn:aws:lambda:r:1:function:f',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 1,
      },
      responseContext: { functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-11-27T10:15:00.000Z',
      DDBStreamBatchInfo: {
        shardId: 'shardId-1',
        startSequenceNumber: '100',
        endSequenceNumber: '200',
        batchSize: 2,
        streamArn: 'arn:aws:dynamodb:r:1:table/Shipments/stream/x',
        approximateArrivalOfFirstRecord: '2026-11-27T10:14:01Z',
        approximateArrivalOfLastRecord: '2026-11-27T10:14:02Z',
      },
    };
    const good = parseDlqMessage({ MessageId: 'm1', Body: JSON.stringify(body) });
    const bad = parseDlqMessage({ MessageId: 'm2', Body: 'x' });
    if (!good.ok) throw new Error('fixture must parse');
    const text = dlqTable([
      {
        queue: 'shipment-events',
        entry: good,
        summary: summarizeFailure(good.record, new Date('2026-11-29T00:00:00Z')),
      },
      { queue: 'shipment-events', entry: bad },
    ]);
    expect(text).toMatch(
      /shipment-events\s+2026-11-27T10:15:00.000Z\s+Shipments\s+shardId-1\s+100..200\s+2\s+retries exhausted after 1 attempt: .*gone from the stream/,
    );
    expect(text).toMatch(/not an on-failure record \(message m2\): the body is not JSON/);
  });
});

describe('subscriptionTable', () => {
  it('warns on an unscoped customer subscription', () => {
    const text = subscriptionTable([
      {
        subscriptionArn: 'arn:aws:sns:r:1:C:abc',
        topic: 'customer',
        topicArn: 'arn:aws:sns:r:1:C',
        protocol: 'email',
        endpoint: 'a***@example.com',
        scope: 'UNSCOPED',
        kind: 'any',
        pending: false,
        unscoped: true,
        misplaced: false,
      },
    ]);
    expect(text).toMatch(/customer\s+email\s+a\*\*\*@example.com\s+UNSCOPED \(may see other customers!\)/);
  });
});
