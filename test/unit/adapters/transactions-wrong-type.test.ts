/**
 * A counter typed by hand as something other than a Number (an Inventory item
 * created with `onHand` as a String) makes every transaction that adds to it
 * fail, however often it is retried. The failure names the items whose
 * counters the write adds to and the fix, at once, instead of "TransactWriteItems
 * failed: An operand in the update expression has an incorrect data type" after
 * every retry.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { classifyFailure, type Group } from '../../../shared/adapters/dynamo/transactions.js';
import { DependencyError } from '../../../shared/domain/errors.js';

const group: Group = {
  writes: [],
  inventory: new Map([
    ['SKU-1#WH-1', { sku: 'SKU-1', warehouseId: 'WH-1', delta: { released: -2, shipped: 2, onHand: -2 } }],
  ]),
  licenses: new Map(),
  tallied: new Set(),
};

const TYPE_MESSAGE = 'An operand in the update expression has an incorrect data type';

describe('a transaction refused because a counter is not a Number', () => {
  it('is final at once when DynamoDB refuses the whole request (ValidationException), naming the Inventory item', () => {
    const error = Object.assign(new Error(TYPE_MESSAGE), { name: 'ValidationException' });
    expect(() => classifyFailure(error, group, undefined, 0)).toThrow(DependencyError);
    expect(() => classifyFailure(error, group, undefined, 0)).toThrow(
      /a counter this write adds to is not a Number .*Inventory \(SKU-1, WH-1\): onHand, held, released, shipped.*Number \(N\)/,
    );
  });

  it('is final at once when one action is cancelled as a ValidationError', () => {
    const error = new TransactionCanceledException({
      message: 'Transaction cancelled [None, ValidationError]',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'ValidationError', Message: TYPE_MESSAGE }],
    });
    expect(() => classifyFailure(error, group, undefined, 0)).toThrow(/Inventory \(SKU-1, WH-1\)/);
  });

  it('leaves other validation errors as they were (not retried, message as DynamoDB gave it)', () => {
    const error = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
      name: 'ValidationException',
    });
    expect(() => classifyFailure(error, group, undefined, 0)).toThrow(
      'TransactWriteItems failed: Item size has exceeded the maximum allowed size',
    );
  });
});
