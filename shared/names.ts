/**
 * Names shared by the CDK app, the handlers, the local stack and the tests.
 * Changing one is a schema migration: the GSI and attribute names are part of
 * the stored data.
 */

/** Sparse GSI on Shipments holding only HELD shipments, partitioned by license. */
export const HELD_INDEX = 'byLicenseHeld';
/** Sparse GSI on Shipments holding only RELEASED shipments, partitioned by license. */
export const RELEASED_INDEX = 'byLicenseReleased';

/** GSI on History: the entries of one shipment in time order (partition `shipmentId`, sort `at`). */
export const HISTORY_BY_SHIPMENT_INDEX = 'byShipment';

/** System-kept shipment attributes that key the sparse GSIs. */
export const GSI_ATTR = {
  heldLicenseId: 'heldLicenseId',
  releasedLicenseId: 'releasedLicenseId',
  holdOrder: 'holdOrder',
} as const;

/** Environment variables the functions read (see shared/config.ts). */
export const ENV = {
  licensesTable: 'LICENSES_TABLE',
  shipmentsTable: 'SHIPMENTS_TABLE',
  inventoryTable: 'INVENTORY_TABLE',
  /** The History table (the audit trail): its writers may only append to it. */
  historyTable: 'HISTORY_TABLE',
  /** The Tallies table: license events' digests still to send (license-events only). */
  talliesTable: 'TALLIES_TABLE',
  /** Comma-separated ARNs of the customer topic shards, shard 0 first (see shared/domain/routing.ts). */
  customerTopicArns: 'CUSTOMER_TOPIC_ARNS',
  logisticsTopicArn: 'LOGISTICS_TOPIC_ARN',
  opsTopicArn: 'OPS_TOPIC_ARN',
  releaseTimeBudgetMs: 'RELEASE_TIME_BUDGET_MS',
  /** Shipment transactions license-events keeps in flight across the licenses of an invocation. */
  releaseConcurrency: 'RELEASE_CONCURRENCY',
  /** From the end of a license pass to its settling pass (see SETTLE_TOKEN_PREFIX). */
  settleDelayMs: 'SETTLE_DELAY_MS',
  releaseFirstSliceMs: 'RELEASE_FIRST_SLICE_MS',
  /** Percentages of a license limit that send LICENSE_DRAWDOWN, e.g. `80,90,100` (context `drawdownThresholds`). */
  drawdownThresholds: 'DRAWDOWN_THRESHOLDS',
  /** Days before validUntil that send LICENSE_EXPIRING, e.g. `30,7,1` (context `expiryLeadDays`). */
  expiryLeadDays: 'EXPIRY_LEAD_DAYS',
} as const;

/** CDK context keys of the compliance alerts' settings; the stack passes each to its variable in ENV. */
export const COMPLIANCE_CONTEXT = {
  drawdownThresholds: 'drawdownThresholds',
  expiryLeadDays: 'expiryLeadDays',
} as const;

/** The value of `changedBy` on every write the system makes. */
export const SYSTEM_ACTOR = 'clearance';

/**
 * +1 on every write that moves an item's counters: an Inventory item's
 * `held`/`released`/`shipped`, a license's `releasedQuantity`/`releasedValue`
 * (docs/system-attributes.md). `clearance reconcile --fix` writes on the
 * condition that it is still the one read, so a change that moved a counter
 * away and back since the read (the value alone would pass) fails the fix.
 */
export const COUNTER_REVISION = 'counterRevision';
