/**
 * The synthesized template against what AWS accepts: metric math in the
 * documented grammar (test/infra/metric-math.ts). The dashboard body is
 * resolved to its text with test/infra/resolve-template.ts.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import type { ClearanceStack } from '../../infra/stack.js';
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
    // Three error-rate alarms and the two SEARCH widgets: the lint saw them all.
    expect(checked.length).toBeGreaterThanOrEqual(5);
    expect(checked.filter((c) => c.functions.has('IF'))).toHaveLength(3);
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
    expect(problems).toHaveLength(3);
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
