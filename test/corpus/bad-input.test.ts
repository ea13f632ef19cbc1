import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LicenseStatus, ShipmentStatus } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { adminConsole } from '../helpers/admin-console.js';
import { anInventory } from '../helpers/factories.js';
import { type Alert, opsInbox } from '../helpers/ops-inbox.js';
import type { ReceivedMessage } from '../helpers/stack.js';
import { useLocalStack } from '../helpers/stack.js';
import {
  CORPUS_SKU,
  CORPUS_WAREHOUSES,
  type CorpusCase,
  corpusCases,
  corpusLicense,
  corpusShipment,
  DEFINITIONS,
  type Given,
  OPEN_LICENSE,
  OTHER_SKU,
  type Outcome,
  VALUE_LICENSE,
  VALUE_LIMIT,
  WAITING_LICENSE,
  type Write,
} from './cases.js';

const RECORD = process.env.CORPUS_RECORD === '1';
/** Keys of the records of every batch handed to a handler, to prove bad and good items travel together. */
const batches: Set<string>[] = [];
const local = useLocalStack({
  aroundInvoke: async (info, invoke) => {
    if (info.records)
      batches.push(
        new Set(
          info.records.map((r) => String(r.dynamodb?.Keys?.licenseId?.S ?? r.dynamodb?.Keys?.shipmentId?.S)),
        ),
      );
    return invoke();
  },
});
const s = adminConsole(local);

type Definition = Omit<CorpusCase, 'expected'>;
const definitions: readonly Definition[] = RECORD ? DEFINITIONS : corpusCases();

/** An ops alert as an email subscriber sees it: SNS Subject, text, attributes. */

/** What happened to each case. */
interface Observed {
  error?: string;
  item?: RawItem;
  alerts: Alert[];
}
const observed = new Map<string, Observed>();
const goods: { table: 'licenses' | 'shipments'; id: string }[] = [];
/** The good item written right after each case's bad one. */
const partner = new Map<string, string>();
/** What each case's given items were just before the bad write, and after the system reacted. */
const before = new Map<string, unknown>();
const after = new Map<string, unknown>();
let dlq: ReceivedMessage[] = [];
let violations: unknown[] = [];

const keyOf = (w: Write): RawItem =>
  w.kind === 'set'
    ? w.key
    : w.table === 'licenses'
      ? { licenseId: w.item.licenseId }
      : { shipmentId: w.item.shipmentId };
const idOf = (w: Write): string => String(Object.values(keyOf(w))[0]);

async function write(w: Write): Promise<void> {
  const table = local.resources.tables[w.table].name;
  if (w.kind === 'put') {
    await local.ddb.send(new PutCommand({ TableName: table, Item: w.item }));
    return;
  }
  await local.ddb.send(
    new UpdateCommand({
      TableName: table,
      Key: w.key,
      UpdateExpression: 'SET #a = :v',
      ExpressionAttributeNames: { '#a': w.attribute },
      ExpressionAttributeValues: { ':v': w.value },
    }),
  );
}

const INITIAL: readonly LicenseStatus[] = ['PENDING', 'APPROVED', 'DENIED'];

const pick = (item: RawItem, keys: readonly string[]) =>
  Object.fromEntries(keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]]));

/**
 * What a rejected edit must not move: a license's applied status and terms,
 * its counters and its shipments; a shipment's counted status, license, quantity and value.
 */
async function snapshot(given: Given): Promise<unknown> {
  if ('license' in given) {
    const l = await s.license(given.license.licenseId);
    const shipments = await Promise.all(
      (given.license.shipments ?? []).map((x) => s.shipment(String(x.item.shipmentId))),
    );
    return {
      license: pick(l, ['appliedStatus', 'appliedTerms', 'releasedQuantity', 'releasedValue']),
      shipments: shipments.map((x) =>
        pick(x, ['shipmentId', 'status', 'countedStatus', 'holdReason', 'quantity', 'value']),
      ),
    };
  }
  const x = await s.shipment(given.shipment.shipmentId);
  return pick(x, ['countedStatus', 'holdReason', 'licenseId', 'quantity', 'value']);
}

beforeAll(async () => {
  const ops = opsInbox(local);
  await ops.open();
  await s.putInventory(
    ...[CORPUS_SKU, OTHER_SKU].flatMap((sku) =>
      CORPUS_WAREHOUSES.map((warehouseId) => anInventory({ sku, warehouseId })),
    ),
  );
  await s.putLicense(corpusLicense(OPEN_LICENSE, { status: 'APPROVED' }));
  await s.putLicense(corpusLicense(WAITING_LICENSE));
  await s.putLicense(corpusLicense(VALUE_LICENSE, { status: 'APPROVED', authorizedValue: VALUE_LIMIT }));

  // 1. Bring each case's item into its given state, through the system.
  const licenses = definitions.flatMap((c) => (c.given && 'license' in c.given ? [c.given.license] : []));
  const shipments = definitions.flatMap((c) => (c.given && 'shipment' in c.given ? [c.given.shipment] : []));
  // An APPROVED license with a backlog is approved once its shipments are held: shipments that arrive
  // under an approved license are released in the order the stream delivers them, not in hold order.
  const approveLater = (l: (typeof licenses)[number]) =>
    l.applied === 'APPROVED' && (l.shipments?.length ?? 0) > 0;
  for (const l of licenses)
    await s.putLicense(
      corpusLicense(l.licenseId, {
        ...l.terms,
        status: approveLater(l) ? 'PENDING' : INITIAL.includes(l.applied) ? l.applied : 'APPROVED',
      }),
    );
  const released = (x: ShipmentStatus) => x === 'RELEASED' || x === 'SHIPPED';
  await s.putShipments([
    ...shipments.map((x) =>
      corpusShipment(x.shipmentId, {
        ...x.fields,
        licenseId: released(x.counted) ? OPEN_LICENSE : WAITING_LICENSE,
      }),
    ),
    ...licenses.flatMap((l) => (l.shipments ?? []).map((x) => x.item)),
  ]);
  await local.drain({ timeoutMs: 60_000 });
  for (const l of licenses)
    if (!INITIAL.includes(l.applied) || approveLater(l)) await s.setLicenseStatus(l.licenseId, l.applied);
  for (const x of shipments)
    if (x.counted === 'SHIPPED' || x.counted === 'CANCELLED')
      await s.setShipmentStatus(x.shipmentId, x.counted);
  await local.drain({ timeoutMs: 60_000 });
  for (const l of licenses) expect((await s.license(l.licenseId)).appliedStatus, l.licenseId).toBe(l.applied);
  for (const x of shipments)
    expect((await s.shipment(x.shipmentId)).countedStatus, x.shipmentId).toBe(x.counted);
  await ops.receiveAll();
  for (const c of definitions) if (c.given) before.set(c.id, await snapshot(c.given));

  // 2. With the streams paused, write every bad input, each followed by a good item, so
  //    that they are read together and delivered in the same batches.
  await local.esm.stop();
  let n = 0;
  for (const c of definitions) {
    let error: string | undefined;
    try {
      await write(c.write);
    } catch (e) {
      error = `${(e as Error).name}: ${(e as Error).message}`;
    }
    observed.set(c.id, { ...(error ? { error } : {}), alerts: [] });
    // One good item per stream record the bad one produced (two if it was refused), keeping pairs aligned.
    for (let k = error ? 2 : 1; k > 0; k--) {
      n++;
      const id = `${c.write.table === 'licenses' ? 'GOOD-LIC' : 'GOOD-SHP'}-${String(n).padStart(3, '0')}`;
      if (c.write.table === 'licenses') await s.putLicense(corpusLicense(id));
      else await s.putShipment(corpusShipment(id));
      goods.push({ table: c.write.table, id });
      if (!partner.has(c.id)) partner.set(c.id, id);
    }
  }
  batches.length = 0;
  await local.esm.start();
  await local.drain({ timeoutMs: 90_000 });

  // 3. Collect what happened.
  const alerts = await ops.receiveAll();
  for (const c of definitions) {
    const o = observed.get(c.id);
    if (!o || o.error) continue;
    const id = idOf(c.write);
    o.item =
      c.write.table === 'licenses'
        ? await s.license(id).catch(() => undefined)
        : await s.shipment(id).catch(() => undefined);
    o.alerts = alerts.filter((m) => (m.attributes.licenseId ?? m.attributes.shipmentId) === id);
    if (c.given) after.set(c.id, await snapshot(c.given));
  }
  dlq = [
    ...(await local.receiveAll(local.resources.dlqs.licenses.url)),
    ...(await local.receiveAll(local.resources.dlqs.shipments.url)),
  ];
  violations = (
    await import('../../shared/engine/invariant-checker.js').then((m) => m.scanAndCheck(s.repos()))
  ).violations;
  if (RECORD) {
    const recorded: Record<string, Outcome> = {};
    for (const c of definitions) recorded[c.id] = describeOutcome(c, observed.get(c.id));
    process.stdout.write(`CORPUS_RECORD ${JSON.stringify(recorded)}\n`);
  }
}, 300_000);

/** The attribute an edit (other than of status) set, as the item has it afterwards (null: absent). */
const editedField = (w: Write, item: RawItem): Record<string, unknown> | undefined =>
  w.kind === 'set' && w.attribute !== 'status' ? { [w.attribute]: item[w.attribute] ?? null } : undefined;

/** What an observation amounts to, in the shape of expected.ts. */
function describeOutcome(c: Definition, o: Observed | undefined): Outcome {
  if (o?.error) return { kind: 'refused', error: o.error };
  const item = o?.item ?? {};
  if (item.statusError !== undefined) {
    const alert = o?.alerts[0];
    const fields = editedField(c.write, item);
    return {
      kind: 'rejected',
      statusError: String(item.statusError),
      subject: alert?.subject ?? '(no alert)',
      severity: (alert?.attributes.severity as 'high' | 'normal' | undefined) ?? 'normal',
      ...(typeof item.status === 'string' && item.status.length < 100 ? { status: item.status } : {}),
      ...(fields ? { fields } : {}),
    };
  }
  return { kind: 'held', holdReason: String(item.holdReason) };
}

describe.skipIf(RECORD)('bad input typed in the console', () => {
  it.each(definitions.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const expected = (c as CorpusCase).expected;
    const o = observed.get(c.id);
    expect(o, 'observed').toBeDefined();
    if (expected.kind === 'refused') {
      expect(o?.error).toBe(expected.error);
      return;
    }
    expect(o?.error, 'DynamoDB accepted the write').toBeUndefined();
    const item = o?.item ?? {};
    if (expected.kind === 'held') {
      expect(item).toMatchObject({ status: 'HELD', countedStatus: 'HELD', holdReason: expected.holdReason });
      expect(item.statusError).toBeUndefined();
      expect(o?.alerts).toEqual([]);
      return;
    }
    expect(item.statusError).toBe(expected.statusError);
    if (expected.status !== undefined) expect(item.status).toBe(expected.status);
    for (const [k, v] of Object.entries(expected.fields ?? {})) expect(item[k] ?? null, k).toEqual(v);
    // Nothing moved: the given license's counters, applied terms and shipments, or the shipment's counts.
    if (c.given) expect(after.get(c.id), 'given items after the rejection').toEqual(before.get(c.id));
    expect(o?.alerts.length, 'ops alerts about the item').toBeGreaterThanOrEqual(1);
    expect(o?.alerts.map((a) => [a.subject, a.attributes.severity])).toContainEqual([
      expected.subject,
      expected.severity,
    ]);
    // SNS refuses subjects with line breaks or control characters.
    for (const a of o?.alerts ?? []) expect(a.subject).not.toMatch(/\p{Cc}/u);
  });

  it('prepares each given license with its shipments released or held as the case says', () => {
    for (const c of definitions) {
      if (!c.given || !('license' in c.given) || !c.given.license.shipments) continue;
      const b = before.get(c.id) as { shipments: RawItem[] };
      expect(
        b.shipments.map((x) => (x.countedStatus === 'RELEASED' ? 'RELEASED' : x.holdReason)),
        c.id,
      ).toEqual(c.given.license.shipments.map((x) => x.becomes));
    }
  });

  it('delivers each bad item in the same stream batch as a good one', () => {
    for (const c of definitions) {
      if (observed.get(c.id)?.error) continue;
      const bad = idOf(c.write);
      const good = partner.get(c.id) ?? '';
      expect(
        batches.some((b) => b.has(bad) && b.has(good)),
        `${c.id}: ${bad} and ${good} in one batch`,
      ).toBe(true);
    }
  });

  it('processes the good item written next to every bad one', async () => {
    expect(goods.length).toBeGreaterThanOrEqual(definitions.length);
    for (const g of goods) {
      const item = g.table === 'licenses' ? await s.license(g.id) : await s.shipment(g.id);
      if (g.table === 'licenses')
        expect(item, g.id).toMatchObject({ status: 'PENDING', appliedStatus: 'PENDING' });
      else
        expect(item, g.id).toMatchObject({
          status: 'HELD',
          countedStatus: 'HELD',
          holdReason: 'LICENSE_PENDING',
        });
      expect(item.statusError, g.id).toBeUndefined();
    }
  });

  it('sends no batch to a DLQ and breaks no invariant', () => {
    expect(dlq.map((m) => m.body)).toEqual([]);
    expect(violations).toEqual([]);
  });
});

it.runIf(RECORD)('records the outcomes (CORPUS_RECORD=1)', () => {
  expect(observed.size).toBe(definitions.length);
});
