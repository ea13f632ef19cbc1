/**
 * The chaos suite's end-of-run check of the console's "Duplicate item"
 * (test/chaos/duplicates.ts), on hand-made stores: a copy taken in as a new
 * HELD shipment passes; one never taken in, counted from a revision it did
 * not earn, moved while still a copy, or never alerted does not.
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../../shared/domain/ports.js';
import type { Store } from '../../chaos/checks.js';
import { type ConsoleCopy, checkCopies } from '../../chaos/duplicates.js';
import type { ReceivedMessage } from '../../helpers/stack.js';

const original: RawItem = {
  shipmentId: 'S1',
  licenseId: 'L1',
  status: 'RELEASED',
  countedStatus: 'RELEASED',
  revision: 2,
  holdOrder: '000005#2026-01-01T00:00:00.000Z#S1',
};
const copy: ConsoleCopy = {
  copyId: 'S1-C',
  sourceId: 'S1',
  from: 'S1',
  item: { ...original, shipmentId: 'S1-C' },
};
const takenIn: RawItem = {
  ...original,
  shipmentId: 'S1-C',
  status: 'HELD',
  countedStatus: 'HELD',
  revision: 1,
  holdOrder: '000005#2026-01-01T00:00:00.000Z#S1-C',
};
const held = {
  licenseId: 'L1',
  shipmentId: 'S1-C',
  entryId: 't#S1-C#r000001',
  eventType: 'SHIPMENT_HELD',
  status: 'HELD',
};
const alert = {
  body: 'Shipment S1-C (…) was created as a copy of shipment S1, …',
  attributes: { shipmentId: 'S1-C' },
} as unknown as ReceivedMessage;
const store = (copyNow: RawItem, history: RawItem[] = [held]): Store => ({
  licenses: [],
  inventory: [],
  shipments: [original, copyNow],
  history,
});

describe('checkCopies', () => {
  it('passes a copy taken in as a new HELD shipment', () => {
    const images = new Map([['S1-C', [copy.item, takenIn]]]);
    expect(checkCopies(store(takenIn), [copy], [alert], images)).toEqual([]);
  });

  it('reports a copy never taken in, without its own History or alert', () => {
    const problems = checkCopies(store(copy.item, []), [copy], [], new Map());
    expect(problems.join('\n')).toMatch(/never taken in/);
    expect(problems.join('\n')).toMatch(/History revisions \[\], its item is at revision 2/);
    expect(problems.join('\n')).toMatch(/ops was never alerted/);
  });

  it('reports a copy a license pass moved before it was taken in', () => {
    const moved = { ...copy.item, status: 'HELD', countedStatus: 'HELD', revision: 3 };
    const images = new Map([['S1-C', [copy.item, moved, takenIn]]]);
    expect(checkCopies(store(takenIn), [copy], [alert], images)).toEqual([
      'console copy S1-C of S1: moved while still a copy (countedStatus RELEASED → HELD, revision 2 → 3)',
    ]);
  });

  it('reports a copy whose first entry is not SHIPMENT_HELD', () => {
    const released = { ...held, eventType: 'SHIPMENT_RELEASED', status: 'RELEASED', previousStatus: 'HELD' };
    expect(checkCopies(store(takenIn, [released]), [copy], [alert], new Map())).toEqual([
      'console copy S1-C of S1: its first History entry is SHIPMENT_RELEASED HELD → RELEASED, not SHIPMENT_HELD from nothing',
    ]);
  });

  it('leaves a copy of a shipment not counted yet to the ordinary checks', () => {
    const plain = {
      copyId: 'S2-C',
      sourceId: 'S2',
      from: undefined,
      item: { shipmentId: 'S2-C', status: 'HELD' },
    };
    const s = { ...store(takenIn), shipments: [{ shipmentId: 'S2-C', status: 'HELD' }] };
    expect(checkCopies(s, [plain], [], new Map())).toEqual([]);
  });
});
