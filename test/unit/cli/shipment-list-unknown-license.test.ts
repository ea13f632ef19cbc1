import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { shipmentList } from '../../../cli/commands/shipment.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, aShipment } from '../../helpers/factories.js';

const resources = stubResources();

/**
 * One license LIC-H20-0001 with two SHIPPED shipments. The stand-in answers a
 * Scan with the items whose licenseId equals :l exactly (as DynamoDB's filter
 * does), a Query of a license index with nothing for an unknown key, and a
 * GetItem of Licenses with the license only under its exact id.
 */
function store() {
  const license = aLicense({ licenseId: 'LIC-H20-0001' });
  const shipments = [
    aShipment({ licenseId: 'LIC-H20-0001', status: 'SHIPPED' }),
    aShipment({ licenseId: 'LIC-H20-0001', status: 'SHIPPED' }),
  ];
  const db = {
    async send(command: unknown) {
      if (command instanceof ScanCommand) {
        const want = command.input.ExpressionAttributeValues?.[':l'];
        const items = shipments.filter((s) => s.licenseId === want);
        return { Items: items, ScannedCount: shipments.length };
      }
      if (command instanceof QueryCommand) return { Items: [] };
      if (command instanceof GetCommand) {
        const key = (command.input.Key as { licenseId?: string }).licenseId;
        return command.input.TableName === 'Licenses' && key === license.licenseId ? { Item: license } : {};
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return stubCliContext({ resources, clients: { db } });
}

describe('shipment list --license names a license that does not exist', () => {
  it.each([
    [' LIC-H20-0001', 'a stray leading space, as copied from a table column'],
    ['lic-h20-0001', 'the id in the wrong case'],
    ['LIC-H20-001', 'a digit short'],
  ])(
    '--license %j (%s) is refused or said to name no license, not answered "No shipments." with exit 0',
    async (typed) => {
      const { ctx, out } = store();
      let code: number | undefined;
      let error: unknown;
      try {
        code = await shipmentList(ctx, { license: typed, status: 'SHIPPED', limit: 100 });
      } catch (e) {
        error = e;
      }
      expect({ code, out }).not.toEqual({ code: 0, out: ['No shipments.'] });
      expect(String((error as Error | undefined)?.message)).toMatch(/no license|not a licenseId/i);
    },
  );

  it('--license with --status HELD (index query) says so for an unknown license too', async () => {
    const { ctx, out } = store();
    let error: unknown;
    await shipmentList(ctx, { license: 'lic-h20-0001', status: 'HELD', limit: 100 }).catch((e) => {
      error = e;
    });
    expect(out).not.toEqual(['No shipments.']);
    expect(String((error as Error | undefined)?.message)).toMatch(/no license|not a licenseId/i);
  });
});
