import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { parseArn } from '../../../cli/arn.js';
import {
  isAwsManagedSqsKey,
  managedKeyRefusal,
  queueEncryption,
  queuePolicyVerdict,
  queuePolicyWarning,
} from '../../../cli/queue-checks.js';

const ACCOUNT = '123456789012';
const QUEUE = `arn:aws:sqs:eu-west-1:${ACCOUNT}:acme-shipments`;
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:Clearance-CustomerTopic-AbC`;
const OTHER_TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:someone-else`;

const policy = (...Statement: Record<string, unknown>[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement });
const snsSend = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: { Service: 'sns.amazonaws.com' },
  Action: 'sqs:SendMessage',
  Resource: QUEUE,
  ...extra,
});

describe('parseArn', () => {
  it('splits an ARN into its parts, keeping colons inside the resource', () => {
    expect(parseArn(QUEUE)).toEqual({
      partition: 'aws',
      service: 'sqs',
      region: 'eu-west-1',
      account: ACCOUNT,
      resource: 'acme-shipments',
    });
    expect(parseArn(`${TOPIC}:0b5c-sub`)?.resource).toBe('Clearance-CustomerTopic-AbC:0b5c-sub');
    expect(parseArn('https://sqs.eu-west-1.amazonaws.com/1/q')).toBeUndefined();
  });
});

describe('queue encryption', () => {
  it.each([
    'alias/aws/sqs',
    `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/aws/sqs`,
    `arn:aws-us-gov:kms:us-gov-west-1:${ACCOUNT}:alias/aws/sqs`,
  ])('recognises the AWS-managed SQS key as %s', (keyId) => {
    expect(isAwsManagedSqsKey(keyId)).toBe(true);
    expect(queueEncryption({ KmsMasterKeyId: keyId })).toEqual({ kind: 'aws-managed-kms', keyId });
  });

  it.each([
    'alias/acme-queues',
    `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/aws/sqs-copy`,
  ])('treats %s as a customer-managed key', (keyId) => {
    expect(isAwsManagedSqsKey(keyId)).toBe(false);
    expect(queueEncryption({ KmsMasterKeyId: keyId })).toEqual({ kind: 'kms', keyId });
  });

  it('reads SSE-SQS and no encryption', () => {
    expect(queueEncryption({ SqsManagedSseEnabled: 'true' })).toEqual({ kind: 'sse-sqs' });
    expect(queueEncryption({ SqsManagedSseEnabled: 'false' })).toEqual({ kind: 'none' });
    expect(queueEncryption({ KmsMasterKeyId: '' })).toEqual({ kind: 'none' });
    expect(queueEncryption({})).toEqual({ kind: 'none' });
  });

  it('explains the refusal of the managed key: why, both ways out, and that nothing was subscribed', () => {
    const message = managedKeyRefusal(QUEUE, 'alias/aws/sqs');
    expect(message).toBe(
      `queue ${QUEUE} is encrypted with the AWS-managed key alias/aws/sqs. SNS cannot use that key, ` +
        'because its key policy cannot be changed to let sns.amazonaws.com use it, so every delivery to this ' +
        'queue would fail. Switch the queue to SSE-SQS (SqsManagedSseEnabled=true), or to a customer-managed ' +
        'KMS key whose key policy allows sns.amazonaws.com kms:GenerateDataKey and kms:Decrypt, then run this ' +
        'command again. Nothing was subscribed.',
    );
    expect(managedKeyRefusal(QUEUE, `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/aws/sqs`)).toContain(
      `alias/aws/sqs (arn:aws:kms:eu-west-1:${ACCOUNT}:alias/aws/sqs)`,
    );
  });
});

/** Policies, and whether SNS may send from TOPIC to QUEUE under each. */
const CASES: [string, string, boolean][] = [
  [
    'the statement the command prints',
    policy(snsSend({ Condition: { ArnEquals: { 'aws:SourceArn': TOPIC } } })),
    true,
  ],
  ['no SourceArn condition', policy(snsSend()), true],
  ['sqs:* to everyone', policy({ Effect: 'Allow', Principal: '*', Action: 'sqs:*', Resource: QUEUE }), true],
  [
    'AWS "*" principal, action list',
    policy(snsSend({ Principal: { AWS: '*' }, Action: ['sqs:ReceiveMessage', 'sqs:SendMessage'] })),
    true,
  ],
  [
    'a wildcard action and resource',
    policy(snsSend({ Action: 'sqs:Send*', Resource: `arn:aws:sqs:eu-west-1:${ACCOUNT}:*` })),
    true,
  ],
  [
    'ArnLike with a wildcard topic',
    policy(snsSend({ Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:sns:*:${ACCOUNT}:Clearance-*` } } })),
    true,
  ],
  [
    'SourceArn list that includes the topic',
    policy(snsSend({ Condition: { ArnEquals: { 'aws:SourceArn': [OTHER_TOPIC, TOPIC] } } })),
    true,
  ],
  [
    'SourceAccount condition',
    policy(snsSend({ Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })),
    true,
  ],
  [
    'another topic only',
    policy(snsSend({ Condition: { ArnEquals: { 'aws:SourceArn': OTHER_TOPIC } } })),
    false,
  ],
  ['another service', policy(snsSend({ Principal: { Service: 'events.amazonaws.com' } })), false],
  [
    'an account principal (not SNS)',
    policy(snsSend({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } })),
    false,
  ],
  ['ReceiveMessage only', policy(snsSend({ Action: 'sqs:ReceiveMessage' })), false],
  ['another queue', policy(snsSend({ Resource: `arn:aws:sqs:eu-west-1:${ACCOUNT}:other` })), false],
  [
    'another account as SourceAccount',
    policy(snsSend({ Condition: { StringEquals: { 'aws:SourceAccount': '999999999999' } } })),
    false,
  ],
  [
    'allowed, but denied to every topic but another',
    policy(snsSend(), {
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: QUEUE,
      Condition: { ArnNotEquals: { 'aws:SourceArn': OTHER_TOPIC } },
    }),
    false,
  ],
  [
    'allowed, with a TLS-only deny',
    policy(snsSend(), {
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:*',
      Resource: QUEUE,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }),
    true,
  ],
  ['an empty statement list', policy(), false],
];

describe('queuePolicyVerdict', () => {
  it.each(CASES)('judges a policy with %s', (_, text, allowed) => {
    expect(queuePolicyVerdict(text, QUEUE, TOPIC).allowed).toBe(allowed);
  });

  // An independent IAM evaluator (dev-only, AGPL: tests may use it, cli/ may not) agrees on each case.
  it.each(CASES)('agrees with iam-simulate on a policy with %s', async (_, text, allowed) => {
    const result = await runSimulation(
      {
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: JSON.parse(text),
        request: {
          action: 'sqs:SendMessage',
          principal: 'sns.amazonaws.com',
          resource: { accountId: ACCOUNT, resource: QUEUE },
          contextVariables: {
            'aws:SourceArn': TOPIC,
            'aws:SourceAccount': ACCOUNT,
            'aws:SecureTransport': 'true',
          },
        },
      },
      {},
    );
    const verdict = result.resultType === 'single' ? result.result.analysis?.result : result.resultType;
    expect(verdict === 'Allowed', `iam-simulate: ${verdict}`).toBe(allowed);
  });

  it('says why: no policy, not JSON, no allowing statement, a deny by Sid', () => {
    expect(queuePolicyVerdict(undefined, QUEUE, TOPIC)).toEqual({
      allowed: false,
      reason: 'the queue has no policy',
    });
    expect(queuePolicyVerdict('{oops', QUEUE, TOPIC)).toEqual({
      allowed: false,
      reason: 'its Policy attribute is not JSON',
    });
    expect(queuePolicyVerdict(policy(snsSend({ Action: 'sqs:ReceiveMessage' })), QUEUE, TOPIC)).toEqual({
      allowed: false,
      reason: 'no statement allows sns.amazonaws.com sqs:SendMessage with this topic as aws:SourceArn',
    });
    expect(
      queuePolicyVerdict(
        policy(snsSend(), {
          Sid: 'NoSns',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:SendMessage',
          Resource: QUEUE,
        }),
        QUEUE,
        TOPIC,
      ),
    ).toEqual({ allowed: false, reason: 'statement "NoSns" denies it' });
  });

  it('does not count an Allow under a condition it cannot evaluate, and names the condition', () => {
    const verdict = queuePolicyVerdict(
      policy(snsSend({ Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } } })),
      QUEUE,
      TOPIC,
    );
    expect(verdict).toEqual({
      allowed: false,
      reason:
        'statement 1 allows it only under a condition this command cannot evaluate (StringEquals aws:PrincipalOrgID)',
    });
  });

  it('reports a Deny under a condition it cannot evaluate as one that may apply', () => {
    const verdict = queuePolicyVerdict(
      policy(snsSend(), {
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:*',
        Resource: QUEUE,
        Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abc' } },
      }),
      QUEUE,
      TOPIC,
    );
    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed ? '' : verdict.reason).toMatch(/^statement 2 may deny it/);
  });
});

describe('queuePolicyWarning', () => {
  it('says what is wrong and prints the exact statement to add', () => {
    const warning = queuePolicyWarning(QUEUE, TOPIC, 'the queue has no policy');
    const [first, ...json] = warning.split('\n');
    expect(first).toBe(
      `WARNING: the policy of queue ${QUEUE} does not let topic ${TOPIC} send to it (the queue has no policy). ` +
        'Until it does, SNS cannot deliver to this subscription and parks every message in the subscription ' +
        'dead-letter queue. The queue owner adds this statement to the queue policy (this command does not change queues):',
    );
    const statement = JSON.parse(json.join('\n'));
    expect(statement).toEqual({
      Sid: 'AllowClearanceTopicClearanceCustomerTopicAbC',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: QUEUE,
      Condition: { ArnEquals: { 'aws:SourceArn': TOPIC } },
    });
    // The statement it prints is one the matcher accepts.
    expect(queuePolicyVerdict(policy(statement), QUEUE, TOPIC).allowed).toBe(true);
  });
});
