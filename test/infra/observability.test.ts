import { describe, expect, it } from 'vitest';
import { synthesize } from './synth.js';

const s = synthesize();
const opsTopic = { Ref: s.logicalId(s.stack.topics.ops.topic) };
const alarms = s.template.findResources('AWS::CloudWatch::Alarm');
const alarmNamed = (idPart: string) => {
  const found = Object.entries(alarms).filter(([id]) => id.includes(idPart));
  if (found.length !== 1) throw new Error(`expected one alarm matching ${idPart}, found ${found.length}`);
  return found[0]?.[1].Properties as Record<string, unknown>;
};

describe('alarms', () => {
  it.each([
    ['LicenseEventsDlqNotEmpty', 1, 'ApproximateNumberOfMessagesVisible'],
    ['ShipmentEventsDlqNotEmpty', 1, 'ApproximateNumberOfMessagesVisible'],
    ['SubscriptionDlqNotEmpty', 1, 'ApproximateNumberOfMessagesVisible'],
    ['LicenseEventsIteratorAge', 300_000, 'IteratorAge'],
    ['ShipmentEventsIteratorAge', 300_000, 'IteratorAge'],
    ['LicenseEventsThrottles', 1, 'Throttles'],
    ['ShipmentEventsThrottles', 1, 'Throttles'],
    ['LicenseClockThrottles', 1, 'Throttles'],
    ['HeldToShippedRejected', 1, 'EditsRejected'],
  ])('alarms on %s at %d and notifies the ops topic', (id, threshold, metric) => {
    const alarm = alarmNamed(id);
    expect(alarm.Threshold).toBe(threshold);
    expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(alarm.MetricName).toBe(metric);
    expect(alarm.AlarmActions).toEqual([opsTopic]);
    expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/OPERATIONS\.md#[a-z-]+/);
  });

  it.each(['LicenseEventsErrorRate', 'ShipmentEventsErrorRate', 'LicenseClockErrorRate'])(
    'alarms on the %s above 5 percent and notifies the ops topic',
    (id) => {
      const alarm = alarmNamed(id);
      expect(alarm.Threshold).toBe(5);
      expect(JSON.stringify(alarm.Metrics)).toContain('100 * errors / MAX([invocations, 1])');
      expect(alarm.AlarmActions).toEqual([opsTopic]);
    },
  );

  it('watches the subscription DLQ itself and points to its runbook section', () => {
    const alarm = alarmNamed('SubscriptionDlqNotEmpty');
    expect(alarm.Namespace).toBe('AWS/SQS');
    expect(alarm.Dimensions).toEqual([
      {
        Name: 'QueueName',
        Value: { 'Fn::GetAtt': [s.logicalId(s.stack.subscriptionDlq.queue), 'QueueName'] },
      },
    ]);
    expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/OPERATIONS\.md#subscription-dlq$/);
  });

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

  it('has exactly these twelve alarms', () => {
    expect(Object.keys(alarms)).toHaveLength(12);
  });

  it('lets CloudWatch publish to the encrypted ops topic', () => {
    const key = s.resource(s.logicalId(s.stack.topics.ops.key));
    const policy = key.Properties?.KeyPolicy as
      | { Statement: { Principal?: { Service?: string }; Action: unknown }[] }
      | undefined;
    const statements = policy?.Statement ?? [];
    const cw = statements.find((st) => st.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect([cw?.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });
});

describe('dashboard', () => {
  const dashboards = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard'));
  const body = JSON.stringify(dashboards[0]?.Properties?.DashboardBody);

  it('exists once', () => {
    expect(dashboards).toHaveLength(1);
  });

  it.each([
    'Shipments released per minute',
    'Units released by license',
    'Held backlog by reason',
    'Notifications by audience',
    'Rejected edits',
    'DLQ depth',
    'Iterator age per mapping (ms)',
    'Errors',
    'Throttles',
    'Duration p95 (ms)',
  ])('shows the widget "%s"', (title) => {
    expect(body).toContain(`\\"title\\":\\"${title}\\"`);
  });

  it('plots the metrics the handlers emit', () => {
    for (const metric of [
      'ShipmentsReleased',
      'UnitsReleased',
      'HeldShipments',
      'NotificationsPublished',
      'EditsRejected',
    ]) {
      expect(body).toContain(metric);
    }
  });
});
