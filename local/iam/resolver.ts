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

/**
 * The property that names a resource of the type, where the template may set
 * it (the trail's name is fixed so that its bucket policy can name its ARN).
 */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::CloudTrail::Trail': 'TrailName',
};

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
    case 'AWS::S3::Bucket':
      return { ref: 'name', attrs: { Arn: (n) => `arn:aws:s3:::${n}` } };
    case 'AWS::CloudTrail::Trail':
      return { ref: 'name', attrs: { Arn: (n) => arn('cloudtrail', `trail/${n}`) } };
    // Resources whose Ref is an id and that have no ARN.
    case 'AWS::IAM::Policy':
    case 'AWS::SNS::TopicPolicy':
    case 'AWS::SQS::QueuePolicy':
    case 'AWS::S3::BucketPolicy':
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

function fail(where: string | undefined, message: string): never {
  throw new ResolveError(where ? `${where}: ${message}` : message);
}

/** The resolver's state and its mutually recursive steps (Ref, GetAtt, Sub, the other intrinsics). */
class TemplateResolver {
  private readonly resources: Resources;
  private readonly parameters: Record<string, unknown>;
  private readonly mappings: Record<string, unknown>;
  private readonly overrides: Readonly<Record<string, string>>;
  private readonly pseudo: Record<string, string>;

  constructor(
    template: CfnTemplate,
    private readonly naming: ResourceNaming,
  ) {
    this.resources = (isRecord(template.Resources) ? template.Resources : {}) as Resources;
    this.parameters = isRecord(template.Parameters) ? template.Parameters : {};
    this.mappings = isRecord(template.Mappings) ? template.Mappings : {};
    this.overrides = naming.overrides ?? {};
    this.pseudo = PSEUDO(naming);
  }

  private namingOf(logicalId: string, where?: string) {
    const type = this.resources[logicalId]?.Type;
    if (type === undefined) return fail(where, `no resource ${logicalId} in the template`);
    if (type === 'AWS::SNS::Subscription') return { type, ref: 'subscription', attrs: {} as Attrs };
    const found = typeNaming(type, this.naming.region, this.naming.account);
    if (!found) return fail(where, `cannot name ${logicalId}: resource type ${type} is not modelled`);
    return { type, ...found };
  }

  private physicalName(logicalId: string, type: string): string {
    const ref = this.overrides[logicalId];
    if (ref !== undefined) return NAME_FROM_REF[type]?.(ref) ?? ref;
    const nameProperty = NAME_PROPERTY[type];
    const named = nameProperty && this.resources[logicalId]?.Properties?.[nameProperty];
    if (named !== undefined && named !== '') return this.resolve(named, `${logicalId}.${nameProperty}`);
    return this.naming.physicalName?.(logicalId, type) ?? logicalId;
  }

  ref(id: string, where?: string): string {
    const p = this.pseudo[id];
    if (p !== undefined) return p;
    const override = this.overrides[id];
    if (override !== undefined) return override;
    if (id in this.parameters) {
      const def = (this.parameters[id] as { Default?: unknown }).Default;
      if (def === undefined) return fail(where, `parameter ${id} has no default and no override`);
      return String(def);
    }
    const n = this.namingOf(id, where);
    if (n.ref === 'subscription') {
      const topic = this.resources[id]?.Properties?.TopicArn;
      return `${this.resolve(topic, `${id}.TopicArn`)}:${id}`;
    }
    const name = this.physicalName(id, n.type);
    return n.ref === 'name' ? name : this.getAtt(id, n.ref, where);
  }

  getAtt(id: string, attr: string, where?: string): string {
    const override = this.overrides[`${id}.${attr}`];
    if (override !== undefined) return override;
    const n = this.namingOf(id, where);
    const f = n.attrs[attr];
    if (!f) return fail(where, `cannot resolve ${id}.${attr}: attribute not modelled for ${n.type}`);
    return f(this.physicalName(id, n.type));
  }

  private sub(text: string, vars: Record<string, unknown>, where?: string): string {
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_m, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      if (name in vars) return this.resolve(vars[name], where);
      const dot = name.indexOf('.');
      return dot > 0 && !name.startsWith('AWS::')
        ? this.getAtt(name.slice(0, dot), name.slice(dot + 1), where)
        : this.ref(name, where);
    });
  }

  /** A literal, a list, or one intrinsic function call. */
  resolveAny(value: unknown, where?: string): string | string[] {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, where));
    if (!isRecord(value) || Object.keys(value).length !== 1)
      return fail(where, `cannot resolve ${JSON.stringify(value)}`);
    const [fn, arg] = Object.entries(value)[0] as [string, unknown];
    return this.intrinsic(fn, arg, where);
  }

  private intrinsic(fn: string, arg: unknown, where?: string): string | string[] {
    switch (fn) {
      case 'Ref':
        return this.ref(String(arg), where);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/s);
        if (!id || !attr) return fail(where, `malformed Fn::GetAtt ${JSON.stringify(arg)}`);
        return this.getAtt(id, attr, where);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown];
        const list = this.resolveAny(parts, where);
        return (Array.isArray(list) ? list : [list]).join(sep);
      }
      case 'Fn::Sub':
        return Array.isArray(arg)
          ? this.sub(String(arg[0]), isRecord(arg[1]) ? arg[1] : {}, where)
          : this.sub(String(arg), {}, where);
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return this.resolve(text, where).split(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = this.resolveAny(list, where);
        const picked = Array.isArray(items) ? items[Number(this.resolve(index, where))] : undefined;
        return picked ?? fail(where, `Fn::Select index ${JSON.stringify(index)} out of range`);
      }
      case 'Fn::FindInMap':
        return this.findInMap(arg as unknown[], where);
      default:
        return fail(where, `${fn} is not supported by the resolver`);
    }
  }

  private findInMap(arg: unknown[], where?: string): string | string[] {
    const [map, top, second] = arg.map((a) => this.resolve(a, where));
    const found = (this.mappings[map ?? ''] as Record<string, Record<string, unknown>> | undefined)?.[
      top ?? ''
    ]?.[second ?? ''];
    return found === undefined
      ? fail(where, `no mapping ${map}.${top}.${second}`)
      : this.resolveAny(found, where);
  }

  resolve(value: unknown, where?: string): string {
    const r = this.resolveAny(value, where);
    return Array.isArray(r) ? fail(where, `expected a string, got the list ${JSON.stringify(r)}`) : r;
  }

  arnOf(logicalId: string): string {
    const type = this.resources[logicalId]?.Type;
    if (type === 'AWS::SNS::Topic' || type === 'AWS::SNS::Subscription')
      return this.ref(logicalId, logicalId);
    if (type === 'AWS::IAM::ManagedPolicy') return this.getAtt(logicalId, 'PolicyArn', logicalId);
    return this.getAtt(logicalId, 'Arn', `ARN of ${logicalId} (${type ?? 'not in the template'})`);
  }
}

/**
 * A resolver over `template`: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`,
 * `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, parameters (override, else
 * default) and the pseudo parameters. Physical name = logical id unless
 * `naming.overrides` says otherwise; ARNs follow each resource type. Anything
 * else (an unknown resource type, `Fn::If`, `Fn::ImportValue`) throws a
 * {@link ResolveError} naming where it was met.
 */
export function createResolver(template: CfnTemplate, naming: ResourceNaming): Resolver {
  const r = new TemplateResolver(template, naming);
  return {
    account: naming.account,
    region: naming.region,
    resolve: (value, where) => r.resolve(value, where),
    arnOf: (logicalId) => r.arnOf(logicalId),
  };
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
