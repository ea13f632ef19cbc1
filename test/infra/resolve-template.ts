/**
 * Resolves CloudFormation intrinsics in a synthesized template to the values a
 * deployment would give them, with names as long as a real deployment's could
 * be, so that size limits are measured against the worst realistic case rather
 * than against `{"Ref": ...}` placeholders.
 *
 * CloudFormation names a resource without a physical name
 * `<stack>-<logical id>-<13 random characters>`, cut to the service's maximum.
 */
import { STACK_ID } from '../../infra/outputs.js';

/** Every account id has 12 digits. */
export const ACCOUNT = '123456789012';
/** Among the longest region codes (14 characters). */
export const REGION = 'ap-southeast-4';
export const PARTITION = 'aws';
const URL_SUFFIX = 'amazonaws.com';
const SUFFIX = 'ABCDEFGHIJKLM';
const UUID = '1234abcd-12ab-34cd-56ef-1234567890ab';

/** Longest physical name each service allows, for the generated name. */
const MAX_NAME: Readonly<Record<string, number>> = {
  'AWS::IAM::Role': 64,
  'AWS::IAM::Policy': 128,
  'AWS::IAM::ManagedPolicy': 128,
  'AWS::Lambda::Function': 64,
  'AWS::SNS::Topic': 256,
  'AWS::SQS::Queue': 80,
  'AWS::DynamoDB::Table': 255,
  'AWS::Logs::LogGroup': 512,
  'AWS::Events::Rule': 64,
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface TemplateLike {
  readonly Resources: Readonly<Record<string, { readonly Type: string }>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
}

/** The value of every intrinsic in `value`, given the template it comes from. */
export function resolveIntrinsics(template: TemplateLike, value: unknown): Json {
  const typeOf = (logicalId: string): string => {
    const resource = template.Resources[logicalId];
    if (!resource) throw new Error(`cannot resolve ${logicalId}: not a resource of the template`);
    return resource.Type;
  };
  const name = (logicalId: string): string => {
    const generated = `${STACK_ID}-${logicalId}-${SUFFIX}`;
    return generated.slice(0, MAX_NAME[typeOf(logicalId)] ?? 255);
  };
  const arn = (service: string, resource: string, region = REGION): string =>
    `arn:${PARTITION}:${service}:${region}:${ACCOUNT}:${resource}`;

  const ref = (id: string): string => {
    switch (id) {
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Region':
        return REGION;
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::URLSuffix':
        return URL_SUFFIX;
      case 'AWS::StackName':
        return STACK_ID;
      case 'AWS::StackId':
        return arn('cloudformation', `stack/${STACK_ID}/${UUID}`);
    }
    const parameter = template.Parameters?.[id];
    if (parameter) return String(parameter.Default ?? '');
    switch (typeOf(id)) {
      case 'AWS::SNS::Topic':
        return arn('sns', name(id));
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.${URL_SUFFIX}/${ACCOUNT}/${name(id)}`;
      case 'AWS::KMS::Key':
        return UUID;
      default:
        return name(id);
    }
  };

  const getAtt = (id: string, attribute: string): string => {
    const type = typeOf(id);
    const found: Record<string, Record<string, () => string>> = {
      'AWS::SNS::Topic': { TopicArn: () => arn('sns', name(id)), TopicName: () => name(id) },
      'AWS::SQS::Queue': {
        Arn: () => arn('sqs', name(id)),
        QueueName: () => name(id),
        QueueUrl: () => ref(id),
      },
      'AWS::KMS::Key': { Arn: () => arn('kms', `key/${UUID}`), KeyId: () => UUID },
      'AWS::IAM::Role': {
        Arn: () => arn('iam', `role/${name(id)}`, ''),
        RoleId: () => `AROA${'A'.repeat(17)}`,
      },
      'AWS::Lambda::Function': { Arn: () => arn('lambda', `function:${name(id)}`) },
      'AWS::DynamoDB::Table': {
        Arn: () => arn('dynamodb', `table/${name(id)}`),
        StreamArn: () => arn('dynamodb', `table/${name(id)}/stream/2025-12-31T23:59:59.999`),
      },
      'AWS::Logs::LogGroup': { Arn: () => arn('logs', `log-group:${name(id)}:*`) },
      'AWS::Events::Rule': { Arn: () => arn('events', `rule/${name(id)}`) },
    };
    const resolve = found[type]?.[attribute];
    if (!resolve) throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute} (${type})`);
    return resolve();
  };

  const walk = (v: unknown): Json => {
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map(walk);
    const entries = Object.entries(v as Record<string, unknown>);
    const [only] = entries;
    if (entries.length === 1 && only) {
      const [key, arg] = only;
      if (key === 'Ref') return ref(String(arg));
      if (key === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return getAtt(id ?? '', attribute ?? '');
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((p) => String(walk(p))).join(separator);
      }
      if (key === 'Fn::Select') {
        const [index, list] = arg as [unknown, unknown];
        const items = walk(list);
        if (!Array.isArray(items)) throw new Error('Fn::Select of something that is not a list');
        return items[Number(walk(index))] ?? null;
      }
      if (key === 'Fn::Split') {
        const [separator, source] = arg as [string, unknown];
        return String(walk(source)).split(separator);
      }
      if (key.startsWith('Fn::')) throw new Error(`cannot resolve ${key}`);
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, walk(x)]));
  };
  return walk(value);
}
