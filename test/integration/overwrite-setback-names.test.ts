/**
 * The set-back of a whole-item put (an import run again) on DynamoDB Local
 * (AWS's own engine), over an item with attributes beside the contract's
 * whose names hold a dot or other characters a placeholder cannot hold: each
 * is written back as the one attribute it is (Expr.name,
 * shared/adapters/dynamo/expressions.ts). A refused set-back would fail its
 * stream record until the DLQ, and a license left without `appliedStatus`
 * would be taken for a new license by its next edit (license-overwrite.ts).
 * The unit view of the same expressions: test/unit/adapters/expression-names.test.ts.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoLicenseRepository, DynamoShipmentRepository } from '../../shared/adapters/dynamo.js';
import type { HistoryEntry } from '../../shared/domain/history.js';
import type { OpsAlert, RawItem } from '../../shared/domain/ports.js';
import { licenseOverwritten } from '../../shared/engine/license-overwrite.js';
import { overwriteRejection } from '../../shared/engine/shipment-rejections.js';
import { aLicense, aShipment, nextId } from '../helpers/factories.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack({ startEsm: false });
const tables = () => {
  const t = local.resources.tables;
  return { licenses: t.licenses.name, shipments: t.shipments.name, history: t.history.name };
};

async function put(table: string, item: RawItem) {
  await local.ddb.send(new PutCommand({ TableName: table, Item: item }));
}
async function get(table: string, key: Record<string, string>) {
  return (await local.ddb.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

/**
 * A RELEASED shipment as committed with `extra` attributes, put whole again
 * without its marks and with `added` ones; then its set-back.
 */
async function setBackShipment(extra: Record<string, string>, added: Record<string, string> = {}) {
  const names = tables();
  const committed: RawItem = {
    ...aShipment({ status: 'RELEASED' }),
    countedStatus: 'RELEASED',
    revision: 2,
    ...extra,
  };
  const again: RawItem = { ...committed, ...added };
  delete again.countedStatus;
  delete again.revision;
  await put(names.shipments, again);
  const id = String(committed.shipmentId);
  const rejection = overwriteRejection(id, again, committed);
  if (!rejection?.write) throw new Error('expected a set-back');
  const at = new Date().toISOString();
  const entry: HistoryEntry = {
    licenseId: String(committed.licenseId),
    entryId: `${at}#${id}#rejected#1`,
    at,
    eventType: 'EDIT_REJECTED',
    actor: 'unknown',
    shipmentId: id,
  };
  const repo = new DynamoShipmentRepository(local.ddb, names);
  const written = await repo.update(rejection.write, entry).catch((e: Error) => `${e.name}: ${e.message}`);
  return { written, item: await get(names.shipments, { shipmentId: id }) };
}

describe('set-back of a whole-item put over an item with attributes beside the contract', () => {
  it('sets back an overwritten shipment with an attribute named "customs.ref"', async () => {
    const { written, item } = await setBackShipment({ 'customs.ref': 'CR-2026-0042' });
    expect(written).toBe(true);
    expect(item).toMatchObject({ countedStatus: 'RELEASED', revision: 2, 'customs.ref': 'CR-2026-0042' });
  });

  it('sets back an overwritten shipment with attributes 出荷日 and 納品日, and removes "Ship To" and "Ship-To" the put added', async () => {
    const { written, item } = await setBackShipment(
      { 出荷日: '2026-01-10', 納品日: '2026-01-15' },
      { 'Ship To': 'Kobe', 'Ship-To': 'Osaka' },
    );
    expect(written).toBe(true);
    expect(item).toMatchObject({ countedStatus: 'RELEASED', 出荷日: '2026-01-10', 納品日: '2026-01-15' });
    expect(item).not.toHaveProperty(['Ship To']);
    expect(item).not.toHaveProperty(['Ship-To']);
  });

  it('sets back an applied license with an attribute "BIS case no." put whole again, its appliedStatus restored', async () => {
    const names = tables();
    const licenseId = nextId('LIC');
    const committed: RawItem = {
      ...aLicense({ licenseId }),
      appliedStatus: 'APPROVED',
      releasedQuantity: 400,
      'BIS case no.': 'B-17',
    };
    const again: RawItem = { ...aLicense({ licenseId }), 'BIS case no.': 'B-17', 'added.by.import': 'x' };
    await put(names.licenses, again);
    const alerts: OpsAlert[] = [];
    const deps = {
      alerter: { alert: async (a: readonly OpsAlert[]) => void alerts.push(...a) },
      licenses: new DynamoLicenseRepository(local.ddb, names.licenses, names.history),
      now: () => new Date(),
      newToken: () => nextId('tok'),
    };
    const outcome = await licenseOverwritten(deps, licenseId, committed, again).catch(
      (e: Error) => `${e.name}: ${e.message}`,
    );
    expect(outcome).toBe(true);
    const item = await get(names.licenses, { licenseId });
    expect(item).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 400, 'BIS case no.': 'B-17' });
    expect(item).not.toHaveProperty(['added.by.import']);
  });
});
