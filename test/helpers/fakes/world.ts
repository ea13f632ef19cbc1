/**
 * `memoryWorld()`: the fakes of every port over one shared store, a clock
 * that moves only when told, deterministic tokens, the Shipments and Licenses
 * streams as records the engines take, and the admin's console writes. Engine
 * unit tests (test/unit/engine) build their deps from it; no Java, no network.
 */
import {
  MemoryHistoryRepository,
  MemoryInventoryRepository,
  MemoryLicenseRepository,
} from '../../../shared/adapters/memory.js';
import { inventoryKey } from '../../../shared/domain/counters.js';
import { checkHistory } from '../../../shared/domain/history-invariant.js';
import { type CheckOptions, checkInvariants, type Violation } from '../../../shared/domain/invariants.js';
import type { Inventory, License, Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import type { LicenseEngineDeps } from '../../../shared/engine/license-engine.js';
import {
  type ShipmentEngineDeps,
  type ShipmentRecord,
  shipmentRecordOf,
} from '../../../shared/engine/shipment-engine.js';
import { asAccepted, NOW } from '../factories.js';
import { RecordingAlerter, RecordingPublisher } from './messaging.js';
import { MemoryShipmentRepository } from './shipment-repository.js';
import { MemoryStore, type StreamEntry, type TableName } from './store.js';
import { MemoryTallyRepository } from './tally-repository.js';

export { MemoryValidationError } from '../../../shared/adapters/memory/update.js';
export { type Published, RecordingAlerter, RecordingPublisher } from './messaging.js';
export { MemoryStore, type StreamEntry } from './store.js';
export {
  MemoryHistoryRepository,
  MemoryInventoryRepository,
  MemoryLicenseRepository,
  MemoryShipmentRepository,
  MemoryTallyRepository,
};

/** The settling delay the engines get unless a test says otherwise (SETTLE_DELAY_MS). */
export const SETTLE_DELAY_MS = 30_000;

export type MemoryWorld = ReturnType<typeof memoryWorld>;

/** A fresh world whose clock stands at `now` (default: the factories' NOW). */
export function memoryWorld(options: { now?: string | Date } = {}) {
  let now = new Date(options.now ?? NOW);
  const store = new MemoryStore(() => new Date(now));
  // The memory adapters `license simulate` runs on, over the store, every call logged and staged through it.
  const licenses = new MemoryLicenseRepository(store, store.repositoryOptions);
  const shipments = new MemoryShipmentRepository(store);
  const inventory = new MemoryInventoryRepository(store, store.repositoryOptions);
  const history = new MemoryHistoryRepository(store, store.repositoryOptions);
  const alerter = new RecordingAlerter(store);
  const publisher = new RecordingPublisher(store);
  const tallies = new MemoryTallyRepository(store);
  let tokens = 0;
  const newToken = () => `tok-${++tokens}`;
  const taken = { licenses: 0, shipments: 0 };
  const take = (table: 'licenses' | 'shipments'): StreamEntry[] => {
    const fresh = store.streams[table].slice(taken[table]);
    taken[table] = store.streams[table].length;
    return fresh;
  };

  return {
    store,
    licenses,
    shipments,
    inventory,
    history,
    alerter,
    publisher,
    tallies,
    /** Fault hooks: `failNext(op)`, `beforeNext(op, fn)`, `before(op, fn)`; ops are named `port.method`. */
    faults: store,
    now: () => new Date(now),
    setNow(at: string | Date) {
      now = new Date(at);
    },
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    newToken,

    /** Deps of applyLicense over this world. */
    licenseDeps(overrides: Partial<LicenseEngineDeps> = {}): LicenseEngineDeps {
      return {
        licenses,
        shipments,
        inventory,
        alerter,
        now: () => new Date(now),
        newToken,
        settleDelayMs: SETTLE_DELAY_MS,
        digests: { tallies, publisher },
        ...overrides,
      };
    },

    /** Deps of processShipmentRecords over this world. */
    shipmentDeps(overrides: Partial<ShipmentEngineDeps> = {}): ShipmentEngineDeps {
      return {
        shipments,
        licenses,
        inventory,
        alerter,
        publisher,
        history,
        newToken,
        now: () => new Date(now),
        ...overrides,
      };
    },

    /** The admin's writes: plain PutItem / UpdateItem / DeleteItem, each a stream record, no `changedBy`. */
    console: {
      put(table: TableName, item: License | Shipment | Inventory | RawItem) {
        store.put(table, item as RawItem);
      },
      edit(table: TableName, key: string, attribute: string, value: unknown) {
        const current = store.get(table, key) ?? {};
        store.write(table, key, { ...current, [attribute]: structuredClone(value) });
      },
      remove(table: TableName, key: string) {
        store.delete(table, key);
      },
    },

    /** Items written directly, without stream records: the starting state of a test. */
    seed: {
      /**
       * A license as seeded; one with an `appliedStatus` and no
       * `appliedChanges` as the system leaves it (I6): that decision counted,
       * and its LICENSE_<appliedStatus> entry in History.
       */
      license(license: License | RawItem) {
        const raw = license as RawItem;
        if (typeof raw.appliedStatus !== 'string' || raw.appliedChanges !== undefined) {
          store.seed('licenses', raw);
          return;
        }
        store.seed('licenses', { ...raw, appliedChanges: 1 });
        store.seed('history', seededDecision(String(raw.licenseId), raw.appliedStatus));
      },
      inventory(...items: Inventory[]) {
        for (const item of items) store.seed('inventory', item);
      },
      /**
       * Shipments as shipment-events' intake leaves them (countedStatus HELD, held
       * index keys, revision 1), with the Inventory counters that hold them.
       */
      accepted(list: readonly Shipment[]) {
        for (const s of list) {
          store.seed('shipments', asAccepted(s));
          const inv = store.tables.inventory.get(inventoryKey(s));
          if (!inv) throw new Error(`seed the Inventory item ${s.sku}/${s.warehouseId} first`);
          inv.held = Number(inv.held ?? 0) + s.quantity;
        }
      },
    },

    license: (licenseId: string): RawItem => mustRead(store, 'licenses', licenseId),
    shipment: (shipmentId: string): RawItem => mustRead(store, 'shipments', shipmentId),
    counters: (sku: string, warehouseId: string): RawItem =>
      mustRead(store, 'inventory', inventoryKey({ sku, warehouseId })),
    /** Every item of a table, in key order. */
    items: (table: TableName): RawItem[] => store.all(table),

    /** Shipments stream records written since the last call, as shipment-events receives them. */
    shipmentRecords: (): ShipmentRecord[] => take('shipments').map(shipmentRecordOf),
    /** Every Shipments stream record so far (to deliver a whole history again). */
    shipmentHistory: (): ShipmentRecord[] => store.streams.shipments.map(shipmentRecordOf),
    /** Licenses stream records written since the last call. */
    licenseRecords: (): StreamEntry[] => take('licenses'),

    /**
     * I1–I3 over the whole store (shared/domain/invariants.ts), judged as a quiescent store at the
     * world's clock by default: a license with RELEASED shipments must be valid now, and every shipment
     * counted or rejected (I5). A test that looks mid-work passes `{}`.
     */
    violations(options: CheckOptions = { quiescentAt: new Date(now) }): Violation[] {
      return checkInvariants(
        {
          licenses: store.all('licenses'),
          shipments: store.all('shipments'),
          inventory: store.all('inventory'),
        },
        options,
      ).violations;
    },

    /** History entries in key order (licenseId, then entryId: time order within a license). */
    entries: (): RawItem[] => store.all('history'),

    /** I6 over the whole store (shared/domain/history-invariant.ts); seeded items have no entries. */
    historyViolations(): Violation[] {
      return checkHistory({
        licenses: store.all('licenses'),
        shipments: store.all('shipments'),
        entries: store.all('history'),
      });
    },
  };
}

const SEEDED_ENTRY_ID = '2000-01-01T00:00:00.000Z#license#seeded';
/** Whether a History entry is a seeded license's decision (seed.license), not one the test made. */
export const isSeededEntry = (e: RawItem): boolean => e.entryId === SEEDED_ENTRY_ID;

/** The History entry of a seeded license's applied status: made before any test's clock. */
const seededDecision = (licenseId: string, status: string): RawItem => ({
  licenseId,
  entryId: SEEDED_ENTRY_ID,
  at: '2000-01-01T00:00:00.000Z',
  eventType: `LICENSE_${status}`,
  actor: 'clearance',
  status,
  previousStatus: null,
});

function mustRead(store: MemoryStore, table: TableName, key: string): RawItem {
  const item = store.get(table, key);
  if (!item) throw new Error(`${table} item ${key.replace('\u0000', '/')} does not exist`);
  return item;
}
