/**
 * How many customers N customer topic shards serve before `clearance
 * subscribe` first refuses one. SNS allows 200 filter policies per topic and
 * every subscription carries one, but a hash fills the shards unevenly: the
 * busiest shard reaches 200 well before 200 × N. The figures in
 * ARCHITECTURE.md ("Past 200 customers"), README.md and the
 * `customerTopicShards` range error come from here:
 *   npx vitest run --project unit test/unit/domain/shard-capacity.test.ts
 */
import { describe, expect, it } from 'vitest';
import { CUSTOMERS_PER_SHARD_TO_PLAN, customerShard } from '../../../shared/domain/routing.js';

const FILTER_POLICIES_PER_TOPIC = 200;

/** The number of customers (one subscription each, ids `id(1)`, `id(2)`, …) at which the busiest shard holds 200. */
function customersAtFirstFullShard(id: (i: number) => string, shards: number): number {
  const load = new Array<number>(shards).fill(0);
  for (let i = 1; ; i++) {
    const shard = customerShard(id(i), shards);
    load[shard] = (load[shard] ?? 0) + 1;
    if (load[shard] === FILTER_POLICIES_PER_TOPIC) return i;
  }
}

const sequential = (i: number) => `CUST-${String(i).padStart(5, '0')}`;

describe('customer topic shard capacity', () => {
  it.each([
    [1, 200],
    [10, 1717],
    [30, 5112],
  ])('with %i shard(s), customers CUST-00001… first fill a shard at customer %i', (shards, customers) => {
    expect(customersAtFirstFullShard(sequential, shards)).toBe(customers);
  });

  it('puts 230 of 6,000 customers on the busiest of 30 shards and 163 on the emptiest', () => {
    const load = new Array<number>(30).fill(0);
    for (let i = 1; i <= 6000; i++) {
      const shard = customerShard(sequential(i), 30);
      load[shard] = (load[shard] ?? 0) + 1;
    }
    expect(Math.max(...load)).toBe(230);
    expect(Math.min(...load)).toBe(163);
  });

  it.each([1, 2, 10, 20, 30])(
    'serves the planned 150 customers a shard with %i shard(s), for CUST-00001… and for 95 % of 200 other id sets',
    (shards) => {
      const planned = CUSTOMERS_PER_SHARD_TO_PLAN * shards;
      expect(customersAtFirstFullShard(sequential, shards)).toBeGreaterThanOrEqual(planned);
      const sets = Array.from({ length: 200 }, (_, set) =>
        customersAtFirstFullShard((i) => `CUST-${set}-${i}`, shards),
      ).sort((a, b) => a - b);
      expect(sets[10]).toBeGreaterThanOrEqual(planned);
    },
  );

  it('spreads the first refusal of 200 id sets over 4,596 to 5,550 customers with 30 shards', () => {
    const sets = Array.from({ length: 200 }, (_, set) =>
      customersAtFirstFullShard((i) => `CUST-${set}-${i}`, 30),
    );
    expect([Math.min(...sets), Math.max(...sets)]).toEqual([4596, 5550]);
  });
});
