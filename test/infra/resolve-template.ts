/**
 * Resolves CloudFormation intrinsics in a synthesized template to the values a
 * deployment would give them, with names as long as a real deployment's could
 * be, so that size limits are measured against the worst realistic case rather
 * than against `{"Ref": ...}` placeholders. The resolution itself is the
 * request evaluator's (local/iam/resolver.ts); only the naming is the worst case.
 *
 * CloudFormation names a resource without a physical name
 * `<stack>-<logical id>-<13 random characters>`, cut to the service's maximum.
 */
import { STACK_ID } from '../../infra/outputs.js';
import { createResolver, type ResourceNaming, resolveDeep } from '../../local/iam/index.js';
import type { CfnTemplate } from '../../local/template.js';

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
  'AWS::CloudWatch::Alarm': 255,
  'AWS::S3::Bucket': 63,
};

/** The longest names a deployment could give: a 12-digit account, a 14-character region, generated names. */
export const LONGEST_NAMING: ResourceNaming = {
  account: '123456789012',
  region: 'ap-southeast-4',
  physicalName: (logicalId, type) =>
    type === 'AWS::KMS::Key' ? UUID : `${STACK_ID}-${logicalId}-${SUFFIX}`.slice(0, MAX_NAME[type] ?? 255),
};

/** The value of every intrinsic in `value`, given the template it comes from, named by {@link LONGEST_NAMING}. */
export function resolveIntrinsics(template: object, value: unknown): unknown {
  return resolveDeep(value, createResolver(template as CfnTemplate, LONGEST_NAMING), 'template');
}
