import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { ENV } from '../../shared/names.js';

describe('customer topic shards', () => {
  const { stack } = buildApp({
    skipBundling: true,
    validateTemplate: false,
    context: { customerTopicShards: 3 },
  });
  const template = Template.fromStack(stack);
  const shardIds = stack.topics.customerShards.map((t) =>
    stack.getLogicalId(t.topic.node.defaultChild as CfnElement),
  );

  it('creates one encrypted customer topic per shard, shard 0 keeping its logical id', () => {
    expect(shardIds).toHaveLength(3);
    expect(shardIds[0]).toMatch(/^TopicsCustomerTopic/);
    for (const id of shardIds) {
      expect(template.toJSON().Resources[id].Properties.KmsMasterKeyId).toBeDefined();
    }
  });

  it('restricts subscriptions on every shard to the account', () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    for (const id of shardIds) {
      const policy = policies.find(
        (p) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: id }]),
      );
      expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain('DenySubscribeOutsideAccount');
    }
  });

  it('gives shipment-events every shard ARN in shard order', () => {
    const fn =
      template.toJSON().Resources[
        stack.getLogicalId(stack.shipmentEvents.fn.node.defaultChild as CfnElement)
      ];
    expect(fn.Properties.Environment.Variables[ENV.customerTopicArns]).toEqual({
      'Fn::Join': [',', shardIds.map((id) => ({ Ref: id }))],
    });
  });

  it('outputs each shard ARN for the subscribe command', () => {
    const outputs = template.toJSON().Outputs;
    shardIds.forEach((id, i) => {
      expect(outputs[`CustomerTopicArn${i}`].Value).toEqual({ Ref: id });
    });
  });

  it('gives every shard its own failed-notification alarm on its own topic name', () => {
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: 'NumberOfNotificationsFailed' },
      }),
    );
    // Three shards, the logistics and the ops topic.
    expect(alarms).toHaveLength(5);
    const dimensions = alarms.map((a) => JSON.stringify(a.Properties.Dimensions));
    for (const id of shardIds) {
      expect(dimensions).toContain(
        JSON.stringify([{ Name: 'TopicName', Value: { 'Fn::GetAtt': [id, 'TopicName'] } }]),
      );
    }
    expect(new Set(dimensions).size).toBe(5);
  });

  it.each([0, 31, 2.5, '', '3,', true])(
    'rejects %j shards, naming the limit and quoting what was given',
    (shards) => {
      expect(() =>
        buildApp({ skipBundling: true, validateTemplate: false, context: { customerTopicShards: shards } }),
      ).toThrow(
        `customerTopicShards must be a whole number from 1 to 30 (plan on about 4,500 customers with one subscription each: 200 filter policies per topic, which the hash fills unevenly): the functions that publish carry every shard's ARN in their environment, which Lambda limits to 4 KB; got ${JSON.stringify(shards)}`,
      );
    },
  );

  it('takes the digits -c passes as a string', () => {
    const { stack } = buildApp({
      skipBundling: true,
      validateTemplate: false,
      context: { customerTopicShards: '3' },
    });
    expect(stack.topics.customerShards).toHaveLength(3);
  });
});
