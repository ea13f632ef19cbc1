import type { CounterDelta } from './counters.js';
import type { TallyNotice, TallyTarget } from './event-tally.js';
import type { Attributed, Decision, HistoryEntry, LastDecision } from './history.js';
import type { HoldReason, License, Shipment, ShipmentStatus } from './model.js';
import type { LicenseTerms } from './terms.js';

/**
 * Ports: what the engines need from storage and messaging. The DynamoDB and
 * SNS adapters in shared/adapters implement them; the domain never sees the SDK.
 */

/** A raw item as stored (attribute name → value), before validation. */
export type RawItem = Record<string, unknown>;

/** One Shipments stream record, already unmarshalled. */
export interface ShipmentRecord {
  /** The record's sequence number, reported back as a batch item failure. */
  sequence: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  shipmentId: string;
  oldImage?: RawItem;
  newImage?: RawItem;
  /** When the change was written (ISO). */
  at: string;
}

/** One shipment's conditional change plus the counters and license units it moves. */
export interface ShipmentWrite {
  shipmentId: string;
  /** Attributes to set. `changedBy` is added by the adapter. */
  set: Record<string, unknown>;
  /** Attributes to remove. */
  remove?: readonly string[];
  /** Increment `revision`: this is a committed change customers are told about. */
  bumpRevision: boolean;
  /** Conditions: attribute equals value; `null` means the attribute must not exist. */
  expect: Record<string, unknown>;
  counters?: { sku: string; warehouseId: string; delta: CounterDelta };
  /** Change to the license's drawdown: `releasedQuantity` by `quantity`, `releasedValue` by `value`. */
  license?: { licenseId: string; quantity: number; value: number };
  /**
   * Who decided the change, for its History entry: with `bumpRevision`, the
   * adapter stamps it on the item as `decision`, with `changedAt`.
   */
  decision?: Decision;
  /** A license pass's change: what it adds to its event's tally (shared/domain/event-tally.ts). */
  notice?: TallyNotice;
}

/**
 * A license decision (a status applied, an amendment) committed in one
 * transaction with its History entry: the license keeps `lastDecision` and
 * counts it in `appliedChanges`, and keeps in `attributed` the `updatedBy`
 * and `statusReason` the entry named (a later edit counts them only if it
 * sets them anew). The write also requires both to be what the decision read.
 */
export interface DecisionRecord {
  entry: HistoryEntry;
  lastDecision: LastDecision;
  /** System attributes the decision sets afresh in the same write (an approval's `drawdownAlerted`). */
  set?: Record<string, unknown>;
  /** Attributes `set` was worked out from, required still to be as read (null: absent). */
  expect?: Record<string, unknown>;
}

/** Conditions on the license a batch of writes releases units from. */
export interface LicenseGuard {
  licenseId: string;
  /** attribute equals value */
  expect: Record<string, unknown>;
  /** `releasedQuantity` after the write must not exceed this. */
  authorizedQuantity: number;
  /** `releasedValue` after the write must not exceed this (the value limit with its tolerance); undefined: none. */
  valueCap?: number;
  /**
   * The license event's tally: each transaction adds its writes' notices to it
   * in one more action (shared/domain/event-tally.ts). Undefined: no tally.
   */
  tally?: TallyTarget;
}

/** Result of committing writes: which were written, and which were skipped because their own condition no longer held. */
export interface CommitResult {
  committed: ShipmentWrite[];
  skipped: ShipmentWrite[];
  /** TransactWriteItems attempts made (a retried transaction counts each attempt). */
  transactions?: number;
  /** Attempts cancelled with `TransactionConflict` (and retried): the conflict rate is conflicts / transactions. */
  conflicts?: number;
}

export interface ShipmentPage {
  items: RawItem[];
  /** holdOrder of the last item, to continue after; undefined when the index is exhausted. */
  next?: string;
}

export interface LicenseRepository {
  get(licenseId: string): Promise<RawItem | undefined>;
  /**
   * Commits to doing the work of `status` under `terms`: sets appliedStatus,
   * appliedTerms and pendingWork. False if the license changed meanwhile.
   */
  startWork(
    licenseId: string,
    from: string | undefined,
    to: string,
    token: string,
    terms: LicenseTerms,
    record: DecisionRecord,
  ): Promise<boolean>;
  /**
   * Commits to an amendment of an applied license: sets appliedTerms to `to`
   * and a new pendingWork, if the applied status is still `appliedStatus` and
   * the applied terms still `from` (undefined: none kept yet). False otherwise.
   */
  amend(
    licenseId: string,
    appliedStatus: string,
    from: LicenseTerms | undefined,
    to: LicenseTerms,
    token: string,
    record: DecisionRecord,
  ): Promise<boolean>;
  /**
   * Writes back an illegal amendment: sets each `revert` attribute (null:
   * removes it) and `statusError`, if each is still the value `found`, with
   * the rejection's History `entry` in the same transaction; `attributed` is
   * what the entry attributed (see DecisionRecord).
   */
  revertTerms(
    licenseId: string,
    revert: Readonly<Record<string, unknown>>,
    found: Readonly<Record<string, unknown>>,
    statusError: string,
    entry: HistoryEntry,
    attributed: Attributed,
  ): Promise<boolean>;
  /**
   * Work finished: removes pendingWork if it is still `token`, and sets (or
   * removes, when undefined) `waitingForValidFrom` and `settleCheckAt`.
   */
  finishWork(
    licenseId: string,
    token: string,
    after: { waitingForValidFrom?: string | undefined; settleCheckAt?: string | undefined },
  ): Promise<boolean>;
  /** Out of time: hands the rest of the work to a later invocation through the stream. */
  continueWork(licenseId: string, token: string, next: string, cursor?: string): Promise<boolean>;
  /**
   * Asks for a release pass on an APPROVED license (new shipment, freed units, validFrom reached),
   * replacing any running pass; an amendment's pass stays one (AMEND_TOKEN_PREFIX is kept).
   */
  requestRelease(licenseId: string, token: string): Promise<boolean>;
  /**
   * Asks for another pass of the work of `appliedStatus` (release, re-hold or relabel), if the
   * license still has that applied status: a shipment was set back to a status a running pass skipped.
   * Replaces any running pass as requestRelease does.
   */
  requestPass(licenseId: string, appliedStatus: string, token: string): Promise<boolean>;
  /**
   * The clock's settling pass: like requestPass, if no work is pending and
   * `settleCheckAt` is still the value read; removes `settleCheckAt`.
   */
  requestSettlePass(
    licenseId: string,
    appliedStatus: string,
    settleCheckAt: string,
    token: string,
  ): Promise<boolean>;
  /**
   * Records why the current `status` was rejected, if `status` is still
   * `status`, with the rejection's History `entry` in the same transaction and
   * `attributed`, what the entry attributed.
   */
  reject(
    licenseId: string,
    status: unknown,
    statusError: string,
    entry: HistoryEntry,
    attributed: Attributed,
  ): Promise<boolean>;
  clearError(licenseId: string): Promise<void>;
  /**
   * Sets a new status as the clock or CLI would, if `status` is still `from`
   * (null: absent; a rejected typo is matched as it stands) and each attribute
   * of `unchanged` still has the value the decision was taken on (an expiry
   * names the `validUntil` it found passed: an extension typed meanwhile wins).
   */
  setStatus(
    licenseId: string,
    from: unknown,
    to: string,
    reason: string,
    by: string,
    unchanged?: Readonly<Record<string, unknown>>,
  ): Promise<boolean>;
  /**
   * Records a compliance alert as sent (alert first, then this: a crash in
   * between repeats the alert, never loses it): sets `attribute` to `value`
   * if each `expect` entry holds (the attribute of that name, a dot in it
   * included, equals value; null: absent). False if one does not.
   */
  recordAlerted(
    licenseId: string,
    attribute: AlertRecordAttribute,
    value: Record<string, unknown>,
    expect: Record<string, unknown>,
  ): Promise<boolean>;
  scan(): AsyncIterable<RawItem[]>;
  batchGet(licenseIds: readonly string[]): Promise<Map<string, RawItem>>;
  /**
   * The first license decision History holds under `licenseId` (an entry
   * `LICENSE_*`: a status applied or an amendment), oldest first; undefined
   * when it holds none. A decision commits in one transaction with the
   * item's `appliedStatus`, and History is append-only, so one found for an
   * item without `appliedStatus` is a durable trace that the item replaces a
   * license the system applied (deleted and created again, or put whole).
   * Read strongly consistent, once per never-applied item judged. Optional:
   * a repository without History (the CLI's simulation over a snapshot) has
   * none, and the engine then knows a replacement only by its RELEASED
   * shipments; the DynamoDB adapter throws if it has no History table.
   */
  firstDecision?(licenseId: string): Promise<{ eventType: string; at: string } | undefined>;
  /**
   * Writes back an overwritten license item whose put was already rejected
   * and entered (refused as a replacement of the license): sets each
   * `revert` attribute (null: removes it) and `statusError`, if each `found`
   * attribute is still that value (null: absent), as revertTerms does but
   * with no new History entry, so that one rejected put has one entry (I6).
   * Optional: without it the write-back enters the put again (revertTerms).
   */
  restoreRefused?(
    licenseId: string,
    revert: Readonly<Record<string, unknown>>,
    found: Readonly<Record<string, unknown>>,
    statusError: string,
  ): Promise<boolean>;
}

/** License attributes that record compliance alerts sent (docs/system-attributes.md). */
export type AlertRecordAttribute = 'drawdownAlerted' | 'expiryAlerted';

export interface ShipmentRepository {
  /**
   * HELD (or RELEASED) shipments of a license in hold order after `after`, or
   * (`backward`) in reverse hold order before it: a lowered limit re-holds the
   * last in line first.
   */
  page(
    index: 'held' | 'released',
    licenseId: string,
    after: string | undefined,
    limit: number,
    order?: 'forward' | 'backward',
  ): Promise<ShipmentPage>;
  /** Commits writes in transactions of up to 100 actions; see CommitResult. Throws ConflictError if the guard fails. */
  commit(writes: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult>;
  /**
   * Single conditional update outside any transaction (rejections, reverts);
   * with `entry`, in one transaction with that new History entry. False if a
   * condition failed.
   */
  update(write: ShipmentWrite, entry?: HistoryEntry): Promise<boolean>;
  /** One shipment, read strongly consistent (undefined when there is none). */
  get(shipmentId: string): Promise<RawItem | undefined>;
  scan(): AsyncIterable<RawItem[]>;
  /** HELD shipments of a license counted by holdReason (reads only that attribute). */
  countHeldByReason(licenseId: string): Promise<Map<string, number>>;
  /** The HELD shipments of a license: how many, their units and value (reads only those attributes). */
  sumHeld(licenseId: string): Promise<{ shipments: number; units: number; value: number }>;
}

export interface InventoryRepository {
  /** Which of these (sku, warehouse) pairs have an Inventory item. */
  existing(keys: readonly { sku: string; warehouseId: string }[]): Promise<Set<string>>;
  scan(): AsyncIterable<RawItem[]>;
  skuExists(sku: string): Promise<boolean>;
}

/** The Tallies table (license events' digests, shared/domain/event-tally.ts); transactions add to it through `commit`. */
export interface TallyRepository {
  /** Every tally item of a license (strongly consistent). */
  list(licenseId: string): Promise<RawItem[]>;
  /** Deletes a tally once its digests are sent, if `transactions` is still the value read. False otherwise. */
  remove(licenseId: string, event: string, transactions: number): Promise<boolean>;
}

/** A message for admins on the ops topic. */
export interface OpsAlert {
  subject: string;
  message: string;
  severity: 'high' | 'normal';
  /** The item the alert is about, e.g. { licenseId }. */
  subjectKey: Record<string, string>;
  /** A compliance alert's type (`LICENSE_DRAWDOWN`, `LICENSE_EXPIRING`): the `alertType` attribute subscribers filter on. */
  alertType?: string;
}

export interface Alerter {
  alert(alerts: readonly OpsAlert[]): Promise<void>;
}

/** One outgoing message to a topic. `id` is unique within one call. */
export interface OutgoingMessage {
  id: string;
  subject?: string;
  body: string;
  attributes: Record<string, string>;
  /** Dedup keys of the shipment changes this message reports, to map a failed send back to its stream records. */
  covers: readonly string[];
}

export interface Publisher {
  /** Publishes in batches of 10, retrying failed entries; returns the ids that still failed. */
  publish(topic: 'customer' | 'logistics', messages: readonly OutgoingMessage[]): Promise<Set<string>>;
}

export type { HoldReason, License, Shipment, ShipmentStatus };

/** The History table, as the writers see it: append only. */
export interface HistoryRepository {
  /**
   * Appends entries, each only if its `entryId` is not there yet: a
   * redelivered or retried change finds its entry and leaves it as it is.
   * When some entries could not be written it throws a HistoryAppendError
   * naming them (the rest are there); any other error may mean none is.
   */
  append(entries: readonly HistoryEntry[]): Promise<void>;
  /**
   * The latest entry of a committed change of shipment `shipmentId` (a
   * shipment event, not a rejected edit), read from the `byShipment` index;
   * undefined when History has none. shipment-events asks it only for a
   * MODIFY record of a shipment that carries no `countedStatus`: whether the
   * system counted it before (an overwrite whose own record it never judged).
   * Optional: a writer that never asks (shipment-history) has no read; without
   * it such a record fails its batch (a ConfigError) rather than be taken in
   * unread (shipment-traces.ts).
   */
  lastShipmentChange?(shipmentId: string): Promise<HistoryEntry | undefined>;
}

/** History as auditors' tools read it, whole (no handler's role may scan it). */
export interface HistoryReader {
  scan(): AsyncIterable<RawItem[]>;
}
