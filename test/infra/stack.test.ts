import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { ENTRY_METADATA_KEY } from '../../infra/clearance-function.js';
import { STACK_OUTPUTS } from '../../infra/stack.js';
import type { SecureTopic } from '../../infra/topics.js';
import { RELEASE_TIME_BUDGET_MS, SETTLE_DELAY_MS } from '../../infra/tuning.js';
import { ENV, GSI_ATTR, HELD_INDEX, RELEASED_INDEX } from '../../shared/names.js';
import {
  arnOf,
  ref,
  type Statement,
  type Synthesized,
  statementsOf,
  streamArnOf,
  synthesize,
} from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const DAY_SECONDS = 24 * 60 * 60;

describe('tables', () => {
  it('keeps every table retained, deletion-protected, PITR-enabled, on-demand, encrypted and without a physical name', () => {
    const tables = s.template.findResources('AWS::DynamoDB::Table');
    // The contract's four and Tallies (license events' digests still to send).
    expect(Object.keys(tables)).toHaveLength(5);
    for (const table of Object.values(tables)) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties.TableName).toBeUndefined();
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    }
  });

  it('keys Licenses by licenseId and streams NEW_AND_OLD_IMAGES', () => {
    const props = s.resource(s.logicalId(s.stack.tables.licenses)).Properties;
    expect(props?.KeySchema).toEqual([{ AttributeName: 'licenseId', KeyType: 'HASH' }]);
    expect(props?.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('keys Shipments by shipmentId and streams NEW_AND_OLD_IMAGES', () => {
    const props = s.resource(s.logicalId(s.stack.tables.shipments)).Properties;
    expect(props?.KeySchema).toEqual([{ AttributeName: 'shipmentId', KeyType: 'HASH' }]);
    expect(props?.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('indexes held and released shipments by license in hold order, projecting all attributes', () => {
    const props = s.resource(s.logicalId(s.stack.tables.shipments)).Properties;
    const gsi = (indexName: string, licenseAttr: string) => ({
      IndexName: indexName,
      KeySchema: [
        { AttributeName: licenseAttr, KeyType: 'HASH' },
        { AttributeName: GSI_ATTR.holdOrder, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    expect(props?.GlobalSecondaryIndexes).toEqual(
      expect.arrayContaining([
        gsi(HELD_INDEX, GSI_ATTR.heldLicenseId),
        gsi(RELEASED_INDEX, GSI_ATTR.releasedLicenseId),
      ]),
    );
    expect(props?.GlobalSecondaryIndexes).toHaveLength(2);
    expect(props?.AttributeDefinitions).toEqual(
      expect.arrayContaining(
        [GSI_ATTR.heldLicenseId, GSI_ATTR.releasedLicenseId, GSI_ATTR.holdOrder].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
      ),
    );
  });

  it('keys Inventory by sku and warehouseId without a stream', () => {
    const props = s.resource(s.logicalId(s.stack.tables.inventory)).Properties;
    expect(props?.KeySchema).toEqual([
      { AttributeName: 'sku', KeyType: 'HASH' },
      { AttributeName: 'warehouseId', KeyType: 'RANGE' },
    ]);
    expect(props?.StreamSpecification).toBeUndefined();
  });

  it('keys Tallies by licenseId and event, without a stream, with a TTL on expiresAt', () => {
    const props = s.resource(s.logicalId(s.stack.tables.tallies)).Properties;
    expect(props?.KeySchema).toEqual([
      { AttributeName: 'licenseId', KeyType: 'HASH' },
      { AttributeName: 'event', KeyType: 'RANGE' },
    ]);
    expect(props?.StreamSpecification).toBeUndefined();
    expect(props?.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(props?.GlobalSecondaryIndexes).toBeUndefined();
  });
});

describe('topics', () => {
  const topics = (): [string, SecureTopic][] => [
    ['customer', s.stack.topics.customer],
    ['logistics', s.stack.topics.logistics],
    ['ops', s.stack.topics.ops],
  ];

  /** Statements of the TopicPolicy attached to the topic. */
  const topicPolicy = (topic: SecureTopic): Statement[] => {
    const policies = s.template.findResources('AWS::SNS::TopicPolicy', {
      Properties: { Topics: [ref(s.logicalId(topic.topic))] },
    });
    return Object.values(policies).flatMap((p) => statementsOf(p.Properties.PolicyDocument));
  };

  it.each(['customer', 'logistics', 'ops'] as const)(
    'encrypts the %s topic with its own rotating, retained key',
    (name) => {
      const secure = s.stack.topics[name];
      const keyId = s.logicalId(secure.key);
      s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(keyId) });
      expect(s.resource(s.logicalId(secure.topic)).Properties?.KmsMasterKeyId).toEqual(arnOf(keyId));
      const key = s.resource(keyId);
      expect(key.Properties?.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
      const otherKeys = topics()
        .filter(([other]) => other !== name)
        .map(([, t]) => s.logicalId(t.key));
      expect(otherKeys).not.toContain(keyId);
    },
  );

  it.each(['customer', 'logistics', 'ops'] as const)(
    'rejects publish and subscribe without TLS on the %s topic',
    (name) => {
      const insecure = topicPolicy(s.stack.topics[name]).filter(
        (st) =>
          st.effect === 'Deny' &&
          st.condition?.Bool?.['aws:SecureTransport'] === 'false' &&
          JSON.stringify(st.principal).includes('*'),
      );
      const denied = insecure.flatMap((st) => st.actions);
      expect(denied).toEqual(
        expect.arrayContaining(['sns:Publish', 'sns:Subscribe', 'sns:SetTopicAttributes']),
      );
    },
  );

  it('rejects subscriptions to the customer topic from principals outside the account', () => {
    const deny = topicPolicy(s.stack.topics.customer).find(
      (st) =>
        st.effect === 'Deny' &&
        st.actions.includes('sns:Subscribe') &&
        st.condition?.StringNotEquals?.['aws:PrincipalAccount'] !== undefined,
    );
    expect(deny?.condition?.StringNotEquals?.['aws:PrincipalAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(deny?.principal)).toContain('*');
    expect(deny?.resources).toEqual([ref(s.logicalId(s.stack.topics.customer.topic))]);
  });

  it.each(['customer', 'logistics'] as const)(
    'rejects %s subscriptions over protocols other than email, sqs and https',
    (name) => {
      const deny = topicPolicy(s.stack.topics[name]).find(
        (st) => st.effect === 'Deny' && st.condition?.StringNotEquals?.['sns:Protocol'] !== undefined,
      );
      expect(deny?.actions).toEqual(['sns:Subscribe']);
      expect(deny?.condition?.StringNotEquals?.['sns:Protocol']).toEqual(['email', 'sqs', 'https']);
    },
  );

  it('subscribes the OpsEmail parameter to the ops topic only when it is set', () => {
    s.template.hasParameter('OpsEmail', { Type: 'String', Default: '' });
    s.template.hasCondition('HasOpsEmail', {
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OpsEmail' }, ''] }],
    });
    const subscriptions = s.template.findResources('AWS::SNS::Subscription');
    expect(Object.values(subscriptions)).toEqual([
      {
        Type: 'AWS::SNS::Subscription',
        Condition: 'HasOpsEmail',
        Properties: {
          Protocol: 'email',
          Endpoint: { Ref: 'OpsEmail' },
          TopicArn: ref(s.logicalId(s.stack.topics.ops.topic)),
        },
      },
    ]);
  });
});

describe('dead-letter queues', () => {
  const queues = () => [
    s.stack.licenseStream.dlq,
    s.stack.shipmentStream.dlq,
    s.stack.shipmentHistoryStream.dlq,
  ];

  it('encrypts each stream DLQ with the AWS-managed SQS key and keeps messages 14 days', () => {
    // The three stream DLQs and the subscription DLQ (below).
    expect(Object.keys(s.template.findResources('AWS::SQS::Queue'))).toHaveLength(4);
    for (const queue of queues()) {
      const props = s.resource(s.logicalId(queue)).Properties;
      expect(props?.KmsMasterKeyId).toBe('alias/aws/sqs');
      expect(props?.MessageRetentionPeriod).toBe(14 * DAY_SECONDS);
    }
  });

  it('rejects every DLQ request made without TLS', () => {
    for (const queue of queues()) {
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(s.logicalId(queue))],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('subscription dead-letter queue', () => {
  const dlq = () => s.stack.subscriptionDlq;
  const topicRefs = () => [
    ref(s.logicalId(s.stack.topics.customer.topic)),
    ref(s.logicalId(s.stack.topics.logistics.topic)),
  ];

  it('encrypts it with its own rotated, retained customer-managed key and keeps messages 14 days', () => {
    const queue = s.resource(s.logicalId(dlq().queue));
    expect(queue.Properties?.KmsMasterKeyId).toEqual(arnOf(s.logicalId(dlq().key)));
    expect(queue.Properties?.MessageRetentionPeriod).toBe(14 * DAY_SECONDS);
    const key = s.resource(s.logicalId(dlq().key));
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.UpdateReplacePolicy).toBe('Retain');
  });

  it('lets SNS use the key only for the customer and logistics topics of this account', () => {
    const policy = s.resource(s.logicalId(dlq().key)).Properties?.KeyPolicy;
    const all = statementsOf(policy);
    const sns = all.filter((st) => JSON.stringify(st.principal).includes('sns.amazonaws.com'));
    expect(sns).toEqual([
      {
        effect: 'Allow',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        principal: { Service: 'sns.amazonaws.com' },
        condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': topicRefs() },
        },
        sid: 'AllowSnsDeadLettersFromStackTopics',
      },
    ]);
    // Nobody else but the account (key administration, delegated to IAM) is named.
    const others = all.filter((st) => !sns.includes(st));
    expect(others.map((st) => JSON.stringify(st.principal))).toEqual([expect.stringContaining(':root')]);
  });

  it('lets SNS send to it only from those topics, and denies every request without TLS', () => {
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(s.logicalId(dlq().queue))],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Resource: arnOf(s.logicalId(dlq().queue)),
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Sid: 'AllowSnsDeadLettersFromStackTopics',
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: arnOf(s.logicalId(dlq().queue)),
            Condition: { ArnEquals: { 'aws:SourceArn': topicRefs() } },
          },
        ],
      },
    });
  });

  it('names every customer topic shard in both policies', () => {
    const { stack } = buildApp({
      skipBundling: true,
      validateTemplate: false,
      context: { customerTopicShards: 3 },
    });
    const template = Template.fromStack(stack);
    const id = (c: IConstruct) => stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
    const expected = [...stack.topics.customerShards, stack.topics.logistics].map((t) => ref(id(t.topic)));
    expect(expected).toHaveLength(4);
    const key = template.toJSON().Resources[id(stack.subscriptionDlq.key)];
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain(JSON.stringify({ 'aws:SourceArn': expected }));
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter(
      (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([ref(id(stack.subscriptionDlq.queue))]),
    );
    expect(JSON.stringify(policies[0]?.Properties.PolicyDocument)).toContain(
      JSON.stringify({ 'aws:SourceArn': expected }),
    );
  });
});

describe('functions', () => {
  const cases = () =>
    [
      {
        name: 'license-events',
        fn: s.stack.licenseEvents,
        timeout: 900,
        memory: 1024,
        env: {
          [ENV.licensesTable]: ref(s.logicalId(s.stack.tables.licenses)),
          [ENV.shipmentsTable]: ref(s.logicalId(s.stack.tables.shipments)),
          [ENV.inventoryTable]: ref(s.logicalId(s.stack.tables.inventory)),
          [ENV.historyTable]: ref(s.logicalId(s.stack.tables.history)),
          [ENV.talliesTable]: ref(s.logicalId(s.stack.tables.tallies)),
          [ENV.opsTopicArn]: ref(s.logicalId(s.stack.topics.ops.topic)),
          // The digests of each license event, sent when its pass ends.
          [ENV.customerTopicArns]: ref(s.logicalId(s.stack.topics.customer.topic)),
          [ENV.logisticsTopicArn]: ref(s.logicalId(s.stack.topics.logistics.topic)),
          [ENV.releaseTimeBudgetMs]: String(RELEASE_TIME_BUDGET_MS),
          // Transactions in flight across the licenses of an invocation.
          [ENV.releaseConcurrency]: '4',
          [ENV.settleDelayMs]: String(SETTLE_DELAY_MS),
          // New work hands over after a second, so a burst of approvals is served in turn.
          [ENV.releaseFirstSliceMs]: '100',
          [ENV.drawdownThresholds]: '80,90,100',
        },
      },
      {
        name: 'shipment-events',
        fn: s.stack.shipmentEvents,
        timeout: 120,
        memory: 1024,
        env: {
          [ENV.licensesTable]: ref(s.logicalId(s.stack.tables.licenses)),
          [ENV.shipmentsTable]: ref(s.logicalId(s.stack.tables.shipments)),
          [ENV.inventoryTable]: ref(s.logicalId(s.stack.tables.inventory)),
          [ENV.historyTable]: ref(s.logicalId(s.stack.tables.history)),
          [ENV.customerTopicArns]: ref(s.logicalId(s.stack.topics.customer.topic)),
          [ENV.logisticsTopicArn]: ref(s.logicalId(s.stack.topics.logistics.topic)),
          [ENV.opsTopicArn]: ref(s.logicalId(s.stack.topics.ops.topic)),
        },
      },
      {
        // History only: it reads nothing but its stream, and writes History alone.
        name: 'shipment-history',
        fn: s.stack.shipmentHistory,
        timeout: 120,
        memory: 1024,
        env: { [ENV.historyTable]: ref(s.logicalId(s.stack.tables.history)) },
      },
      {
        name: 'license-clock',
        fn: s.stack.licenseClock,
        timeout: 60,
        memory: 512,
        env: {
          [ENV.licensesTable]: ref(s.logicalId(s.stack.tables.licenses)),
          [ENV.shipmentsTable]: ref(s.logicalId(s.stack.tables.shipments)),
          [ENV.opsTopicArn]: ref(s.logicalId(s.stack.topics.ops.topic)),
          [ENV.logisticsTopicArn]: ref(s.logicalId(s.stack.topics.logistics.topic)),
          [ENV.expiryLeadDays]: '1,7,30',
        },
      },
    ] as const;

  it('defines exactly the four functions', () => {
    expect(Object.keys(s.template.findResources('AWS::Lambda::Function'))).toHaveLength(4);
  });

  const FUNCTIONS = ['license-events', 'shipment-events', 'shipment-history', 'license-clock'] as const;
  const caseOf = (name: string) => {
    const c = cases().find((x) => x.name === name);
    if (!c) throw new Error(`no case ${name}`);
    return c;
  };

  it.each(FUNCTIONS)('runs %s on nodejs24.x arm64 with tracing, its timeout, memory and entry', (name) => {
    const c = caseOf(name);
    const fn = s.resource(s.logicalId(c.fn.fn));
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      Timeout: c.timeout,
      MemorySize: c.memory,
      LoggingConfig: { LogGroup: ref(s.logicalId(c.fn.logGroup)) },
    });
    expect(fn.Metadata?.[ENTRY_METADATA_KEY]).toBe(`functions/${c.name}.ts`);
  });

  it.each(FUNCTIONS)('sets exactly the environment %s needs', (name) => {
    const c = caseOf(name);
    const environment = s.resource(s.logicalId(c.fn.fn)).Properties?.Environment as
      | { Variables?: unknown }
      | undefined;
    const variables = environment?.Variables;
    expect(variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: c.name,
      POWERTOOLS_METRICS_NAMESPACE: 'Clearance',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...c.env,
    });
  });

  it('keeps each function log group for one month and retains it', () => {
    for (const c of cases()) {
      const group = s.resource(s.logicalId(c.fn.logGroup));
      expect(group.Properties?.RetentionInDays).toBe(30);
      expect(group.DeletionPolicy).toBe('Retain');
    }
    expect(Object.keys(s.template.findResources('AWS::Logs::LogGroup'))).toHaveLength(4);
  });

  it('rejects AWS managed policies on the function roles', () => {
    for (const c of cases()) {
      expect(s.resource(s.logicalId(c.fn.role)).Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('does not deploy the logRetention custom resource', () => {
    expect(s.template.findResources('Custom::LogRetention')).toEqual({});
  });
});

describe('stream mappings', () => {
  const mappings = () =>
    [
      {
        name: 'license-events',
        fn: s.stack.licenseEvents,
        table: s.stack.tables.licenses,
        dlq: s.stack.licenseStream.dlq,
        // 50 licenses approved at once land in one invocation.
        batchSize: 100,
        window: undefined,
        parallelization: 1,
        events: ['INSERT', 'MODIFY', 'REMOVE'],
      },
      {
        name: 'shipment-events',
        fn: s.stack.shipmentEvents,
        table: s.stack.tables.shipments,
        dlq: s.stack.shipmentStream.dlq,
        batchSize: 1000,
        window: 2,
        // One batch of a shard at a time (infra/tuning.ts says why).
        parallelization: 1,
        events: ['INSERT', 'MODIFY', 'REMOVE'],
      },
      {
        // The Shipments stream's second reader: the same batching as shipment-events.
        name: 'shipment-history',
        fn: s.stack.shipmentHistory,
        table: s.stack.tables.shipments,
        dlq: s.stack.shipmentHistoryStream.dlq,
        batchSize: 1000,
        window: 2,
        parallelization: 1,
        // A deletion is no committed change: shipment-events enters it as a rejected edit.
        events: ['INSERT', 'MODIFY'],
      },
    ] as const;

  const CONSUMERS = ['license-events', 'shipment-events', 'shipment-history'] as const;
  const caseOf = (name: string) => {
    const m = mappings().find((x) => x.name === name);
    if (!m) throw new Error(`no case ${name}`);
    return m;
  };

  const mappingOf = (fnLogicalId: string) => {
    const found = Object.values(
      s.template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { FunctionName: ref(fnLogicalId) },
      }),
    );
    expect(found).toHaveLength(1);
    return found[0]?.Properties as Record<string, unknown>;
  };

  it('defines exactly one mapping per stream consumer', () => {
    expect(Object.keys(s.template.findResources('AWS::Lambda::EventSourceMapping'))).toHaveLength(3);
  });

  it.each(CONSUMERS)(
    'wires the %s mapping from its own table stream at TRIM_HORIZON, with its concurrent batches per shard',
    (name) => {
      const m = caseOf(name);
      const props = mappingOf(s.logicalId(m.fn.fn));
      expect(props.EventSourceArn).toEqual(streamArnOf(s.logicalId(m.table)));
      expect(props.StartingPosition).toBe('TRIM_HORIZON');
      expect(props.ParallelizationFactor).toBe(m.parallelization);
      expect(props.BatchSize).toBe(m.batchSize);
      expect(props.MaximumBatchingWindowInSeconds).toBe(m.window);
    },
  );

  it.each(CONSUMERS)(
    'reports partial failures, bisects and bounds retries and record age of the %s mapping',
    (name) => {
      const m = caseOf(name);
      const props = mappingOf(s.logicalId(m.fn.fn));
      expect(props.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(props.BisectBatchOnFunctionError).toBe(true);
      // -1 (the default) means infinite; records must leave the shard eventually.
      expect(props.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
      expect(props.MaximumRetryAttempts).toBeLessThanOrEqual(10);
      // Under the 24 h stream retention, so the DLQ'd range can still be replayed.
      expect(props.MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(props.MaximumRecordAgeInSeconds).toBeLessThan(DAY_SECONDS);
    },
  );

  it.each(CONSUMERS)('sends failed batches of the %s mapping to its own DLQ', (name) => {
    const m = caseOf(name);
    const props = mappingOf(s.logicalId(m.fn.fn));
    expect(props.DestinationConfig).toEqual({ OnFailure: { Destination: arnOf(s.logicalId(m.dlq)) } });
  });

  it.each(CONSUMERS)('filters the %s mapping to the record types it handles', (name) => {
    const m = caseOf(name);
    const props = mappingOf(s.logicalId(m.fn.fn));
    const filters = (props.FilterCriteria as { Filters: { Pattern: string }[] } | undefined)?.Filters;
    expect(filters).toHaveLength(1);
    const pattern: unknown = JSON.parse(filters?.[0]?.Pattern ?? '{}');
    expect(pattern).toEqual({ eventName: m.events });
  });
});

describe('license clock', () => {
  it('runs license-clock every minute from an EventBridge rule', () => {
    const fnId = s.logicalId(s.stack.licenseClock.fn);
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arnOf(fnId) })],
    });
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(fnId),
      Principal: 'events.amazonaws.com',
    });
  });

  it('does not retry a failed tick, which the next tick supersedes', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(s.logicalId(s.stack.licenseClock.fn)),
      MaximumRetryAttempts: 0,
    });
  });
});

describe('outputs', () => {
  it('exports table names, topic ARNs, DLQ URLs and ARNs and function names', () => {
    const expected: Record<keyof typeof STACK_OUTPUTS, unknown> = {
      licensesTableName: ref(s.logicalId(s.stack.tables.licenses)),
      shipmentsTableName: ref(s.logicalId(s.stack.tables.shipments)),
      inventoryTableName: ref(s.logicalId(s.stack.tables.inventory)),
      historyTableName: ref(s.logicalId(s.stack.tables.history)),
      customerTopicArn: ref(s.logicalId(s.stack.topics.customer.topic)),
      logisticsTopicArn: ref(s.logicalId(s.stack.topics.logistics.topic)),
      opsTopicArn: ref(s.logicalId(s.stack.topics.ops.topic)),
      licenseEventsDlqUrl: ref(s.logicalId(s.stack.licenseStream.dlq)),
      licenseEventsDlqArn: arnOf(s.logicalId(s.stack.licenseStream.dlq)),
      shipmentEventsDlqUrl: ref(s.logicalId(s.stack.shipmentStream.dlq)),
      shipmentEventsDlqArn: arnOf(s.logicalId(s.stack.shipmentStream.dlq)),
      shipmentHistoryDlqUrl: ref(s.logicalId(s.stack.shipmentHistoryStream.dlq)),
      shipmentHistoryDlqArn: arnOf(s.logicalId(s.stack.shipmentHistoryStream.dlq)),
      subscriptionDlqUrl: ref(s.logicalId(s.stack.subscriptionDlq.queue)),
      subscriptionDlqArn: arnOf(s.logicalId(s.stack.subscriptionDlq.queue)),
      licenseEventsFunctionName: ref(s.logicalId(s.stack.licenseEvents.fn)),
      shipmentEventsFunctionName: ref(s.logicalId(s.stack.shipmentEvents.fn)),
      shipmentHistoryFunctionName: ref(s.logicalId(s.stack.shipmentHistory.fn)),
      licenseClockFunctionName: ref(s.logicalId(s.stack.licenseClock.fn)),
    };
    for (const [key, value] of Object.entries(expected)) {
      s.template.hasOutput(STACK_OUTPUTS[key as keyof typeof STACK_OUTPUTS], { Value: value });
    }
  });
});
