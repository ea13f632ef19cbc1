import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import { DynamoInventoryRepository } from '../../shared/adapters/dynamo.js';
import { belowZeroMessage, readInventory } from '../../shared/domain/inventory-check.js';
import { available } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';
import { inventoryTable } from '../views.js';
import { collect } from './common.js';
import { example, type Wiring } from './wiring.js';

export async function inventoryShow(ctx: CliContext, opts: { sku?: string }): Promise<number> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  let items: RawItem[];
  if (opts.sku === undefined) {
    items = await collect(
      ctx,
      'scanning inventory',
      new DynamoInventoryRepository(db, r.tables.inventory).scan(),
    );
  } else {
    items = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await db.send(
        new QueryCommand({
          TableName: r.tables.inventory,
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'sku' },
          ExpressionAttributeValues: { ':s': opts.sku },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...((out.Items ?? []) as RawItem[]));
      start = out.LastEvaluatedKey;
    } while (start);
  }
  items.sort(
    (a, b) =>
      String(a.sku).localeCompare(String(b.sku)) ||
      String(a.warehouseId).localeCompare(String(b.warehouseId)),
  );
  const data = items.map((raw) => {
    const read = readInventory(raw);
    if (!read.ok) return { ...raw, problems: read.problems };
    const inv = { ...read.value, available: available(read.value) };
    return read.belowZero ? { ...inv, finding: belowZeroMessage(read.value.onHand) } : inv;
  });
  ctx.emit(data, () =>
    items.length === 0 && opts.sku !== undefined
      ? `No inventory items for sku ${opts.sku}.`
      : inventoryTable(items),
  );
  return EXIT.ok;
}

/** `clearance inventory show`. */
export function registerInventoryCommands(program: Command, { act }: Wiring): void {
  program
    .command('inventory')
    .description('inventory counters')
    .command('show')
    .description(
      'show onHand, held, released, shipped and available (= onHand - held - released) per sku and warehouse',
    )
    .option('--sku <sku>', 'only this sku')
    .addHelpText(
      'after',
      `\nThe counters are units: the Inventory table keeps no value. Value is kept per license (releasedValue\nagainst the value limit): see \`clearance license list\` and \`clearance license show\`.\n${example('clearance inventory show', 'clearance inventory show --sku H20')}`,
    )
    .action(act((ctx, opts: { sku?: string }) => inventoryShow(ctx, opts)));
}
