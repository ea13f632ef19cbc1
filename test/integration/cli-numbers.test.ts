/**
 * The CLI reads Numbers as the handlers do (cli/clients.ts and
 * functions/runtime.ts share shared/adapters/numbers.ts). With the SDK's
 * default a Number typed beyond the safe integer range (the corpus's 10^30,
 * which license-events rejects with a clear statusError) reached the CLI as
 * a BigInt, which JSON cannot write, and one with a fraction there made the
 * SDK throw: one bad item broke `license list` for every license.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { runCli } from '../helpers/cli.js';
import { aLicense, anInventory, nextId } from '../helpers/factories.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

const sku = nextId('SKU');
const good = aLicense({ licenseId: nextId('LIC'), sku, status: 'PENDING' });
const enormous = aLicense({ licenseId: nextId('LIC'), sku, status: 'PENDING' });
const odd = aLicense({ licenseId: nextId('LIC'), sku, status: 'PENDING' });

/** The statusError the system wrote, read raw (the test's own client cannot read 12345678901234567.5). */
async function statusErrorOf(licenseId: string): Promise<string | undefined> {
  const out = await local.dynamodb.send(
    new GetItemCommand({
      TableName: local.resources.tables.licenses.name,
      Key: { licenseId: { S: licenseId } },
      ConsistentRead: true,
    }),
  );
  return out.Item?.statusError?.S;
}

beforeAll(async () => {
  await s.putInventory(anInventory({ sku, warehouseId: 'WH-1' }));
  await s.putLicense(good);
  await s.putLicense({
    ...enormous,
    authorizedQuantity: NumberValue.from('1000000000000000000000000000000'),
  });
  await s.putLicense({ ...odd, authorizedQuantity: NumberValue.from('12345678901234567.5') });
  await local.drain();
});

describe('the CLI over a license whose authorizedQuantity was typed as 10^30', () => {
  it('license list --json lists every license, the enormous one with its number', async () => {
    const r = await runCli(local, ['license', 'list', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const listed = r.json<{ licenseId: string; authorizedQuantity: unknown }[]>();
    expect(listed.map((l) => l.licenseId)).toEqual(
      expect.arrayContaining([good.licenseId, enormous.licenseId, odd.licenseId]),
    );
    expect(listed.find((l) => l.licenseId === enormous.licenseId)?.authorizedQuantity).toBe(1e30);
  });

  it('license show tells the same problem as the statusError the system wrote ("at most 1000000000")', async () => {
    const r = await runCli(local, ['license', 'show', enormous.licenseId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('authorizedQuantity must be at most 1000000000');
    expect(r.stdout).not.toContain('not a string');
    expect(await statusErrorOf(enormous.licenseId)).toContain(
      'authorizedQuantity must be at most 1000000000',
    );
  });

  it('license show --json writes the license', async () => {
    const r = await runCli(local, ['license', 'show', enormous.licenseId, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(enormous.licenseId);
  });
});

describe('the CLI over a license whose authorizedQuantity was typed as 12345678901234567.5', () => {
  it('license list still lists every license, the others included', async () => {
    const r = await runCli(local, ['license', 'list']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(good.licenseId);
    expect(r.stdout).toContain(odd.licenseId);
  });

  it('license show names the field and the fix, as the statusError does, with the digits as typed', async () => {
    const r = await runCli(local, ['license', 'show', odd.licenseId]);
    expect(r.code).toBe(0);
    const told = 'authorizedQuantity has more digits than the system can hold exactly; type a whole number';
    expect(r.stdout).toContain(told);
    expect(r.stdout).toContain('12345678901234567.5');
    expect(await statusErrorOf(odd.licenseId)).toContain(told);
  });
});
