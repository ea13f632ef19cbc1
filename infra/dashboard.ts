import { Duration, Stack } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  MathExpression,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import {
  appMetric,
  destinationDeliveryFailures,
  dlqArrivals,
  dlqDepth,
  NAMESPACE,
  RUNBOOK,
  STREAM_FUNCTIONS,
} from './metrics.js';
import type { ObservabilityProps } from './observability.js';

/**
 * The admins' dashboard, row by row: header, releases and holds, notifications
 * and failures, functions, release transactions beside the clock's deferred
 * work and high-severity alerts, then failed notifications by topic beside
 * failed batches parked and not parked. `deliveryFailures`: each topic's
 * NumberOfNotificationsFailed, labelled.
 */
export function addDashboard(
  scope: Construct,
  props: ObservabilityProps,
  deliveryFailures: IMetric[],
): Dashboard {
  // Named after the stack, so the runbook can name it (CloudFormation's generated name cannot be).
  const dashboard = new Dashboard(scope, 'Dashboard', {
    dashboardName: Stack.of(scope).stackName,
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(
    new TextWidget({
      markdown: `# clearance\nReleases, holds, notifications and failures. Runbook: \`${RUNBOOK}\`.`,
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(...releaseWidgets());
  dashboard.addWidgets(...notificationWidgets(props));
  dashboard.addWidgets(...functionWidgets(props.functions));
  dashboard.addWidgets(...workWidgets());
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Notifications failed by topic (5 min)',
      left: deliveryFailures,
      width: 12,
    }),
    new GraphWidget({
      // Parked: each message Lambda sent to a stream DLQ; not parked: each it could not send.
      title: 'Failed batches parked and not parked per minute',
      left: STREAM_FUNCTIONS.flatMap((n) => [
        dlqArrivals(props.dlqs[n]).with({ label: `${n} parked` }),
        destinationDeliveryFailures(props.functions[n].fn).with({ label: `${n} not parked` }),
      ]),
      width: 12,
    }),
  );
  return dashboard;
}

/** Shipments released and their History entries, units released by license, held backlog by reason. */
function releaseWidgets(): IWidget[] {
  return [
    new GraphWidget({
      // History entries follow the releases (shipment-history, apart); failed ones are read again.
      title: 'Shipments released and History entries per minute',
      left: [
        appMetric('ShipmentsReleased', 'license-events'),
        appMetric('HistoryEntriesAppended', 'shipment-history'),
        appMetric('HistoryEntriesFailed', 'shipment-history'),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'Units released by license',
      left: [
        new MathExpression({
          expression: `SEARCH('{${NAMESPACE},LicenseId,service} MetricName="UnitsReleased"', 'Sum', 60)`,
          label: '',
          period: Duration.minutes(1),
        }),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'Held backlog by reason',
      left: [
        new MathExpression({
          expression: `SEARCH('{${NAMESPACE},HoldReason,service} MetricName="HeldShipments"', 'Maximum', 300)`,
          label: '',
          period: Duration.minutes(5),
        }),
      ],
      width: 8,
    }),
  ];
}

/** Notifications by audience, rejected edits, DLQ depth. */
function notificationWidgets(props: ObservabilityProps): IWidget[] {
  return [
    new GraphWidget({
      title: 'Notifications by audience',
      // shipment-events' per-shipment messages (and digests of manual edits), license-events' digests of
      // license events (one per customer and per warehouse).
      left: ['customer', 'logistics'].flatMap((a) => [
        appMetric('NotificationsPublished', 'shipment-events', 'Sum', { Audience: a }),
        appMetric('DigestsPublished', 'license-events', 'Sum', { Audience: a }),
      ]),
      width: 8,
    }),
    new GraphWidget({
      title: 'Rejected edits',
      left: [
        appMetric('EditsRejected', 'license-events'),
        appMetric('EditsRejected', 'shipment-events'),
        appMetric('EditsRejected', 'shipment-events', 'Sum', { Severity: 'high' }),
      ],
      width: 8,
    }),
    new SingleValueWidget({
      // What each DLQ holds, the messages a redrive hides included, as its …DlqNotEmpty alarm reads it.
      title: 'DLQ depth',
      metrics: [
        ...Object.entries(props.dlqs),
        ...(props.subscriptionDlq ? [['subscription', props.subscriptionDlq] as const] : []),
      ].map(([name, queue], n) => dlqDepth(queue, String(n), name)),
      width: 8,
    }),
  ];
}

/** Release transactions and their conflicts; the clock's work left to later ticks; high-severity alerts. */
function workWidgets(): IWidget[] {
  return [
    new GraphWidget({
      // Conflicts against transactions: the share that met another license's on an Inventory item.
      title: 'Release transactions and conflicts per minute',
      left: [
        appMetric('ShipmentTransactions', 'license-events'),
        appMetric('TransactionConflicts', 'license-events'),
      ],
      width: 8,
    }),
    new GraphWidget({
      // Each left for lack of time: due expiry warnings and quiet-lead re-checks to the next ticks, the backlog sample skipped.
      title: 'Clock work left to later ticks per minute',
      left: [
        appMetric('ExpiryWatchesDeferred', 'license-clock'),
        appMetric('ExpiryRechecksSkipped', 'license-clock'),
        appMetric('HeldBacklogSkipped', 'license-clock'),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'High-severity alerts per minute',
      left: [
        appMetric('EditsRejected', 'shipment-events', 'Sum', { Severity: 'high' }).with({
          label: 'shipment-events: HELD to SHIPPED or deletion rejected, put back with an edited stamp',
        }),
        appMetric('OpsAlerts', 'license-events', 'Sum', { Severity: 'high' }).with({
          label: 'license-events: deleted, shipped over amended limit, overwrite set back',
        }),
      ],
      width: 8,
    }),
  ];
}

/** Iterator age per mapping; errors, throttles and p95 duration per function. */
function functionWidgets(functions: ObservabilityProps['functions']): IWidget[] {
  const fnList = Object.entries(functions);
  return [
    new GraphWidget({
      title: 'Iterator age per mapping (ms)',
      left: STREAM_FUNCTIONS.map((n) =>
        functions[n].fn.metric('IteratorAge', { statistic: 'Maximum', label: n }),
      ),
      width: 6,
    }),
    new GraphWidget({
      title: 'Errors',
      left: fnList.map(([n, f]) => f.fn.metricErrors({ label: n })),
      width: 6,
    }),
    new GraphWidget({
      title: 'Throttles',
      left: fnList.map(([n, f]) => f.fn.metricThrottles({ label: n })),
      width: 6,
    }),
    new GraphWidget({
      title: 'Duration p95 (ms)',
      left: fnList.map(([n, f]) => f.fn.metricDuration({ statistic: 'p95', label: n })),
      width: 6,
    }),
  ];
}
