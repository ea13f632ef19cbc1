import { describe, expect, it } from 'vitest';
import { checkExpression, checkQueries, MetricMathError, searchQueryProblem } from './metric-math.js';

const ids = ['m1', 'm2', 'm3', 'metric1', 'metric2', 'latency', 'threshold', 'errors', 'invocations'];
const ctx = { metricIds: new Set(ids), expressionIds: new Map([['e1', 'TS' as const]]) };
const check = (expression: string) => checkExpression(expression, ctx);

describe('metric math checker', () => {
  it('accepts the IF form of the error rate as one time series', () => {
    expect(check('IF(invocations > 0, 100 * errors / invocations, 0)').type).toBe('TS');
  });

  it('rejects MAX([invocations, 1]): a number inside an array of time series', () => {
    expect(() => check('100 * errors / MAX([invocations, 1])')).toThrow(
      /array \[\.\.\.\] may hold only time series .*not the number 1/,
    );
  });

  // The examples of using-metric-math.html whose result the page's own types make a time series.
  it.each([
    ['5 * m1', 'TS'],
    ['m1 - m2', 'TS'],
    ['e1-MIN(e1)', 'TS'],
    ['SUM(100/[m1, m2])', 'TS'],
    ['AVG([m1,m2]/m3)', 'TS'],
    ['METRICS()*100', 'TS[]'],
    ['-5*m1', 'TS'],
    ['SUM(-[m1, m2])', 'TS'],
    ['(metric1 < metric2)', 'TS'],
    ['(metric1 > 15 AND metric2 > 15)', 'TS'],
    ['metric1 >= 30 || metric2 != 0', 'TS'],
    ['ABS(m1-m2)', 'TS'],
    ['MIN(ABS([m1, m2]))', 'TS'],
    ['ANOMALY_DETECTION_BAND(m1,4)', 'TS[]'],
    ['SUM([m1,m2])/AVG(m2)', 'TS'],
    ['SUM(CEIL(METRICS()))', 'TS'],
    ['DATAPOINT_COUNT(METRICS())', 'TS'],
    ['DIFF_TIME(METRICS())', 'TS[]'],
    ['FILL(m1,10)', 'TS'],
    ['FILL(METRICS(), 0)', 'TS[]'],
    ['FILL(METRICS(), m1)', 'TS[]'],
    ['FILL(m1, MIN(m1))', 'TS'],
    ['FILL(m1, REPEAT)', 'TS'],
    ['FILL(METRICS(), LINEAR)', 'TS[]'],
    ['IF(FIRST(SORT(METRICS(), AVG, DESC))>100, 1, 0)', 'TS'],
    ['LAST(ANOMALY_DETECTION_BAND(m1))', 'TS'],
    ['MAX(m1)/m1', 'TS'],
    ['m1/METRIC_COUNT(METRICS())', 'TS'],
    ['SUM(METRICS("errors"))', 'TS'],
    ['SUM([METRICS("4xx"), METRICS("5xx")])', 'TS'],
    ['IF(DAY(m1)<6,m1)', 'TS'],
    ['IF(MONTH(m1) == 4,m1)', 'TS'],
    ['m1/PERIOD(m1)', 'TS'],
    ['RATE(METRICS())', 'TS[]'],
    ['REMOVE_EMPTY(METRICS())', 'TS[]'],
    ['RUNNING_SUM([m1,m2])', 'TS[]'],
    ['SLICE(SORT(METRICS(), SUM, DESC), 0, 10)', 'TS[]'],
    ['SLICE(SORT(METRICS(), AVG, ASC), 5)', 'TS[]'],
    ['SORT(METRICS(), MAX, ASC)', 'TS[]'],
    ['m1/STDDEV(m1)', 'TS'],
    ['TIME_SERIES(MAX(m1))', 'TS'],
    ['TIME_SERIES(5*AVG(m1))', 'TS'],
    ['IF(metric1<400, 10, 2)', 'TS'],
    ['IF(latency>threshold, 1, 0)', 'TS'],
    ['IF(m1, m2, m3)', 'TS'],
    ['IF(1, m2)', 'TS'],
    ['m1 ^ 2', 'TS'],
    ["SEARCH(' {AWS/EC2,InstanceId} MetricName=\"CPUUtilization\" ', 'Average', 300)", 'TS[]'],
    [
      'SEARCH(\' {"My Namespace", "Dimension@Name"}, "Custom:Name[Special_Characters" \', \'Maximum\', 120)',
      'TS[]',
    ],
    ["SEARCH(' (EC2 OR EBS) AND MetricName=ReadOps ', 'Maximum', 120)", 'TS[]'],
    ["SEARCH('NOT Namespace=AWS ', 'p99', 60)", 'TS[]'],
    ["SUM(SEARCH(' {AWS/Lambda, FunctionName} MetricName=\"Errors\" ', 'Sum', 300))", 'TS'],
  ])('accepts %s as %s', (expression, type) => {
    expect(check(expression).type).toBe(type);
  });

  it.each([
    ['max(m1)', /functions are written in upper case \(MAX\)/],
    ['COUNT(m1)', /COUNT is not a function of CloudWatch metric math/],
    ['m9 + 1', /"m9" is not the id of a metric or expression/],
    ['M1 + 1', /the word M1 cannot be an operand/],
    ['AVG(m1)', /evaluates to S: a metric math result must be a time series/],
    ['10', /evaluates to S/],
    ['FILL(m1)', /FILL takes \(TS, S\|REPEAT\|LINEAR\) or/],
    ['FILL(m1, TS)', /FILL takes/],
    ['FILL(m1, m2)', /FILL takes/],
    ['ABS(m1, m2)', /ABS takes \(TS\) or \(TS\[\]\), not \(TS, TS\)/],
    ['IF(m1)', /IF takes \(condition, trueValue\)/],
    ['IF(m1, m2, m3, m1)', /IF takes/],
    ['IF(METRICS() > 1, m1)', /compares time series or scalars, not arrays/],
    ['IF(1, 2, 3)', /IF with a scalar condition takes time series/],
    ['SORT(METRICS(), MEDIAN, DESC)', /SORT takes/],
    ['SORT(METRICS(), AVG, DESC, 2.5)', /SORT takes whole numbers/],
    ['SUM([m1, "m2"])', /may hold only time series .*the string/],
    ['SUM([m1, AVG(m2)])', /may hold only time series .*AVG\(\.\.\.\) \(S\)/],
    ['PERIOD(e1)', /the argument of PERIOD must be the id of a metric/],
    ['METRICS() * METRICS()', /between two arrays of time series is not documented/],
    ['m1 < m2 < 3', /comparisons do not chain/],
    ['m1 +', /unexpected end of expression/],
    ['SUM([])', /empty array/],
    ['m1 = 3', /unexpected character "="/],
    ['(m1', /expected "\)"/],
    ['SEARCH("{AWS/EC2,InstanceId} CPUUtilization", \'Average\', 300)', /single quotes/],
    ["SEARCH('{AWS/EC2,InstanceId} CPUUtilization', 'Mean', 300)", /"Mean" is not a CloudWatch statistic/],
    ["SEARCH('{AWS/EC2,InstanceId} CPUUtilization', 'Average', 45)", /period 45/],
    ["SEARCH('{AWS/EC2,InstanceId} CPUUtilization', 'Average')", /SEARCH takes \(STR, STR, S\)/],
    ["SEARCH('{AWS/EC2 CPUUtilization', 'Average', 300)", /no closing \}/],
    ["SEARCH('CPUUtilization {AWS/EC2}', 'Average', 300)", /schema \{\.\.\.\} must come first/],
    ["SEARCH('{My Namespace} CPUUtilization', 'Average', 300)", /put it in double quotes/],
    ["SEARCH('{AWS/EC2} (network AND packets', 'Average', 300)", /unbalanced \(/],
    ["SEARCH('{AWS/EC2} network AND', 'Average', 300)", /AND needs a term on its right/],
    ["SEARCH('  ', 'Average', 300)", /needs a metric schema, a search term, or both/],
  ])('rejects %s', (expression, message) => {
    expect(() => check(expression)).toThrow(MetricMathError);
    expect(() => check(expression)).toThrow(message);
  });
});

describe('query sets', () => {
  it('types expressions that use other expressions, in any order', () => {
    const checked = checkQueries([
      { id: 'rate', expression: 'IF(total > 0, 100 * failed / total, 0)' },
      { id: 'total', expression: 'ok + failed' },
      { id: 'ok' },
      { id: 'failed' },
    ]);
    expect([...checked.values()].map((c) => c.type)).toEqual(['TS', 'TS']);
  });

  it('does not take a word inside a SEARCH query for an id', () => {
    expect(() =>
      checkQueries([
        { id: 'e1', expression: "SEARCH('{Clearance,service} errors', 'Sum', 60)" },
        { id: 'errors' },
      ]),
    ).not.toThrow();
  });

  it.each([
    [
      [
        { id: 'a', expression: 'b * 2' },
        { id: 'b', expression: 'a + 1' },
      ],
      /refers to itself/,
    ],
    [[{ id: 'm1' }, { id: 'm1' }], /"m1" is defined twice/],
    [[{ id: 'Errors' }], /must start with a lowercase letter/],
    [[{ id: 'e1', expression: 'm1 * 2' }], /"m1" is not the id/],
  ])('rejects %j', (queries, message) => {
    expect(() => checkQueries(queries)).toThrow(message);
  });

  it('finds nothing wrong in the search queries of the stack dashboard', () => {
    expect(searchQueryProblem('{Clearance,LicenseId,service} MetricName="UnitsReleased"')).toBeUndefined();
    expect(searchQueryProblem('{Clearance,HoldReason,service} MetricName="HeldShipments"')).toBeUndefined();
  });
});
