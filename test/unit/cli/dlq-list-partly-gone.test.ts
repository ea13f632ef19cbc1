/**
 * `dlq list` on a range the stream has trimmed only the start of: its last
 * records are younger than 24 h, so `dlq redrive` still replays them
 * (OPERATIONS.md, "DLQ messages" step 4). The list marks it partly gone and
 * says to redrive the rest soon, never that it cannot be redriven, which
 * would have the on-call skip the redrive until the rest ages out too.
 */
import { describe, expect, it } from 'vitest';
import { dlqList, dlqRedrive } from '../../../cli/commands/dlq.js';
import { dlqFixture, failureBody, queue, shard, streamRecord } from '../../helpers/dlq.js';

const { invoked, redriveContext } = dlqFixture();

/** A failure record whose first record arrived `firstHours` ago and whose last arrived `lastHours` ago. */
function spanning(firstHours: number, lastHours: number): string {
  const body = JSON.parse(failureBody('100', '200', 3));
  const hours = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
  body.DDBStreamBatchInfo.approximateArrivalOfFirstRecord = hours(firstHours);
  body.DDBStreamBatchInfo.approximateArrivalOfLastRecord = hours(lastHours);
  return JSON.stringify(body);
}

/** The shard has trimmed the range's start (100) and still holds 150 and 200. */
const trimmedStart = () =>
  shard(
    [{ Records: [streamRecord('150'), streamRecord('200'), streamRecord('250')], NextShardIterator: 'it' }],
    'TrimmedDataAccessException',
    true,
  );

describe('dlq list on a range the stream has trimmed only the start of', () => {
  it('marks it partly gone with the advice to redrive the rest, which the redrive then replays', async () => {
    const body = spanning(25, 2);
    const listed = redriveContext(queue([body]), trimmedStart());
    await dlqList(listed.ctx, { queue: 'shipment-events', max: 10 });
    listed.ctx.close();
    const list = listed.out.join('\n');
    expect(list).not.toMatch(/gone from the stream\]/);
    expect(list).not.toMatch(/cannot be redriven/);
    expect(list).toContain('[first records older than 24 h: partly gone; redrive the rest soon]');
    expect(list).toMatch(/`clearance dlq redrive` replays what is left/);

    const redriven = redriveContext(queue([body]), trimmedStart());
    invoked.length = 0;
    await dlqRedrive(redriven.ctx, { queue: 'shipment-events', max: 10 });
    redriven.ctx.close();
    expect(invoked).toEqual([['150', '200']]);
  });

  it('marks a range whose last record is older than 24 h as gone, with the advice to reconcile', async () => {
    const listed = redriveContext(queue([spanning(27, 25)]), trimmedStart());
    await dlqList(listed.ctx, { queue: 'shipment-events', max: 10 });
    listed.ctx.close();
    const list = listed.out.join('\n');
    expect(list).toContain('[records older than 24 h: gone from the stream]');
    expect(list).toMatch(/cannot be redriven/);
    expect(list).not.toMatch(/partly gone/);
  });
});
