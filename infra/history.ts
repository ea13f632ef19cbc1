import { Lazy, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, type IRole, PolicyDocument, PolicyStatement, StarPrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { HISTORY_BY_SHIPMENT_INDEX } from '../shared/names.js';

/**
 * What the History table's resource policy denies to every principal, the
 * account root and the stack's own roles included: every way to change or
 * delete an entry (UpdateItem, DeleteItem, and their PartiQL and transaction
 * forms, which IAM authorizes as the same actions), BatchWriteItem (IAM
 * authorizes it as dynamodb:BatchWriteItem alone, its DeleteRequests and
 * unconditional PutRequests included; the writers append with
 * TransactWriteItems instead), PartiQL inserts, deleting the table, a TTL
 * that would expire entries, and a global-table replica (its own policy, and
 * its deletes would replicate back).
 *
 * Not denied, because CloudFormation needs them to create and update the
 * table (ARCHITECTURE.md, "History is append-only"): UpdateTable,
 * UpdateContinuousBackups, PutResourcePolicy and DeleteResourcePolicy.
 */
export const HISTORY_DENIED_TO_ALL = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:CreateTableReplica',
  'dynamodb:AssociateTableReplica',
] as const;

/**
 * What only the writers (the roles of license-events, shipment-events and
 * shipment-history) may do on History; the resource policy denies it to
 * every other principal.
 * The writers append with TransactWriteItems of `Put`s under
 * `attribute_not_exists(entryId)`, and IAM authorizes each `Put` as
 * dynamodb:PutItem on its table.
 */
export const HISTORY_WRITER_ACTIONS = ['dynamodb:PutItem'] as const;

/** Sids of the resource policy's statements. */
export const HISTORY_POLICY_SIDS = {
  immutable: 'DenyChangingOrDeletingEntries',
  writersOnly: 'DenyAppendingExceptByTheWriters',
} as const;

/** Props for {@link HistoryTable}. */
export interface HistoryTableProps {
  /**
   * What happens to the table when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The resource policy: the statements of {@link HISTORY_DENIED_TO_ALL} and
 * {@link HISTORY_WRITER_ACTIONS}, the writers' ARNs read at synthesis.
 *
 * A table's resource policy cannot name the table's own ARN (the table would
 * depend on itself): `Resource: "*"` means the table it is attached to and its
 * indexes, nothing else.
 */
function appendOnlyPolicy(writers: readonly IRole[]): PolicyDocument {
  return new PolicyDocument({
    statements: [
      new PolicyStatement({
        sid: HISTORY_POLICY_SIDS.immutable,
        effect: Effect.DENY,
        principals: [new StarPrincipal()],
        actions: [...HISTORY_DENIED_TO_ALL],
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: HISTORY_POLICY_SIDS.writersOnly,
        effect: Effect.DENY,
        principals: [new StarPrincipal()],
        actions: [...HISTORY_WRITER_ACTIONS],
        resources: ['*'],
        // aws:PrincipalArn is the role's ARN for every session of the role.
        // A principal without one (a service) is denied too.
        conditions: {
          ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => writers.map((r) => r.roleArn) }) },
        },
      }),
    ],
  });
}

/**
 * The History table (docs/data-contract.md, "History"): one entry per
 * committed change, keyed `licenseId` + `entryId`, with the `byShipment` GSI
 * (`shipmentId`, `at`, projection ALL). On-demand, PITR, deletion
 * protection, retained, AWS-managed encryption like the other tables; no
 * stream and no TTL. Append-only by its resource policy: nobody may change or
 * delete an entry, and only the roles registered with {@link addWriter} may
 * add one.
 */
export class HistoryTable extends Table {
  private readonly writers: IRole[];

  constructor(scope: Construct, id: string, props: HistoryTableProps = {}) {
    const writers: IRole[] = [];
    super(scope, id, {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      partitionKey: { name: 'licenseId', type: AttributeType.STRING },
      sortKey: { name: 'entryId', type: AttributeType.STRING },
      resourcePolicy: appendOnlyPolicy(writers),
    });
    this.writers = writers;
    this.addGlobalSecondaryIndex({
      indexName: HISTORY_BY_SHIPMENT_INDEX,
      partitionKey: { name: 'shipmentId', type: AttributeType.STRING },
      sortKey: { name: 'at', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.node.addValidation({
      validate: () =>
        this.writers.length > 0
          ? []
          : ['History has no writer, so nobody could append: bind it with ClearanceFunction.bindHistory'],
    });
  }

  /**
   * Lets `role` append entries: PutItem on the table only (what a
   * TransactWriteItems `Put` needs; no index, no read, no other write), and
   * adds it to the writers the resource policy exempts from its second Deny.
   */
  addWriter(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...HISTORY_WRITER_ACTIONS], resources: [this.tableArn] }),
    );
    this.writers.push(role);
  }

  /**
   * Lets `role` read the entries of one license: Query on the table, named
   * by its ARN (no index, no GetItem, no Scan). license-events asks it, for
   * a license item never applied, whether History holds a decision of its
   * licenseId: then the item replaces a license the system applied
   * (shared/engine/license-engine.ts, refuseReplaced).
   */
  addLicenseReader(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [this.tableArn] }),
    );
  }

  /**
   * Lets `role` read the entries of one shipment: Query on the `byShipment`
   * index, named by its own ARN (no other index, not the table: no GetItem,
   * Query or Scan of the entries by license). The resource policy denies no
   * read. shipment-events asks it whether a shipment it finds not counted was
   * counted before (shared/engine/shipment-traces.ts).
   */
  addShipmentReader(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${this.tableArn}/index/${HISTORY_BY_SHIPMENT_INDEX}`],
      }),
    );
  }
}
