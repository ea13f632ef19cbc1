/**
 * `--json` of license list|show and shipment list|show says why an item is
 * out of the contract, as the text's INVALID note does (and as `inventory
 * show --json` does): `problems`, present only on an invalid item.
 */
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { licenseList, licenseShow } from '../../../cli/commands/license.js';
import { shipmentList, shipmentShow } from '../../../cli/commands/shipment.js';
import { LicenseSchema, parseItem, ShipmentSchema } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, aShipment } from '../../helpers/factories.js';

/** A table of `items`: Scan and Query give them all, GetItem the first. */
function table(items: RawItem[], json = true) {
  const db = {
    async send(command: unknown) {
      if (command instanceof ScanCommand) return { Items: items, ScannedCount: items.length };
      if (command instanceof QueryCommand) return { Items: [] };
      if (command instanceof GetCommand) return { Item: items[0] };
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return stubCliContext({ resources: stubResources(), clients: { db }, json });
}

const problemsOf = (schema: typeof LicenseSchema | typeof ShipmentSchema, raw: RawItem): string[] => {
  const parsed = schema === LicenseSchema ? parseItem(LicenseSchema, raw) : parseItem(ShipmentSchema, raw);
  if (parsed.ok) throw new Error('expected an invalid item');
  return parsed.problems;
};

const badLicense: RawItem = { ...aLicense({ licenseId: 'LIC-BAD' }), authorizedQuantity: 'lots' };
const goodLicense: RawItem = aLicense({ licenseId: 'LIC-OK' });
const badShipment: RawItem = { ...aShipment({ shipmentId: 'SHP-BAD' }), quantity: -5 };
const goodShipment: RawItem = aShipment({ shipmentId: 'SHP-OK' });

describe('--json says why an item is INVALID', () => {
  it('license list: problems on the invalid license only, as the text NOTE says', async () => {
    const problems = problemsOf(LicenseSchema, badLicense);
    expect(problems).toContain('authorizedQuantity must be a Number (N) attribute, not a string');
    const text = table([badLicense, goodLicense], false);
    await licenseList(text.ctx, {});
    expect(text.out.join('\n')).toContain('INVALID');
    const { ctx, emitted } = table([badLicense, goodLicense]);
    await licenseList(ctx, {});
    const [list] = emitted as { licenseId: string; problems?: string[] }[][];
    expect(list?.find((l) => l.licenseId === 'LIC-BAD')?.problems).toEqual(problems);
    expect(list?.find((l) => l.licenseId === 'LIC-OK')).not.toHaveProperty('problems');
  });

  it('license show: problems beside derived', async () => {
    const { ctx, emitted } = table([badLicense]);
    await licenseShow(ctx, 'LIC-BAD', {});
    expect(emitted[0]).toMatchObject({ problems: problemsOf(LicenseSchema, badLicense) });
    const valid = table([goodLicense]);
    await licenseShow(valid.ctx, 'LIC-OK', {});
    expect(valid.emitted[0]).not.toHaveProperty('problems');
  });

  it('shipment show: problems on the item, as the text INVALID ITEM line says', async () => {
    const problems = problemsOf(ShipmentSchema, badShipment);
    expect(problems).toContain('quantity must be greater than 0');
    const text = table([badShipment], false);
    await shipmentShow(text.ctx, 'SHP-BAD');
    expect(text.out.join('\n')).toContain('INVALID ITEM');
    const { ctx, emitted } = table([badShipment]);
    await shipmentShow(ctx, 'SHP-BAD');
    expect(emitted[0]).toMatchObject({ shipmentId: 'SHP-BAD', problems });
    const valid = table([goodShipment]);
    await shipmentShow(valid.ctx, 'SHP-OK');
    expect(valid.emitted[0]).not.toHaveProperty('problems');
  });

  it('shipment list: problems on each invalid shipment only', async () => {
    const { ctx, emitted } = table([badShipment, goodShipment]);
    await shipmentList(ctx, { license: String(goodShipment.licenseId), status: 'SHIPPED', limit: 0 });
    const [out] = emitted as { shipments: { shipmentId: string; problems?: string[] }[] }[];
    const byId = new Map(out?.shipments.map((s) => [s.shipmentId, s]));
    expect(byId.get('SHP-BAD')?.problems).toEqual(problemsOf(ShipmentSchema, badShipment));
    expect(byId.get('SHP-OK')).not.toHaveProperty('problems');
  });
});
