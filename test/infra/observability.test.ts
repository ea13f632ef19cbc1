import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/clearance-function.js';
import { synthesize } from './synth.js';

const s = synthesize();
const opsTopic = { Ref: s.logicalId(s.stack.topics.ops.topic) };
const alarms = s.template.findResources('AWS::CloudWatch::Alarm');
const pascal = (name: string) => name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
const alarmNamed = (idPart: string) => {
  const found = Object.entries(alarms).filter(([id]) => id.includes(idPart));
  if (found.length !== 1) throw new Error(`expected one alarm matching ${idPart}, found ${found.length}`);
  return found[0]?.[1].Properties as Record<string, unknown>;
};

describe('alarms', () => {
  it.each([
    ['LicenseEventsDlqArrivals', 1, 'NumberOfMessagesSent'],
    ['ShipmentEventsDlqArrivals', 1, 'NumberOfMessagesSent'],
    ['ShipmentHistoryDlqArrivals', 1, 'NumberOfMessagesSent'],
    ['LicenseEventsDestinationDeliveryFailures', 1, 'DestinationDeliveryFailures'],
    ['ShipmentEventsDestinationDeliveryFailures', 1, 'DestinationDeliveryFailures'],
    ['ShipmentHistoryDestinationDeliveryFailures', 1, 'DestinationDeliveryFailures'],
    ['LicenseEventsIteratorAge', 300_000, 'IteratorAge'],
    ['ShipmentEventsIteratorAge', 300_000, 'IteratorAge'],
    ['ShipmentHistoryIteratorAge', 300_000, 'IteratorAge'],
    ['LicenseEventsThrottles', 1, 'Throttles'],
    ['ShipmentEventsThrottles', 1, 'Throttles'],
    ['ShipmentHistoryThrottles', 1, 'Throttles'],
    ['LicenseClockThrottles', 1, 'Throttles'],
    ['HeldToShippedRejected', 1, 'EditsRejected'],
    ['ExpiryWatchFailing', 1, 'ExpiryWatchFailures'],
    ['ExpiryWatchesDeferred', 1, 'ExpiryWatchesDeferred'],
    ['LicenseHighSeverityAlert', 1, 'OpsAlerts'],
  ])('alarms on %s at %d and notifies the ops topic', (id, threshold, metric) => {
    const alarm = alarmNamed(id);
    expect(alarm.Threshold).toBe(threshold);
    expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(alarm.MetricName).toBe(metric);
    expect(alarm.AlarmActions).toEqual([opsTopic]);
    expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/OPERATIONS\.md#[a-z-]+/);
  });

  it.each([
    'LicenseEventsErrorRate',
    'ShipmentEventsErrorRate',
    'ShipmentHistoryErrorRate',
    'LicenseClockErrorRate',
  ])('alarms on the %s above 5 percent and notifies the ops topic', (id) => {
    const alarm = alarmNamed(id);
    expect(alarm.Threshold).toBe(5);
    expect(JSON.stringify(alarm.Metrics)).toContain('IF(invocations > 0, 100 * errors / invocations, 0)');
    expect(alarm.AlarmActions).toEqual([opsTopic]);
  });

  it.each([
    ['LicenseEventsDlqNotEmpty', () => s.stack.licenseStream.dlq],
    ['ShipmentEventsDlqNotEmpty', () => s.stack.shipmentStream.dlq],
    ['ShipmentHistoryDlqNotEmpty', () => s.stack.shipmentHistoryStream.dlq],
    ['SubscriptionDlqNotEmpty', () => s.stack.subscriptionDlq.queue],
  ])(
    'alarms on %s while its queue holds a message, visible or hidden by a redrive, and notifies the ops topic',
    (id, queueOf) => {
      // Judged against a redrive's hold in alarm-evaluation.test.ts.
      const alarm = alarmNamed(id);
      const queueName = { 'Fn::GetAtt': [s.logicalId(queueOf()), 'QueueName'] };
      const metrics = alarm.Metrics as {
        Id: string;
        Expression?: string;
        MetricStat?: { Metric: Record<string, unknown>; Period: number; Stat: string };
      }[];
      const stat = (metricName: string) =>
        metrics.find((m) => m.MetricStat?.Metric.MetricName === metricName)?.MetricStat;
      for (const name of ['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesNotVisible']) {
        expect(stat(name), name).toEqual({
          Metric: {
            Namespace: 'AWS/SQS',
            MetricName: name,
            Dimensions: [{ Name: 'QueueName', Value: queueName }],
          },
          Period: 60,
          Stat: 'Maximum',
        });
      }
      const ids = (name: string) => metrics.find((m) => m.MetricStat?.Metric.MetricName === name)?.Id;
      expect(metrics.find((m) => m.Expression !== undefined)?.Expression).toBe(
        `${ids('ApproximateNumberOfMessagesVisible')} + ${ids('ApproximateNumberOfMessagesNotVisible')}`,
      );
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        // SQS may stop sending an untouched queue's metrics: a message left waiting keeps it in ALARM.
        TreatMissingData: 'ignore',
        AlarmActions: [opsTopic],
      });
      expect(alarm.AlarmDescription).toMatch(
        id === 'SubscriptionDlqNotEmpty'
          ? /Runbook: docs\/OPERATIONS\.md#subscription-dlq$/
          : /Runbook: docs\/OPERATIONS\.md#dlq-messages$/,
      );
    },
  );

  it('marks the HELD → SHIPPED alarm high severity with the Severity dimension', () => {
    const alarm = alarmNamed('HeldToShippedRejected');
    expect(alarm.Namespace).toBe('Clearance');
    expect(alarm.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'Severity', Value: 'high' },
        { Name: 'service', Value: 'shipment-events' },
      ]),
    );
    expect(alarm.AlarmDescription).toMatch(/^HIGH SEVERITY/);
  });

  it("marks the alarm on license-events' high-severity ops alerts high severity with the Severity dimension", () => {
    expect(alarmNamed('LicenseHighSeverityAlert')).toMatchObject({
      Namespace: 'Clearance',
      MetricName: 'OpsAlerts',
      Dimensions: expect.arrayContaining([
        { Name: 'Severity', Value: 'high' },
        { Name: 'service', Value: 'license-events' },
      ]),
      Statistic: 'Sum',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.stringMatching(
        /^HIGH SEVERITY.*Runbook: docs\/OPERATIONS\.md#license-high-severity$/,
      ),
    });
  });

  it('tells the on-call that failed clock ticks are not retried and that the clock still runs', () => {
    const clock = { 'Fn::GetAtt': [s.logicalId(s.stack.licenseClock.fn), 'Arn'] };
    const resources = s.template.toJSON().Resources as Record<
      string,
      { Type: string; Properties?: Record<string, unknown> }
    >;
    // The clock's only trigger: the schedule rule, whose target retries nothing; no event source mapping.
    const rules = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        JSON.stringify(r.Properties?.Targets ?? []).includes(JSON.stringify(clock)),
    );
    expect(rules).toHaveLength(1);
    expect(JSON.stringify(rules[0]?.Properties?.Targets)).toContain('"MaximumRetryAttempts":0');
    const mappings = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties?.FunctionName) ===
          JSON.stringify({ Ref: s.logicalId(s.stack.licenseClock.fn) }),
    );
    expect(mappings).toEqual([]);

    // A clock failing on every tick still runs (LicenseClockStopped stays OK): this alarm is the only page,
    // while no license is expired at validUntil and its RELEASED shipments stay released (I1).
    const description = String(alarmNamed('LicenseClockErrorRate').AlarmDescription);
    expect(description).not.toMatch(/stream retries/i);
    expect(description).toMatch(/LicenseClockStopped stays OK/);
    expect(description).toMatch(/validUntil.*validFrom.*LICENSE_EXPIRING/);
    expect(description).toMatch(/Read its logs now/);
    for (const name of ['LicenseEventsErrorRate', 'ShipmentEventsErrorRate', 'ShipmentHistoryErrorRate'])
      expect(String(alarmNamed(name).AlarmDescription), name).toMatch(/Its stream retries them/);
  });

  it.each([
    ['customer shard 0', () => s.stack.topics.customer],
    ['logistics', () => s.stack.topics.logistics],
    ['ops', () => s.stack.topics.ops],
  ])('alarms when SNS fails to deliver a message of the %s topic', (name, topicOf) => {
    const topic = topicOf();
    const alarm = alarmNamed(`${topic.node.id}NotificationsFailed`);
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [s.logicalId(topic.topic), 'TopicName'] } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [opsTopic],
    });
    expect(alarm.AlarmDescription).toContain(`the ${name} topic`);
    expect(alarm.AlarmDescription).toContain('clearance subscriptions list');
    expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/OPERATIONS\.md#notifications-failed$/);
  });

  it('alarms when the expiry watch fails in two 5-minute periods in a row (one round of re-checks each)', () => {
    // Judged against the clock's failure series in alarm-evaluation.test.ts.
    expect(alarmNamed('ExpiryWatchFailing')).toMatchObject({
      Namespace: 'Clearance',
      Dimensions: [{ Name: 'service', Value: 'license-clock' }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  const streamConsumers = [
    ['license-events', () => s.stack.licenseStream, () => s.stack.licenseEvents],
    ['shipment-events', () => s.stack.shipmentStream, () => s.stack.shipmentEvents],
    ['shipment-history', () => s.stack.shipmentHistoryStream, () => s.stack.shipmentHistory],
  ] as const;

  it.each(streamConsumers)(
    'alarms on every batch of %s parked in its DLQ, each minute',
    (name, consumerOf) => {
      const alarm = alarmNamed(`${pascal(name)}DlqArrivals`);
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'NumberOfMessagesSent',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [s.logicalId(consumerOf().dlq), 'QueueName'] } },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [opsTopic],
      });
      expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/OPERATIONS\.md#dlq-arrivals$/);
    },
  );

  it.each(streamConsumers)(
    'alarms to the ops topic when Lambda cannot park a failed batch of %s in its DLQ',
    (name, _consumerOf, functionOf) => {
      const alarm = alarmNamed(`${pascal(name)}DestinationDeliveryFailures`);
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'DestinationDeliveryFailures',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: s.logicalId(functionOf().fn) } }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [opsTopic],
      });
      expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/OPERATIONS\.md#destination-delivery-failures$/);
    },
  );

  it('alarms when the clock has not run for 10 minutes, counting no data as stopped', () => {
    expect(alarmNamed('LicenseClockStopped')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: s.logicalId(s.stack.licenseClock.fn) } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [opsTopic],
    });
  });

  it('alarms when every clock tick defers due expiry watches in two 5-minute periods in a row', () => {
    // Judged against the clock's deferral series in alarm-evaluation.test.ts.
    expect(alarmNamed('ExpiryWatchesDeferred')).toMatchObject({
      Namespace: 'Clearance',
      Dimensions: [{ Name: 'service', Value: 'license-clock' }],
      Statistic: 'Minimum',
      Period: 300,
      EvaluationPeriods: 2,
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.stringMatching(/Runbook: docs\/OPERATIONS\.md#expiry-watches-deferred$/),
    });
  });

  it.each(streamConsumers)(
    'alarms to the ops topic when %s reads nothing while its table is written, in two 5-minute periods of an hour',
    (name, consumerOf, functionOf) => {
      // Judged against a stopped and a healthy consumer in stream-consumer-stopped.test.ts.
      const alarm = alarmNamed(`${pascal(name)}StreamStopped`);
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 12,
        DatapointsToAlarm: 2,
        EvaluationWindow: { WallClockWindow: {} },
        TreatMissingData: 'notBreaching',
        AlarmActions: [opsTopic],
      });
      const metrics = alarm.Metrics as { Id: string; MetricStat?: { Metric: Record<string, unknown> } }[];
      const metric = (id: string) => metrics.find((m) => m.Id === id)?.MetricStat?.Metric;
      const table = name === 'license-events' ? s.stack.tables.licenses : s.stack.tables.shipments;
      expect(metric('writes')).toEqual({
        Namespace: 'AWS/DynamoDB',
        MetricName: 'ConsumedWriteCapacityUnits',
        Dimensions: [{ Name: 'TableName', Value: { Ref: s.logicalId(table) } }],
      });
      expect(metric('polled')).toEqual({
        Namespace: 'AWS/Lambda',
        MetricName: 'PolledEventCount',
        Dimensions: [
          {
            Name: 'EventSourceMappingUUID',
            Value: s.stack.resolve(consumerOf().source.eventSourceMappingId),
          },
        ],
      });
      expect(metric('invocations')).toEqual({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: s.logicalId(functionOf().fn) } }],
      });
      expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/OPERATIONS\.md#stream-stopped$/);
    },
  );

  it('has exactly these thirty-two alarms', () => {
    expect(Object.keys(alarms)).toHaveLength(32);
  });

  it('names a runbook section that exists in docs/OPERATIONS.md in every alarm', () => {
    const runbook = readFileSync(join(REPO_ROOT, 'docs/OPERATIONS.md'), 'utf8');
    for (const [id, alarm] of Object.entries(alarms)) {
      const anchor = /Runbook: docs\/OPERATIONS\.md#([a-z-]+)$/.exec(
        String(alarm.Properties.AlarmDescription),
      )?.[1];
      expect(anchor, id).toBeDefined();
      expect(runbook, `${id}: section {#${anchor}}`).toContain(`{#${anchor}}`);
    }
  });

  it('lets CloudWatch publish to the encrypted ops topic, for this account and its own alarms only', () => {
    const key = s.resource(s.logicalId(s.stack.topics.ops.key));
    const policy = key.Properties?.KeyPolicy as { Statement: Record<string, unknown>[] } | undefined;
    const cw = (policy?.Statement ?? []).filter(
      (st) => (st.Principal as { Service?: string } | undefined)?.Service === 'cloudwatch.amazonaws.com',
    );
    expect(cw).toHaveLength(1);
    expect([cw[0]?.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(cw[0]?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudwatch:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':alarm:*',
            ],
          ],
        },
      },
    });

    const topicPolicies = Object.values(
      s.template.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [opsTopic] } }),
    );
    const allow = topicPolicies
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
      .filter((st) => st.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({
      Sid: 'AllowCloudWatchAlarms',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: opsTopic,
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    const condition = (allow[0]?.Condition ?? {}) as { ArnLike?: { 'aws:SourceArn'?: unknown[] } };
    const sourceArns = condition.ArnLike?.['aws:SourceArn'];
    expect(sourceArns).toEqual(Object.keys(alarms).map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })));
  });
});

describe('dashboard', () => {
  const dashboards = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard'));
  const body = JSON.stringify(dashboards[0]?.Properties?.DashboardBody);

  it('exists once, named after the stack as the runbook says', () => {
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties?.DashboardName).toBe(s.stack.stackName);
  });

  it.each([
    'Shipments released and History entries per minute',
    'Units released by license',
    'Held backlog by reason',
    'Notifications by audience',
    'Rejected edits',
    'DLQ depth',
    'Iterator age per mapping (ms)',
    'Errors',
    'Throttles',
    'Duration p95 (ms)',
    'Notifications failed by topic (5 min)',
    'Failed batches parked and not parked per minute',
    'Release transactions and conflicts per minute',
    'Clock work left to later ticks per minute',
    'High-severity alerts per minute',
  ])('shows the widget "%s"', (title) => {
    expect(body).toContain(`\\"title\\":\\"${title}\\"`);
  });

  it('plots the metrics the handlers emit', () => {
    for (const metric of [
      'ShipmentsReleased',
      'UnitsReleased',
      'HeldShipments',
      'NotificationsPublished',
      'DigestsPublished',
      'EditsRejected',
      'HistoryEntriesAppended',
      'HistoryEntriesFailed',
      'ShipmentTransactions',
      'TransactionConflicts',
      'ExpiryWatchesDeferred',
      'ExpiryRechecksSkipped',
      'HeldBacklogSkipped',
      'OpsAlerts',
    ]) {
      expect(body).toContain(metric);
    }
  });

  it('shows the depth of every DLQ as its alarm reads it, hidden messages included', () => {
    expect(body.match(/ApproximateNumberOfMessagesVisible/g)).toHaveLength(4);
    expect(body.match(/ApproximateNumberOfMessagesNotVisible/g)).toHaveLength(4);
  });

  it('plots failed notifications of every topic', () => {
    for (const topic of [...s.stack.topics.customerShards, s.stack.topics.logistics, s.stack.topics.ops]) {
      expect(body).toContain(JSON.stringify({ 'Fn::GetAtt': [s.logicalId(topic.topic), 'TopicName'] }));
    }
    expect(body.match(/NumberOfNotificationsFailed/g)).toHaveLength(3);
  });

  it('plots the batches each stream function parked in its DLQ and could not park', () => {
    for (const consumer of [s.stack.licenseStream, s.stack.shipmentStream, s.stack.shipmentHistoryStream]) {
      expect(body).toContain(JSON.stringify({ 'Fn::GetAtt': [s.logicalId(consumer.dlq), 'QueueName'] }));
    }
    for (const fn of [s.stack.licenseEvents, s.stack.shipmentEvents, s.stack.shipmentHistory]) {
      expect(body).toContain(JSON.stringify({ Ref: s.logicalId(fn.fn) }));
    }
    expect(body.match(/NumberOfMessagesSent/g)).toHaveLength(3);
    expect(body.match(/DestinationDeliveryFailures/g)).toHaveLength(3);
  });
});
