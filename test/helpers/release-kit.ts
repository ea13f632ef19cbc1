/**
 * Helpers of the release and foundation integration tests
 * (test/integration/release-*.test.ts, foundation-*.test.ts): licenses with
 * their own sku and warehouses, backlogs, counters, ops alerts, direct
 * handler invocation with stream records, and whole-store snapshots.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { expect } from 'vitest';
import { batchPut } from '../../local/batch-put.js';
import { lambdaContext } from '../../local/esm.js';
import type { Interceptor } from '../../local/gateway/gateway.js';
import { errorResponse } from '../../local/gateway/wire.js';
import type { License, Shipment } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import type { adminConsole } from './admin-console.js';
import { aLicense, anInventory, aShipmentFor, asAccepted, nextId } from './factories.js';
import { sleep, until } from './poll.js';
import type { LocalStackHandle } from './stack.js';

export type AdminConsole = ReturnType<typeof adminConsole>;

export { sleep, until };

export const ON_HAND = 900_000;

/** A license under test: its item as first written, and the warehouses stocked for its sku. */
export interface LicenseUnderTest {
  readonly license: License;
  readonly warehouses: readonly string[];
  /** A HELD shipment matching the license (nothing written). */
  shipment(overrides?: Partial<Shipment>): Shipment;
}

/**
 * Writes a PENDING license (unless `status` says otherwise) for a sku of its
 * own, stocked in `warehouses`, so counters of one test never mix with
 * another's in the file's shared tables.
 */
export async function givenLicense(
  s: AdminConsole,
  overrides: Partial<License> = {},
  warehouses: readonly string[] = ['WH-1', 'WH-2'],
): Promise<LicenseUnderTest> {
  const sku = overrides.sku ?? nextId('SKU');
  const license = aLicense({ licenseId: nextId('LIC'), sku, status: 'PENDING', ...overrides });
  await stock(s, sku, warehouses);
  await s.putLicense(license);
  return {
    license,
    warehouses,
    shipment: (o = {}) => aShipmentFor(license, { warehouseId: warehouses[0], ...o }),
  };
}

/** Inventory items of `sku` in `warehouses`, with nothing held, released or shipped. */
export const stock = (s: AdminConsole, sku: string, warehouses: readonly string[]): Promise<void> =>
  s.putInventory(...warehouses.map((warehouseId) => anInventory({ sku, warehouseId })));

/** Every shipment of a license, by id. */
export async function shipmentsOf(s: AdminConsole, licenseId: string): Promise<Map<string, RawItem>> {
  const all = await s.shipments();
  return new Map(all.filter((x) => x.licenseId === licenseId).map((x) => [String(x.shipmentId), x]));
}

/** Ids of the shipments with `status`, sorted. */
export const idsWith = (shipments: Map<string, RawItem>, status: string): string[] =>
  [...shipments.values()]
    .filter((x) => x.status === status)
    .map((x) => String(x.shipmentId))
    .sort();

/** `{ shipmentId: holdReason }` of the HELD ones. */
export const holdReasons = (shipments: Map<string, RawItem>): Record<string, unknown> =>
  Object.fromEntries(
    [...shipments.values()].filter((x) => x.status === 'HELD').map((x) => [x.shipmentId, x.holdReason]),
  );

/** Expects the Inventory counters of (sku, warehouse). `onHand` defaults to untouched stock. */
export async function expectCounters(
  s: AdminConsole,
  sku: string,
  warehouseId: string,
  expected: { held: number; released: number; shipped?: number; onHand?: number },
): Promise<void> {
  const inv = await s.inventory(sku, warehouseId);
  expect(
    { held: inv.held, released: inv.released, shipped: inv.shipped, onHand: inv.onHand },
    `counters of ${sku}/${warehouseId}`,
  ).toEqual({ shipped: 0, onHand: ON_HAND, ...expected });
}

/** The license item once the system has settled it: no work pending. */
export async function settledLicense(s: AdminConsole, licenseId: string): Promise<RawItem> {
  const l = await s.license(licenseId);
  expect(l.pendingWork, `license ${licenseId} still has pending work`).toBeUndefined();
  return l;
}

/**
 * Writes shipments in the state shipment-events' intake leaves them
 * (countedStatus HELD, GSI keys, changedBy), with Inventory counters that
 * hold them, without going through the intake. For big backlogs whose intake
 * is not what the test is about; `revision` is left out so the seed sends no
 * notifications (the first system change makes it 1).
 */
export async function seedAcceptedBacklog(
  local: LocalStackHandle,
  license: License,
  shipments: readonly Shipment[],
): Promise<void> {
  const held = new Map<string, number>();
  for (const x of shipments) held.set(x.warehouseId, (held.get(x.warehouseId) ?? 0) + x.quantity);
  const tables = local.resources.tables;
  await batchPut(
    local.ddb,
    tables.inventory.name,
    [...held].map(([warehouseId, n]) => ({ ...anInventory({ sku: license.sku, warehouseId }), held: n })),
  );
  await batchPut(
    local.ddb,
    tables.shipments.name,
    shipments.map((x) => asAccepted(x, undefined)),
  );
}

/** Invokes a function's real handler with stream records, as the event source mapping would. */
export async function invokeWithRecords(
  local: LocalStackHandle,
  functionName: 'license-events' | 'shipment-events' | 'shipment-history',
  records: readonly DynamoDBRecord[],
): Promise<DynamoDBBatchResponse | undefined> {
  const fn = Object.values(local.resources.functionsByLogicalId).find((f) =>
    f.entry.endsWith(`${functionName}.ts`),
  );
  if (fn === undefined) throw new Error(`no function ${functionName}`);
  const handler = await local.loadHandler(functionName);
  const result = await handler({ Records: structuredClone(records) } as never, lambdaContext(fn));
  return result as DynamoDBBatchResponse | undefined;
}

/** The Shipments stream records of `licenseId`'s releases (HELD → RELEASED), in stream order. */
export async function releaseRecords(local: LocalStackHandle, licenseId: string): Promise<DynamoDBRecord[]> {
  return (await local.readStreamRecords('shipments')).filter(
    (r: DynamoDBRecord) =>
      r.dynamodb?.NewImage?.licenseId?.S === licenseId &&
      r.dynamodb.OldImage?.status?.S === 'HELD' &&
      r.dynamodb.NewImage.status?.S === 'RELEASED',
  );
}

/**
 * Until the returned function is called, DynamoDB (the local gateway) rejects
 * with a ValidationException carrying `message` every TransactWriteItems that
 * puts a History entry of one of `shipmentIds`, as it would an item too large;
 * `onReject` counts them.
 */
export function rejectHistoryAppendsOf(
  local: LocalStackHandle,
  shipmentIds: ReadonlySet<string | undefined>,
  message: string,
  onReject: () => void = () => {},
): () => void {
  const history = local.resources.tables.history.name;
  return local.stack.gateway.use(async (call, forward) => {
    const puts = (call.input.TransactItems ?? []) as {
      Put?: { TableName?: string; Item?: Record<string, { S?: string }> };
    }[];
    const hit =
      call.operation === 'TransactWriteItems' &&
      puts.some((a) => a.Put?.TableName === history && shipmentIds.has(a.Put.Item?.shipmentId?.S));
    if (!hit) return forward();
    onReject();
    return errorResponse('dynamodb', 'ValidationException', message);
  });
}

/**
 * Both consumers of the Shipments stream on the same records, as their two
 * mappings deliver them: shipment-history (History entries; it answers
 * nothing, or throws), then shipment-events, whose answer is returned.
 */
export async function invokeShipmentConsumers(
  local: LocalStackHandle,
  records: readonly DynamoDBRecord[],
): Promise<DynamoDBBatchResponse | undefined> {
  await invokeWithRecords(local, 'shipment-history', records);
  return invokeWithRecords(local, 'shipment-events', records);
}

/** Reads a table's stream and returns only the records not returned by an earlier call. */
export function streamCursor(local: LocalStackHandle, table: 'licenses' | 'shipments') {
  const seen = new Set<string>();
  return async (): Promise<DynamoDBRecord[]> => {
    const fresh = (await local.readStreamRecords(table)).filter(
      (r) => !seen.has(r.dynamodb?.SequenceNumber ?? ''),
    );
    for (const r of fresh) seen.add(r.dynamodb?.SequenceNumber ?? '');
    return fresh;
  };
}

/**
 * The three tables' items, sorted by key: equal snapshots mean nothing
 * changed. A license's `settleCheckAt` counts by presence only: a pass that
 * changes nothing (a redelivered INSERT asks for one) still moves the time of
 * its settling check.
 */
export async function snapshot(
  s: AdminConsole,
): Promise<{ licenses: RawItem[]; shipments: RawItem[]; inventory: RawItem[] }> {
  const r = s.repos();
  const all = async (pages: AsyncIterable<RawItem[]>, key: (x: RawItem) => string) => {
    const items: RawItem[] = [];
    for await (const page of pages) items.push(...page);
    return items.sort((a, b) => key(a).localeCompare(key(b)));
  };
  return {
    licenses: (await all(r.licenses.scan(), (x) => String(x.licenseId))).map((l) =>
      l.settleCheckAt === undefined ? l : { ...l, settleCheckAt: 'set' },
    ),
    shipments: await all(r.shipments.scan(), (x) => String(x.shipmentId)),
    inventory: await all(r.inventory.scan(), (x) => `${String(x.sku)}/${String(x.warehouseId)}`),
  };
}

/** An ISO time `ms` from now. */
export const fromNow = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** Sleeps until the ISO time `at` has passed (plus a little). */
export async function waitUntilPast(at: string): Promise<void> {
  const wait = Date.parse(at) - Date.now() + 50;
  if (wait > 0) await sleep(wait);
}

/** How many times the event source mappings have invoked a function so far. */
export function invocationsOf(
  local: LocalStackHandle,
  functionName: 'license-events' | 'shipment-events' | 'shipment-history',
): number {
  const fn = Object.values(local.resources.functionsByLogicalId).find((f) =>
    f.entry.endsWith(`${functionName}.ts`),
  );
  return local.esm
    .stats()
    .mappings.filter((m) => m.function === fn?.logicalId)
    .reduce((n, m) => n + m.invocations, 0);
}

/**
 * Adds `interceptor` to the stack's request gateway for the requests the
 * functions send (from their sandboxes), where a test can delay, repeat,
 * edit or drop a call on the wire as AWS might. Returns its removal.
 */
export function interceptFunctionCalls(local: LocalStackHandle, interceptor: Interceptor): () => void {
  return local.stack.gateway.use((call, forward) =>
    call.caller.kind === 'function' ? interceptor(call, forward) : forward(),
  );
}
