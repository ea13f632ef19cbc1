/**
 * What `npm start` decides PASS or FAIL on (local/demo/checks.ts), judged by
 * what the system did rather than by what a message says of itself:
 * - I4: a change in another customer's or another warehouse's queue is
 *   found through the shipment its dedup key names, not the customerId and
 *   warehouseId it carries (the attributes the topic's filter routed it on),
 *   and its body must be that change of that shipment;
 * - I5: every edit still rejected on an item has an alert (not a compliance
 *   notice) that gives its reason, and every edit History shows rejected,
 *   corrected since or not, an alert naming the item.
 */
import { describe, expect, it } from 'vitest';
import { i4Problems, i5Problems } from '../../../local/demo/checks.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { aShipment } from '../../helpers/factories.js';

const shipment: RawItem = {
  ...aShipment({ shipmentId: 'S-A', customerId: 'CUST-ALPHA', warehouseId: 'WH-AMS', status: 'HELD' }),
  countedStatus: 'HELD',
  revision: 1,
};
const message = (customerId: string, warehouseId: string) => ({
  messageId: `${customerId}-${warehouseId}`,
  body: JSON.stringify({ shipmentId: 'S-A', customerId, warehouseId, status: 'HELD', revision: 1 }),
  attributes: { customerId, warehouseId, kind: 'shipment', eventType: 'SHIPMENT_HELD', dedupKey: 'S-A#r1' },
});
const queue = (name: string, messages: ReturnType<typeof message>[]) => ({ name, url: name, messages });

describe("I4 in the demo: a change of one customer's shipment in another's queue", () => {
  it("is reported for another customer's queue", () => {
    const queues = [
      queue('CUST-ALPHA', [message('CUST-ALPHA', 'WH-AMS')]),
      queue('CUST-BRAVO', [message('CUST-BRAVO', 'WH-AMS')]),
      queue('WH-AMS', [message('CUST-ALPHA', 'WH-AMS')]),
    ];
    expect(i4Problems(queues, [shipment])).toEqual([expect.stringMatching(/^CUST-BRAVO received S-A#r1/)]);
  });

  it("is reported for another warehouse's queue, even carrying the right warehouseId", () => {
    const queues = [
      queue('CUST-ALPHA', [message('CUST-ALPHA', 'WH-AMS')]),
      queue('WH-AMS', [message('CUST-ALPHA', 'WH-AMS')]),
      queue('WH-SIN', [message('CUST-ALPHA', 'WH-AMS')]),
    ];
    expect(i4Problems(queues, [shipment])).toEqual([expect.stringMatching(/^WH-SIN received S-A#r1/)]);
  });

  it('holds when each change is in its own queues only', () => {
    const queues = [
      queue('CUST-ALPHA', [message('CUST-ALPHA', 'WH-AMS')]),
      queue('WH-AMS', [message('CUST-ALPHA', 'WH-AMS')]),
    ];
    expect(i4Problems(queues, [shipment])).toEqual([]);
  });
});

describe('I5 in the demo: a rejected edit still on an item', () => {
  const rejected: RawItem = { ...shipment, statusError: 'HELD → SHIPPED is not allowed' };
  const alert = (message: string, attributes: Record<string, string>) => ({
    subject: 's',
    message,
    attributes,
  });

  it('is reported without an alert giving its reason, compliance notices aside', () => {
    const notice = alert('HELD → SHIPPED is not allowed', {
      shipmentId: 'S-A',
      alertType: 'LICENSE_DRAWDOWN',
    });
    expect(i5Problems([notice], [], [rejected])).toEqual([expect.stringMatching(/^S-A has statusError/)]);
    expect(
      i5Problems([alert('Shipment S-A was edited.', { shipmentId: 'S-A' })], [], [rejected]),
    ).toHaveLength(1);
  });

  it('holds with one', () => {
    const given = alert('Shipment S-A was edited. HELD → SHIPPED is not allowed', { shipmentId: 'S-A' });
    expect(i5Problems([given], [], [rejected])).toEqual([]);
  });
});

describe('I4 in the demo: a message whose body is not the change its dedup key names', () => {
  const queues = (body: string) => [
    queue('CUST-ALPHA', [{ ...message('CUST-ALPHA', 'WH-AMS'), body }]),
    queue('WH-AMS', [message('CUST-ALPHA', 'WH-AMS')]),
  ];

  it('is reported for another shipment or revision in the body', () => {
    const other = JSON.stringify({
      shipmentId: 'S-B',
      customerId: 'CUST-ALPHA',
      warehouseId: 'WH-AMS',
      revision: 1,
    });
    expect(i4Problems(queues(other), [shipment])).toEqual([
      expect.stringMatching(/^CUST-ALPHA received S-A#r1 whose body is S-B#r1/),
    ]);
    const later = JSON.stringify({
      shipmentId: 'S-A',
      customerId: 'CUST-ALPHA',
      warehouseId: 'WH-AMS',
      revision: 2,
    });
    expect(i4Problems(queues(later), [shipment])).toHaveLength(1);
  });

  it("is reported for another customer's or warehouse's ids in the body, or a body that is not JSON", () => {
    const bravo = JSON.stringify({
      shipmentId: 'S-A',
      customerId: 'CUST-BRAVO',
      warehouseId: 'WH-AMS',
      revision: 1,
    });
    expect(i4Problems(queues(bravo), [shipment])).toEqual([
      expect.stringMatching(/whose body names customerId CUST-BRAVO, not CUST-ALPHA/),
    ]);
    expect(i4Problems(queues('S-A was released'), [shipment])).toEqual([
      expect.stringMatching(/a body that is not JSON/),
    ]);
  });
});

describe('I5 in the demo: an edit History shows rejected, corrected since', () => {
  const entry: RawItem = {
    licenseId: 'LIC-1',
    entryId: '2026-06-01T12:00:00.000Z#rejected#tok-1',
    eventType: 'EDIT_REJECTED',
    reason: 'PENDING → SUSPENDED is not allowed',
  };
  const alert = (attributes: Record<string, string>) => ({ subject: 's', message: 'm', attributes });

  it('is reported without an alert naming the license, compliance notices aside', () => {
    const notice = alert({ licenseId: 'LIC-1', alertType: 'LICENSE_DRAWDOWN' });
    expect(i5Problems([notice], [], [], [entry])).toEqual([
      expect.stringMatching(/^LIC-1: rejected edit .* in History, but no alert/),
    ]);
  });

  it('holds with one', () => {
    expect(i5Problems([alert({ licenseId: 'LIC-1' })], [], [], [entry])).toEqual([]);
  });
});
