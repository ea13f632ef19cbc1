/**
 * IAM request evaluation over the synthesized template: resolve the
 * template's names, index its policies, map AWS API calls to IAM requests and
 * judge them with `@cloud-copilot/iam-simulate` (AGPL-3.0, dev-only: import
 * this from local/ and test/ only, never from functions/, shared/, cli/ or
 * infra/). See SECURITY.md, "Request evaluation".
 */

export {
  awsManagedKeyArn,
  awsManagedKeyPolicy,
  DEFAULT_KEY_POLICY,
  lambdaPermissionStatement,
  UnmodelledPermissionError,
} from './aws-policies.js';
export { JudgeError, type Principal, RequestJudge, type Verdict } from './judge.js';
export {
  ADMIN_USER,
  CLI_SESSION,
  type OnBehalfRequest,
  onBehalfRequests,
  UnmodelledWiringError,
} from './on-behalf.js';
export {
  type NamedPolicy,
  type PolicyDocument,
  PolicyIndex,
  PolicyIndexError,
  type ResourcePolicy,
  type ResourcePolicyKind,
} from './policies.js';
export {
  type AwsCall,
  type IamRequest,
  iamRequestsFor,
  publishRequests,
  type ResourceLookup,
  sendMessageRequests,
  UnmappedCallError,
} from './requests.js';
export {
  createResolver,
  DEFAULT_STREAM_LABEL,
  ResolveError,
  type Resolver,
  type ResourceNaming,
  resolveDeep,
  STATIC_NAMING,
} from './resolver.js';
