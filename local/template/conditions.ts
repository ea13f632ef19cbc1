/**
 * The template's Conditions, evaluated against the parameter values, so that
 * a resource whose Condition is false is left out.
 */
import { arr, fail, isRecord, str } from './values.js';

function evalCondition(
  value: unknown,
  where: string,
  parameters: Readonly<Record<string, string>>,
  conditions: Record<string, unknown>,
  seen: ReadonlySet<string>,
): boolean | string {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (!isRecord(value)) fail(where, `cannot evaluate ${JSON.stringify(value)}`);
  const [op, ...rest] = Object.keys(value);
  if (op === undefined || rest.length > 0) fail(where, `cannot evaluate ${JSON.stringify(value)}`);
  const args = value[op];
  const sub = (v: unknown): boolean | string => evalCondition(v, where, parameters, conditions, seen);
  const asBool = (v: unknown): boolean => {
    const r = sub(v);
    if (typeof r !== 'boolean') fail(where, `expected a condition, got ${JSON.stringify(v)}`);
    return r;
  };
  switch (op) {
    case 'Ref': {
      const p = typeof args === 'string' ? parameters[args] : undefined;
      if (p === undefined) fail(where, `condition refers to unknown parameter ${JSON.stringify(args)}`);
      return p;
    }
    case 'Condition': {
      const name = str(args, where);
      if (seen.has(name)) fail(where, `condition cycle through ${name}`);
      const body = conditions[name];
      if (body === undefined) fail(where, `unknown condition ${name}`);
      return evalCondition(body, where, parameters, conditions, new Set([...seen, name]));
    }
    case 'Fn::Equals': {
      const [a, b] = arr(args, where);
      return sub(a) === sub(b);
    }
    case 'Fn::Not':
      return !asBool(arr(args, where)[0]);
    case 'Fn::And':
      return arr(args, where).every(asBool);
    case 'Fn::Or':
      return arr(args, where).some(asBool);
    default:
      fail(where, `unsupported condition function ${op}`);
  }
}

/**
 * Evaluates the named conditions of `Conditions` against `parameters`;
 * throws on an unknown condition or one that is not a boolean.
 */
export function conditionEvaluator(
  conditionDefs: Record<string, unknown>,
  parameters: Readonly<Record<string, string>>,
): (name: string, where: string) => boolean {
  return (name, where) => {
    const body = conditionDefs[name];
    if (body === undefined) fail(where, `unknown condition ${name}`);
    const v = evalCondition(body, `${where} (Condition ${name})`, parameters, conditionDefs, new Set([name]));
    if (typeof v !== 'boolean') fail(where, `condition ${name} does not evaluate to a boolean`);
    return v;
  };
}
