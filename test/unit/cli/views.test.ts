import { describe, expect, it } from 'vitest';
import { parseDlqMessage, summarizeFailure } from '../../../cli/dlq-records.js';
import {
  dlqTable,
  emptyTally,
  inventoryTable,
  licenseDerived,
  licenseDetail,
  licenseNote,
  licenseTable,
  shipmentTable,
  subscriptionTable,
  tally,
  violationTable,
} from '../../../cli/views.js';
import { termsOf } from '../../../shared/domain/terms.js';
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

  it('shows released value and the value limit with its tolerance; a quantity-only license has none', () => {
    const text = licenseTable([
      {
        ...aLicense({
          licenseId: 'LIC-V',
          appliedStatus: 'APPROVED',
          authorizedValue: 50_000,
          valueTolerancePercent: 10,
          releasedValue: 12_000,
        }),
      },
      { ...aLicense({ licenseId: 'LIC-W', appliedStatus: 'APPROVED', authorizedValue: 8_000 }) },
      { ...aLicense({ licenseId: 'LIC-Q', appliedStatus: 'APPROVED', releasedValue: 7_300 }) },
    ]);
    const [, , v, w, q] = text.split('\n');
    expect(v).toMatch(/^LIC-V .*\s\$12,000\s+\$55,000 \(\$50,000 \+10%\)\s/);
    expect(w).toMatch(/^LIC-W .*\s\$0\s+\$8,000\s/);
    expect(q).toMatch(/^LIC-Q .*\s\$7,300\s+none\s/);
  });

  it('notes an amendment the system has not applied yet', () => {
    const license = aLicense({ appliedStatus: 'APPROVED', authorizedQuantity: 1000 });
    const raw = { ...license, appliedTerms: { ...termsOf(license) }, authorizedQuantity: 1500 };
    expect(licenseNote(raw)).toBe('amendment not applied yet: authorizedQuantity 1,000 → 1,500');
    expect(licenseNote({ ...raw, authorizedQuantity: 1000 })).toBe('');
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

describe('license value', () => {
  it('shows the value limit, its tolerance and cap, what is released and what remains', () => {
    const license = aLicense({
      appliedStatus: 'APPROVED',
      authorizedQuantity: 100,
      releasedQuantity: 40,
      authorizedValue: 50_000,
      valueTolerancePercent: 10,
      releasedValue: 12_000,
    });
    const counts = tally(emptyTally('index'), [
      { ...aShipment({ status: 'RELEASED', quantity: 40, value: 12_000 }), countedStatus: 'RELEASED' },
      {
        ...aShipment({ status: 'HELD', holdReason: 'LICENSE_VALUE_EXHAUSTED', quantity: 5, value: 50_000 }),
        countedStatus: 'HELD',
      },
      {
        ...aShipment({ status: 'HELD', holdReason: 'SHIPMENT_VALUE_MISSING', quantity: 3 }),
        countedStatus: 'HELD',
      },
    ]);
    const text = licenseDetail({ ...license, appliedTerms: { ...termsOf(license) } }, counts);
    expect(text).toMatch(/Released \/ authorized:\s+40 \/ 100 units/);
    expect(text).toMatch(/Value limit:\s+\$50,000 \+ 10% tolerance = cap \$55,000/);
    expect(text).toMatch(/Released value:\s+\$12,000 of \$55,000/);
    expect(text).toMatch(/Remaining:\s+60 units, \$43,000/);
    expect(text).not.toMatch(/Unapplied amendment/);
    expect(text).toMatch(/STATUS\s+HOLD REASON\s+SHIPMENTS\s+UNITS\s+VALUE/);
    expect(text).toMatch(/HELD\s+2\s+8\s+\$50,000/);
    expect(text).toMatch(/LICENSE_VALUE_EXHAUSTED\s+1\s+5\s+\$50,000/);
    expect(text).toMatch(/SHIPMENT_VALUE_MISSING\s+1\s+3\s+\$0/);
    expect(text).toMatch(/RELEASED\s+1\s+40\s+\$12,000/);
    expect(counts.byStatus.RELEASED).toEqual({ shipments: 1, units: 40, value: 12_000 });
  });

  it('shows a quantity-only license with its summed value for reporting and no limit', () => {
    const text = licenseDetail(
      { ...aLicense({ releasedQuantity: 30, releasedValue: 9_000 }) },
      emptyTally('index'),
    );
    expect(text).toMatch(/Value limit:\s+none \(the license limits quantity only\)/);
    expect(text).toMatch(/Released value:\s+\$9,000 \(summed for reporting\)/);
    expect(text).toMatch(/Remaining:\s+970 units$/m);
  });

  it('shows an unapplied amendment next to the status error, and what the engine will say about it', () => {
    const license = aLicense({ appliedStatus: 'APPROVED', statusError: 'older rejection' });
    const raw = { ...license, appliedTerms: { ...termsOf(license) }, valueTolerancePercent: 40 };
    const text = licenseDetail(raw, emptyTally('index'));
    expect(text).toMatch(
      /Status error:\s+older rejection\nUnapplied amendment:\s+valueTolerancePercent \(none\) → 40% \(the system rejects it: amendment rejected: valueTolerancePercent must be at most 25/,
    );
  });

  it('derives the cap, what remains and the unapplied amendment for --json', () => {
    const license = aLicense({
      appliedStatus: 'APPROVED',
      releasedQuantity: 10,
      authorizedValue: 1_001,
      valueTolerancePercent: 10,
      releasedValue: 500,
    });
    expect(licenseDerived({ ...license })).toEqual({
      valueCap: 1_101,
      remaining: { quantity: 990, value: 601 },
      unappliedAmendment: null,
    });
    const amended = { ...license, appliedTerms: { ...termsOf(license) }, authorizedQuantity: 2000 };
    expect(licenseDerived(amended)).toEqual({
      valueCap: 1_101,
      remaining: { quantity: 1990, value: 601 },
      unappliedAmendment: { changes: 'authorizedQuantity 1,000 → 2,000' },
    });
    expect(licenseDerived({ ...aLicense(), authorizedQuantity: 'x' })).toEqual({
      valueCap: null,
      remaining: null,
      unappliedAmendment: null,
    });
  });
});

describe('shipmentTable', () => {
  it('shows the value next to the quantity, and a dash for a shipment without one', () => {
    const text = shipmentTable([
      { ...aShipment({ shipmentId: 'S1', quantity: 4, value: 12_500 }), countedStatus: 'HELD' },
      { ...aShipment({ shipmentId: 'S2', quantity: 3 }), countedStatus: 'HELD' },
    ]);
    expect(text.split('\n')[0]).toMatch(/QTY\s+VALUE\s+PRIO/);
    expect(text).toMatch(/S1 .*\s4\s+\$12,500\s+5\s/);
    expect(text).toMatch(/S2 .*\s3\s+-\s+5\s/);
  });

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
    expect(inventoryTable([{ sku: 'H20', warehouseId: 'WH-1', onHand: '1000' }])).toMatch(/INVALID: onHand/);
  });

  it('says how many invalid items the TOTAL row leaves out', () => {
    const text = inventoryTable([
      anInventory({ warehouseId: 'WH-1', onHand: 1000 }),
      anInventory({ warehouseId: 'WH-2', onHand: 10 }),
      { sku: 'H20', warehouseId: 'WH-3', onHand: '500' },
    ]);
    expect(text).toMatch(/^TOTAL\s+1,010\s+0\s+0\s+0\s+1,010$/m);
    expect(text).toMatch(/\n\nTOTAL leaves out 1 invalid item: fix it in the console\.$/);
  });

  it('shows an onHand below 0 as a number, counts it in TOTAL, and says what it means', () => {
    const text = inventoryTable([
      anInventory({ warehouseId: 'WH-1', onHand: 1000 }),
      anInventory({ warehouseId: 'WH-3', onHand: -5, shipped: 10 }),
    ]);
    expect(text).toMatch(/^H20\s+WH-3\s+-5\s+0\s+0\s+10\s+-5$/m);
    expect(text).toMatch(/^TOTAL\s+995\s+0\s+0\s+10\s+995$/m);
    expect(text).toMatch(
      /\n\nH20 at WH-3: onHand is -5, below 0: more units were marked SHIPPED here than were stocked/,
    );
    expect(text).not.toMatch(/INVALID|leaves out/);
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
