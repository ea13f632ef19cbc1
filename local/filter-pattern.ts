/**
 * The subset of EventBridge / Lambda event-filtering patterns the local
 * event source mappings need: exact values (string, number, boolean, null),
 * an array of values as OR, nested objects, `exists`, `anything-but`,
 * `prefix` and `numeric`. Every other operator is refused with a
 * {@link FilterPatternError}, so a pattern the emulator cannot honour never
 * silently lets records through (or drops them).
 *
 * Matching follows Event Ruler, the matcher behind EventBridge and Lambda
 * filtering: operators apply to leaf values only. An object in the event is
 * an intermediate node, so `{"status": [{"exists": true}]}` does not match
 * `"status": {"S": "X"}` (Lambda's DynamoDB filtering docs: test the type
 * key, `{"status": {"S": [{"exists": true}]}}`), and `exists: false` does.
 * `numeric` compares JSON numbers only: a DynamoDB `N` value is a JSON
 * string in the record, so a numeric filter on it matches nothing.
 */

/** A filter pattern uses something this matcher does not implement, or is malformed. */
export class FilterPatternError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FilterPatternError';
  }
}

/** A compiled pattern: true when the event matches. */
export type EventMatcher = (event: unknown) => boolean;

type LeafMatcher = (value: unknown, present: boolean) => boolean;

const SUPPORTED = '"exists", "anything-but", "prefix", "numeric"';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Numeric matching works on JSON numbers only (a string such as DynamoDB's `"N": "40"` never matches). */
function toNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The leaf value of `node[key]` as Event Ruler sees it: absent when the key
 * is missing or holds an object (an intermediate node); from an array only
 * its plain elements count.
 */
function leafOf(node: unknown, key: string): { present: boolean; value: unknown } {
  if (!isRecord(node) || !Object.hasOwn(node, key)) return { present: false, value: undefined };
  const value = node[key];
  if (isRecord(value)) return { present: false, value: undefined };
  if (Array.isArray(value)) {
    const leaves = value.filter(isScalar);
    return leaves.length === 0 ? { present: false, value: undefined } : { present: true, value: leaves };
  }
  return { present: true, value };
}

/** Applies `test` to a value, or to any element when the event holds an array. */
function anyValue(value: unknown, test: (v: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(test) : test(value);
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function compileNumeric(spec: unknown, path: string): (value: unknown) => boolean {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0) {
    throw new FilterPatternError(
      `${path}: "numeric" needs [op, number, ...] pairs, got ${JSON.stringify(spec)}`,
    );
  }
  const checks: Array<(n: number) => boolean> = [];
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1];
    const fn = typeof op === 'string' ? NUMERIC_OPS[op] : undefined;
    if (fn === undefined || typeof bound !== 'number') {
      throw new FilterPatternError(
        `${path}: unsupported "numeric" comparison ${JSON.stringify([op, bound])}`,
      );
    }
    checks.push((n) => fn(n, bound));
  }
  return (value) => {
    const n = toNumber(value);
    return n !== undefined && checks.every((check) => check(n));
  };
}

function compileAnythingBut(spec: unknown, path: string): (value: unknown) => boolean {
  if (isScalar(spec)) return (value) => value !== spec;
  if (Array.isArray(spec)) {
    if (!spec.every(isScalar)) {
      throw new FilterPatternError(`${path}: "anything-but" list must hold plain values`);
    }
    return (value) => !spec.includes(value as string | number | boolean | null);
  }
  if (isRecord(spec)) {
    const keys = Object.keys(spec);
    if (keys.length === 1 && keys[0] === 'prefix' && typeof spec.prefix === 'string') {
      const prefix = spec.prefix;
      return (value) => typeof value === 'string' && !value.startsWith(prefix);
    }
  }
  throw new FilterPatternError(
    `${path}: unsupported "anything-but" form ${JSON.stringify(spec)} (supported: a value, a list of values, {"prefix": …})`,
  );
}

function compileLeafOperator(matcher: Record<string, unknown>, path: string): LeafMatcher {
  const keys = Object.keys(matcher);
  const op = keys[0];
  if (keys.length !== 1 || op === undefined) {
    throw new FilterPatternError(
      `${path}: an operator object needs exactly one key, got ${JSON.stringify(matcher)}`,
    );
  }
  const spec = matcher[op];
  switch (op) {
    case 'exists':
      if (typeof spec !== 'boolean') throw new FilterPatternError(`${path}: "exists" needs true or false`);
      return (_value, present) => present === spec;
    case 'prefix': {
      if (typeof spec !== 'string') throw new FilterPatternError(`${path}: "prefix" needs a string`);
      return (value, present) =>
        present && anyValue(value, (v) => typeof v === 'string' && v.startsWith(spec));
    }
    case 'anything-but': {
      const test = compileAnythingBut(spec, path);
      // Like EventBridge: a missing field does not match anything-but.
      return (value, present) => present && (Array.isArray(value) ? value.every(test) : test(value));
    }
    case 'numeric': {
      const test = compileNumeric(spec, path);
      return (value, present) => present && anyValue(value, test);
    }
    default:
      throw new FilterPatternError(
        `${path}: unsupported filter operator "${op}" (the local event source mapping supports exact values, ${SUPPORTED})`,
      );
  }
}

function compileLeaf(values: unknown[], path: string): LeafMatcher {
  if (values.length === 0) throw new FilterPatternError(`${path}: an empty list matches nothing`);
  const alternatives: LeafMatcher[] = values.map((matcher) => {
    if (isScalar(matcher)) {
      return (value, present) => present && anyValue(value, (v) => v === matcher);
    }
    if (isRecord(matcher)) return compileLeafOperator(matcher, path);
    throw new FilterPatternError(`${path}: unsupported matcher ${JSON.stringify(matcher)}`);
  });
  return (value, present) => alternatives.some((alt) => alt(value, present));
}

function compileObject(pattern: Record<string, unknown>, path: string): EventMatcher {
  const fields: Array<{ key: string; test: (node: unknown) => boolean }> = [];
  for (const [key, sub] of Object.entries(pattern)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (key.startsWith('$')) {
      throw new FilterPatternError(`${here}: unsupported filter operator "${key}"`);
    }
    if (Array.isArray(sub)) {
      const leaf = compileLeaf(sub, here);
      fields.push({
        key,
        test: (node) => {
          const { present, value } = leafOf(node, key);
          return leaf(value, present);
        },
      });
    } else if (isRecord(sub)) {
      const nested = compileObject(sub, here);
      // A missing parent still lets `exists: false` below it match.
      fields.push({ key, test: (node) => nested(isRecord(node) ? node[key] : undefined) });
    } else {
      throw new FilterPatternError(
        `${here}: a pattern value must be a list or an object, got ${JSON.stringify(sub)}`,
      );
    }
  }
  return (node) => fields.every((field) => field.test(node));
}

/**
 * Compiles one filter pattern (an object, or its JSON text as it appears in
 * `FilterCriteria.Filters[].Pattern`).
 *
 * @throws {FilterPatternError} on malformed JSON or an unsupported operator.
 */
export function compileFilterPattern(pattern: unknown): EventMatcher {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (cause) {
      throw new FilterPatternError(`filter pattern is not JSON: ${pattern}`, { cause });
    }
  }
  if (!isRecord(parsed))
    throw new FilterPatternError(`filter pattern must be an object: ${JSON.stringify(parsed)}`);
  return compileObject(parsed, '');
}

/**
 * Compiles a mapping's list of patterns: a record passes when any pattern
 * matches (Lambda ORs the filters). An empty list passes everything.
 */
export function compileFilterCriteria(patterns: readonly unknown[]): EventMatcher {
  const matchers = patterns.map(compileFilterPattern);
  if (matchers.length === 0) return () => true;
  return (event) => matchers.some((m) => m(event));
}

/** One-shot convenience over {@link compileFilterPattern}. */
export function matchesFilterPattern(pattern: unknown, event: unknown): boolean {
  return compileFilterPattern(pattern)(event);
}
