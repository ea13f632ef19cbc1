/**
 * What `clearance subscribe` checks on an SQS endpoint of its own account
 * before subscribing it: the queue's encryption (SNS must be able to use the
 * key) and its policy (SNS must be allowed to send). Pure functions over the
 * queue's attributes; the command reads them.
 */
import { parseArn } from './arn.js';
import { queuePolicyStatement } from './subscriptions.js';

/** The AWS-managed SQS key. Its key policy cannot be changed, so SNS can never use it. */
export const AWS_MANAGED_SQS_KEY = 'alias/aws/sqs';

const MANAGED_ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/aws\/sqs$/;

/**
 * True when `KmsMasterKeyId` names the AWS-managed key `aws/sqs`, by its alias
 * or its alias ARN. A bare key id or key ARN cannot be told apart from a
 * customer-managed key without kms:DescribeKey, which the CLI does not call.
 */
export function isAwsManagedSqsKey(kmsMasterKeyId: string | undefined): boolean {
  if (kmsMasterKeyId === undefined) return false;
  return kmsMasterKeyId === AWS_MANAGED_SQS_KEY || MANAGED_ALIAS_ARN.test(kmsMasterKeyId);
}

/** How a queue is encrypted at rest, from its attributes. */
export type QueueEncryption =
  | { kind: 'none' }
  | { kind: 'sse-sqs' }
  | { kind: 'aws-managed-kms'; keyId: string }
  | { kind: 'kms'; keyId: string };

/** Reads `KmsMasterKeyId` and `SqsManagedSseEnabled`. */
export function queueEncryption(attributes: Readonly<Record<string, string | undefined>>): QueueEncryption {
  const keyId = attributes.KmsMasterKeyId;
  if (keyId !== undefined && keyId !== '') {
    return isAwsManagedSqsKey(keyId) ? { kind: 'aws-managed-kms', keyId } : { kind: 'kms', keyId };
  }
  if (attributes.SqsManagedSseEnabled === 'true') return { kind: 'sse-sqs' };
  return { kind: 'none' };
}

/** Why a queue under the AWS-managed key is refused, and what to do instead. */
export function managedKeyRefusal(queueArn: string, keyId: string): string {
  return (
    `queue ${queueArn} is encrypted with the AWS-managed key ${AWS_MANAGED_SQS_KEY}` +
    `${keyId === AWS_MANAGED_SQS_KEY ? '' : ` (${keyId})`}. SNS cannot use that key, because its key ` +
    'policy cannot be changed to let sns.amazonaws.com use it, so every delivery to this queue would fail. ' +
    'Switch the queue to SSE-SQS (SqsManagedSseEnabled=true), or to a customer-managed KMS key whose key ' +
    'policy allows sns.amazonaws.com kms:GenerateDataKey and kms:Decrypt, then run this command again. ' +
    'Nothing was subscribed.'
  );
}

/** What a customer-managed key must allow; the CLI cannot read key policies, so it says so. */
export function customerKeyNote(keyId: string): string {
  return (
    `The queue is encrypted with KMS key ${keyId}: its key policy must allow sns.amazonaws.com ` +
    'kms:GenerateDataKey and kms:Decrypt (this command does not read key policies). ' +
    `If that key is the AWS-managed ${AWS_MANAGED_SQS_KEY} key, SNS cannot use it at all: switch the queue ` +
    'to SSE-SQS or to a customer-managed key.'
  );
}

// ------------------------------------------------------------------ queue policy

/** Whether a queue policy lets a topic send, and if not, why. */
export type QueuePolicyVerdict = { allowed: true; statement: string } | { allowed: false; reason: string };

/** true, false, or cannot tell (a condition this matcher does not evaluate). */
type Tri = boolean | 'unknown';

const and = (values: Tri[]): Tri =>
  values.includes(false) ? false : values.includes('unknown') ? 'unknown' : true;

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/** IAM's wildcard match: `*` any run of characters, `?` exactly one. */
function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

/** ArnEquals / ArnLike: each of the six parts is matched on its own, wildcards allowed in each. */
function arnMatch(pattern: string, value: string): boolean {
  const p = parseArn(pattern);
  const v = parseArn(value);
  if (!p || !v) return false;
  return (['partition', 'service', 'region', 'account', 'resource'] as const).every((k) =>
    globMatch(p[k], v[k], false),
  );
}

/**
 * One condition operator (with `IfExists` and set prefixes removed) applied to
 * the request's single value of the key. `undefined`: an operator this
 * matcher does not evaluate.
 */
function operatorHolds(operator: string, patterns: string[], actual: string): boolean | undefined {
  switch (operator) {
    case 'stringequals':
      return patterns.includes(actual);
    case 'stringnotequals':
      return !patterns.includes(actual);
    case 'stringequalsignorecase':
      return patterns.some((p) => p.toLowerCase() === actual.toLowerCase());
    case 'stringnotequalsignorecase':
      return !patterns.some((p) => p.toLowerCase() === actual.toLowerCase());
    case 'stringlike':
      return patterns.some((p) => globMatch(p, actual, false));
    case 'stringnotlike':
      return !patterns.some((p) => globMatch(p, actual, false));
    case 'arnequals':
    case 'arnlike':
      return patterns.some((p) => arnMatch(p, actual));
    case 'arnnotequals':
    case 'arnnotlike':
      return !patterns.some((p) => arnMatch(p, actual));
    case 'bool':
      return patterns.some((p) => p.toLowerCase() === actual.toLowerCase());
    case 'null':
      // Every key this matcher knows is present in SNS's request.
      return patterns.some((p) => p.toLowerCase() === 'false');
    default:
      return undefined;
  }
}

function conditionsHold(
  condition: unknown,
  context: Readonly<Record<string, string>>,
  unknownKeys: Set<string>,
): Tri {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return 'unknown';
  const results: Tri[] = [];
  for (const [rawOperator, block] of Object.entries(condition)) {
    const operator = rawOperator
      .toLowerCase()
      .replace(/^for(any|all)value:/, '')
      .replace(/ifexists$/, '');
    if (typeof block !== 'object' || block === null) return 'unknown';
    for (const [key, value] of Object.entries(block)) {
      const actual = context[key.toLowerCase()];
      const patterns = asList(value).map(String);
      const held = actual === undefined ? undefined : operatorHolds(operator, patterns, actual);
      if (held === undefined) {
        unknownKeys.add(`${rawOperator} ${key}`);
        results.push('unknown');
      } else {
        results.push(held);
      }
    }
  }
  return and(results);
}

function principalMatches(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const p = principal as Record<string, unknown>;
  if (asList(p.AWS).includes('*')) return true;
  return asList(p.Service).some((s) => typeof s === 'string' && s.toLowerCase() === 'sns.amazonaws.com');
}

interface Applies {
  applies: Tri;
  label: string;
  unknownKeys: Set<string>;
}

function statementApplies(
  statement: Record<string, unknown>,
  index: number,
  request: { queueArn: string; action: string },
  context: Readonly<Record<string, string>>,
): Applies {
  const label =
    typeof statement.Sid === 'string' && statement.Sid !== ''
      ? `statement "${statement.Sid}"`
      : `statement ${index + 1}`;
  const unknownKeys = new Set<string>();
  const principal =
    statement.NotPrincipal !== undefined
      ? !principalMatches(statement.NotPrincipal)
      : principalMatches(statement.Principal);
  const actionList = (key: 'Action' | 'NotAction') =>
    asList(statement[key]).some((a) => typeof a === 'string' && globMatch(a, request.action, true));
  const action = statement.NotAction !== undefined ? !actionList('NotAction') : actionList('Action');
  const resourceList = (key: 'Resource' | 'NotResource') =>
    asList(statement[key]).some((r) => typeof r === 'string' && globMatch(r, request.queueArn, false));
  const resource =
    statement.NotResource !== undefined
      ? !resourceList('NotResource')
      : statement.Resource === undefined || resourceList('Resource');
  const applies = and([
    principal,
    action,
    resource,
    conditionsHold(statement.Condition, context, unknownKeys),
  ]);
  return { applies, label, unknownKeys };
}

/**
 * Does the queue policy let SNS deliver `topicArn`'s messages to `queueArn`?
 * The request judged is the one SNS makes: principal `sns.amazonaws.com`,
 * action `sqs:SendMessage`, over TLS, with `aws:SourceArn` = the topic and
 * `aws:SourceAccount` = its account.
 *
 * A small matcher, not a full IAM evaluator: it reads Principal / Action /
 * Resource (and their `Not` forms, with wildcards), and the condition keys
 * `aws:SourceArn`, `aws:SourceAccount` and `aws:SecureTransport` under the
 * String, Arn, Bool and Null operators. A statement conditioned on anything
 * else cannot be confirmed: an Allow then does not count, and a Deny is
 * reported as one that may apply. Either way the caller warns; it never
 * refuses on this verdict.
 */
export function queuePolicyVerdict(
  policyText: string | undefined,
  queueArn: string,
  topicArn: string,
): QueuePolicyVerdict {
  if (policyText === undefined || policyText.trim() === '') {
    return { allowed: false, reason: 'the queue has no policy' };
  }
  let policy: unknown;
  try {
    policy = JSON.parse(policyText);
  } catch {
    return { allowed: false, reason: 'its Policy attribute is not JSON' };
  }
  if (typeof policy !== 'object' || policy === null) {
    return { allowed: false, reason: 'its Policy attribute is not a policy document' };
  }
  const statements = asList((policy as Record<string, unknown>).Statement).filter(
    (s): s is Record<string, unknown> => typeof s === 'object' && s !== null,
  );
  const context: Record<string, string> = {
    'aws:sourcearn': topicArn,
    'aws:sourceaccount': parseArn(topicArn)?.account ?? '',
    'aws:securetransport': 'true',
  };
  const request = { queueArn, action: 'sqs:SendMessage' };
  const judged = statements.map((s, i) => ({
    effect: s.Effect,
    ...statementApplies(s, i, request, context),
  }));
  const denying = judged.find((j) => j.effect === 'Deny' && j.applies === true);
  if (denying) return { allowed: false, reason: `${denying.label} denies it` };
  const maybeDenying = judged.find((j) => j.effect === 'Deny' && j.applies === 'unknown');
  if (maybeDenying) {
    return {
      allowed: false,
      reason: `${maybeDenying.label} may deny it, under a condition this command cannot evaluate (${[...maybeDenying.unknownKeys].join(', ')})`,
    };
  }
  const allowing = judged.find((j) => j.effect === 'Allow' && j.applies === true);
  if (allowing) return { allowed: true, statement: allowing.label };
  const maybeAllowing = judged.find((j) => j.effect === 'Allow' && j.applies === 'unknown');
  if (maybeAllowing) {
    return {
      allowed: false,
      reason: `${maybeAllowing.label} allows it only under a condition this command cannot evaluate (${[...maybeAllowing.unknownKeys].join(', ')})`,
    };
  }
  return {
    allowed: false,
    reason: 'no statement allows sns.amazonaws.com sqs:SendMessage with this topic as aws:SourceArn',
  };
}

/** The warning for a queue whose policy does not (visibly) let the topic send, with the statement to add. */
export function queuePolicyWarning(queueArn: string, topicArn: string, reason: string): string {
  return [
    `WARNING: the policy of queue ${queueArn} does not let topic ${topicArn} send to it (${reason}). ` +
      'Until it does, SNS cannot deliver to this subscription and parks every message in the subscription ' +
      'dead-letter queue. The queue owner adds this statement to the queue policy (this command does not change queues):',
    JSON.stringify(queuePolicyStatement(queueArn, topicArn), null, 2),
  ].join('\n');
}
