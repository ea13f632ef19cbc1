/** `AWS::Events::Rule` with a schedule: its expression, its period and the functions it targets. */
import type { ScheduleModel } from './model.js';
import { arr, cfnValue, fail, optStr, type ResourceEntry, rec, str } from './values.js';

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** Period of an EventBridge `rate(N unit)` expression in ms; undefined for anything else. */
export function ratePeriodMs(expression: string): number | undefined {
  const m = RATE.exec(expression.trim());
  if (m === null) return undefined;
  const [, amount, unit] = m;
  const factor = unit === undefined ? undefined : UNIT_MS[unit];
  if (amount === undefined || factor === undefined) return undefined;
  return Number(amount) * factor;
}

/** The schedule, or undefined for an event-pattern rule (not part of this stack). */
export function parseSchedule({
  logicalId,
  where,
  props,
  parameters,
}: ResourceEntry): ScheduleModel | undefined {
  const expression = optStr(props.ScheduleExpression, `${where}.ScheduleExpression`);
  if (expression === undefined) return undefined;
  const targets = arr(props.Targets, `${where}.Targets`).map((t, i) => {
    const target = rec(t, `${where}.Targets[${i}]`);
    const arn = cfnValue(target.Arn, `${where}.Targets[${i}].Arn`, parameters);
    if (arn.kind !== 'getAtt' || arn.attribute !== 'Arn') {
      fail(where, 'schedule targets must be GetAtt <Function>.Arn');
    }
    const input = target.Input === undefined ? undefined : JSON.parse(str(target.Input, where));
    return { functionLogicalId: arn.logicalId, ...(input === undefined ? {} : { input }) };
  });
  const periodMs = ratePeriodMs(expression);
  return {
    logicalId,
    expression,
    ...(periodMs === undefined ? {} : { periodMs }),
    enabled: str(props.State ?? 'ENABLED', where) === 'ENABLED',
    targets,
  };
}
