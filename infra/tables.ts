import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { GSI_ATTR, HELD_INDEX, RELEASED_INDEX } from '../shared/names.js';
import { HistoryTable } from './history.js';

/** Props for {@link ClearanceTables}. */
export interface ClearanceTablesProps {
  /**
   * What happens to the tables when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The four tables of the data contract (docs/data-contract.md): Licenses and
 * Shipments with NEW_AND_OLD_IMAGES streams (they are the outbox), Inventory
 * without, and History, the append-only audit trail (./history.ts); and
 * Tallies, the system's own: license events' digests still to send
 * (shared/domain/event-tally.ts), read and written by license-events alone.
 */
export class ClearanceTables extends Construct {
  readonly licenses: Table;
  readonly shipments: Table;
  readonly inventory: Table;
  readonly history: HistoryTable;
  readonly tallies: Table;

  constructor(scope: Construct, id: string, props: ClearanceTablesProps = {}) {
    super(scope, id);
    // No tableName: generated names let two stacks share an account and let a
    // replacement be created before the old table goes away.
    //
    // AWS_MANAGED (aws/dynamodb) rather than a customer-managed key: every
    // Table.grant* would then add `kms:GenerateDataKey*`/`kms:ReEncrypt*`
    // wildcard actions to each function role, and every outside reader the
    // contract promises (console admins, reporting tools) would need key-policy
    // access too. The AWS-managed key still gives KMS encryption with key usage
    // in CloudTrail, unlike the default AWS-owned key.
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    } as const;

    this.licenses = new Table(this, 'Licenses', {
      ...common,
      partitionKey: { name: 'licenseId', type: AttributeType.STRING },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });

    this.shipments = new Table(this, 'Shipments', {
      ...common,
      partitionKey: { name: 'shipmentId', type: AttributeType.STRING },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // Sparse: only items carrying the key attribute are indexed, so the system
    // sets heldLicenseId while HELD and releasedLicenseId while RELEASED. Their
    // value is one of the license's four keys (shared/domain/index-keys.ts).
    this.shipments.addGlobalSecondaryIndex({
      indexName: HELD_INDEX,
      partitionKey: { name: GSI_ATTR.heldLicenseId, type: AttributeType.STRING },
      sortKey: { name: GSI_ATTR.holdOrder, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.shipments.addGlobalSecondaryIndex({
      indexName: RELEASED_INDEX,
      partitionKey: { name: GSI_ATTR.releasedLicenseId, type: AttributeType.STRING },
      sortKey: { name: GSI_ATTR.holdOrder, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    this.inventory = new Table(this, 'Inventory', {
      ...common,
      partitionKey: { name: 'sku', type: AttributeType.STRING },
      sortKey: { name: 'warehouseId', type: AttributeType.STRING },
    });

    // No stream: nothing reacts to a tally; license-events sends it when the pass ends. An item is deleted
    // once sent; one never sent (its license deleted mid-pass) expires after TALLY_TTL_DAYS.
    this.tallies = new Table(this, 'Tallies', {
      ...common,
      partitionKey: { name: 'licenseId', type: AttributeType.STRING },
      sortKey: { name: 'event', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });

    // The same settings as `common`, written out in HistoryTable, plus its resource policy.
    this.history = new HistoryTable(this, 'History', { removalPolicy: common.removalPolicy });
  }
}
