/** The gateway learns stream iterators from GetRecords answers without decoding, or keeping, the records (local/gateway/authorizer.ts). */
import { describe, expect, it } from 'vitest';
import { nextShardIteratorOf } from '../../../local/gateway/authorizer.js';

const answer = (text: string) => Buffer.from(text, 'latin1');

describe('nextShardIteratorOf (the gateway reads a GetRecords answer for its next iterator)', () => {
  it('finds the top-level key after the records', () => {
    const body = answer(
      `{"Records":[{"eventName":"MODIFY","dynamodb":{"NewImage":{"sku":{"S":"X"}}}}],"NextShardIterator":"000|arn:aws:dynamodb:ddblocal:000000000000:table/S/stream/2026|AAAA"}`,
    );
    expect(nextShardIteratorOf(body)).toBe(
      '000|arn:aws:dynamodb:ddblocal:000000000000:table/S/stream/2026|AAAA',
    );
  });

  it('skips an item attribute of the same name, and whitespace around the colon', () => {
    const body = answer(
      `{"Records":[{"dynamodb":{"NewImage":{"NextShardIterator":{"S":"not this"}}}}],\n  "NextShardIterator" : "it-2"}`,
    );
    expect(nextShardIteratorOf(body)).toBe('it-2');
  });

  it('finds the key when it comes first', () => {
    expect(nextShardIteratorOf(answer(`{"NextShardIterator":"it-1","Records":[]}`))).toBe('it-1');
  });

  it('gives nothing for a closed shard (null) or an answer without the key', () => {
    expect(nextShardIteratorOf(answer(`{"Records":[],"NextShardIterator":null}`))).toBeUndefined();
    expect(nextShardIteratorOf(answer(`{"Records":[]}`))).toBeUndefined();
    expect(nextShardIteratorOf(answer(''))).toBeUndefined();
  });
});
