import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { batchPut as batchPutAll } from '../../local/batch-put.js';
import {
  DynamoHistoryRepository,
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../../shared/adapters/dynamo.js';
import type { Inventory, License, Shipment } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { scanAndCheck } from '../../shared/engine/invariant-checker.js';
import type { LocalStackHandle } from './stack.js';

/**
 * Admin-console style actions and checks on a test file's local stack: items
 * are written exactly as an admin would (plain PutItem / UpdateItem), and the
 * system reacts through the streams.
 */
export function adminConsole(local: LocalStackHandle) {
  const tables = () => local.resources.tables;
  const repos = () => {
    const t = {
      licenses: tables().licenses.name,
      shipments: tables().shipments.name,
      inventory: tables().inventory.name,
      history: tables().history.name,
    };
    return {
      licenses: new DynamoLicenseRepository(local.ddb, t.licenses, t.history),
      history: new DynamoHistoryRepository(local.ddb, t.history),
      shipments: new DynamoShipmentRepository(local.ddb, t),
      inventory: new DynamoInventoryRepository(local.ddb, t.inventory),
    };
  };
  const put = (table: string, Item: RawItem) => local.ddb.send(new PutCommand({ TableName: table, Item }));

  const batchPut = async (table: string, items: readonly RawItem[]): Promise<void> => {
    await batchPutAll(local.ddb, table, items);
  };

  return {
    repos,
    putInventory: (...items: Inventory[]) => batchPut(tables().inventory.name, items),
    putLicense: (license: License | RawItem) => put(tables().licenses.name, license as RawItem),
    putShipments: (shipments: readonly (Shipment | RawItem)[]) =>
      batchPut(tables().shipments.name, shipments as RawItem[]),
    putShipment: (shipment: Shipment | RawItem) => put(tables().shipments.name, shipment as RawItem),
    /** An admin's console edit of one attribute. */
    async edit(table: 'licenses' | 'shipments', key: RawItem, attribute: string, value: unknown) {
      await local.ddb.send(
        new UpdateCommand({
          TableName: tables()[table].name,
          Key: key,
          UpdateExpression: 'SET #a = :v',
          ExpressionAttributeNames: { '#a': attribute },
          ExpressionAttributeValues: { ':v': value },
        }),
      );
    },
    setLicenseStatus(licenseId: string, status: unknown) {
      return this.edit('licenses', { licenseId }, 'status', status);
    },
    setShipmentStatus(shipmentId: string, status: unknown) {
      return this.edit('shipments', { shipmentId }, 'status', status);
    },
    async license(licenseId: string): Promise<RawItem> {
      const out = await local.ddb.send(
        new GetCommand({ TableName: tables().licenses.name, Key: { licenseId }, ConsistentRead: true }),
      );
      if (!out.Item) throw new Error(`license ${licenseId} not found`);
      return out.Item;
    },
    async shipment(shipmentId: string): Promise<RawItem> {
      const out = await local.ddb.send(
        new GetCommand({ TableName: tables().shipments.name, Key: { shipmentId }, ConsistentRead: true }),
      );
      if (!out.Item) throw new Error(`shipment ${shipmentId} not found`);
      return out.Item;
    },
    async inventory(sku: string, warehouseId: string): Promise<RawItem> {
      const out = await local.ddb.send(
        new GetCommand({
          TableName: tables().inventory.name,
          Key: { sku, warehouseId },
          ConsistentRead: true,
        }),
      );
      if (!out.Item) throw new Error(`inventory ${sku}/${warehouseId} not found`);
      return out.Item;
    },
    async shipments(): Promise<RawItem[]> {
      const all: RawItem[] = [];
      for await (const page of repos().shipments.scan()) all.push(...page);
      return all;
    },
    /** History entries of a license, in entryId (time) order. */
    async history(licenseId: string): Promise<RawItem[]> {
      const all: RawItem[] = [];
      for await (const page of repos().history.scan()) all.push(...page);
      return all
        .filter((e) => e.licenseId === licenseId)
        .sort((a, b) => (String(a.entryId) < String(b.entryId) ? -1 : 1));
    },
    /**
     * Runs the invariant checker (I1–I3 and I6) over the whole store and
     * expects no violation. The store is quiescent now: a test calls it once
     * its work has settled.
     */
    async expectInvariants() {
      const { violations } = await scanAndCheck(repos(), { quiescentAt: new Date() });
      expect(violations).toEqual([]);
    },
  };
}
