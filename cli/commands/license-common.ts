import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoLicenseRepository } from '../../shared/adapters/dynamo.js';
import { LicenseSchema } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { GSI_ATTR, RELEASED_INDEX } from '../../shared/names.js';
import type { CliContext } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';

/** The Licenses table of the selected stack. */
export async function licenses(ctx: CliContext): Promise<DynamoLicenseRepository> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  return new DynamoLicenseRepository(db, r.tables.licenses);
}

/** One license, read consistently; a NotFoundError that points to `license list` when it does not exist. */
export async function getLicense(ctx: CliContext, licenseId: string): Promise<RawItem> {
  const item = await (await licenses(ctx)).get(licenseId);
  if (!item) {
    const r = await ctx.resources();
    throw new NotFoundError(
      `no license ${licenseId} in table ${r.tables.licenses}; list them with \`clearance license list\``,
    );
  }
  return item;
}

/** RELEASED shipments of a license, counted on the sparse index (cheap: keys only). */
export async function countReleased(ctx: CliContext, licenseId: string): Promise<number> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  let total = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: r.tables.shipments,
        IndexName: RELEASED_INDEX,
        KeyConditionExpression: '#pk = :id',
        ExpressionAttributeNames: { '#pk': GSI_ATTR.releasedLicenseId },
        ExpressionAttributeValues: { ':id': licenseId },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    total += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return total;
}

/** Checks `--reason` and `--by` before anything is read: not empty, and within the contract (statusReason, updatedBy). */
export function checkAuthorship(opts: { reason: string; by: string }): void {
  for (const [flag, field, value] of [
    ['--reason', 'statusReason', opts.reason],
    ['--by', 'updatedBy', opts.by],
  ] as const) {
    if (value.trim() === '') throw new UsageError(`${flag} must not be empty`);
    const checked = LicenseSchema.shape[field].safeParse(value);
    if (!checked.success) throw new UsageError(`${flag}: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  }
}
