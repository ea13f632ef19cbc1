/**
 * Reading the template's values into the model's types, failing with the
 * place in the template (`Resources.X.Properties...`) on anything else.
 */
import type { CfnValue } from './model.js';
import { TemplateModelError } from './model.js';

/** One resource of the template, as the per-type readers get it. */
export interface ResourceEntry {
  readonly logicalId: string;
  /** `Resources.<logicalId>`: where every error about it points. */
  readonly where: string;
  readonly resource: Record<string, unknown>;
  /** Its `Properties` (empty when it has none). */
  readonly props: Record<string, unknown>;
  /** Parameter values (defaults unless overridden). */
  readonly parameters: Readonly<Record<string, string>>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fail(where: string, message: string): never {
  throw new TemplateModelError(`${where}: ${message}`);
}

export function str(value: unknown, where: string): string {
  if (typeof value !== 'string') fail(where, `expected a string, got ${JSON.stringify(value)}`);
  return value;
}

export function optStr(value: unknown, where: string): string | undefined {
  return value === undefined ? undefined : str(value, where);
}

export function num(value: unknown, where: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n))
    fail(where, `expected a number, got ${JSON.stringify(value)}`);
  return n;
}

export function bool(value: unknown, where: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  fail(where, `expected a boolean, got ${JSON.stringify(value)}`);
}

export function arr(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(where, `expected a list, got ${JSON.stringify(value)}`);
  return value;
}

export function rec(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isRecord(value)) fail(where, `expected an object, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Reads a value that must become a string locally: a literal, `Ref`,
 * `Fn::GetAtt` (list or dotted form) or `Fn::Join` of those. A `Ref` to a template parameter is
 * resolved here. Anything else fails.
 */
export function cfnValue(
  value: unknown,
  where: string,
  parameters: Readonly<Record<string, string>>,
): CfnValue {
  if (typeof value === 'string') return { kind: 'literal', value };
  if (typeof value === 'number' || typeof value === 'boolean')
    return { kind: 'literal', value: String(value) };
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && typeof value.Ref === 'string') {
      const param = parameters[value.Ref];
      if (param !== undefined) return { kind: 'literal', value: param };
      return { kind: 'ref', logicalId: value.Ref };
    }
    const join = value['Fn::Join'];
    if (keys.length === 1 && Array.isArray(join) && join.length === 2 && typeof join[0] === 'string') {
      const [delimiter, parts] = join;
      if (Array.isArray(parts)) {
        return {
          kind: 'join',
          delimiter,
          parts: parts.map((p, i) => cfnValue(p, `${where}.Fn::Join[${i}]`, parameters)),
        };
      }
    }
    const getAtt = value['Fn::GetAtt'];
    if (keys.length === 1 && getAtt !== undefined) {
      if (
        Array.isArray(getAtt) &&
        getAtt.length === 2 &&
        typeof getAtt[0] === 'string' &&
        typeof getAtt[1] === 'string'
      ) {
        return { kind: 'getAtt', logicalId: getAtt[0], attribute: getAtt[1] };
      }
      if (typeof getAtt === 'string' && getAtt.includes('.')) {
        const dot = getAtt.indexOf('.');
        return { kind: 'getAtt', logicalId: getAtt.slice(0, dot), attribute: getAtt.slice(dot + 1) };
      }
    }
  }
  fail(
    where,
    `unsupported value ${JSON.stringify(value)}: the local stack resolves only literals, Ref, Fn::GetAtt and Fn::Join`,
  );
}
