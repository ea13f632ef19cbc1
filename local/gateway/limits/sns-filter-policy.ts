/**
 * SNS subscription filter policies, as Subscribe and SetSubscriptionAttributes
 * receive them: JSON, at most five keys, at most 150 combinations.
 */
import { type Check, isRecord, type LimitViolation, violation } from './common.js';
import { INVALID_PARAMETER, SNS } from './sns.js';

const MAX_FILTER_KEYS = 5;
const MAX_FILTER_COMBINATIONS = 150;

type FilterScope = 'MessageAttributes' | 'MessageBody';

/** Keys that make an object a match operator rather than a nested property. */
const FILTER_OPERATORS = new Set([
  'anything-but',
  'cidr',
  'equals-ignore-case',
  'exists',
  'numeric',
  'prefix',
  'suffix',
  'wildcard',
]);

/**
 * `$or` is an operator only when its value is an array of at least two objects
 * none of which uses a reserved keyword; otherwise it is a plain key.
 */
const isOr = (key: string, value: unknown): value is Record<string, unknown>[] =>
  key === '$or' &&
  Array.isArray(value) &&
  value.length >= 2 &&
  value.every((branch) => isRecord(branch) && !Object.keys(branch).some((k) => FILTER_OPERATORS.has(k)));

/**
 * The keys the five-key limit counts: attribute names for MessageAttributes,
 * leaf keys (full paths) for MessageBody. Keys inside `$or` branches count,
 * each distinct key once.
 */
function filterKeys(policy: Record<string, unknown>, scope: FilterScope, path: string, out: Set<string>) {
  for (const [key, value] of Object.entries(policy)) {
    if (isOr(key, value)) {
      for (const branch of value) filterKeys(branch, scope, path, out);
    } else if (scope === 'MessageBody' && isRecord(value)) {
      filterKeys(value, scope, `${path}${key}.`, out);
    } else {
      out.add(`${path}${key}`);
    }
  }
}

/**
 * Total combinations: the product over keys of the number of match
 * operators in each key's array (each value or operator object is one, so an
 * `anything-but` list, a `prefix` or a `numeric` range counts 1). A `$or`
 * contributes the sum of its branches. For MessageBody, a leaf's count is
 * multiplied by its nesting depth, as the docs' example does (3 x 4 x 2 x 3 = 72).
 */
function filterCombinations(policy: Record<string, unknown>, scope: FilterScope, depth: number): number {
  let product = 1;
  for (const [key, value] of Object.entries(policy)) {
    if (isOr(key, value)) {
      product *= value.reduce((sum, branch) => sum + filterCombinations(branch, scope, depth), 0);
    } else if (isRecord(value)) {
      product *= filterCombinations(value, scope, depth + 1);
    } else {
      const matchers = Array.isArray(value) ? Math.max(value.length, 1) : 1;
      product *= scope === 'MessageBody' ? matchers * depth : matchers;
    }
  }
  return product;
}

const hasNesting = (policy: Record<string, unknown>): boolean =>
  Object.entries(policy).some(([key, value]) =>
    isOr(key, value) ? value.some(hasNesting) : isRecord(value),
  );

/**
 * Checks a FilterPolicy as Subscribe or SetSubscriptionAttributes receives it.
 * `scope` is undefined when the call does not carry FilterPolicyScope
 * (SetSubscriptionAttributes): a nested policy is then read as MessageBody,
 * since MessageAttributes does not accept nesting.
 */
function filterPolicyProblem(
  raw: unknown,
  scope: FilterScope | undefined,
  subscribe: boolean,
): LimitViolation | undefined {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const prefix = subscribe ? 'Invalid parameter: Attributes Reason: ' : 'Invalid parameter: ';
  let policy: unknown = raw;
  if (typeof raw === 'string') {
    try {
      policy = JSON.parse(raw);
    } catch {
      // AWS appends the JSON parser's own detail after this text.
      return violation(
        SNS,
        INVALID_PARAMETER,
        `${prefix}FilterPolicy: failed to parse JSON.`,
        'sns.FilterPolicy.json',
      );
    }
  }
  if (!isRecord(policy)) {
    return violation(
      SNS,
      INVALID_PARAMETER,
      `${prefix}FilterPolicy: Filter policy must be a JSON object`,
      'sns.FilterPolicy.json',
    );
  }
  const effective = scope ?? (hasNesting(policy) ? 'MessageBody' : 'MessageAttributes');
  const keys = new Set<string>();
  filterKeys(policy, effective, '', keys);
  if (keys.size > MAX_FILTER_KEYS) {
    return violation(
      SNS,
      INVALID_PARAMETER,
      `${prefix}FilterPolicy: Filter policy can not have more than 5 keys`,
      'sns.FilterPolicy.keys',
    );
  }
  if (filterCombinations(policy, effective, 1) > MAX_FILTER_COMBINATIONS) {
    return violation(
      SNS,
      INVALID_PARAMETER,
      `${prefix}FilterPolicy: Filter policy is too complex`,
      'sns.FilterPolicy.combinations',
    );
  }
  return undefined;
}

const asScope = (value: unknown): FilterScope | undefined =>
  value === 'MessageBody' || value === 'MessageAttributes' ? value : undefined;

export const subscribe: Check = (input) => {
  if (!isRecord(input.Attributes)) return undefined;
  const scope = asScope(input.Attributes.FilterPolicyScope) ?? 'MessageAttributes';
  return filterPolicyProblem(input.Attributes.FilterPolicy, scope, true);
};

export const setSubscriptionAttributes: Check = (input) =>
  input.AttributeName === 'FilterPolicy'
    ? filterPolicyProblem(input.AttributeValue, undefined, false)
    : undefined;
