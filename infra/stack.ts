import {
  Annotations,
  CfnCondition,
  CfnOutput,
  CfnParameter,
  Duration,
  Fn,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import { CfnSubscription, SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  DEFAULT_DRAWDOWN_THRESHOLDS,
  DEFAULT_EXPIRY_LEAD_DAYS,
  type ListSetting,
  parseDrawdownThresholds,
  parseExpiryLeadDays,
} from '../shared/domain/compliance.js';
import { COMPLIANCE_CONTEXT, ENV } from '../shared/names.js';
import { AUDIT_CONTEXT, AuditTrail, auditRetentionYears, auditTrailEnabled } from './audit-trail.js';
import { ClearanceFunction } from './clearance-function.js';
import { CUSTOMER_SHARDS_CONTEXT, checkContextKeys } from './context-keys.js';
import { ClockSchedule, StreamConsumer } from './event-wiring.js';
import { Observability } from './observability.js';
import { AUDIT_OUTPUTS, STACK_OUTPUTS, SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from './outputs.js';
import { SubscriptionDlq } from './subscription-dlq.js';
import { ClearanceTables } from './tables.js';
import { ClearanceTopics, customerTopicShards } from './topics.js';
import {
  LICENSE_EVENTS_BATCH_SIZE,
  RELEASE_CONCURRENCY,
  RELEASE_FIRST_SLICE_MS,
  RELEASE_TIME_BUDGET_MS,
  SETTLE_DELAY_MS,
  SHIPMENT_EVENTS_PARALLELIZATION,
} from './tuning.js';

export { AUDIT_OUTPUTS, STACK_ID, STACK_OUTPUTS, SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from './outputs.js';

/** Props for {@link ClearanceStack}. */
export interface ClearanceStackProps extends StackProps {
  /**
   * Record the tables' data events and the account's write management events
   * in a trail of this stack (./audit-trail.ts). Turn it off where an
   * organization trail already records them.
   *
   * @default - the `auditTrail` context value, else true
   */
  readonly auditTrail?: boolean;
  /**
   * Whole years each audit log file is kept under COMPLIANCE Object Lock.
   *
   * @default - the `auditRetentionYears` context value, else 6
   */
  readonly auditRetentionYears?: number;
  /**
   * Percentages of a license's quantity or value limit at which ops gets a
   * LICENSE_DRAWDOWN alert (whole numbers 1..100).
   *
   * @default - the `drawdownThresholds` context value, else 80, 90, 100
   */
  readonly drawdownThresholds?: readonly number[];
  /**
   * Days before a license's validUntil at which ops gets a LICENSE_EXPIRING
   * alert and warehouses the list of what must ship (whole numbers 1..365).
   *
   * @default - the `expiryLeadDays` context value, else 30, 7, 1
   */
  readonly expiryLeadDays?: readonly number[];
}

/**
 * A compliance alert setting from props or context (`-c drawdownThresholds=80,90,100`),
 * as the function variable carries it: `80,90,100`. A bad value fails the synth.
 */
export function complianceSetting(
  value: unknown,
  context: string,
  parse: (raw: unknown) => ListSetting,
  fallback: readonly number[],
): string {
  const parsed = parse(value ?? [...fallback]);
  if (!parsed.ok) throw new Error(`context ${context} ${parsed.problem}`);
  return parsed.value.join(',');
}

/**
 * The whole clearance system: tables, topics, the four functions and their
 * triggers, and the audit trail.
 *
 * Deploy parameter `OpsEmail` (default empty): when set, the ops topic gets an
 * email subscription to that address, e.g.
 * `npx cdk deploy --parameters OpsEmail=ops@example.com`. Context
 * `auditTrail=false` leaves the trail out; `auditRetentionYears=N` sets its
 * retention; `drawdownThresholds=80,90,100` and `expiryLeadDays=30,7,1` set
 * the compliance alerts (docs/messages.md, "Compliance alerts").
 */
export class ClearanceStack extends Stack {
  readonly tables: ClearanceTables;
  readonly topics: ClearanceTopics;
  readonly licenseEvents: ClearanceFunction;
  readonly shipmentEvents: ClearanceFunction;
  readonly shipmentHistory: ClearanceFunction;
  readonly licenseClock: ClearanceFunction;
  readonly licenseStream: StreamConsumer;
  readonly shipmentStream: StreamConsumer;
  readonly shipmentHistoryStream: StreamConsumer;
  readonly clock: ClockSchedule;
  readonly subscriptionDlq: SubscriptionDlq;
  readonly observability: Observability;
  /** Undefined when the trail is turned off (`auditTrail=false`). */
  readonly auditTrail: AuditTrail | undefined;

  constructor(scope: Construct, id: string, props: ClearanceStackProps = {}) {
    super(scope, id, props);
    this.checkContextKeys();

    this.tables = new ClearanceTables(this, 'Tables');
    const shards = customerTopicShards(this.node.tryGetContext(CUSTOMER_SHARDS_CONTEXT));
    this.topics = new ClearanceTopics(this, 'Topics', { customerShards: shards });
    this.addOpsEmailSubscription();

    const context = (key: string): unknown => this.node.tryGetContext(key);
    const { drawdownThresholds: drawdown, expiryLeadDays: leads } = COMPLIANCE_CONTEXT;
    this.licenseEvents = this.addLicenseEvents(
      complianceSetting(
        props.drawdownThresholds ?? context(drawdown),
        drawdown,
        parseDrawdownThresholds,
        DEFAULT_DRAWDOWN_THRESHOLDS,
      ),
    );
    this.shipmentEvents = this.addShipmentEvents();
    this.shipmentHistory = this.addShipmentHistory();
    this.licenseClock = this.addLicenseClock(
      complianceSetting(
        props.expiryLeadDays ?? context(leads),
        leads,
        parseExpiryLeadDays,
        DEFAULT_EXPIRY_LEAD_DAYS,
      ),
    );

    const streams = this.addStreamConsumers();
    this.licenseStream = streams.licenseStream;
    this.shipmentStream = streams.shipmentStream;
    this.shipmentHistoryStream = streams.shipmentHistoryStream;
    this.clock = new ClockSchedule(this, 'LicenseClockSchedule', { target: this.licenseClock });

    // `clearance subscribe` sets it as every subscription's RedrivePolicy.
    this.subscriptionDlq = new SubscriptionDlq(this, 'SubscriptionDlq', {
      topics: [...this.topics.customerShards, this.topics.logistics].map((t) => t.topic),
    });

    this.observability = this.addObservability();
    this.auditTrail = this.addAuditTrail(props);
    this.addOutputs();
  }

  /**
   * Fails the synth on a misspelt setting (`-c customerTopicShard=3` would
   * deploy one customer topic and delete the others); warns of other keys
   * the stack does not read (`cdk synth --strict` fails on it).
   */
  private checkContextKeys(): void {
    const context: unknown = this.node.getAllContext();
    const { unknown } = checkContextKeys(
      Object.keys(typeof context === 'object' && context !== null ? context : {}),
    );
    if (unknown.length === 0) return;
    Annotations.of(this).addWarningV2(
      'clearance:unknown-context',
      `context ${unknown.join(', ')}: not a setting of this stack, ignored (README, "Deploy to AWS")`,
    );
  }

  /** The audit trail over Licenses, Shipments and History, unless turned off. */
  private addAuditTrail(props: ClearanceStackProps): AuditTrail | undefined {
    const context = (key: string): unknown => this.node.tryGetContext(key);
    if (!auditTrailEnabled(props.auditTrail ?? context(AUDIT_CONTEXT.enabled))) return undefined;
    const { licenses, shipments, history } = this.tables;
    return new AuditTrail(this, 'AuditTrail', {
      dataEventTables: [licenses, shipments, history],
      retentionYears: auditRetentionYears(props.auditRetentionYears ?? context(AUDIT_CONTEXT.retentionYears)),
    });
  }

  /** The `OpsEmail` parameter, and the ops topic's email subscription when it is set. */
  private addOpsEmailSubscription(): void {
    const opsEmail = new CfnParameter(this, 'OpsEmail', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+$',
      constraintDescription: 'must be empty or one email address',
      description: 'Email address subscribed to the ops topic (alarms, rejected edits). Empty: none.',
    });
    const hasOpsEmail = new CfnCondition(this, 'HasOpsEmail', {
      expression: Fn.conditionNot(Fn.conditionEquals(opsEmail.valueAsString, '')),
    });
    // L1 because an L2 Subscription cannot carry a condition. No filter policy:
    // CloudWatch alarm messages carry no message attributes.
    const opsEmailSubscription = new CfnSubscription(this, 'OpsEmailSubscription', {
      topicArn: this.topics.ops.topic.topicArn,
      protocol: SubscriptionProtocol.EMAIL,
      endpoint: opsEmail.valueAsString,
    });
    opsEmailSubscription.cfnOptions.condition = hasOpsEmail;
  }

  /** license-events, with the LICENSE_DRAWDOWN thresholds (`80,90,100`). */
  private addLicenseEvents(drawdownThresholds: string): ClearanceFunction {
    const { tables, topics } = this;
    const fn = new ClearanceFunction(this, 'LicenseEvents', {
      entry: 'functions/license-events.ts',
      serviceName: 'license-events',
      description: 'Applies license status changes: releases or re-holds shipments',
      timeout: Duration.seconds(900),
      environment: {
        [ENV.releaseTimeBudgetMs]: String(RELEASE_TIME_BUDGET_MS),
        [ENV.releaseConcurrency]: String(RELEASE_CONCURRENCY),
        [ENV.settleDelayMs]: String(SETTLE_DELAY_MS),
        [ENV.releaseFirstSliceMs]: String(RELEASE_FIRST_SLICE_MS),
        [ENV.drawdownThresholds]: drawdownThresholds,
      },
    });
    fn.bindTable(tables.licenses, ENV.licensesTable, 'readUpdate');
    fn.bindTable(tables.shipments, ENV.shipmentsTable, 'readUpdate');
    fn.bindTable(tables.inventory, ENV.inventoryTable, 'readUpdate');
    fn.bindTable(tables.tallies, ENV.talliesTable, 'queryUpdateDelete');
    fn.bindHistory(tables.history, ENV.historyTable);
    // Whether a license item never applied replaces one that was: its decisions, by a Query of the table alone.
    tables.history.addLicenseReader(fn.role);
    fn.bindTopicPublish(topics.ops.topic, ENV.opsTopicArn);
    // The digests of each license event, one per customer and one per warehouse, when its pass ends.
    fn.bindTopicsPublish(
      topics.customerShards.map((t) => t.topic),
      ENV.customerTopicArns,
    );
    fn.bindTopicPublish(topics.logistics.topic, ENV.logisticsTopicArn);
    return fn;
  }

  private addShipmentEvents(): ClearanceFunction {
    const { tables, topics } = this;
    const fn = new ClearanceFunction(this, 'ShipmentEvents', {
      entry: 'functions/shipment-events.ts',
      serviceName: 'shipment-events',
      description: 'Keeps inventory counters and notifies customers and logistics of shipment changes',
      timeout: Duration.seconds(120),
    });
    // It reads Shipments by key (GetItem) and never queries the held or released index.
    fn.bindTable(tables.shipments, ENV.shipmentsTable, 'readUpdateTable');
    fn.bindTable(tables.licenses, ENV.licensesTable, 'readUpdate');
    fn.bindTable(tables.inventory, ENV.inventoryTable, 'readUpdate');
    fn.bindHistory(tables.history, ENV.historyTable);
    // Whether a shipment found not counted was counted before: its entries, by the byShipment index alone.
    tables.history.addShipmentReader(fn.role);
    fn.bindTopicsPublish(
      topics.customerShards.map((t) => t.topic),
      ENV.customerTopicArns,
    );
    fn.bindTopicPublish(topics.logistics.topic, ENV.logisticsTopicArn);
    fn.bindTopicPublish(topics.ops.topic, ENV.opsTopicArn);
    return fn;
  }

  /**
   * shipment-history: the Shipments stream's second consumer, which appends
   * the History entry of every committed shipment change, so that no
   * notification waits on a busy History key. It reads nothing but its stream.
   */
  private addShipmentHistory(): ClearanceFunction {
    const fn = new ClearanceFunction(this, 'ShipmentHistory', {
      entry: 'functions/shipment-history.ts',
      serviceName: 'shipment-history',
      description: 'Records every committed shipment change in History',
      // The History adapter waits up to 60 s on a throttled key within one append.
      timeout: Duration.seconds(120),
    });
    fn.bindHistory(this.tables.history, ENV.historyTable);
    return fn;
  }

  /** license-clock, with the LICENSE_EXPIRING lead times (`30,7,1`). */
  private addLicenseClock(expiryLeadDays: string): ClearanceFunction {
    const fn = new ClearanceFunction(this, 'LicenseClock', {
      entry: 'functions/license-clock.ts',
      serviceName: 'license-clock',
      description: 'Expires licenses, releases held shipments once validFrom is reached, warns before expiry',
      timeout: Duration.seconds(60),
      memorySize: 512,
      environment: { [ENV.expiryLeadDays]: expiryLeadDays },
    });
    // The clock scans Licenses every minute (expiries, validFrom, warnings) and
    // writes only license status, a release request or the record of
    // an expiry warning (license-events does the shipment work through the
    // stream); it reads the held and released indexes for the held backlog by
    // reason and the expiry watch, and nothing of Shipments besides (no Scan:
    // it would read every SHIPPED and CANCELLED shipment too). It publishes
    // LICENSE_EXPIRING to ops and to the warehouses (logistics), never to customers.
    fn.bindTable(this.tables.licenses, ENV.licensesTable, 'scanUpdate');
    fn.bindTable(this.tables.shipments, ENV.shipmentsTable, 'queryIndexes');
    fn.bindTopicPublish(this.topics.ops.topic, ENV.opsTopicArn);
    fn.bindTopicPublish(this.topics.logistics.topic, ENV.logisticsTopicArn);
    return fn;
  }

  /** The Licenses stream to license-events, the Shipments stream to shipment-events and shipment-history. */
  private addStreamConsumers(): {
    licenseStream: StreamConsumer;
    shipmentStream: StreamConsumer;
    shipmentHistoryStream: StreamConsumer;
  } {
    // All three record types: an INSERT can be an approval, MODIFY is the
    // admin's edit, REMOVE must be reported rather than silently ignored.
    const allEvents = ['INSERT', 'MODIFY', 'REMOVE'] as const;
    const licenseStream = new StreamConsumer(this, 'LicenseEventsStream', {
      table: this.tables.licenses,
      consumer: this.licenseEvents,
      // Licenses approved together are released together (concurrently, see
      // shared/engine/license-batch.ts); each still hands over after its slice.
      batchSize: LICENSE_EVENTS_BATCH_SIZE,
      // Rare, high-value records: ride out a half-day outage of a dependency
      // and still leave 12 h of stream retention to replay from the DLQ.
      maxRecordAge: Duration.hours(12),
      eventNames: allEvents,
    });
    const shipmentStream = new StreamConsumer(this, 'ShipmentEventsStream', {
      table: this.tables.shipments,
      consumer: this.shipmentEvents,
      // A release writes shipments in bursts of 100; large batches let the
      // handler aggregate counter updates per (sku, warehouse).
      batchSize: 1000,
      // One batch of a shard at a time (the trade-off is in infra/tuning.ts).
      parallelizationFactor: SHIPMENT_EVENTS_PARALLELIZATION,
      maxBatchingWindow: Duration.seconds(2),
      // High volume: a stuck shard delays every notice behind it, so give up
      // sooner and leave 18 h to replay.
      maxRecordAge: Duration.hours(6),
      eventNames: allEvents,
    });
    // The stream's second reader (a shard serves two at full speed). Batches
    // as large as shipment-events' take each license's entries in few
    // transactions; a deletion is no committed change (shipment-events
    // enters it, rejected), so REMOVE is left out.
    const shipmentHistoryStream = new StreamConsumer(this, 'ShipmentHistoryStream', {
      table: this.tables.shipments,
      consumer: this.shipmentHistory,
      batchSize: 1000,
      parallelizationFactor: SHIPMENT_EVENTS_PARALLELIZATION,
      maxBatchingWindow: Duration.seconds(2),
      maxRecordAge: Duration.hours(6),
      eventNames: ['INSERT', 'MODIFY'],
    });
    return { licenseStream, shipmentStream, shipmentHistoryStream };
  }

  private addObservability(): Observability {
    const { topics } = this;
    return new Observability(this, 'Observability', {
      functions: {
        'license-events': this.licenseEvents,
        'shipment-events': this.shipmentEvents,
        'shipment-history': this.shipmentHistory,
        'license-clock': this.licenseClock,
      },
      dlqs: {
        'license-events': this.licenseStream.dlq,
        'shipment-events': this.shipmentStream.dlq,
        'shipment-history': this.shipmentHistoryStream.dlq,
      },
      streams: {
        'license-events': {
          table: this.tables.licenses,
          mappingId: this.licenseStream.source.eventSourceMappingId,
        },
        'shipment-events': {
          table: this.tables.shipments,
          mappingId: this.shipmentStream.source.eventSourceMappingId,
        },
        'shipment-history': {
          table: this.tables.shipments,
          mappingId: this.shipmentHistoryStream.source.eventSourceMappingId,
        },
      },
      subscriptionDlq: this.subscriptionDlq.queue,
      ops: topics.ops,
      topics: {
        ...Object.fromEntries(topics.customerShards.map((t, i) => [`customer shard ${i}`, t])),
        logistics: topics.logistics,
        ops: topics.ops,
      },
    });
  }

  /** The outputs the CLI reads (STACK_OUTPUTS), one per customer shard, and the subscription manager role. */
  private addOutputs(): void {
    const { tables, topics } = this;
    const outputs: Record<keyof typeof STACK_OUTPUTS, string> = {
      licensesTableName: tables.licenses.tableName,
      shipmentsTableName: tables.shipments.tableName,
      inventoryTableName: tables.inventory.tableName,
      historyTableName: tables.history.tableName,
      customerTopicArn: topics.customer.topic.topicArn,
      logisticsTopicArn: topics.logistics.topic.topicArn,
      opsTopicArn: topics.ops.topic.topicArn,
      licenseEventsDlqUrl: this.licenseStream.dlq.queueUrl,
      licenseEventsDlqArn: this.licenseStream.dlq.queueArn,
      shipmentEventsDlqUrl: this.shipmentStream.dlq.queueUrl,
      shipmentEventsDlqArn: this.shipmentStream.dlq.queueArn,
      shipmentHistoryDlqUrl: this.shipmentHistoryStream.dlq.queueUrl,
      shipmentHistoryDlqArn: this.shipmentHistoryStream.dlq.queueArn,
      subscriptionDlqUrl: this.subscriptionDlq.queue.queueUrl,
      subscriptionDlqArn: this.subscriptionDlq.queue.queueArn,
      licenseEventsFunctionName: this.licenseEvents.fn.functionName,
      shipmentEventsFunctionName: this.shipmentEvents.fn.functionName,
      shipmentHistoryFunctionName: this.shipmentHistory.fn.functionName,
      licenseClockFunctionName: this.licenseClock.fn.functionName,
    };
    for (const [key, value] of Object.entries(outputs)) {
      new CfnOutput(this, STACK_OUTPUTS[key as keyof typeof STACK_OUTPUTS], { value });
    }
    topics.customerShards.forEach((shard, i) => {
      new CfnOutput(this, `${STACK_OUTPUTS.customerTopicArn}${i}`, { value: shard.topic.topicArn });
    });
    new CfnOutput(this, SUBSCRIPTION_MANAGER_ROLE_OUTPUT, {
      value: topics.subscriptionManager.roleArn,
      description: 'Role to assume for sns:Subscribe on the customer topics (clearance subscribe on AWS)',
    });
    if (this.auditTrail) {
      new CfnOutput(this, AUDIT_OUTPUTS.trailArn, { value: this.auditTrail.trailArn });
      new CfnOutput(this, AUDIT_OUTPUTS.bucketName, {
        value: this.auditTrail.bucket.bucketName,
        description: 'Where the audit trail writes (COMPLIANCE Object Lock)',
      });
    }
  }
}
