import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { inventoryKey } from '../domain/counters.js';
import { ConfigError, ConflictError, DependencyError } from '../domain/errors.js';
import type {
  CommitResult,
  InventoryRepository,
  LicenseGuard,
  LicenseRepository,
  RawItem,
  ShipmentPage,
  ShipmentRepository,
  ShipmentWrite,
} from '../domain/ports.js';
import { GSI_ATTR, HELD_INDEX, RELEASED_INDEX, SYSTEM_ACTOR } from '../names.js';

/** DynamoDB allows 100 actions per TransactWriteItems. */
const MAX_ACTIONS = 100;
const MAX_ATTEMPTS = 8;

const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random())));

/** Builds expression names and values with generated placeholders. */
class Expr {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private n = 0;
  name(attr: string): string {
    const key = `#${attr.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.names[key] = attr;
    return key;
  }
  value(v: unknown): string {
    const key = `:v${this.n++}`;
    this.values[key] = v;
    return key;
  }
  /** `attr = value` for each entry; null means attribute_not_exists. */
  conditions(expect: Record<string, unknown>): string[] {
    return Object.entries(expect).map(([attr, v]) =>
      v === null ? `attribute_not_exists(${this.name(attr)})` : `${this.name(attr)} = ${this.value(v)}`,
    );
  }
  params() {
    return {
      ExpressionAttributeNames: this.names,
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

function shipmentUpdate(table: string, unit: ShipmentWrite) {
  const x = new Expr();
  const sets = Object.entries({ ...unit.set, changedBy: SYSTEM_ACTOR }).map(
    ([a, v]) => `${x.name(a)} = ${x.value(v)}`,
  );
  if (unit.bumpRevision)
    sets.push(`${x.name('revision')} = if_not_exists(${x.name('revision')}, ${x.value(0)}) + ${x.value(1)}`);
  const removes = (unit.remove ?? []).map((a) => x.name(a));
  const update = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
  const condition = [`attribute_exists(${x.name('shipmentId')})`, ...x.conditions(unit.expect)].join(' AND ');
  return {
    TableName: table,
    Key: { shipmentId: unit.shipmentId },
    UpdateExpression: update,
    ConditionExpression: condition,
    ...x.params(),
  };
}

interface Group {
  units: ShipmentWrite[];
  inventory: Map<string, { sku: string; warehouseId: string; delta: Record<string, number> }>;
  licenses: Map<string, number>;
}

const actionsOf = (g: Group) => g.units.length + g.inventory.size + g.licenses.size;

/** Packs units into groups that fit one transaction with their aggregated counter and license updates. */
function pack(units: readonly ShipmentWrite[], guard: LicenseGuard | undefined): Group[] {
  const groups: Group[] = [];
  let current: Group = { units: [], inventory: new Map(), licenses: new Map() };
  const reserve = guard ? 1 : 0;
  for (const unit of units) {
    const invKey = unit.counters ? inventoryKey(unit.counters) : undefined;
    const extra =
      1 +
      (invKey && !current.inventory.has(invKey) ? 1 : 0) +
      (unit.license && !current.licenses.has(unit.license.licenseId) && !guard ? 1 : 0);
    if (current.units.length > 0 && actionsOf(current) + extra + reserve > MAX_ACTIONS) {
      groups.push(current);
      current = { units: [], inventory: new Map(), licenses: new Map() };
    }
    current.units.push(unit);
    if (unit.counters && invKey) {
      const entry = current.inventory.get(invKey) ?? {
        sku: unit.counters.sku,
        warehouseId: unit.counters.warehouseId,
        delta: { onHand: 0, held: 0, released: 0, shipped: 0 },
      };
      for (const [k, v] of Object.entries(unit.counters.delta)) entry.delta[k] = (entry.delta[k] ?? 0) + v;
      current.inventory.set(invKey, entry);
    }
    if (unit.license) {
      current.licenses.set(
        unit.license.licenseId,
        (current.licenses.get(unit.license.licenseId) ?? 0) + unit.license.delta,
      );
    }
  }
  if (current.units.length > 0) groups.push(current);
  return groups;
}

/** DynamoDB implementation of the Shipments port, including the transactional writer. */
export class DynamoShipmentRepository implements ShipmentRepository {
  /** `licenses` and `inventory` are needed only to commit units; a read-only user may leave them out. */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { shipments: string; licenses?: string; inventory?: string },
  ) {}

  private table(name: 'licenses' | 'inventory'): string {
    const table = this.tables[name];
    if (table === undefined)
      throw new ConfigError(`DynamoShipmentRepository needs the ${name} table to commit`);
    return table;
  }

  async page(
    index: 'held' | 'released',
    licenseId: string,
    after: string | undefined,
    limit: number,
  ): Promise<ShipmentPage> {
    const pk = index === 'held' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tables.shipments,
        IndexName: index === 'held' ? HELD_INDEX : RELEASED_INDEX,
        KeyConditionExpression: after === undefined ? '#pk = :pk' : '#pk = :pk AND #sk > :after',
        ExpressionAttributeNames: {
          '#pk': pk,
          ...(after === undefined ? {} : { '#sk': GSI_ATTR.holdOrder }),
        },
        ExpressionAttributeValues: { ':pk': licenseId, ...(after === undefined ? {} : { ':after': after }) },
        Limit: limit,
      }),
    );
    const items = (out.Items ?? []) as RawItem[];
    const last = items.at(-1);
    return { items, next: out.LastEvaluatedKey && last ? String(last[GSI_ATTR.holdOrder]) : undefined };
  }

  async commit(units: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult> {
    const result: CommitResult = { committed: [], skipped: [] };
    for (const group of pack(units, guard)) {
      const done = await this.commitGroup(group.units, guard);
      result.committed.push(...done.committed);
      result.skipped.push(...done.skipped);
    }
    return result;
  }

  private async commitGroup(units: ShipmentWrite[], guard: LicenseGuard | undefined): Promise<CommitResult> {
    const skipped: ShipmentWrite[] = [];
    let pending = units;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const [group] = pack(pending, guard);
      if (!group) break;
      const items = [
        ...group.units.map((u) => ({ Update: shipmentUpdate(this.tables.shipments, u) })),
        ...[...group.inventory.values()].map((inv) => ({
          Update: this.inventoryUpdate(inv.sku, inv.warehouseId, inv.delta),
        })),
        ...(guard
          ? [{ Update: this.guardedLicenseUpdate(guard, sum(group.licenses)) }]
          : [...group.licenses].map(([licenseId, delta]) => ({
              Update: this.licenseUpdate(licenseId, delta),
            }))),
      ];
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return { committed: group.units, skipped };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) {
          if (attempt + 1 >= MAX_ATTEMPTS || !isRetryable(error)) {
            throw new DependencyError(`TransactWriteItems failed: ${(error as Error).message}`, {
              cause: error,
            });
          }
          await pause(attempt);
          continue;
        }
        const reasons = error.CancellationReasons ?? [];
        const failedUnits = new Set<number>();
        let aggregateFailed = false;
        reasons.forEach((reason, i) => {
          if (reason.Code !== 'ConditionalCheckFailed') return;
          if (i < group.units.length) failedUnits.add(i);
          else aggregateFailed = true;
        });
        if (aggregateFailed && failedUnits.size === 0) {
          if (guard)
            throw new ConflictError(`license ${guard.licenseId} changed during the write`, { cause: error });
          throw new DependencyError('an Inventory or License item is missing for a counter update', {
            cause: error,
          });
        }
        if (failedUnits.size > 0) {
          skipped.push(...group.units.filter((_, i) => failedUnits.has(i)));
          pending = group.units.filter((_, i) => !failedUnits.has(i));
          continue;
        }
        if (attempt + 1 >= MAX_ATTEMPTS) {
          throw new DependencyError(
            `transaction kept being cancelled: ${reasons.map((r) => r.Code).join(',')}`,
            { cause: error },
          );
        }
        await pause(attempt);
      }
    }
    return { committed: [], skipped };
  }

  async update(unit: ShipmentWrite): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand(shipmentUpdate(this.tables.shipments, unit)));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.tables.shipments);
  }

  async countHeldByReason(licenseId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tables.shipments,
          IndexName: HELD_INDEX,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: '#r',
          ExpressionAttributeNames: { '#pk': GSI_ATTR.heldLicenseId, '#r': 'holdReason' },
          ExpressionAttributeValues: { ':pk': licenseId },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const reason = String(item.holdReason ?? 'UNKNOWN');
        counts.set(reason, (counts.get(reason) ?? 0) + 1);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return counts;
  }

  private inventoryUpdate(sku: string, warehouseId: string, delta: Record<string, number>) {
    const x = new Expr();
    const adds = Object.entries(delta)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${x.name(k)} ${x.value(v)}`);
    return {
      TableName: this.table('inventory'),
      Key: { sku, warehouseId },
      UpdateExpression: `ADD ${adds.length > 0 ? adds.join(', ') : `${x.name('held')} ${x.value(0)}`}`,
      ConditionExpression: `attribute_exists(${x.name('sku')})`,
      ...x.params(),
    };
  }

  private licenseUpdate(licenseId: string, delta: number) {
    return {
      TableName: this.table('licenses'),
      Key: { licenseId },
      UpdateExpression: 'ADD #rq :d SET #by = :by',
      ConditionExpression: 'attribute_exists(#id)',
      ExpressionAttributeNames: { '#rq': 'releasedQuantity', '#by': 'changedBy', '#id': 'licenseId' },
      ExpressionAttributeValues: { ':d': delta, ':by': SYSTEM_ACTOR },
    };
  }

  private guardedLicenseUpdate(guard: LicenseGuard, delta: number) {
    const x = new Expr();
    const rq = x.name('releasedQuantity');
    const conditions = [...x.conditions(guard.expect)];
    if (delta > 0)
      conditions.push(
        `(attribute_not_exists(${rq}) OR ${rq} <= ${x.value(guard.authorizedQuantity - delta)})`,
      );
    return {
      TableName: this.table('licenses'),
      Key: { licenseId: guard.licenseId },
      UpdateExpression: `ADD ${rq} ${x.value(delta)} SET ${x.name('changedBy')} = ${x.value(SYSTEM_ACTOR)}`,
      ConditionExpression: [`attribute_exists(${x.name('licenseId')})`, ...conditions].join(' AND '),
      ...x.params(),
    };
  }
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
  'TimeoutError',
]);
const isRetryable = (error: unknown) =>
  error instanceof Error &&
  (RETRYABLE.has(error.name) ||
    (error as { $retryable?: unknown }).$retryable !== undefined ||
    /timeout|ECONNRESET|socket/i.test(error.message));

async function* scanTable(db: DynamoDBDocumentClient, table: string): AsyncIterable<RawItem[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    yield (out.Items ?? []) as RawItem[];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** DynamoDB implementation of the Licenses port. */
export class DynamoLicenseRepository implements LicenseRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(licenseId: string): Promise<RawItem | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { licenseId }, ConsistentRead: true }),
    );
    return out.Item as RawItem | undefined;
  }

  private async conditional(input: {
    set?: Record<string, unknown>;
    remove?: string[];
    expect: Record<string, unknown>;
    raw?: string[];
  }): Promise<boolean> {
    const x = new Expr();
    const sets = Object.entries({ ...input.set, changedBy: SYSTEM_ACTOR }).map(
      ([a, v]) => `${x.name(a)} = ${x.value(v)}`,
    );
    const removes = (input.remove ?? []).map((a) => x.name(a));
    const conditions = [
      `attribute_exists(${x.name('licenseId')})`,
      ...x.conditions(input.expect),
      ...(input.raw ?? []),
    ];
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { licenseId: input.expect.licenseId },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ...x.params(),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  startWork(licenseId: string, from: string | undefined, to: string, token: string): Promise<boolean> {
    return this.conditional({
      set: { appliedStatus: to, pendingWork: token },
      remove: ['statusError', 'workCursor', 'waitingForValidFrom'],
      expect: { licenseId, status: to, appliedStatus: from ?? null },
    });
  }

  finishWork(
    licenseId: string,
    token: string,
    after: { waitingForValidFrom?: string | undefined; settleCheckAt?: string | undefined },
  ): Promise<boolean> {
    const { waitingForValidFrom, settleCheckAt } = after;
    return this.conditional({
      set: {
        ...(waitingForValidFrom ? { waitingForValidFrom } : {}),
        ...(settleCheckAt ? { settleCheckAt } : {}),
      },
      remove: [
        'pendingWork',
        'workCursor',
        ...(waitingForValidFrom ? [] : ['waitingForValidFrom']),
        ...(settleCheckAt ? [] : ['settleCheckAt']),
      ],
      expect: { licenseId, pendingWork: token },
    });
  }

  continueWork(licenseId: string, token: string, next: string, cursor?: string): Promise<boolean> {
    return this.conditional({
      set: { pendingWork: next, ...(cursor ? { workCursor: cursor } : {}) },
      remove: cursor ? [] : ['workCursor'],
      expect: { licenseId, pendingWork: token },
    });
  }

  requestRelease(licenseId: string, token: string): Promise<boolean> {
    return this.conditional({
      set: { pendingWork: token },
      remove: ['workCursor', 'waitingForValidFrom'],
      expect: { licenseId, status: 'APPROVED', appliedStatus: 'APPROVED' },
    });
  }

  requestPass(licenseId: string, appliedStatus: string, token: string): Promise<boolean> {
    return this.conditional({
      set: { pendingWork: token },
      remove: ['workCursor', 'waitingForValidFrom'],
      expect: { licenseId, appliedStatus },
    });
  }

  requestSettlePass(
    licenseId: string,
    appliedStatus: string,
    settleCheckAt: string,
    token: string,
  ): Promise<boolean> {
    return this.conditional({
      set: { pendingWork: token },
      remove: ['workCursor', 'waitingForValidFrom', 'settleCheckAt'],
      expect: { licenseId, appliedStatus, status: appliedStatus, settleCheckAt, pendingWork: null },
    });
  }

  reject(licenseId: string, status: unknown, statusError: string): Promise<boolean> {
    return this.conditional({ set: { statusError }, expect: { licenseId, status } });
  }

  async clearError(licenseId: string): Promise<void> {
    await this.conditional({
      remove: ['statusError'],
      expect: { licenseId },
      raw: ['attribute_exists(statusError)'],
    });
  }

  setStatus(licenseId: string, from: string, to: string, reason: string, by: string): Promise<boolean> {
    return this.conditional({
      set: { status: to, statusReason: reason, updatedBy: by },
      expect: { licenseId, status: from },
    });
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.table);
  }

  async batchGet(licenseIds: readonly string[]): Promise<Map<string, RawItem>> {
    const found = new Map<string, RawItem>();
    const ids = [...new Set(licenseIds)];
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = ids
        .slice(i, i + 100)
        .map((licenseId) => ({ licenseId }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        const out: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of (out.Responses?.[this.table] ?? []) as RawItem[])
          found.set(String(item.licenseId), item);
        keys = out.UnprocessedKeys?.[this.table]?.Keys;
        if (keys && keys.length > 0) await pause(attempt);
      }
    }
    return found;
  }
}

/** DynamoDB implementation of the Inventory port. */
export class DynamoInventoryRepository implements InventoryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async existing(keys: readonly { sku: string; warehouseId: string }[]): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Map(keys.map((k) => [inventoryKey(k), k])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let batch: Record<string, unknown>[] | undefined = unique
        .slice(i, i + 100)
        .map(({ sku, warehouseId }) => ({ sku, warehouseId }));
      for (let attempt = 0; batch && batch.length > 0; attempt++) {
        const out: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: batch,
                ProjectionExpression: '#s, #w',
                ExpressionAttributeNames: { '#s': 'sku', '#w': 'warehouseId' },
              },
            },
          }),
        );
        for (const item of out.Responses?.[this.table] ?? []) {
          found.add(inventoryKey({ sku: String(item.sku), warehouseId: String(item.warehouseId) }));
        }
        batch = out.UnprocessedKeys?.[this.table]?.Keys;
        if (batch && batch.length > 0) await pause(attempt);
      }
    }
    return found;
  }

  async skuExists(sku: string): Promise<boolean> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#s = :sku',
        ExpressionAttributeNames: { '#s': 'sku' },
        ExpressionAttributeValues: { ':sku': sku },
        Limit: 1,
      }),
    );
    return (out.Items ?? []).length > 0;
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.table);
  }
}
