/**
 * Just enough of IAM policy evaluation to ask a synthesized resource policy
 * "is this request explicitly denied?": Deny statements with `*` principals,
 * Action/Resource matching with wildcards, and the condition operators the
 * stack uses. CloudFormation intrinsics are resolved against a fixed account.
 */

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'eu-central-1';

/** The request being judged. Missing context keys are absent, as for an anonymous caller. */
export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | undefined>>;
}

type Intrinsic = Record<string, unknown>;

/** Resolves Ref / Fn::GetAtt / Fn::Join with `names` giving each logical id's ARN or name. */
export function resolve(value: unknown, names: Readonly<Record<string, string>>): string {
  if (typeof value === 'string') return value;
  const v = value as Intrinsic;
  if ('Ref' in v) {
    const id = String(v.Ref);
    if (id === 'AWS::AccountId') return ACCOUNT;
    if (id === 'AWS::Partition') return 'aws';
    if (id === 'AWS::Region') return REGION;
    const found = names[id];
    if (found === undefined) throw new Error(`cannot resolve Ref ${id}`);
    return found;
  }
  if ('Fn::GetAtt' in v) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    const found = names[`${id}.${attr}`];
    if (found === undefined) throw new Error(`cannot resolve GetAtt ${id}.${attr}`);
    return found;
  }
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolve(p, names)).join(sep);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** IAM's wildcard match (`*` any run, `?` one character), case-insensitive for actions. */
function matches(pattern: string, value: string, ignoreCase = false): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'i' : '').test(value);
}

function conditionHolds(
  operator: string,
  block: Record<string, unknown>,
  context: Request['context'],
  names: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(block).every(([key, raw]) => {
    const wanted = list(raw).map((x) => resolve(x, names));
    const actual = context[key];
    switch (operator) {
      case 'Bool':
        return actual !== undefined && wanted.includes(actual);
      case 'StringEquals':
      case 'ArnEquals':
        return actual !== undefined && wanted.includes(actual);
      case 'ArnLike':
      case 'StringLike':
        return actual !== undefined && wanted.some((w) => matches(w, actual));
      // Negated operators match when the key is missing.
      case 'StringNotEquals':
      case 'ArnNotEquals':
        return actual === undefined || !wanted.includes(actual);
      case 'ArnNotLike':
      case 'StringNotLike':
        return actual === undefined || !wanted.some((w) => matches(w, actual));
      default:
        throw new Error(`condition operator ${operator} is not modelled`);
    }
  });
}

/** The Sids (or indexes) of the Deny statements of `document` that deny `request`. */
export function denials(
  document: { Statement: readonly object[] },
  request: Request,
  names: Readonly<Record<string, string>>,
): string[] {
  const out: string[] = [];
  (document.Statement as readonly Record<string, unknown>[]).forEach((s, i) => {
    if (s.Effect !== 'Deny') return;
    const principal = JSON.stringify(s.Principal);
    if (principal !== '{"AWS":"*"}' && principal !== '"*"')
      throw new Error(`principal ${principal} is not modelled`);
    if (!list(s.Action).some((a) => matches(String(a), request.action, true))) return;
    if (!list(s.Resource).some((r) => matches(resolve(r, names), request.resource))) return;
    const conditions = (s.Condition ?? {}) as Record<string, Record<string, unknown>>;
    if (!Object.entries(conditions).every(([op, block]) => conditionHolds(op, block, request.context, names)))
      return;
    out.push(String(s.Sid ?? i));
  });
  return out;
}
