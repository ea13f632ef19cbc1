/**
 * The synthesized template against what AWS accepts: metric math in the
 * documented grammar (test/infra/metric-math.ts) and the service quotas that
 * CloudFormation would only report at deploy time, or SNS at subscribe time.
 * Sizes are measured with intrinsics resolved to realistic, long names
 * (test/infra/resolve-template.ts).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import type { ClearanceStack } from '../../infra/stack.js';
import { MAX_CUSTOMER_SHARDS } from '../../infra/topics.js';
import { type CheckedExpression, checkQueries, type MathQuery, MetricMathError } from './metric-math.js';
import { resolveIntrinsics } from './resolve-template.js';

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
}

function synth(context: Record<string, unknown> = {}): { stack: ClearanceStack; template: CfnTemplate } {
  const { stack } = buildApp({ skipBundling: true, validateTemplate: false, context });
  return { stack, template: Template.fromStack(stack).toJSON() as CfnTemplate };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const ofType = (t: CfnTemplate, type: string) =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type) as [string, CfnResource][];

// ---------------------------------------------------------------- metric math

/** One alarm's `Metrics`, or one dashboard widget's `metrics`. */
interface QuerySet {
  readonly where: string;
  readonly alarm: boolean;
  readonly queries: readonly (MathQuery & { readonly returnData: boolean })[];
}

/** Every set of metric queries in the template; the dashboard body is resolved to its text first. */
function querySets(t: CfnTemplate): QuerySet[] {
  const sets: QuerySet[] = [];
  for (const [id, alarm] of ofType(t, 'AWS::CloudWatch::Alarm')) {
    const metrics = alarm.Properties?.Metrics;
    if (!Array.isArray(metrics)) continue;
    sets.push({
      where: id,
      alarm: true,
      queries: metrics.map((m: Record<string, unknown>) => ({
        id: String(m.Id),
        ...(typeof m.Expression === 'string' ? { expression: m.Expression } : {}),
        returnData: m.ReturnData !== false,
      })),
    });
  }
  for (const [id, dashboard] of ofType(t, 'AWS::CloudWatch::Dashboard')) {
    const body = JSON.parse(String(resolveIntrinsics(t, dashboard.Properties?.DashboardBody))) as {
      widgets: { type: string; properties?: { title?: string; metrics?: unknown[][] } }[];
    };
    for (const [i, widget] of body.widgets.entries()) {
      const metrics = widget.properties?.metrics;
      if (widget.type !== 'metric' || !metrics) continue;
      sets.push({
        where: `${id} widget ${i} "${widget.properties?.title ?? ''}"`,
        alarm: false,
        queries: metrics.map((entry) => {
          const [first] = entry;
          const options = entry.at(-1);
          if (isRecord(first) && typeof first.expression === 'string') {
            return {
              ...(typeof first.id === 'string' ? { id: first.id } : {}),
              expression: first.expression,
              returnData: first.visible !== false,
            };
          }
          const opts = isRecord(options) ? options : {};
          return {
            ...(typeof opts.id === 'string' ? { id: opts.id } : {}),
            returnData: opts.visible !== false,
          };
        }),
      });
    }
  }
  return sets;
}

/**
 * What CloudWatch would refuse in the template's metric queries: every
 * expression must pass the metric math checker, and an alarm must return
 * exactly one single time series, use no SEARCH, and hold at most 10 metrics
 * and 10 expressions (PutMetricAlarm). Returns one line per problem.
 */
function lintMetricMath(t: CfnTemplate): { problems: string[]; checked: CheckedExpression[] } {
  const problems: string[] = [];
  const checked: CheckedExpression[] = [];
  for (const set of querySets(t)) {
    let results: Map<number, CheckedExpression>;
    try {
      results = checkQueries(set.queries);
    } catch (e) {
      if (!(e instanceof MetricMathError)) throw e;
      problems.push(`${set.where}: ${e.message}`);
      continue;
    }
    checked.push(...results.values());
    if (!set.alarm) continue;
    const returned = set.queries.flatMap((q, i) => (q.returnData ? [i] : []));
    if (returned.length !== 1)
      problems.push(`${set.where}: an alarm returns exactly one query, not ${returned.length}`);
    const result = results.get(returned[0] ?? -1);
    if (result && result.type !== 'TS')
      problems.push(`${set.where}: an alarm watches one time series, this expression gives ${result.type}`);
    for (const r of results.values())
      if (r.functions.has('SEARCH')) problems.push(`${set.where}: an alarm cannot be based on SEARCH`);
    const expressions = set.queries.filter((q) => q.expression !== undefined).length;
    if (expressions > 10)
      problems.push(`${set.where}: ${expressions} expressions (PutMetricAlarm: at most 10)`);
    if (set.queries.length - expressions > 10)
      problems.push(`${set.where}: ${set.queries.length - expressions} metrics (PutMetricAlarm: at most 10)`);
  }
  return { problems, checked };
}

const OLD_ERROR_RATE = '100 * errors / MAX([invocations, 1])';

describe('metric math', () => {
  const { template } = synth();

  it('accepts every expression of the alarms and the dashboard under the documented grammar', () => {
    const { problems, checked } = lintMetricMath(template);
    expect(problems).toEqual([]);
    // Four error-rate alarms, three stream-stopped alarms and the two SEARCH widgets: the lint saw them all.
    expect(checked.length).toBeGreaterThanOrEqual(9);
    expect(checked.filter((c) => c.functions.has('IF'))).toHaveLength(7);
    expect(checked.filter((c) => c.functions.has('SEARCH'))).toHaveLength(2);
  });

  it('rejects the template with the old error rate 100 * errors / MAX([invocations, 1])', () => {
    const old = JSON.parse(
      JSON.stringify(template).replaceAll(
        'IF(invocations > 0, 100 * errors / invocations, 0)',
        OLD_ERROR_RATE,
      ),
    ) as CfnTemplate;
    const { problems } = lintMetricMath(old);
    expect(problems).toHaveLength(4);
    for (const p of problems)
      expect(p).toMatch(/ErrorRate.*array \[\.\.\.\] may hold only time series.*number 1/);
  });

  it('rejects a SEARCH expression in an alarm', () => {
    const withSearch = JSON.parse(
      JSON.stringify(template).replace(
        'IF(invocations > 0, 100 * errors / invocations, 0)',
        "SEARCH('{AWS/Lambda,FunctionName} MetricName=Errors', 'Sum', 300)",
      ),
    ) as CfnTemplate;
    expect(lintMetricMath(withSearch).problems.join('\n')).toMatch(/cannot be based on SEARCH/);
  });

  it('keeps every alarm description within CloudWatch’s 1,024 characters', () => {
    for (const [id, alarm] of ofType(template, 'AWS::CloudWatch::Alarm')) {
      const description = String(alarm.Properties?.AlarmDescription ?? '');
      expect(description.length, `${id}: AlarmDescription, at most 1,024 characters`).toBeLessThanOrEqual(
        1024,
      );
    }
  });
});

// ---------------------------------------------------------------- quotas

/** Bytes of the compact JSON of a document, intrinsics resolved. */
const bytesOf = (t: CfnTemplate, document: unknown): number =>
  Buffer.byteLength(JSON.stringify(resolveIntrinsics(t, document)), 'utf8');
/** Characters of a policy as IAM counts them: without whitespace. */
const iamCharsOf = (t: CfnTemplate, document: unknown): number =>
  JSON.stringify(resolveIntrinsics(t, document)).replace(/\s/g, '').length;
const statementsOf = (document: unknown): unknown[] => {
  const s = isRecord(document) ? document.Statement : undefined;
  return Array.isArray(s) ? s : s === undefined ? [] : [s];
};

// The default and the largest shard count: policies that list every topic grow with it.
const MAX_SHARDS = MAX_CUSTOMER_SHARDS;
describe.each([1, MAX_SHARDS])('quotas with %i customer topic shard(s)', (shards) => {
  const { stack, template } = synth({ customerTopicShards: shards });

  it('fits the filter policies of every customer shard and of the logistics topic in the account', () => {
    // SNS default quotas: 200 filter policies per topic, 10,000 per account. Each customer shard
    // serves up to 200 filtered subscriptions, the logistics topic up to 200 (one per warehouse team).
    const filteredTopics = stack.topics.customerShards.length + 1;
    expect(stack.topics.customerShards).toHaveLength(shards);
    expect(
      filteredTopics * 200,
      'SNS: 10,000 subscription filter policies per account (default quota), 200 per topic',
    ).toBeLessThanOrEqual(10_000);
    // Subscriptions of the template itself (the ops email has no filter policy).
    const perTopic = new Map<string, number>();
    for (const [, sub] of ofType(template, 'AWS::SNS::Subscription')) {
      if (sub.Properties?.FilterPolicy === undefined) continue;
      const topic = JSON.stringify(sub.Properties.TopicArn);
      perTopic.set(topic, (perTopic.get(topic) ?? 0) + 1);
    }
    for (const [topic, n] of perTopic)
      expect(n, `${topic}: SNS allows 200 filter policies per topic (default quota)`).toBeLessThanOrEqual(
        200,
      );
  });

  it('gives each event source mapping at most 5 filters', () => {
    const mappings = ofType(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings.length).toBeGreaterThan(0);
    for (const [id, m] of mappings) {
      const filters = (m.Properties?.FilterCriteria as { Filters?: unknown[] } | undefined)?.Filters ?? [];
      expect(
        filters.length,
        `${id}: Lambda allows 5 filters per event source mapping (default quota)`,
      ).toBeLessThanOrEqual(5);
    }
  });

  it('keeps every SNS topic policy within 30 KB and 100 statements', () => {
    const policies = ofType(template, 'AWS::SNS::TopicPolicy');
    expect(policies.length).toBeGreaterThanOrEqual(shards + 2);
    for (const [id, p] of policies) {
      const document = p.Properties?.PolicyDocument;
      expect(
        bytesOf(template, document),
        `${id}: SNS topic policy, at most 30 KB (30,720 bytes)`,
      ).toBeLessThanOrEqual(30 * 1024);
      expect(
        statementsOf(document).length,
        `${id}: SNS topic policy, at most 100 statements`,
      ).toBeLessThanOrEqual(100);
    }
  });

  it('keeps every KMS key policy within 32 KB', () => {
    const keys = ofType(template, 'AWS::KMS::Key');
    expect(keys.length).toBeGreaterThanOrEqual(shards + 2);
    for (const [id, k] of keys) {
      expect(
        bytesOf(template, k.Properties?.KeyPolicy),
        `${id}: KMS key policy, at most 32 KB (32,768 bytes)`,
      ).toBeLessThanOrEqual(32_768);
    }
  });

  it('keeps every DynamoDB table resource policy and every S3 bucket policy within 20 KB', () => {
    // DynamoDB: 20 KB per resource-based policy, whitespace counted (CloudFormation sends compact JSON).
    // S3: 20 KB per bucket policy.
    const tablePolicies = ofType(template, 'AWS::DynamoDB::Table').flatMap(([id, t]) => {
      const policy = t.Properties?.ResourcePolicy as { PolicyDocument?: unknown } | undefined;
      return policy ? [[id, policy.PolicyDocument] as const] : [];
    });
    expect(tablePolicies.length, 'History has a resource policy').toBeGreaterThanOrEqual(1);
    const bucketPolicies = ofType(template, 'AWS::S3::BucketPolicy').map(
      ([id, p]) => [id, p.Properties?.PolicyDocument] as const,
    );
    for (const [id, document] of [...tablePolicies, ...bucketPolicies])
      expect(bytesOf(template, document), `${id}: at most 20 KB (20,480 bytes)`).toBeLessThanOrEqual(
        20 * 1024,
      );
  });

  it('keeps every SQS queue policy within 8,192 bytes, 20 statements and 7 actions a statement', () => {
    // Amazon SQS policy quotas (SQS Developer Guide, quotas-policies): Bytes 8,192, Statements 20,
    // Actions per statement 7.
    const policies = ofType(template, 'AWS::SQS::QueuePolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const [id, p] of policies) {
      const document = p.Properties?.PolicyDocument;
      expect(bytesOf(template, document), `${id}: SQS queue policy, at most 8,192 bytes`).toBeLessThanOrEqual(
        8192,
      );
      const statements = statementsOf(document) as { Action?: unknown }[];
      expect(statements.length, `${id}: SQS queue policy, at most 20 statements`).toBeLessThanOrEqual(20);
      for (const s of statements) {
        const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
        expect(
          actions.length,
          `${id}: SQS queue policy, at most 7 actions per statement`,
        ).toBeLessThanOrEqual(7);
      }
    }
  });

  it("keeps each role's inline policies within 10,240 characters in total, and its managed policies within 10 of 6,144", () => {
    const roles = ofType(template, 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(0);
    for (const [roleId, role] of roles) {
      // Inline: the role's own Policies and every AWS::IAM::Policy attached to it.
      const own = ((role.Properties?.Policies ?? []) as { PolicyDocument: unknown }[]).map(
        (p) => p.PolicyDocument,
      );
      const attached = ofType(template, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties?.Roles ?? []).includes(`{"Ref":"${roleId}"}`))
        .map(([, p]) => p.Properties?.PolicyDocument);
      const total = [...own, ...attached].reduce((sum: number, d) => sum + iamCharsOf(template, d), 0);
      expect(
        total,
        `${roleId}: IAM allows 10,240 characters of inline policy per role (all inline policies together, without whitespace)`,
      ).toBeLessThanOrEqual(10_240);
    }
    // CDK moves what does not fit inline into customer managed "overflow" policies.
    for (const [roleId, role] of roles) {
      const attached =
        ((role.Properties?.ManagedPolicyArns ?? []) as unknown[]).length +
        ofType(template, 'AWS::IAM::ManagedPolicy').filter(([, p]) =>
          JSON.stringify(p.Properties?.Roles ?? []).includes(`{"Ref":"${roleId}"}`),
        ).length;
      expect(
        attached,
        `${roleId}: IAM attaches at most 10 managed policies per role (default quota)`,
      ).toBeLessThanOrEqual(10);
    }
    for (const [id, p] of ofType(template, 'AWS::IAM::ManagedPolicy')) {
      expect(
        iamCharsOf(template, p.Properties?.PolicyDocument),
        `${id}: IAM allows 6,144 characters per managed policy (without whitespace)`,
      ).toBeLessThanOrEqual(6144);
    }
  });
});
