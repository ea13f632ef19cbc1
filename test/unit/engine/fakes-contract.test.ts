/**
 * The in-memory fakes keep the DynamoDB adapter's semantics: the port
 * contract (test/helpers/fakes/port-contract.ts, the cases the DynamoDB
 * adapter answers the same way), then what only the fakes have: the
 * transaction log, the streams, the fault hooks and the messaging fakes.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, DependencyError } from '../../../shared/domain/errors.js';
import type { OutgoingMessage } from '../../../shared/domain/ports.js';
import { aLicense, anInventory, nextId } from '../../helpers/factories.js';
import { describeAlertContract } from '../../helpers/fakes/alert-contract.js';
import { describeHistoryContract } from '../../helpers/fakes/history-contract.js';
import {
  acceptedItem,
  anEntry,
  type ContractSubject,
  describePortContract,
  releaseWrite,
} from '../../helpers/fakes/port-contract.js';
import { MemoryValidationError, memoryWorld } from '../../helpers/fakes/world.js';

const subject = (): ContractSubject => {
  const w = memoryWorld();
  return {
    licenses: w.licenses,
    shipments: w.shipments,
    inventory: w.inventory,
    history: w.history,
    tallies: w.tallies,
    put: async (table, item) => w.store.put(table, item),
    get: async (table, key) => w.store.get(table, Object.values(key).map(String).join('\u0000')),
  };
};
describePortContract('memory fakes', subject);
describeHistoryContract('memory fakes', subject);
describeAlertContract('memory fakes', subject);

/** A world with an APPROVED license releasing under token `tok-a` and `n` accepted shipments of 1 unit. */
function releasing(n: number, authorizedQuantity = 1000) {
  const w = memoryWorld();
  const license = aLicense({ licenseId: nextId('LIC'), authorizedQuantity, appliedStatus: 'APPROVED' });
  w.store.put('licenses', { ...license, pendingWork: 'tok-a' });
  w.store.put('inventory', { ...anInventory() });
  const items = Array.from({ length: n }, () => acceptedItem({ licenseId: license.licenseId, quantity: 1 }));
  for (const item of items) w.store.put('shipments', item);
  const guard = {
    licenseId: license.licenseId,
    expect: { status: 'APPROVED', pendingWork: 'tok-a' },
    authorizedQuantity,
  };
  w.licenseRecords();
  w.shipmentRecords();
  return { w, license, items, guard, writes: items.map((x) => releaseWrite(x)) };
}

describe('memory fakes: transactions', () => {
  it('packs like the adapter: 98 writes, one counter update and the guard in a transaction of 100 actions', async () => {
    const { w, writes, guard } = releasing(150);
    await w.shipments.commit(writes, guard);
    expect(w.shipments.transactions.map((t) => [t.actions, t.shipmentIds.length, t.outcome])).toEqual([
      [100, 98, 'committed'],
      [54, 52, 'committed'],
    ]);
  });

  it('retries the rest of a transaction after dropping the writes whose condition failed', async () => {
    const { w, writes, guard, items } = releasing(3);
    w.console.edit('shipments', String(items[1]?.shipmentId), 'status', 'CANCELLED');
    const result = await w.shipments.commit(writes, guard);
    expect(result.skipped.map((u) => u.shipmentId)).toEqual([items[1]?.shipmentId]);
    expect(w.shipments.transactions.map((t) => t.outcome)).toEqual([
      ['None', 'ConditionalCheckFailed', 'None', 'None', 'None'],
      'committed',
    ]);
  });

  it('writes one stream record per changed item of a committed transaction, none for a cancelled one', async () => {
    const { w, writes, guard } = releasing(2);
    await w.shipments.commit(writes, guard);
    const records = w.shipmentRecords();
    expect(records.map((r) => [r.eventName, r.newImage?.status, r.newImage?.revision])).toEqual([
      ['MODIFY', 'RELEASED', 2],
      ['MODIFY', 'RELEASED', 2],
    ]);
    expect(w.licenseRecords().map((r) => r.newImage?.releasedQuantity)).toEqual([2]);
    const more = releasing(2);
    more.w.console.edit('licenses', more.license.licenseId, 'status', 'SUSPENDED');
    more.w.licenseRecords();
    await expect(more.w.shipments.commit(more.writes, more.guard)).rejects.toBeInstanceOf(ConflictError);
    expect(more.w.shipments.transactions.map((t) => t.outcome)).toEqual([
      ['None', 'None', 'None', 'ConditionalCheckFailed'],
    ]);
    expect([more.w.shipmentRecords(), more.w.licenseRecords()]).toEqual([[], []]);
  });

  it('writes no stream record for a write that changes nothing', async () => {
    const { w, license } = releasing(0);
    expect(await w.licenses.requestRelease(license.licenseId, 'tok-a')).toBe(true);
    expect(
      w.licenseRecords().map((r) => r.newImage?.changedBy),
      'changedBy was not set yet',
    ).toEqual(['clearance']);
    expect(await w.licenses.requestRelease(license.licenseId, 'tok-a')).toBe(true);
    expect(w.licenseRecords()).toEqual([]);
    expect(await w.licenses.requestRelease(license.licenseId, 'tok-b')).toBe(true);
    expect(w.licenseRecords().map((r) => r.newImage?.pendingWork)).toEqual(['tok-b']);
  });

  it('fails with DependencyError when one transaction would write a shipment twice, as AWS refuses it', async () => {
    // AWS answers ValidationException ("multiple operations on one item"); DynamoDB Local 2026-01-16
    // applies the two actions one after the other instead, so this case is not in the shared contract.
    const { w, writes, guard, items } = releasing(1);
    const [write] = writes;
    if (!write) throw new Error('no write');
    await expect(w.shipments.commit([write, write], guard)).rejects.toBeInstanceOf(DependencyError);
    expect(w.shipment(String(items[0]?.shipmentId)).status).toBe('HELD');
  });

  it('rejects a write DynamoDB would refuse: SET and REMOVE of one attribute, a GSI key that is not a string', async () => {
    const { w, items } = releasing(1);
    const [a] = items;
    const base = { ...releaseWrite(a ?? {}), expect: {} };
    await expect(
      w.shipments.update({ ...base, set: { holdReason: 'X' }, remove: ['holdReason'] }),
    ).rejects.toThrow(MemoryValidationError);
    await expect(w.shipments.update({ ...base, set: { holdOrder: 5 }, remove: [] })).rejects.toThrow(
      /Index Key/,
    );
  });
});

describe('memory fakes: fault hooks', () => {
  it('fails the chosen call of a method once, then works again', async () => {
    const { w, license } = releasing(0);
    w.faults.failNext('licenses.get', new Error('throttled'), 1);
    await expect(w.licenses.get(license.licenseId)).resolves.toBeDefined();
    await expect(w.licenses.get(license.licenseId)).rejects.toThrow('throttled');
    await expect(w.licenses.get(license.licenseId)).resolves.toBeDefined();
  });

  it('runs a callback before the next transaction, so a test can land a race between two of them', async () => {
    const { w, writes, guard, license } = releasing(150);
    let transactions = 0;
    w.faults.before('shipments.transact', () => {
      if (++transactions === 2) w.console.edit('licenses', license.licenseId, 'status', 'SUSPENDED');
    });
    await expect(w.shipments.commit(writes, guard)).rejects.toBeInstanceOf(ConflictError);
    expect(transactions).toBe(2);
    expect(w.license(license.licenseId).releasedQuantity).toBe(98);
  });

  it('logs every port call in order', async () => {
    const { w, license } = releasing(0);
    await w.alerter.alert([
      { subject: 's', message: 'm', severity: 'normal', subjectKey: { licenseId: 'L' } },
    ]);
    await w.licenses.reject(license.licenseId, 'APPROVED', 'e', anEntry(license.licenseId, 'r#1'), {});
    expect(w.store.ops()).toEqual(['alerter.alert', 'licenses.reject']);
    expect(w.alerter.about('L')).toHaveLength(1);
  });
});

describe('memory fakes: publisher', () => {
  const message = (id: string, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
    id,
    body: '{}',
    attributes: { customerId: 'C', kind: 'shipment' },
    covers: [`${id}#r1`],
    ...overrides,
  });

  it('returns as failed what SNS would refuse and what the test fails, and keeps the rest', async () => {
    const w = memoryWorld();
    w.publisher.failWhen((m) => m.id === 'b');
    const failed = await w.publisher.publish('customer', [
      message('a'),
      message('b'),
      message('c', { subject: 'x'.repeat(101) }),
      message('d', { attributes: { customerId: '' } }),
    ]);
    expect([...failed].sort()).toEqual(['b', 'c', 'd']);
    expect(w.publisher.to('customer').map((m) => m.id)).toEqual(['a']);
  });

  it('fails a call that uses one id twice (the port says ids are unique within a call)', async () => {
    const w = memoryWorld();
    await expect(w.publisher.publish('logistics', [message('a'), message('a')])).rejects.toThrow(/twice/);
  });
});
