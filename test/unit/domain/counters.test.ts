import { describe, expect, test } from 'vitest';
import {
  type CounterDelta,
  consumed,
  counterDelta,
  sumDeltas,
  ZERO_DELTA,
} from '../../../shared/domain/counters.js';
import { SHIPMENT_STATUSES, type ShipmentStatus } from '../../../shared/domain/model.js';

const q = 7;
const delta = (d: Partial<CounterDelta>): CounterDelta => ({ ...ZERO_DELTA, ...d });
type From = ShipmentStatus | undefined;

describe('counterDelta', () => {
  test.each<{ what: string; from: From; to: From; expected: CounterDelta }>([
    { what: 'a new HELD shipment', from: undefined, to: 'HELD', expected: delta({ held: q }) },
    { what: 'a release', from: 'HELD', to: 'RELEASED', expected: delta({ held: -q, released: q }) },
    { what: 'a re-hold', from: 'RELEASED', to: 'HELD', expected: delta({ released: -q, held: q }) },
    {
      what: 'shipping, which also takes the units off onHand',
      from: 'RELEASED',
      to: 'SHIPPED',
      expected: delta({ released: -q, shipped: q, onHand: -q }),
    },
    { what: 'cancelling a HELD shipment', from: 'HELD', to: 'CANCELLED', expected: delta({ held: -q }) },
    {
      what: 'cancelling a RELEASED shipment',
      from: 'RELEASED',
      to: 'CANCELLED',
      expected: delta({ released: -q }),
    },
    { what: 'deleting a HELD item', from: 'HELD', to: undefined, expected: delta({ held: -q }) },
    { what: 'deleting a RELEASED item', from: 'RELEASED', to: undefined, expected: delta({ released: -q }) },
    {
      what: 'deleting a SHIPPED item (the units already left; onHand stays)',
      from: 'SHIPPED',
      to: undefined,
      expected: delta({ shipped: -q }),
    },
    { what: 'deleting a CANCELLED item', from: 'CANCELLED', to: undefined, expected: delta({}) },
    { what: 'a new CANCELLED item', from: undefined, to: 'CANCELLED', expected: delta({}) },
    { what: 'nothing to nothing', from: undefined, to: undefined, expected: delta({}) },
  ])('moves the counters for $what ($from → $to)', ({ from, to, expected }) => {
    expect(counterDelta(from, to, q)).toEqual(expected);
  });

  test.each(SHIPMENT_STATUSES)('moves no counter when the status stays %s (redelivery)', (status) => {
    expect(counterDelta(status, status, q)).toEqual(ZERO_DELTA);
  });

  test('keeps available (onHand − held − released) unchanged when a released shipment ships', () => {
    const d = counterDelta('RELEASED', 'SHIPPED', q);
    expect(d.onHand - d.held - d.released).toBe(0);
  });

  test('returns a fresh object and never mutates ZERO_DELTA', () => {
    const d = counterDelta(undefined, 'HELD', q);
    d.held += 1;
    expect(ZERO_DELTA).toEqual({ onHand: 0, held: 0, released: 0, shipped: 0 });
  });
});

describe('consumed', () => {
  test.each<[From, number]>([
    [undefined, 0],
    ['HELD', 0],
    ['RELEASED', q],
    ['SHIPPED', q],
    ['CANCELLED', 0],
  ])('counts a %s shipment as %i units of the license', (status, expected) => {
    expect(consumed(status, q)).toBe(expected);
  });
});

describe('sumDeltas', () => {
  type Key = { sku: string; warehouseId: string };
  const keyOf = (k: Key) => `${k.sku}#${k.warehouseId}`;
  const ams: Key = { sku: 'H20', warehouseId: 'AMS' };
  const sin: Key = { sku: 'H20', warehouseId: 'SIN' };

  test('aggregates deltas per key', () => {
    const sums = sumDeltas<Key>(
      [
        [ams, counterDelta(undefined, 'HELD', 5)],
        [ams, counterDelta(undefined, 'HELD', 3)],
        [sin, counterDelta('HELD', 'RELEASED', 4)],
        [{ ...ams }, counterDelta('RELEASED', 'SHIPPED', 2)],
      ],
      keyOf,
    );
    expect([...sums.keys()].sort()).toEqual(['H20#AMS', 'H20#SIN']);
    expect(sums.get('H20#AMS')).toEqual({
      key: ams,
      delta: { onHand: -2, held: 8, released: -2, shipped: 2 },
    });
    expect(sums.get('H20#SIN')).toEqual({ key: sin, delta: delta({ held: -4, released: 4 }) });
  });

  test('drops keys whose deltas cancel out to zero', () => {
    const sums = sumDeltas<Key>(
      [
        [ams, counterDelta('HELD', 'RELEASED', 6)],
        [ams, counterDelta('RELEASED', 'HELD', 6)],
        [sin, counterDelta(undefined, 'HELD', 1)],
        [sin, ZERO_DELTA],
      ],
      keyOf,
    );
    expect([...sums.keys()]).toEqual(['H20#SIN']);
  });

  test('returns an empty map for no entries or only zero deltas', () => {
    expect(sumDeltas<Key>([], keyOf).size).toBe(0);
    expect(sumDeltas<Key>([[ams, counterDelta('HELD', 'HELD', 9)]], keyOf).size).toBe(0);
  });

  test('does not mutate the input deltas', () => {
    const first = counterDelta(undefined, 'HELD', 5);
    sumDeltas<Key>(
      [
        [ams, first],
        [ams, counterDelta(undefined, 'HELD', 3)],
      ],
      keyOf,
    );
    expect(first).toEqual(delta({ held: 5 }));
  });
});
