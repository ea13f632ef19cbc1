/**
 * Turns the CloudFormation intrinsics of a synthesized template into the
 * strings AWS would see after deployment, so that policies can be evaluated.
 * Physical names come from a naming: fixed defaults for static checks, or the
 * names a running local stack really uses.
 */
import { STACK_ID } from '../../infra/outputs.js';
import type { CfnTemplate } from '../template.js';

/** Account, region and the physical values that override the default naming. */
export interface ResourceNaming {
  account: string;
  region: string;
  /** physical values that override the default naming, keyed `LogicalId` (Ref) or `LogicalId.Attribute` (GetAtt) */
  overrides?: Readonly<Record<string, string>>;
  /**
   * The physical name of a resource without an override (e.g. the long names
   * CloudFormation generates, to measure policy sizes at their worst).
   * @default the logical id
   */
  physicalName?: (logicalId: string, type: string) => string;
}

/** Resolves template values to strings. */
export interface Resolver {
  account: string;
  region: string;
  /** Resolves a literal or intrinsic to a string; `where` names the place in errors. */
  resolve(value: unknown, where?: string): string;
  /** ARN of any resource by logical id. */
  arnOf(logicalId: string): string;
}

/** The naming of static checks: a fixed account and region, physical name = logical id. */
export const STATIC_NAMING = { account: '111122223333', region: 'eu-central-1' };

/** The date every default stream ARN carries (`…/stream/<date>`). */
export const DEFAULT_STREAM_LABEL = '2026-01-01T00:00:00.000';

/** A value of the template cannot be resolved. */
export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolveError';
  }
}

type Resources = Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
type Attrs = Record<string, (name: string) => string>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const lastSegment = (s: string, sep: string) => s.slice(s.lastIndexOf(sep) + 1);

/** Reads a resource's physical name back from an override of its Ref, for types whose Ref is not the name. */
const NAME_FROM_REF: Record<string, (ref: string) => string> = {
  'AWS::SNS::Topic': (arn) => lastSegment(arn, ':'),
  'AWS::SQS::Queue': (url) => lastSegment(url, '/'),
  'AWS::IAM::ManagedPolicy': (arn) => lastSegment(arn, '/'),
};

/** Ref and attributes by resource type, from the physical name. */
function typeNaming(
  type: string,
  region: string,
  account: string,
): { ref: string; attrs: Attrs } | undefined {
  const arn = (service: string, rest: string) => `arn:aws:${service}:${region}:${account}:${rest}`;
  const table = (n: string) => arn('dynamodb', `table/${n}`);
  switch (type) {
    case 'AWS::DynamoDB::Table':
      return {
        ref: 'name',
        attrs: { Arn: table, StreamArn: (n) => `${table(n)}/stream/${DEFAULT_STREAM_LABEL}` },
      };
    case 'AWS::SNS::Topic':
      return { ref: 'TopicArn', attrs: { TopicArn: (n) => arn('sns', n), TopicName: (n) => n } };
    case 'AWS::SQS::Queue':
      return {
        ref: 'QueueUrl',
        attrs: {
          QueueUrl: (n) => `https://sqs.${region}.amazonaws.com/${account}/${n}`,
          Arn: (n) => arn('sqs', n),
          QueueName: (n) => n,
        },
      };
    case 'AWS::KMS::Key':
      return { ref: 'KeyId', attrs: { KeyId: (n) => n, Arn: (n) => arn('kms', `key/${n}`) } };
    case 'AWS::IAM::Role':
      return {
        ref: 'name',
        attrs: { Arn: (n) => `arn:aws:iam::${account}:role/${n}`, RoleId: (n) => `AROA${n}` },
      };
    case 'AWS::IAM::ManagedPolicy':
      return { ref: 'PolicyArn', attrs: { PolicyArn: (n) => `arn:aws:iam::${account}:policy/${n}` } };
    case 'AWS::Lambda::Function':
      return { ref: 'name', attrs: { Arn: (n) => arn('lambda', `function:${n}`) } };
    case 'AWS::CloudWatch::Alarm':
      return { ref: 'name', attrs: { Arn: (n) => arn('cloudwatch', `alarm:${n}`) } };
    case 'AWS::Events::Rule':
      return { ref: 'name', attrs: { Arn: (n) => arn('events', `rule/${n}`) } };
    case 'AWS::Logs::LogGroup':
      return { ref: 'name', attrs: { Arn: (n) => arn('logs', `log-group:${n}:*`) } };
    // Resources whose Ref is an id and that have no ARN.
    case 'AWS::IAM::Policy':
    case 'AWS::SNS::TopicPolicy':
    case 'AWS::SQS::QueuePolicy':
    case 'AWS::Lambda::Permission':
    case 'AWS::Lambda::EventSourceMapping':
    case 'AWS::Lambda::EventInvokeConfig':
    case 'AWS::CloudWatch::Dashboard':
      return { ref: 'name', attrs: {} };
    default:
      return undefined;
  }
}

const PSEUDO = (naming: ResourceNaming): Record<string, string> => ({
  'AWS::AccountId': naming.account,
  'AWS::Region': naming.region,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': naming.overrides?.['AWS::StackName'] ?? STACK_ID,
});

/**
 * A resolver over `template`: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`,
 * `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, parameters (override, else
 * default) and the pseudo parameters. Physical name = logical id unless
 * `naming.overrides` says otherwise; ARNs follow each resource type. Anything
 * else (an unknown resource type, `Fn::If`, `Fn::ImportValue`) throws a
 * {@link ResolveError} naming where it was met.
 */
export function createResolver(template: CfnTemplate, naming: ResourceNaming): Resolver {
  const resources = (isRecord(template.Resources) ? template.Resources : {}) as Resources;
  const parameters = isRecord(template.Parameters) ? template.Parameters : {};
  const mappings = isRecord(template.Mappings) ? template.Mappings : {};
  const overrides = naming.overrides ?? {};
  const pseudo = PSEUDO(naming);
  const fail = (where: string | undefined, message: string): never => {
    throw new ResolveError(where ? `${where}: ${message}` : message);
  };

  const namingOf = (logicalId: string, where?: string) => {
    const type = resources[logicalId]?.Type;
    if (type === undefined) return fail(where, `no resource ${logicalId} in the template`);
    if (type === 'AWS::SNS::Subscription') return { type, ref: 'subscription', attrs: {} as Attrs };
    const found = typeNaming(type, naming.region, naming.account);
    if (!found) return fail(where, `cannot name ${logicalId}: resource type ${type} is not modelled`);
    return { type, ...found };
  };
  const physicalName = (logicalId: string, type: string) => {
    const ref = overrides[logicalId];
    if (ref === undefined) return naming.physicalName?.(logicalId, type) ?? logicalId;
    return NAME_FROM_REF[type]?.(ref) ?? ref;
  };

  const ref = (id: string, where?: string): string => {
    const p = pseudo[id];
    if (p !== undefined) return p;
    const override = overrides[id];
    if (override !== undefined) return override;
    if (id in parameters) {
      const def = (parameters[id] as { Default?: unknown }).Default;
      if (def === undefined) return fail(where, `parameter ${id} has no default and no override`);
      return String(def);
    }
    const n = namingOf(id, where);
    if (n.ref === 'subscription') {
      const topic = resources[id]?.Properties?.TopicArn;
      return `${resolve(topic, `${id}.TopicArn`)}:${id}`;
    }
    const name = physicalName(id, n.type);
    return n.ref === 'name' ? name : getAtt(id, n.ref, where);
  };

  const getAtt = (id: string, attr: string, where?: string): string => {
    const override = overrides[`${id}.${attr}`];
    if (override !== undefined) return override;
    const n = namingOf(id, where);
    const f = n.attrs[attr];
    if (!f) return fail(where, `cannot resolve ${id}.${attr}: attribute not modelled for ${n.type}`);
    return f(physicalName(id, n.type));
  };

  const sub = (text: string, vars: Record<string, unknown>, where?: string): string =>
    text.replace(/\$\{(!?)([^}]+)\}/g, (_m, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      if (name in vars) return resolve(vars[name], where);
      const dot = name.indexOf('.');
      return dot > 0 && !name.startsWith('AWS::')
        ? getAtt(name.slice(0, dot), name.slice(dot + 1), where)
        : ref(name, where);
    });

  const resolveAny = (value: unknown, where?: string): string | string[] => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (Array.isArray(value)) return value.map((v) => resolve(v, where));
    if (!isRecord(value) || Object.keys(value).length !== 1)
      return fail(where, `cannot resolve ${JSON.stringify(value)}`);
    const [fn, arg] = Object.entries(value)[0] as [string, unknown];
    switch (fn) {
      case 'Ref':
        return ref(String(arg), where);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/s);
        if (!id || !attr) return fail(where, `malformed Fn::GetAtt ${JSON.stringify(arg)}`);
        return getAtt(id, attr, where);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown];
        const list = resolveAny(parts, where);
        return (Array.isArray(list) ? list : [list]).join(sep);
      }
      case 'Fn::Sub':
        return Array.isArray(arg)
          ? sub(String(arg[0]), isRecord(arg[1]) ? arg[1] : {}, where)
          : sub(String(arg), {}, where);
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return resolve(text, where).split(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = resolveAny(list, where);
        const picked = Array.isArray(items) ? items[Number(resolve(index, where))] : undefined;
        return picked ?? fail(where, `Fn::Select index ${JSON.stringify(index)} out of range`);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = (arg as unknown[]).map((a) => resolve(a, where));
        const found = (mappings[map ?? ''] as Record<string, Record<string, unknown>> | undefined)?.[
          top ?? ''
        ]?.[second ?? ''];
        return found === undefined
          ? fail(where, `no mapping ${map}.${top}.${second}`)
          : resolveAny(found, where);
      }
      default:
        return fail(where, `${fn} is not supported by the resolver`);
    }
  };

  function resolve(value: unknown, where?: string): string {
    const r = resolveAny(value, where);
    return Array.isArray(r) ? fail(where, `expected a string, got the list ${JSON.stringify(r)}`) : r;
  }

  const arnOf = (logicalId: string): string => {
    const type = resources[logicalId]?.Type;
    if (type === 'AWS::SNS::Topic' || type === 'AWS::SNS::Subscription') return ref(logicalId, logicalId);
    if (type === 'AWS::IAM::ManagedPolicy') return getAtt(logicalId, 'PolicyArn', logicalId);
    return getAtt(logicalId, 'Arn', `ARN of ${logicalId} (${type ?? 'not in the template'})`);
  };

  return { account: naming.account, region: naming.region, resolve, arnOf };
}

/**
 * Resolves every intrinsic inside a policy document (or any JSON), keeping
 * the shape. Each intrinsic must resolve to one string.
 */
export function resolveDeep(value: unknown, resolver: Resolver, where: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, resolver, where));
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::')))
    return resolver.resolve(value, where);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, resolver, where)]));
}
