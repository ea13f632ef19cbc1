/**
 * Property-based test of console saves. A memory world
 * with two licenses and a backlog gets random console saves, each changing
 * several attributes at once (status legal, illegal, typo'd case or pasted
 * whitespace; terms valid or not: a number typed as a String, negative,
 * fractional, a swapped window; identity fields; a shipment's value,
 * priority, requestedAt, licenseId or warehouseId; system attributes;
 * whole-item puts of stale copies; deletes), interleaved with the system
 * settling (license-events as the handler runs it, shipment-history,
 * shipment-events, the clock with its expiry watch) and the clock moving on.
 *
 * After each settled step: I1–I3, I5 and I6 through the world's checkers; no
 * license left with work pending or a status neither applied nor rejected;
 * an applied license's terms are its applied terms. After a step of one
 * save: an alert that says 'No shipment or counter moved' / 'no counter
 * moved' was right (no shipment status, counter or drawn total moved), a
 * rejected save has exactly one EDIT_REJECTED entry, and a rejected save
 * released nothing.
 *
 * SEEDS=N (default 200), FROM=N; COLLECT=1 runs every seed and lists the
 * failures; MINIMISE=1 also shrinks each failing seed's operations (greedy,
 * one at a time, keeping the same kind of failure) and prints them as JSON
 * for replay(); DEBUG=1 prints the world after each replayed operation.
 *
 * Left out as documented: releasedQuantity/releasedValue, countedStatus and
 * revision typed by hand, and an older copy of a license that keeps
 * appliedStatus (SECURITY.md, "Admins can forge system attributes"); a
 * deleted shipment is put back as the runbook says. Not left out, and seen
 * past seed 700 (750, 805, 1528, 3561): a license pass acting on an old
 * shipment copy before shipment-events sets it back (ARCHITECTURE.md, "A
 * known hole, left open").
 *
 * What it found, each now a test of its own:
 * shipment-overwrite-saves-before-put.test.ts (seeds 195, 304, 981, 998,
 * 3444) and license-rejected-save-pass.test.ts (1355, 1982). Past the default
 * seeds: 639 (a hand-typed releasedAt, a forgeable system attribute,
 * SECURITY.md) and the known hole above.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../local/random.js';
import { isSettledImage } from '../../../shared/domain/license-rules.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import {
  AMENDABLE_TERMS,
  appliedTermsOf,
  IDENTITY_TERMS,
  sameInstant,
} from '../../../shared/domain/terms.js';
import { clockTick } from '../../../shared/engine/clock.js';
import { applyLicenses } from '../../../shared/engine/license-batch.js';
import { licenseRemoved } from '../../../shared/engine/license-engine.js';
import { isOverwrite, licenseOverwritten } from '../../../shared/engine/license-overwrite.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import { aLicense, anInventory, aShipmentFor } from '../../helpers/factories.js';
import { clockWatchOf } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function random(seed: number) {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
  return { int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

// ------------------------------------------------------------------ the system

/** license-events on every Licenses record since the last call, as functions/license-events.ts handles them. */
async function licenseEvents(w: MemoryWorld): Promise<boolean> {
  const records = w.licenseRecords();
  if (records.length === 0) return false;
  const first: string[] = [];
  const applied = new Set<string>();
  for (const rec of records) {
    const newImage = rec.newImage;
    const oldImage = newImage?.appliedStatus === undefined ? rec.oldImage : undefined;
    if (rec.eventName === 'REMOVE') {
      await licenseRemoved(w.licenseDeps(), rec.key, oldImage);
      applied.delete(rec.key);
      continue;
    }
    if (isOverwrite(oldImage, newImage))
      await licenseOverwritten(w.licenseDeps(), rec.key, oldImage, newImage);
    if (newImage?.appliedStatus !== undefined) applied.add(rec.key);
    if (!isSettledImage(newImage) && !first.includes(rec.key)) first.push(rec.key);
  }
  const results = await applyLicenses(w.licenseDeps(), first, Date.now() + 60_000, {
    concurrency: 4,
    applied,
  });
  for (const r of results) if (!r.ok) throw r.error;
  return true;
}

/** Both Shipments stream consumers on every record since the last call. */
async function shipmentStream(w: MemoryWorld): Promise<boolean> {
  const records = w.shipmentRecords();
  if (records.length === 0) return false;
  await recordShipmentHistory(w.shipmentDeps(), records);
  await processShipmentRecords(w.shipmentDeps(), records);
  return true;
}

/** One license-events invocation out of time after its first write: the next save lands on a pass handed over. */
async function licenseSlice(w: MemoryWorld): Promise<void> {
  const records = w.licenseRecords();
  const ids = [...new Set(records.filter((rec) => !isSettledImage(rec.newImage)).map((rec) => rec.key))];
  const pending = w
    .items('licenses')
    .filter((l) => l.pendingWork !== undefined)
    .map((l) => String(l.licenseId));
  const all = [...new Set([...ids, ...pending])];
  if (all.length === 0) return;
  const results = await applyLicenses(w.licenseDeps({ pageSize: 1 }), all, Date.now() - 1, {
    concurrency: 4,
  });
  for (const r of results) if (!r.ok) throw r.error;
}

/** The whole system until nothing is left; the clock jumps to a settling pass's time only. */
async function settle(w: MemoryWorld): Promise<void> {
  for (let round = 0; round < 300; round++) {
    if (await shipmentStream(w)) continue;
    if (await licenseEvents(w)) continue;
    const tick = await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
    if (tick.expired.length + tick.woken.length + tick.settling.length > 0) continue;
    const due = w
      .items('licenses')
      .map((l) => (l.settleCheckAt === undefined ? Number.NaN : Date.parse(String(l.settleCheckAt))))
      .filter((t) => Number.isFinite(t) && t > w.now().getTime());
    if (due.length === 0) return;
    w.setNow(new Date(Math.min(...due)));
  }
  throw new Error('did not settle');
}

// ------------------------------------------------------------------ the world

const LICENSES = ['LIC-A', 'LIC-B'] as const;

function buildWorld(seed: number, r: Random) {
  const w = memoryWorld();
  const sku = `SKU-${seed}`;
  const now = w.now().getTime();
  w.seed.inventory(anInventory({ sku, warehouseId: 'WH-1' }), anInventory({ sku, warehouseId: 'WH-2' }));
  const licenses = LICENSES.map((licenseId, i) =>
    aLicense({
      licenseId,
      sku,
      customerId: i === 0 ? 'CUST-1' : 'CUST-2',
      status: 'PENDING',
      authorizedQuantity: r.pick([10, 20, 40]),
      ...(r.chance(0.5)
        ? { authorizedValue: r.pick([1000, 3000]), valueTolerancePercent: r.pick([0, 10]) }
        : {}),
      validFrom: iso(now - 30 * DAY),
      validUntil: iso(now + 200 * DAY),
    }),
  );
  for (const l of licenses) w.console.put('licenses', l);
  let n = 0;
  const newShipment = (): RawItem => {
    const l = r.pick(licenses);
    const quantity = r.pick([1, 2, 3, 5, 8]);
    return aShipmentFor(l, {
      shipmentId: `SHP-${++n}`,
      quantity,
      priority: r.int(1, 3),
      requestedAt: r.pick(['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z']),
      warehouseId: r.pick(['WH-1', 'WH-2']),
      ...(r.chance(0.85) ? { value: quantity * r.pick([50, 100, 200]) } : {}),
    }) as unknown as RawItem;
  };
  for (let i = r.int(3, 8); i > 0; i--) w.console.put('shipments', newShipment());
  return { w, sku, newShipment };
}

// ------------------------------------------------------------------ the operations

/** One thing that happens, as data: the random run records them, a replay (and the minimiser) applies them again. */
type Op =
  | { t: 'save'; table: 'licenses' | 'shipments'; key: string; set: RawItem; remove: string[] }
  | { t: 'put'; table: 'licenses' | 'shipments'; item: RawItem; note: string }
  | { t: 'deletePutBack'; key: string }
  | { t: 'advance'; ms: number }
  | { t: 'shipments' }
  | { t: 'slice' }
  | { t: 'setBack'; key: string }
  | { t: 'mark' }
  | { t: 'settle'; saves: number };

/** What the world looked like when the step began (a `mark`), for the settle that ends it. */
const marks = new WeakMap<
  MemoryWorld,
  { moved: string; released: Set<string>; alerts: number; entries: number }
>();
const snapshot = (w: MemoryWorld) => ({
  moved: moved(w),
  released: releasedIds(w),
  alerts: w.alerter.alerts.length,
  entries: w.entries().filter((e) => e.eventType === 'EDIT_REJECTED').length,
});

function describeOp(op: Op): string {
  switch (op.t) {
    case 'save':
      return `${op.table === 'licenses' ? 'license' : 'shipment'} ${op.key} save ${[
        ...Object.entries(op.set)
          .filter(([k]) => k !== 'updatedBy')
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`),
        ...op.remove.map((k) => `${k}=(removed)`),
      ].join(' ')}`;
    case 'put':
      return op.note;
    case 'deletePutBack':
      return `delete ${op.key} and put it back`;
    case 'advance':
      return `clock +${op.ms / HOUR}h`;
    case 'setBack':
      return `${op.key} status set back`;
    case 'settle':
      return '[settle]';
    case 'mark':
      return '|';
    default:
      return `[${op.t}]`;
  }
}

/** Applies `op`; a settle runs the checks (`label` names the run so far). */
async function execute(w: MemoryWorld, op: Op, label: string): Promise<void> {
  if (op.t === 'save') {
    const current = w.store.get(op.table, op.key);
    if (!current) return;
    const next: RawItem = { ...structuredClone(current), ...structuredClone(op.set) };
    for (const k of op.remove) delete next[k];
    w.store.write(op.table, op.key, next);
  } else if (op.t === 'put') w.store.put(op.table, structuredClone(op.item));
  else if (op.t === 'deletePutBack') {
    const item = w.store.get('shipments', op.key);
    if (!item) return;
    const copy = structuredClone(item);
    w.console.remove('shipments', op.key);
    await settle(w);
    w.console.put('shipments', copy);
  } else if (op.t === 'advance') w.advance(op.ms);
  else if (op.t === 'shipments') await shipmentStream(w);
  else if (op.t === 'slice') await licenseSlice(w);
  else if (op.t === 'setBack') {
    const l = w.store.get('licenses', op.key);
    if (!l || l.status === l.appliedStatus || l.statusError === undefined) return;
    w.console.edit('licenses', op.key, 'status', l.appliedStatus);
    await settle(w);
    checkSettled(w, label);
  } else if (op.t === 'mark') marks.set(w, snapshot(w));
  else if (op.t === 'settle') {
    const mark = marks.get(w) ?? snapshot(w);
    marks.delete(w);
    const before = mark.moved;
    const releasedBefore = mark.released;
    const alertsBefore = mark.alerts;
    const entriesBefore = mark.entries;
    await settle(w);
    checkSettled(w, label);
    const alerts = w.alerter.alerts.slice(alertsBefore);
    const rejectedEntries = w.entries().filter((e) => e.eventType === 'EDIT_REJECTED').length - entriesBefore;
    const rejectionAlerts = alerts.filter(
      (a) => a.alertType === undefined && /rejected|was deleted|set back/i.test(a.subject),
    );
    if (op.saves === 1) {
      const nothing = alerts.filter((a) => NOTHING_MOVED.test(a.message));
      if (nothing.length > 0)
        expect(moved(w), `${label}: an alert said nothing moved: "${nothing[0]?.subject}"`).toBe(before);
      if (rejectionAlerts.length > 0) {
        expect(rejectedEntries, `${label}: EDIT_REJECTED entries for one rejected save`).toBe(1);
        const newlyReleased = [...releasedIds(w)].filter((id) => !releasedBefore.has(id));
        expect(newlyReleased, `${label}: released by a rejected save`).toEqual([]);
      }
    }
    expect(
      rejectedEntries,
      `${label}: EDIT_REJECTED entries vs rejection alerts ${JSON.stringify(rejectionAlerts.map((a) => a.subject))}`,
    ).toBe(rejectionAlerts.length);
  }
}

// ------------------------------------------------------------------ the saves

const LEGAL: Record<string, readonly string[]> = {
  PENDING: ['APPROVED', 'APPROVED', 'DENIED'],
  APPROVED: ['SUSPENDED', 'SUSPENDED', 'REVOKED', 'EXPIRED'],
  SUSPENDED: ['APPROVED', 'APPROVED', 'REVOKED', 'EXPIRED'],
};

function licenseStatus(r: Random, applied: string): string {
  const legal = LEGAL[applied] ?? [];
  if (legal.length > 0 && r.chance(0.6)) return r.pick(legal);
  return r.pick([
    'APPROVED',
    'PENDING',
    'SUSPENDED',
    'Approved',
    ' APPROVED',
    'APPROVED\n',
    'DENIED',
    'approved',
  ]);
}

/** A console save of several license attributes at once: what it set, for the trail. */
function licenseSave(w: MemoryWorld, r: Random, licenseId: string): Op | undefined {
  const current = w.store.get('licenses', licenseId);
  if (!current) return undefined;
  const now = w.now().getTime();
  const op: Op = { t: 'save', table: 'licenses', key: licenseId, set: {}, remove: [] };
  const set = (k: string, v: unknown) => {
    if (v === undefined) op.remove.push(k);
    else op.set[k] = v;
  };
  const attributes = [
    'status',
    'status',
    'q',
    'q',
    'v',
    'tol',
    'from',
    'until',
    'swap',
    'identity',
    'system',
  ];
  const chosen = new Set<string>();
  for (let k = r.int(2, 3); k > 0; k--) chosen.add(r.pick(attributes));
  for (const a of chosen) {
    if (a === 'status') set('status', licenseStatus(r, String(current.appliedStatus)));
    if (a === 'q') set('authorizedQuantity', r.pick([5, 15, 30, 60, '30', -1, 0, 2.5]));
    if (a === 'v') set('authorizedValue', r.pick([800, 2000, 6000, '6000', -1, undefined]));
    if (a === 'tol') set('valueTolerancePercent', r.pick([0, 10, 25, 30, '5']));
    if (a === 'from')
      set(
        'validFrom',
        r.pick([iso(now - 60 * DAY), iso(now + 3 * DAY), String(current.validFrom).replace('.000Z', 'Z')]),
      );
    if (a === 'until')
      set('validUntil', r.pick([iso(now + 3 * DAY), iso(now + 300 * DAY), iso(now - 2 * DAY)]));
    if (a === 'swap') {
      set('validFrom', iso(now + 40 * DAY));
      set('validUntil', iso(now + 10 * DAY));
    }
    if (a === 'identity') {
      const f = r.pick(['customerId', 'sku', 'destinationCountry'] as const);
      set(f, f === 'destinationCountry' ? 'CN' : `${String(current[f])}-X`);
    }
    // releasedQuantity / releasedValue forged: documented as not caught (SECURITY.md, "Admins can forge
    // system attributes"); statusReason instead.
    if (a === 'system') set('statusReason', r.pick(['per authority letter', '']));
  }
  op.set.updatedBy = 'j.doe';
  return op;
}

const SHIPMENT_STATUSES = [
  'CANCELLED',
  'SHIPPED',
  'HELD',
  'RELEASED',
  'cancelled',
  ' SHIPPED',
  'CANCELLED\n',
  'Shipped',
];

function shipmentSave(w: MemoryWorld, r: Random): Op | undefined {
  const all = w.items('shipments');
  if (all.length === 0) return undefined;
  const current = r.pick(all);
  const id = String(current.shipmentId);
  const op: Op = { t: 'save', table: 'shipments', key: id, set: {}, remove: [] };
  const set = (k: string, v: unknown) => {
    if (v === undefined) op.remove.push(k);
    else op.set[k] = v;
  };
  const attributes = [
    'status',
    'status',
    'status',
    'value',
    'value',
    'priority',
    'requestedAt',
    'licenseId',
    'warehouseId',
    'quantity',
    'customerId',
    'system',
  ];
  const chosen = new Set<string>();
  for (let k = r.int(2, 3); k > 0; k--) chosen.add(r.pick(attributes));
  for (const a of chosen) {
    if (a === 'status') set('status', r.pick(SHIPMENT_STATUSES));
    if (a === 'value') set('value', r.pick([100, 400, 900, '300', -5, 2.5, undefined, 0]));
    if (a === 'priority') set('priority', r.pick([0, 1, 4, '2', -1, 1.5]));
    if (a === 'requestedAt')
      set('requestedAt', r.pick(['2025-12-01T00:00:00.000Z', '2026-01-03T00:00:00Z', 'yesterday']));
    if (a === 'licenseId') set('licenseId', current.licenseId === 'LIC-A' ? 'LIC-B' : 'LIC-A');
    if (a === 'warehouseId') set('warehouseId', current.warehouseId === 'WH-1' ? 'WH-2' : 'WH-1');
    if (a === 'quantity') set('quantity', r.pick([Number(current.quantity) + 1, String(current.quantity)]));
    if (a === 'customerId') set('customerId', 'CUST-OTHER');
    if (a === 'system') {
      // countedStatus and revision forged by an UpdateItem: documented as not caught (SECURITY.md).
      const f = r.pick(['countedAs', 'releasedAt', 'holdReason'] as const);
      if (f === 'countedAs' && typeof current.countedAs === 'object' && current.countedAs !== null)
        set(f, { ...(current.countedAs as RawItem), quantity: Number(current.quantity) + 7 });
      if (f === 'releasedAt') set(f, iso(w.now().getTime()));
      if (f === 'holdReason') set(f, 'LICENSE_PENDING');
    }
  }
  if (Object.keys(op.set).length + op.remove.length === 0) return undefined;
  op.set.updatedBy = 'j.doe';
  return op;
}

// ------------------------------------------------------------------ the checks

/** What a rejected save must not move: shipment statuses, counters, what licenses draw and their applied status. */
function moved(w: MemoryWorld): string {
  return JSON.stringify({
    // countedStatus, not status: the snapshot is taken after the save, whose typed status is no move.
    shipments: w.items('shipments').map((s) => [s.shipmentId, s.countedStatus]),
    inventory: w.items('inventory').map((i) => [i.warehouseId, i.held, i.released, i.shipped]),
    licenses: w
      .items('licenses')
      .map((l) => [l.licenseId, l.appliedStatus, l.releasedQuantity, l.releasedValue]),
  });
}

function releasedIds(w: MemoryWorld): Set<string> {
  return new Set(
    w
      .items('shipments')
      .filter((s) => s.countedStatus === 'RELEASED')
      .map((s) => String(s.shipmentId)),
  );
}

const NOTHING_MOVED = /No shipment or counter moved|no counter moved/;

function checkSettled(w: MemoryWorld, label: string): void {
  // A rejected status left on a license is judged by I1 until the admin sets it back (as the alert asks).
  const waiting = w
    .items('licenses')
    .some((l) => l.status !== l.appliedStatus && l.statusError !== undefined);
  const v = waiting ? [] : w.violations();
  expect(v, `${label}: I1–I3, I5 ${JSON.stringify(v)}`).toEqual([]);
  const h = w.historyViolations();
  expect(h, `${label}: I6 ${JSON.stringify(h)}`).toEqual([]);
  for (const l of w.items('licenses')) {
    const id = String(l.licenseId);
    if (!waiting) expect(l.pendingWork, `${label}: ${id} pending work left`).toBeUndefined();
    if (l.status !== l.appliedStatus)
      expect(
        l.statusError,
        `${label}: ${id} status ${String(l.status)} neither applied nor rejected`,
      ).toBeDefined();
    const applied = appliedTermsOf(l);
    if (applied === undefined || l.status !== l.appliedStatus) continue;
    for (const term of [...IDENTITY_TERMS, ...AMENDABLE_TERMS]) {
      const a = applied[term];
      const same =
        term === 'validFrom' || term === 'validUntil'
          ? sameInstant(l[term], a)
          : JSON.stringify(l[term] ?? null) === JSON.stringify(a ?? null);
      expect(
        same,
        `${label}: ${id} ${term} is ${JSON.stringify(l[term])}, applied ${JSON.stringify(a)}`,
      ).toBe(true);
    }
  }
}

// ------------------------------------------------------------------ the run

/** The world of `seed` as the run starts: two licenses (most approved), a backlog, settled. */
async function start(seed: number) {
  const r = random(seed);
  const built = buildWorld(seed, r);
  await settle(built.w);
  for (const id of LICENSES) if (r.chance(0.8)) built.w.console.edit('licenses', id, 'status', 'APPROVED');
  await settle(built.w);
  checkSettled(built.w, `seed ${seed}: start`);
  return { ...built, r };
}

/** Applies `ops` to the world of `seed`: a replay of a run, or of part of it. */
async function replay(seed: number, ops: readonly Op[]): Promise<void> {
  const { w } = await start(seed);
  const trail: string[] = [];
  const show = (what: string) =>
    process.env.DEBUG &&
    console.log(
      `${what}\n${w
        .items('licenses')
        .map(
          (l) =>
            `  ${JSON.stringify([l.licenseId, l.status, l.appliedStatus, l.authorizedQuantity, l.releasedQuantity, l.pendingWork ?? null, String(l.statusError ?? '').slice(0, 80)])}`,
        )
        .join('\n')}\n${w
        .items('shipments')
        .map(
          (x) =>
            `  ${JSON.stringify([x.shipmentId, x.licenseId, x.quantity, x.status, x.countedStatus, x.holdReason ?? null])}`,
        )
        .join('\n')}`,
    );
  show('start');
  for (const op of ops) {
    trail.push(describeOp(op));
    await execute(w, op, `seed ${seed}: ${trail.join(' → ')}`);
    show(describeOp(op));
  }
}

/** A random run of `seed`; the operations it made, and the error it failed with. */
async function run(seed: number): Promise<{ ops: Op[]; error?: Error }> {
  const { w, r, newShipment } = await start(seed);
  const ops: Op[] = [];
  const trail: string[] = [];
  const go = async (op: Op) => {
    ops.push(op);
    trail.push(describeOp(op));
    await execute(w, op, `seed ${seed}: ${trail.join(' → ')}`);
  };
  const stale: RawItem[] = [];
  try {
    for (let step = r.int(8, 16); step > 0; step--) {
      // Copies an admin keeps open in another tab, to save whole later. (An older copy of a license that
      // keeps appliedStatus is documented as taken as true: SECURITY.md.)
      if (r.chance(0.3)) {
        const items = w.items('shipments');
        if (items.length > 0) stale.push(structuredClone(r.pick(items)));
      }
      // Mostly one save settled on its own; sometimes two or three before the system is done with the first.
      const count = r.chance(0.7) ? 1 : r.int(2, 3);
      let saves = 0;
      await go({ t: 'mark' });
      for (let k = 0; k < count; k++) {
        if (k > 0) {
          const between = r.pick(['batch', 'shipments', 'slice'] as const);
          if (between !== 'batch') await go({ t: between });
        }
        const kind = r.pick([
          'license',
          'license',
          'license',
          'shipment',
          'shipment',
          'shipment',
          'shipment',
          'stale',
          'delete',
          'add',
          'clock',
        ]);
        let op: Op | undefined;
        if (kind === 'license') op = licenseSave(w, r, r.pick(LICENSES));
        else if (kind === 'shipment') op = shipmentSave(w, r);
        else if (kind === 'stale' && stale.length > 0) {
          const item = r.pick(stale);
          op = {
            t: 'put',
            table: 'shipments',
            item,
            note: `stale put of ${String(item.shipmentId)} r${String(item.revision)} ${String(item.status)}`,
          };
        } else if (kind === 'delete' && w.items('shipments').length > 0 && count === 1)
          op = { t: 'deletePutBack', key: String(r.pick(w.items('shipments')).shipmentId) };
        else if (kind === 'add') {
          const item = newShipment();
          op = {
            t: 'put',
            table: 'shipments',
            item,
            note: `add ${String(item.shipmentId)} q${String(item.quantity)} under ${String(item.licenseId)}`,
          };
          saves++;
        } else if (count === 1) {
          op = { t: 'advance', ms: r.pick([1, 30, 24 * 4, 24 * 40]) * HOUR };
          saves++;
        }
        if (op === undefined) continue;
        if (op.t === 'deletePutBack') saves++;
        saves++;
        await go(op);
      }
      await go({ t: 'settle', saves });
      // An illegal status on its own stays until the admin sets it back (as the alert asks); sometimes at once.
      for (const id of LICENSES) {
        const l = w.store.get('licenses', id);
        if (l && l.status !== l.appliedStatus && l.statusError !== undefined && r.chance(0.7))
          await go({ t: 'setBack', key: id });
      }
    }
    return { ops };
  } catch (error) {
    return { ops, error: error as Error };
  }
}

/** The kind of a failure, to keep while minimising: the check's words, without the run's trail. */
const kindOf = (e: Error) =>
  (e.message.split('\n')[0] ?? '')
    .replace(
      /^seed \d+: .*?: (?=(I1–I3|I6|EDIT_REJECTED|an alert|released by|\S+ pending|\S+ status|\S+ \w+ is))/,
      '',
    )
    .replace(/SHP-\d+|SKU-\d+|LIC-[AB]/g, 'X')
    .replace(/\d+/g, 'N')
    .slice(0, 60);

/** Drops operations one at a time while the same kind of failure remains. */
async function minimise(seed: number, ops: Op[], kind: string): Promise<Op[]> {
  let current = ops;
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = current.length - 1; i >= 0; i--) {
      const candidate = [...current.slice(0, i), ...current.slice(i + 1)];
      const error = await replay(seed, candidate).then(
        () => undefined,
        (e: Error) => e,
      );
      if (error && kindOf(error) === kind) {
        current = candidate;
        changed = true;
      }
    }
  }
  return current;
}

describe('random multi-attribute console saves on licenses and shipments', () => {
  const SEEDS = Number(process.env.SEEDS ?? 200);
  it(
    `${SEEDS} seeds: I1–I6 hold, a rejected save moves nothing, is entered once, and alerts tell the truth`,
    async () => {
      const failures: string[] = [];
      for (let seed = Number(process.env.FROM ?? 1); seed <= SEEDS; seed++) {
        const { ops, error } = await run(seed);
        if (!error) continue;
        if (process.env.MINIMISE === undefined) {
          failures.push(error.message.split('\n')[0] ?? '');
          if (process.env.COLLECT === undefined) break;
          continue;
        }
        const small = await minimise(seed, ops, kindOf(error));
        failures.push(
          `#${seed} [${kindOf(error)}]\n${JSON.stringify(small)}\n${small.map(describeOp).join(' → ')}`,
        );
      }
      if (failures.length > 0) console.log(failures.join('\n\n'));
      expect(failures).toEqual([]);
    },
    Math.max(120_000, SEEDS * 400),
  );
});
